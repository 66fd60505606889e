"""The label normalizer's data: the schema and loader of ``label-rules.yaml``, and word folding.

``ontology/mappings/label-rules.yaml`` holds every word list and pattern of
:mod:`medfuse.kg.normalize`: spelling and plural folding, laterality, abbreviations, name grammars
(TG-263 suffixes, FreeSurfer glosses, glued prefixes), lesion kinds and the sites of diseases. It is
validated once, when loaded, so a broken pattern or an unknown predicate fails at start-up with
the file named. :func:`words_of` splits a name into words and :class:`WordFolder` folds each word
as the rules say (ordinals, plurals, British spelling), the same way for names and for terms.

>>> rules = load_rules()
>>> rules.laterality.words["left"], rules.laterality.parts["a"]
('left', 'anterior')
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import cache
from importlib.resources import files

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from medfuse.kg.errors import CatalogError
from medfuse.loaders.tokens import normalize as normalize_key

__all__ = [
    "BROAD",
    "CLOSE",
    "EXACT",
    "NARROW",
    "PREDICATES",
    "RULES_FILE",
    "Destrieux",
    "LabelRules",
    "Latin",
    "NumberedRule",
    "WordFolder",
    "key_words",
    "keys_and_words",
    "load_rules",
    "words_of",
]

#: The rules file, in ``ontology/mappings/``.
RULES_FILE = "label-rules.yaml"

EXACT, CLOSE, BROAD, NARROW = (
    "skos:exactMatch",
    "skos:closeMatch",
    "skos:broadMatch",
    "skos:narrowMatch",
)
#: The SSSOM predicates an answer may carry.
PREDICATES = (EXACT, CLOSE, BROAD, NARROW)


class _Rule(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class _Abstain(_Rule):
    pattern: str
    reason: str
    unless_found: bool = False
    raw: bool = False


class _Narrowing(_Rule):
    pattern: str
    factor: float
    late: bool = False
    #: The words read instead of the pattern's ``core`` group, for a convention that names a
    #: region of a structure without the structure's word ("left apical zone" on a radiograph).
    read_as: str | None = None
    #: Modality words the rule holds in; empty: every modality.
    modalities: list[str] = []
    #: Sources ("MONDO") or single terms ("UBERON:0007780") that may answer what is left; empty: any.
    answers: list[str] = []
    #: Terms the answer must be or lie below (a part or a kind of); empty: any.
    under: list[str] = []


class _PastCount(_Rule):
    """Numbers past a grammar's count that real label maps use but no term names (a sixth lumbar
    vertebra, Couinaud segment 5): the structure's broader term answers (skos:broadMatch)."""

    #: Region (or the grammar's last name word) -> the highest such number.
    upto: dict[str, int]
    names: list[str]


class NumberedRule(_Rule):
    """A grammar of numbered or coded structures (vertebrae "L3", teeth "36"); see the rules file."""

    name: str
    patterns: list[str]
    regions: dict[str, str] = {}
    #: Region -> how many there are (a number past it has no term); not for ``fields`` grammars.
    count: dict[str, int] = {}
    #: For grammars whose groups are codes rather than a count (a tooth's quadrant and position):
    #: group -> its value -> the words the value puts into ``names``. A value not listed has no term.
    fields: dict[str, dict[str, dict[str, str]]] = {}
    names: list[str]
    #: Names of a broader term, tried after ``names`` (skos:broadMatch).
    broader_names: list[str] = []
    predicate: str = EXACT
    #: Confidence factor of an answer from ``names``.
    factor: float = 1.0
    #: Confidence factor of an answer from ``broader_names`` or ``past_count``.
    broader_factor: float = 0.9
    past_count: _PastCount | None = None
    beyond: str


class _Lesion(_Rule):
    kinds: dict[str, list[str]]
    qualifiers: list[str]
    #: Words a lesion term's name may drop and still name it ("acute ischaemic lesion").
    optional: list[str] = []
    broader: dict[str, list[str]]
    mondo: dict[str, list[str]]
    generic: dict[str, str]
    #: Kind -> head nouns that turn a site adjective into the site ("pericardial" -> cavity).
    site_heads: dict[str, list[str]] = {}
    #: Modalities whose label maps outline lesions: a lesion term of the name's site and kind
    #: answers before a MONDO disease term ("renal neoplasm" on CT: the kidney tumour).
    over_disease_in: list[str] = []


class _DiseaseSites(_Rule):
    #: MONDO class -> UBERON site, for the class and everything under it.
    by_ancestor: dict[str, str]
    #: Modality word -> the site of every finding imaged with it.
    by_modality: dict[str, str]
    #: Head nouns tried after a site adjective of a disease name ("pleural" disorder).
    heads: list[str]
    #: Words before the site in "<disease> of/in <site>".
    connectors: list[str]
    #: Levels of MONDO parents whose names are read for a site.
    depth: int


class _ByModality(_Rule):
    name: str
    modalities: list[str]
    term: str
    predicate: str
    confidence: float
    note: str


class _Laterality(_Rule):
    words: dict[str, str]
    short: dict[str, str]
    #: Letters written before a short side letter in one token ("Eye_AL": anterior, left).
    parts: dict[str, str] = {}
    both: list[str]
    heads: list[str]
    unsided_factor: float


class _HeadClass(_Rule):
    """A class of structures a head noun names (bones, veins, ...), for head-noun agreement."""

    #: Words of a name that say the class ("bone", Latin "os", TG-263 "Musc").
    words: list[str]
    #: Terms under which every member lies (skeletal element for bones).
    under: list[str] = []
    #: Sources whose every term is a member (MONDO for diseases).
    sources: list[str] = []
    #: Head nouns to add when the class's words are dropped ("ctx-lh-lingual": gyrus).
    heads: list[str] = []
    #: Words that only mark the class and are dropped with it (Destrieux "G" after "ctx").
    markers: list[str] = []


class _Shortening(_Rule):
    """Words cut short ("thyroid cart.", "falciform lig.", "Lat_Vent_R"): each unknown word is
    read as a word it begins, where exactly one reading of the whole name is a term's name."""

    #: Only cut words of at least this many letters are read (shorter ones are codes).
    min_letters: int
    #: A cut word with more candidate words than this is not read (too little is written).
    max_candidates: int
    #: Confidence factor of an answer found through cut words.
    factor: float


class _Respelling(_Rule):
    """Typing slips in a long word ("gallblader", "Kideny"): one letter left out, doubled or two
    swapped, where exactly one known word is that slip away."""

    #: Only words of at least this many letters are respelled (short words are codes).
    min_letters: int
    #: Words of at least this many letters may have one vowel written for another.
    vowels_from: int | None = None
    #: Confidence factor of an answer found through a respelled word.
    factor: float
    #: Sources whose synonyms' words a slip may be respelled to (the words of labels always).
    sources: list[str]
    #: Where several words fit, the commonest answers only if it is in this many times more names
    #: than all the others together.
    dominance: int


class _NoFinding(_Rule):
    term: str
    negations: list[str]
    word_negations: list[str] = []
    not_negated: list[str] = []
    other_diseases: list[str] = []
    generic: list[str] = []
    alone: list[str]
    normal_heads: list[str]
    normal_after: list[str] = []
    tissue_compartments: list[str] = []


class _TermInModality(_Rule):
    terms: list[str]
    modalities: list[str]
    answer: str


class _FindingsByModality(_Rule):
    modalities: list[str]
    term: str
    kinds: list[str]
    words: list[str] = []


class Latin(_Rule):
    nouns: dict[str, str]
    endings: list[tuple[str, str]]
    words: dict[str, str] = {}


class Translation(_Rule):
    #: Endings of other languages' adjectives -> English endings ("fémorale": femoral), made only
    #: where they give a word of the ontology.
    endings: list[tuple[str, str]]
    #: Letters that give a side at the end of a name of another language ("Poumon G").
    side_letters: dict[str, str] = {}


class Destrieux(_Rule):
    pattern: str
    heads: dict[str, str]
    words: dict[str, str]
    positions: list[str] = []


class _CompartmentFindings(_Rule):
    modalities: list[str]
    #: Compartment word -> the abbreviation whose reading it names alone ("subdural": SDH).
    compartments: dict[str, str]


class _Hemispheres(_Rule):
    #: Side words that name a brain hemisphere ("lh", "rh").
    words: list[str]
    #: The term every answer to a name sided so lies under (the nervous system).
    within: str


class _Merged(_Rule):
    #: What splits a label that merges several structures or findings into its parts.
    joiners: str
    #: The term a merged label answers -> the CURIE prefixes every part's term must have.
    answers: dict[str, list[str]]

    @field_validator("joiners")
    @classmethod
    def _joiners_compile(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as error:
            raise ValueError(f"invalid regular expression {value!r}: {error}") from error
        return value


class _Acronyms(_Rule):
    #: MONDO classes whose ontology acronyms may answer an all-capitals code (GBM).
    mondo_under: list[str]
    #: An acronym of one term only, and at most this many letters.
    max_letters: int
    #: Modality words where acronyms answer; empty: every modality.
    modalities: list[str] = []


class LabelRules(BaseModel):
    """The validated content of ``label-rules.yaml``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: int
    prefixes: list[str]
    #: Sources whose synonyms, not only labels, match as a set of words.
    unordered_synonyms: list[str]
    #: Sources written by hand: their synonyms may answer short names and capitals codes.
    curated_sources: list[str]
    #: Sources whose "part of whole" names also answer the part's name alone, where unique.
    whole_omitted: list[str] = []
    prefixes_by_modality: dict[str, list[str]]
    exclude_under: dict[str, str]
    #: Roots among ``exclude_under`` whose terms still answer, as a last resort, a name that is
    #: their label word for word when no other term fits (root -> why).
    last_resort_under: dict[str, str] = {}
    #: Terms under those roots that are no last resort (a homonym of adult anatomy) -> why.
    last_resort_except: dict[str, str] = {}
    #: CURIE pattern -> why its terms never answer (taxon-specific id ranges of UBERON).
    exclude_ids: dict[str, str]
    modality_aliases: dict[str, str]
    stop_words: list[str]
    plurals: dict[str, str]
    #: Plural ending -> singular ending, for words of seven letters or more ("keratoses").
    plural_endings: dict[str, str]
    not_plural: list[str]
    spelling: list[tuple[str, str]]
    ordinals: dict[str, int]
    laterality: _Laterality
    expansions: dict[str, str]
    adjectives: dict[str, str]
    fillers: list[str]
    #: Fillers that drop only where the rest reads as a term of ``finding_prefixes``.
    finding_fillers: list[str] = []
    finding_prefixes: list[str] = ["MONDO", "mfles"]
    heads: list[str]
    organs: list[str]
    #: Organs only a name of two words or more may leave out ("central zone": prostate).
    phrase_organs: list[str]
    word_variants: dict[str, list[str]]
    #: Adjective ending of a disease word -> the noun's ending ("glaucomatous": glaucoma).
    derivations: dict[str, str]
    #: Words whose first variant means the same in every name ("bowel": intestine), so that the
    #: label their variant spells beats another term's synonym ("large bowel": large intestine).
    same_words: list[str]
    #: Prefixes written apart from their word ("peri-tumoural"): joined when not found as written.
    bound_prefixes: list[str]
    #: Word starts split off a longer unknown word ("superiorfrontal", "GTVlung").
    glued: list[str]
    #: A separator between a code and its spelled-out name ("Left-IOG---inferior-occipital-gyrus").
    gloss: str
    #: The end of a file name that is not part of the label ("spleen.nii.gz"), matched on the raw
    #: name and cut off before anything else.
    file_suffix: str
    #: A name written head first with its qualifier after a comma ("Cingulate Gyrus, anterior
    #: division"): groups ``head`` and ``qualifier``, read as "qualifier head".
    inverted: str
    #: Heads that may follow a head noun ("skeletal muscle" + tissue).
    heads_after_head: list[str]
    #: Term -> head nouns of the non-anatomical objects (devices, phantoms, instruments,
    #: artefacts) it answers for a name that matches nothing else.
    object_heads: dict[str, list[str]] = {}
    #: Parts of an object a name writes after the object's head ("Stapler_Head").
    object_parts: list[str] = []
    #: The finding a name of generic finding words means in a modality (PET: the FDG-avid lesion).
    findings_by_modality: list[_FindingsByModality] = []
    #: Modality word -> the organ adjective its label maps leave out of disease names (fundus:
    #: "retinal" of "retinal microaneurysm").
    organ_of_modality: dict[str, str] = {}
    #: Term -> the only modality words whose label maps it answers in ("cell nucleus").
    terms_only_in: dict[str, list[str]] = {}
    #: Terms that label maps of some modalities mean more narrowly (radiology: skeletal muscle).
    term_in_modality: list[_TermInModality] = []
    #: Latin names read in English order ("Ventriculus lateralis": lateral ventricle).
    latin: Latin | None = None
    #: Names of other languages read word by word in English ("Nerf optique": optic nerve).
    translation: Translation | None = None
    #: Findings named by their compartment alone in some modalities ("subdural" on head CT).
    compartment_findings: _CompartmentFindings | None = None
    #: FreeSurfer's Destrieux parcel names ("ctx_lh_G_front_sup").
    destrieux: Destrieux | None = None
    #: Modalities (case-folded, as written) where a bare FDI number names a tooth ("36").
    bare_tooth_numbers: list[str] = []
    #: Collections that prefix their class codes with their name ("TCGA-LUAD") -> the modality
    #: words whose label maps also write the codes bare ("PAAD" on pathology).
    code_prefixes: dict[str, list[str]] = {}
    #: One-letter heads of Latin names -> the Latin word ("n" of "N. opticus": nervus).
    latin_heads: dict[str, str] = {}
    #: The tissue levels of an atlas path of dotted levels ("Gray Matter", Talairach Daemon).
    path_tissues: list[str] = []
    #: Tissue words an atlas writes before a structure's name ("GM Hippocampus dentate gyrus")
    #: -> the term its answer must lie under, if any ("WM": white matter).
    tissue_prefixes: dict[str, str | None] = {}
    #: Head nouns a shortened name never completes to a longer label with ("dense tissue").
    completion_generic_heads: list[str] = []
    #: Position words label files write after the head ("teeth_upper"), read before it.
    completion_positions: list[str] = []
    #: The term of a class name that says "no finding" ("no tumour", "negative").
    no_finding: _NoFinding | None = None
    #: A label that merges structures ("Liver & Spleen") or findings ("copd/emphysema").
    merged: _Merged | None = None
    #: Modality word -> the heads a bare word takes first where several give a term.
    heads_by_modality: dict[str, list[str]]
    #: Heads a cell name leaves out, tried first where the modality ranks CL first ("epithelial").
    cell_heads: list[str]
    #: Heads a disease's eponym leaves out ("Alzheimer"): only a MONDO label answers.
    disease_heads: list[str] = []
    #: Parts of a cell a pathology label names its cell class by ("lymphocyte nuclei").
    cell_parts: list[str]
    #: Qualifier letters written last in TG-263 names ("Musc_Constrict_S": superior).
    suffixes: dict[str, str]
    #: Head-noun agreement: class name -> the class; a name that says a class never answers a
    #: term of another class ("pubic bone" is no vein).
    head_classes: dict[str, _HeadClass]
    abstain: list[_Abstain]
    narrowing: list[_Narrowing]
    numbered: list[NumberedRule]
    lesion: _Lesion
    disease_sites: _DiseaseSites
    acronyms: _Acronyms
    #: Hemisphere sides: a name sided so names a part of the nervous system ("HIP-rh").
    hemispheres: _Hemispheres | None = None
    #: Words after which a number counts instances ("GTV1", "lesion_2").
    instance_heads: list[str]
    respelling: _Respelling
    shortening: _Shortening
    #: A MONDO class with more subclasses than this answers no one-word name ("infection").
    broad_disease: int
    by_modality: list[_ByModality]
    confidence: dict[str, float]
    short_name: int

    @field_validator(
        "abstain",
        "narrowing",
        "numbered",
        "spelling",
        "gloss",
        "exclude_ids",
        "file_suffix",
        "inverted",
    )
    @classmethod
    def _patterns_compile(cls, value: object) -> object:
        for pattern in _patterns_of(value):
            try:
                re.compile(pattern)
            except re.error as error:
                raise ValueError(f"invalid regular expression {pattern!r}: {error}") from error
        return value

    @field_validator("by_modality")
    @classmethod
    def _known_predicates(cls, value: list[_ByModality]) -> list[_ByModality]:
        for rule in value:
            if rule.predicate not in PREDICATES:
                raise ValueError(f"unknown predicate {rule.predicate!r} for {rule.name!r}")
        return value


def _patterns_of(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return list(value)
    out: list[str] = []
    for item in value:  # type: ignore[attr-defined]
        if isinstance(item, tuple):
            out.append(item[0])
        elif isinstance(item, NumberedRule):
            out += item.patterns
        else:
            out.append(item.pattern)
    return out


@cache
def load_rules() -> LabelRules:
    """Read and validate ``ontology/mappings/label-rules.yaml`` (once per process).

    :raises CatalogError: naming the file when it is not valid YAML or breaks the schema.

    >>> load_rules().laterality.words["left"]
    'left'
    """
    resource = files("medfuse.ontology").joinpath("mappings", RULES_FILE)
    source = f"ontology/mappings/{RULES_FILE}"
    try:
        data = yaml.safe_load(resource.read_text(encoding="utf-8"))
        return LabelRules.model_validate(data)
    except yaml.YAMLError as error:
        raise CatalogError(source, f"not valid YAML: {error}") from error
    except ValidationError as error:
        raise CatalogError(source, f"does not follow the rules schema: {error}") from error


# ------------------------------------------------------------------------------------ words
#: A possessive "'s", also before an underscore ("Behcet's_Syndrome").
_POSSESSIVE = re.compile(r"['\u2019]s(?![A-Za-z0-9])")
#: Word breaks inside a token: camelCase, an acronym before a word, letters before or after digits,
#: a side letter after a number ("Rib07L", "C7R").
_BREAKS = re.compile(
    r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z]{2,})"
    r"|(?<=[A-Za-z]{2})(?=\d)|(?<=\d)(?!(?:st|nd|rd|th)\b)(?=[A-Za-z]{2,})"
    r"|(?<=\d)(?=[LR](?:\b|_))"
)
_WORD = re.compile(r"[0-9a-z]+")
#: German letters and the ligatures œ, æ, and their transliteration in a-z.
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "œ": "oe", "æ": "ae"})
_ORDINAL = re.compile(r"^(\d+)(?:st|nd|rd|th)$")


def words_of(text: str, *, split_case: bool = True) -> list[str]:
    """Return the lower-case words of a name, split at separators, case changes and digits.

    >>> words_of("Glnd_Submand_L")
    ['glnd', 'submand', 'l']
    >>> words_of("LeftKidney"), words_of("rib3"), words_of("3rd-Ventricle")
    (['left', 'kidney'], ['rib', '3'], ['3rd', 'ventricle'])
    >>> words_of("Behcet's_Syndrome")
    ['behcet', 'syndrome']
    """
    if "'" in text or "\u2019" in text:
        text = _POSSESSIVE.sub("", text)
    if split_case:
        text = _BREAKS.sub(" ", text)
    return key_words(text.casefold())


def key_words(key: str) -> list[str]:
    """Split a case-folded name at everything but digits and letters a-z.

    Letters with diacritics are spelled in a-z first: German umlauts as their usual
    transliteration ("gebärmutter" is "gebaermutter"), others without the mark ("ménière").

    >>> key_words("gebärmutter"), key_words("ménière disease")
    (['gebaermutter'], ['meniere', 'disease'])
    """
    if key.isascii() and key.replace(" ", "").isalnum():  # most names: plain words
        return key.split()
    if "'" in key or "\u2019" in key:
        key = _POSSESSIVE.sub("", key)
    if not key.isascii():
        decomposed = unicodedata.normalize("NFKD", key.translate(_UMLAUTS))
        key = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _WORD.findall(key)


def keys_and_words(names: list[str]) -> tuple[list[str], list[list[str]], list[int]]:
    """Return the lookup key (:func:`normalize_key`) and the words of each name, and which names
    are not plain words (their words, joined, may differ from their key).

    Most names are plain words and spaces: their words are split once and joined into the key.

    >>> keys_and_words(["Left Kidney", "X-ray"])
    (['left kidney', 'x-ray'], [['left', 'kidney'], ['x', 'ray']], [1])
    """
    folded = [name.casefold() for name in names]
    plain = [text.isascii() and text.replace(" ", "").isalnum() for text in folded]
    words = [text.split() if ok else [] for text, ok in zip(folded, plain)]
    keys = [" ".join(w) if ok else normalize_key(n) for w, ok, n in zip(words, plain, names)]
    irregular = [i for i, ok in enumerate(plain) if not ok]
    for i in irregular:
        words[i] = key_words(keys[i])
    return keys, words, irregular


class WordFolder(dict[str, str]):
    """Word -> folded word (ordinals to digits, plurals to singular, British to American spelling).

    A dict that fills itself: after its first use a word folds with one C-level lookup, which is
    what keeps indexing a hundred thousand names fast.

    >>> fold = WordFolder(load_rules())
    >>> fold["tumours"], fold["third"], fold["oesophagus"], fold["kidney"], fold["sinuses"]
    ('tumor', '3', 'esophagus', 'kidney', 'sinus')
    >>> fold["stenoses"], fold["seborrhoeic"]
    ('stenosis', 'seborrheic')
    """

    def __init__(self, rules: LabelRules) -> None:
        super().__init__()
        self._ordinals = {w: str(n) for w, n in rules.ordinals.items()}
        self._plurals = rules.plurals
        self._endings = tuple(rules.plural_endings.items())
        self._ending_keys = tuple(rules.plural_endings)
        self._keep = frozenset(rules.not_plural)
        self._spelling = [(re.compile(p), r) for p, r in rules.spelling]
        self._any_spelling = re.compile("|".join(f"(?:{p})" for p, _ in rules.spelling) or "(?!)")
        #: A line (one word) that a spelling rule changes.
        self._any_line = re.compile(rf"(?m)^[^\n]*(?:{self._any_spelling.pattern})[^\n]*")

    def __missing__(self, word: str) -> str:
        folded = self[word] = self._fold(word)
        return folded

    def prime(self, words: Iterable[str]) -> frozenset[str]:
        """Fold many new words at once and return those that folding changes.

        One scan of all the words finds those the spelling rules touch; the others need folding
        only if they end in "s" or a plural ending, start with a digit or are listed.
        """
        new = set(words) - self.keys()
        touched = {m[0] for m in self._any_line.finditer("\n".join(new))}
        touched.update(
            w for w in new if w[-1] == "s" or w[0].isdigit() or w.endswith(self._ending_keys)
        )
        touched.update(new & (self._ordinals.keys() | self._plurals.keys()))
        self.update(zip(new, new))
        self.update((word, self._fold(word)) for word in touched)
        return frozenset(w for w, f in self.items() if w != f)

    def _fold(self, word: str) -> str:
        if word in self._ordinals:
            return self._ordinals[word]
        if (match := _ORDINAL.match(word)) is not None:
            return match[1]
        word = self._plurals.get(word) or self._singular(word)
        if self._any_spelling.search(word):
            for pattern, replacement in self._spelling:
                word = pattern.sub(replacement, word)
        return word

    def _singular(self, word: str) -> str:
        if len(word) <= 3 or not word.isalpha() or word in self._keep:
            return word
        if word.endswith(("ss", "us", "is", "os")):
            return word
        for plural, singular in self._endings:
            if word.endswith(plural) and len(word) >= 7:
                return word[: -len(plural)] + singular
        if word.endswith(("uses", "sses")):  # sinuses, plexuses; masses, abscesses
            return word[:-2]
        if word.endswith("ies"):
            return word[:-3] + "y"
        if word.endswith(("ches", "shes", "xes")):
            return word[:-2]
        return word.removesuffix("s")
