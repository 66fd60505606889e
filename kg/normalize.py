"""Map raw segmentation/classification label names to ontology terms, or abstain with a reason.

Label files name the same structure in many ways: ``kidney_left``, ``Kidney_L``, ``Lt. Kidney``,
``LeftKidney``, ``left kidney``, ``kidney_left.nii.gz``. :class:`LabelNormalizer` cuts off a file
name's extension and joins a word a hyphen splits ("mid-brain"), then tries, in order: rules and
alternate names that depend on the modality ("macula" on a fundus photograph), FreeSurfer's
Destrieux parcels (``ctx_lh_G_front_sup``), findings a modality's maps name by generic words
(``FDG_lesion`` on PET), the curated table
(``ontology/mappings/label-synonyms.sssom.tsv``), standard abbreviations read in the modality
(``label-abbreviations.tsv``: "SMA" on CT, ambiguous ones abstain), words in parentheses (an
apposition, "Bile duct (CBD)", or a qualifier, "nodule (thyroid)"), classes of no finding ("no
tumour", "negative", "normal tissue"), a compartment that names a head CT haemorrhage
("subdural"), a bare FDI number on a dental image, names that say nothing (``label_3``,
``background``, a side alone, a Roman numeral alone), the labels and exact synonyms of UBERON, MONDO, CL,
the medfuse lesion terms and medfuse's anatomy additions (organelles, surgical instruments) plus
curated Latin and alternate names (``label-alternate-names.tsv``), as written,
then with case, separators, plurals, ordinals and British spelling folded, then as a set of words;
laterality (the sided UBERON term where one exists, else the unsided term as
``skos:broadMatch``), numbered vertebrae, ribs, discs, Couinaud segments, teeth, cranial nerves
and lymph node stations and levels (a numbered grammar before a name that shares its words),
lesion names with their site, and cautious fallbacks: abbreviations, TG-263 part-and-side suffixes (``Eye_AL``) and
qualifier letters (``Musc_Constrict_S``), FreeSurfer glosses
(``Left-IOG---inferior-occipital-gyrus``; a code before its name without the separator, ``Left
PCgG posterior cingulate gyrus``, read last), Harvard-Oxford qualifiers after a comma (``Cingulate
Gyrus, anterior division``, read first), glued prefixes and compounds (``superiorfrontal``,
``chestwall``), split-off prefixes (``peri-tumoural``), word and phrase variants (a chamber's
"blood pool" is its cavity, "gall stones" are gallstones), site and disease adjectives
("glaucomatous"), filler words, grades of a disease (``esophagitis-b``), a term's name with words
of its own names (``Axis_C2``), missing heads (a bare word that several heads fit abstains unless
the modality prefers one), instance numbers (``GTV2``), one typing slip in a long word and, last, a name that shortens one
anatomy term's label (``cervical_cord``), a German compound of a site and a finding
(``Nierenzyste``), a Latin name read in English order (``Ventriculus lateralis sinister``) and a
name of another language read word by word in English (``Nerf optique D``). A label that merges
several structures or findings into one (``Liver & Spleen``, ``copd/emphysema``) answers the
merged-label term as a broad match when every part reads as a term of one kind.
A term that a modality's maps mean more narrowly is narrowed (muscle tissue on CT: skeletal
muscle tissue).

Head-noun agreement guards every rule-found answer: a name that says bone, vein, artery, nerve,
gland, muscle, cortex or a disease word never answers a term of another kind ("pubic bone" is not
the pubic vein); for a FreeSurfer ``ctx-`` name the class's heads are tried instead ("lingual
gyrus"). Disease terms get a site from MONDO's hierarchy; where label maps outline lesions (CT,
MR) a lesion term of the name's site and kind answers before a MONDO disease, and the modality's
form of a disease before the disease (pulmonary tuberculosis on a chest radiograph). It abstains
rather than guess: the only edit-distance step is the last, one typing slip in a long word
("gallblader"), and only where one known word fits.

All word lists and patterns are data, read once from ``ontology/mappings/label-rules.yaml``
(schema: :mod:`medfuse.kg.normalize_rules`) and the vocabulary tables
(:mod:`medfuse.kg.normalize_vocab`). This module holds the order of the steps; each idea has its
own module:

- :mod:`~medfuse.kg.normalize_text`: a name's parts and shape, names that say nothing, slips;
- :mod:`~medfuse.kg.normalize_words`: the rules' word lists as folded tables;
- :mod:`~medfuse.kg.normalize_index`: the indexes of every name that may answer, and lookups;
- :mod:`~medfuse.kg.normalize_abbreviations`: abbreviations read in the label map's modality;
- :mod:`~medfuse.kg.normalize_sides`: laterality;
- :mod:`~medfuse.kg.normalize_lesions`: lesions and the sites of findings;
- :mod:`~medfuse.kg.normalize_numbered`: vertebrae, ribs, discs, liver segments, teeth, nodes;
- :mod:`~medfuse.kg.normalize_modality`: what a modality's label maps mean by a name or term;
- :mod:`~medfuse.kg.normalize_foreign`: names of other languages, read word by word;
- :mod:`~medfuse.kg.normalize_atlas`: atlas names of tissue and codes, and paths of levels;
- :mod:`~medfuse.kg.normalize_rewrite`: the cautious rules that rewrite a name's core;
- :mod:`~medfuse.kg.normalize_agreement`: head-noun agreement;
- :mod:`~medfuse.kg.normalize_hits`: the values the steps hand each other.

>>> normalizer = load_normalizer()
>>> normalizer.normalize("Lt. Kidney", modality="CT").term
'UBERON:0004538'
>>> normalizer.normalize("class 7").reason
'a placeholder name (label, class, ROI) that says nothing about what is labelled'
"""

from __future__ import annotations

import gc
import re
from collections.abc import Mapping, Sequence
from functools import cache
from itertools import chain
from typing import NamedTuple

from pydantic import BaseModel, ConfigDict

from medfuse.kg.namespaces import MF, compress
from medfuse.kg.normalize_atlas import AtlasNames
from medfuse.kg.normalize_foreign import ForeignWords, english_by_ending
from medfuse.kg.normalize_hits import Hit
from medfuse.kg.normalize_index import LabelIndex
from medfuse.kg.normalize_lesions import Lesions
from medfuse.kg.normalize_modality import ModalityReadings
from medfuse.kg.normalize_rewrite import Rewrites
from medfuse.kg.normalize_rules import (
    BROAD,
    EXACT,
    RULES_FILE,
    LabelRules,
    Latin,
    load_rules,
    words_of,
)
from medfuse.kg.normalize_sides import SidedTerms
from medfuse.kg.normalize_text import (
    CURIE,
    PAREN,
    PLURAL_CODE,
    TOKEN_SEPARATORS,
    Abstentions,
    code_spells_name,
    name_parts,
    shortness,
)
from medfuse.kg.normalize_vocab import (
    Abbreviation,
    AlternateName,
    Word,
    read_abbreviations,
    read_alternate_names,
    read_words,
)
from medfuse.kg.terms import TermIndex, load_terms, skos_graph
from medfuse.loaders.mappings import NO_TERM, MappingRow, MappingSet, read_sssom
from medfuse.loaders.tokens import normalize as normalize_key

__all__ = [
    "RULES_FILE",
    "SYNONYMS_FILE",
    "LabelNormalizer",
    "LabelRules",
    "Normalized",
    "load_normalizer",
    "load_rules",
    "words_of",
]

#: Capital letters split by hyphens or spaces before a word ("T-M Joint"); a side letter is last.
SPLIT_INITIALS = re.compile(r"\b[A-Z](?:[- ][A-Z])+\b(?= [A-Za-z]{2,})")
#: A class named by examples and its group ("Nail Fungus and other Nail Disease").
OTHER_GROUP = re.compile(r"(?i)^.+?\band other (?P<group>.+)$")
#: A collection's class code written bare: capitals, two to five.
BARE_CODE = re.compile(r"[A-Z]{2,5}")
#: Runs of letters of a raw name (its words, whatever the separators).
LETTER_RUNS = re.compile(r"[^\W\d_]+")
#: A heading written head first, one or two qualifier words after one comma ("Hernia, Hiatal").
INVERTED_HEADING = re.compile(
    r"^(?P<head>[A-Za-z]+(?: [A-Za-z]+)?),\s*(?P<qualifier>[A-Za-z]+(?: [A-Za-z]+)?)$"
)
#: A group, a spaced dash or a colon, then an item of the group ("Artery - Aorta").
SUB_HEADED = re.compile(r"^(?P<group>[^:]+?)(?:\s+[-–]\s+|:\s*)(?P<item>[^:]*[^\W\d_][^:]*)$")
#: A grade, stage or class and its number, then what the class is ("Grade 4: PDR").
GRADED = re.compile(
    r"(?i)^(?:grade|stage|class|category|level|type)\s*(?:[0-9]{1,2}|[ivx]{1,4})[a-c]?"
    r"\s*(?:[:)]|\s[-\u2013]\s)\s*(?P<rest>.*[^\W\d_].*)$"
)
#: A position word with "part" after it, as an inverted name's qualifier writes it.
POSITION_PART = re.compile(
    r"(?i)^(anterior|posterior|superior|inferior|middle|medial|lateral) part$"
)
#: A name numbered by its list: an index of one to three digits (of several levels: "10.1."), a
#: separator, then letters.
INDEXED = re.compile(r"^\d{1,3}(?:\.\d{1,3})*(?:\s*[_\-.):]\s*|\s+)(?P<rest>[^\W\d_].*)$")
#: The curated label spellings, in ``ontology/mappings/``.
SYNONYMS_FILE = "label-synonyms.sssom.tsv"


class Normalized(BaseModel):
    """The answer for one raw label name: a term with its SSSOM predicate, or an abstention."""

    model_config = ConfigDict(frozen=True)

    raw: str
    #: CURIE of the term, or ``None`` when abstaining.
    term: str | None
    #: Label of the term.
    label: str | None
    #: SSSOM predicate from the raw name to the term.
    predicate: str | None
    #: Confidence in the answer; for an abstention, that no term should be given (0: nothing matched).
    confidence: float
    #: For lesions: UBERON CURIE of the anatomical site.
    site: str | None = None
    #: The rule that answered: curated, label, synonym, variant, tokens, laterality, numbered, ...
    via: str
    #: Why the normalizer abstained.
    reason: str | None = None
    #: For a label that merges several structures or findings: the CURIEs of what it merges.
    parts: tuple[str, ...] = ()


class _NoFindingWords(NamedTuple):
    """The folded words of class names that say there is no finding (see ``no_finding`` in
    label-rules.yaml)."""

    #: The term such a class answers.
    term: str
    #: Whole names that say it alone ("negative", "no finding").
    alone: frozenset[str]
    #: Words that negate the finding after them ("no tumour").
    negations: frozenset[str]
    #: Prefixes that negate one finding word only, never a disease ("non-polyp", not "non-COVID").
    word_negations: frozenset[str]
    #: Words those prefixes leave as a class of its own ("non-nodule", LIDC-IDRI's category).
    not_negated: frozenset[str]
    #: Classes of diseases whose negation is the other diseases, not health ("non-COVID").
    other_diseases: tuple[str, ...]
    #: Heads after "normal" ("normal tissue").
    normal_heads: frozenset[str]
    #: Words that, after an organ, name the organ's normal class ("lung_normal").
    normal_after: frozenset[str]
    #: Parts of a tissue a segmentation classes as healthy or not ("Stroma healthy" is stroma).
    tissue_compartments: frozenset[str]
    #: Generic finding and instance words a negation may stand before.
    generic: frozenset[str]
    #: Every negation, longest first, as a prefix glued to its word ("notumor").
    glued: tuple[str, ...]


class LabelNormalizer:
    """Normalize raw label names against a :class:`TermIndex`; indexes are built once, here.

    :param terms: the term index (UBERON, MONDO, CL and the medfuse lesion terms answer).
    :param synonyms: the curated label table; ``None`` reads the shipped one.
    :param rules: the rules; ``None`` reads the shipped ``label-rules.yaml``.
    :param sites: lesion term → UBERON site; ``None`` reads ``mf:site`` from the shipped schemes.
    :param abbreviations: the abbreviation table; ``None`` reads the shipped one.
    :param alternates: the alternate-name table (Latin names...); ``None`` reads the shipped one.
    :param words: the words of other languages (label-words.tsv); ``None`` reads the shipped ones.

    >>> found = load_normalizer().normalize("kidney tumour")
    >>> found.term, found.site
    ('mfles:kidney-tumour', 'UBERON:0002113')
    """

    def __init__(
        self,
        terms: TermIndex,
        *,
        synonyms: MappingSet | None = None,
        rules: LabelRules | None = None,
        sites: Mapping[str, str] | None = None,
        abbreviations: Sequence[Abbreviation] | None = None,
        alternates: Sequence[AlternateName] | None = None,
        words: Sequence[Word] | None = None,
    ) -> None:
        self.terms = terms
        self.rules = rules = rules or load_rules()
        self._conf = rules.confidence
        self._abstentions = Abstentions(rules)
        self._gloss = re.compile(rules.gloss)
        self._object_parts = frozenset(rules.object_parts)
        merged = rules.merged
        self._joiners = re.compile(merged.joiners, re.IGNORECASE) if merged else None
        answers = merged.answers if merged else {}
        self._merged_answers = [(answer, frozenset(kinds)) for answer, kinds in answers.items()]
        #: Terms a part of a merged label may not read as: the merged answers and "no finding".
        self._not_merged = frozenset(
            [a for a, _ in self._merged_answers]
            + ([rules.no_finding.term] if rules.no_finding else [])
        )
        synonyms = synonyms if synonyms is not None else read_sssom(SYNONYMS_FILE)
        abbreviations = abbreviations if abbreviations is not None else read_abbreviations()
        alternates = alternates if alternates is not None else read_alternate_names()
        # Indexing makes ~700,000 small containers and no garbage; a collector pass every few
        # hundred allocations would rescan them all (it doubled the build time).
        collecting = gc.isenabled()
        gc.disable()
        try:
            #: The indexes of every name that may answer.
            self.index = index = LabelIndex(
                terms, rules, synonyms=synonyms, abbreviations=abbreviations, alternates=alternates
            )
            self.sides = SidedTerms(index)
            self.lesions = Lesions(
                index, self.sides, dict(sites) if sites is not None else _read_sites()
            )
            index.index_shortened_lesion_names()
            index.index_whole_omitted()
        finally:
            if collecting:
                gc.enable()
        self.rewrites = Rewrites(index, self.sides, self.lesions, early=self._abstentions.early)
        #: The English of other languages' words ("nerf": nerve).
        self.foreign = ForeignWords(
            rules, words if words is not None else read_words(), alternates, index.vocabulary
        )
        #: The words of lesion kinds a compound may end in, longest first ("metastasen").
        self._compound_kinds = sorted(
            (w for w in index.words.kinds if len(w) >= 4), key=len, reverse=True
        )
        #: What the label maps of a modality mean by a name or a term.
        self.modality_readings = ModalityReadings(index, rules, abbreviations)
        #: The pattern of FreeSurfer's Destrieux parcel names, if the rules give one.
        self._destrieux = re.compile(self.rules.destrieux.pattern) if self.rules.destrieux else None
        no_finding = self.rules.no_finding
        #: The "no finding" class names: folded names said alone, negations, heads after "normal".
        self._no_finding = (
            _NoFindingWords(
                term=no_finding.term,
                alone=frozenset(" ".join(index.fold(words_of(w))) for w in no_finding.alone),
                negations=frozenset(index.fold(no_finding.negations)),
                word_negations=frozenset(index.fold(no_finding.word_negations)),
                not_negated=frozenset(index.fold(no_finding.not_negated)),
                other_diseases=tuple(no_finding.other_diseases),
                normal_heads=frozenset(index.fold(no_finding.normal_heads)),
                normal_after=frozenset(index.fold(no_finding.normal_after)),
                tissue_compartments=frozenset(
                    index.fold([*no_finding.tissue_compartments, *no_finding.normal_heads])
                ),
                generic=frozenset(index.fold([*no_finding.generic, *self.rules.instance_heads])),
                glued=tuple(
                    sorted(
                        {*index.fold(no_finding.negations), *index.fold(no_finding.word_negations)},
                        key=len,
                        reverse=True,
                    )
                ),
            )
            if no_finding
            else None
        )
        hemispheres = self.rules.hemispheres
        #: A hemisphere side as a whole token ("HIP-rh", "ctx_lh"), and the term it puts a name in.
        self._hemisphere_side = re.compile(
            rf"(?<![A-Za-z])(?:{'|'.join(map(re.escape, hemispheres.words))})(?![A-Za-z])"
            if hemispheres
            else "(?!)"
        )
        self._hemisphere_within = hemispheres.within if hemispheres else None
        #: Collections' prefixes before their class codes ("tcga"), case-folded.
        self._code_prefixes = frozenset(w.casefold() for w in self.rules.code_prefixes)
        #: Modality word -> the collection prefixes whose codes its label maps write bare.
        self._bare_codes: dict[str, list[str]] = {}
        for prefix, modality_words in self.rules.code_prefixes.items():
            for word in modality_words:
                self._bare_codes.setdefault(word, []).append(prefix)
        #: Atlas names written as tissue and codes or as a path of levels.
        self.atlas = AtlasNames(index, self.rules, self._read)

    # ------------------------------------------------------------------ public
    def normalize(self, raw: str, *, modality: str | None = None) -> Normalized:
        """Return the term a raw label name stands for, or an abstention with its reason.

        :param modality: modality of the label map (``CT``, ``MR``, ``PET/CT``...), used to
            break ties and for the few names whose meaning depends on it.

        >>> n = load_normalizer().normalize("lung_upper_lobe_left")
        >>> n.term, n.label, n.predicate
        ('UBERON:0008952', 'upper lobe of left lung', 'skos:exactMatch')
        """
        if coded := self._code_glossed(raw, modality):
            return coded
        found = self._read(raw, modality=modality)
        # Shapes of a whole name as written, read once no step reads it (never on the rewrites
        # the steps read): a grade before the class, a side after a comma, a merged label, a
        # group before its item.
        if found.term is None and (
            whole := self._graded(raw, modality)
            or self._comma_sided(raw, modality)
            or self._merged(raw, modality)
            or self._alternatives(raw, modality)
            or self._sub_headed(raw, modality)
        ):
            return whole
        # Checked on the name as written only: the steps read lower-cased rewrites of it again.
        if (
            found.term
            and self._hemisphere_within
            and self._hemisphere_side.search(raw)
            and self._hemisphere_within not in self.index.terms.ancestors(found.term)
        ):
            return self._abstained(
                raw,
                f"the name is sided by brain hemisphere, and {found.label} is no part of the "
                "nervous system",
                self._conf["abstain_pattern"],
            )
        return found

    def _read(self, raw: str, *, modality: str | None = None) -> Normalized:
        """Read a name or a rewrite of it: :meth:`normalize` before the whole-name checks."""
        found = self._normalize(raw, modality)
        if found.term and found.via not in _DECIDED:
            modalities = self.index.modalities(modality)[0]
            if self.modality_readings.out_of_place(found.term, modalities):
                return self._abstained(
                    raw,
                    f"{found.label} is not something a {modality} label map shows",
                    self._conf["abstain_pattern"],
                )
            term = self.modality_readings.narrowed(found.term, modalities)
            # A narrower term always; a sibling ("vitreous body" for "vitreous humor") only where
            # the name does not write out the term it found.
            if term and (
                found.term in self.index.terms.ancestors(term)
                or not self._states_label(raw, found.term)
            ):
                confidence = min(found.confidence, self._conf["in_modality"])
                return found.model_copy(
                    update={
                        "term": term,
                        "label": self.index.label_of(term),
                        "via": "modality",
                        "confidence": confidence,
                    }
                )
        return found

    def _states_label(self, raw: str, curie: str) -> bool:
        """Whether a name writes out every word of a term's label of two words or more
        ("Vitreous humour" says the humour, not the vitreous body)."""
        label = self.index.fold(words_of(self.index.label_of(curie)))
        return len(label) > 1 and set(label) <= set(self.index.fold(words_of(raw)))

    def _normalize(self, raw: str, modality: str | None) -> Normalized:
        index = self.index
        text = raw.strip()
        if not text:
            return self._abstained(raw, "the name is empty", 1.0)
        if "[" in text:  # square brackets hold what parentheses do ("... [Color Fundus]")
            text = text.replace("[", "(").replace("]", ")")
        if "." in text:  # a file name: "spleen.nii.gz"
            text = index.words.file_suffix.sub("", text).strip() or text
        if "-" in text:
            text = index.join_hyphenated(text)
        if "," in text and (inverted := index.words.inverted.match(text)) is not None:
            # "Gyrus, anterior division"; a side after it stays a side ("..., anterior part right");
            # a position's "part" is its division (a filler word: "anterior cingulate gyrus")
            qualifier = POSITION_PART.sub(r"\1 division", inverted["qualifier"])
            text = f"{qualifier} {inverted['head']}{inverted['side'] or ''}"
        prefix, _, code = text.partition("-") if "-" in text else text.partition("_")
        # "TCGA-LUAD": the code after a collection's prefix is the name
        if (
            code
            and prefix.casefold() in self._code_prefixes
            and (found := self._read_as(raw, code, modality))
        ):
            return found
        modalities, order = index.modalities(modality)
        key = normalize_key(text)
        if index.by_modality and (by_modality := index.modality_rule(key, modalities)):
            return self._answer(raw, by_modality)
        match = self._destrieux.match(text) if self._destrieux else None
        if match and (found := self._destrieux_parcel(raw, match, modality)):
            return found
        if finding := self.modality_readings.finding(text, modalities):
            return self._answer(raw, finding)
        row = index.curated.get(key)
        if row is not None:
            return self._from_row(raw, row, modalities)
        # Fast path: the name is a label as written (a disease may still state a site: go on).
        entries = index.exact.get(key)
        if (
            entries
            and not entries[0][0]
            and order.default
            and not entries[0][1].startswith("MONDO:")
            and not self._abstentions.early.search(key)
        ):
            return self._answer(raw, Hit(entries[0][1], "label", self._conf["label"]))
        abbreviation = index.abbreviations.hit(text, key, modalities)
        if abbreviation is None and PLURAL_CODE.match(text):  # "RBCs": the plural of a code
            abbreviation = index.abbreviations.hit(text[:-1], key[:-1], modalities)
        if abbreviation is None and BARE_CODE.fullmatch(text):  # "PAAD" on pathology: TCGA-PAAD
            for prefix in (p for m in sorted(modalities) for p in self._bare_codes.get(m, ())):
                coded = f"{prefix}-{text}"
                abbreviation = index.abbreviations.hit(coded, normalize_key(coded), modalities)
                if abbreviation is not None:
                    break
        if isinstance(abbreviation, str):
            return self._abstained(raw, abbreviation, self._conf["abstain_pattern"])
        if abbreviation is not None:
            return self._answer(raw, self.lesions.with_site(abbreviation, None, modalities))
        if CURIE.match(text):
            curie = compress(text)
            if curie in index.answering:
                return self._answer(raw, Hit(curie, "curie", self._conf["curie"]))
        if "(" in text and (found := self._parenthetical(raw, text, modality)) is not None:
            return found
        if index.abbreviations.exact_codes.search(text):
            text = index.abbreviations.spell_exact_codes(text, modalities)
        words, inner = name_parts(text, self._gloss)
        folded = index.fold(words)
        joined = " ".join(folded)
        if joined != key:
            if by_modality := index.modality_rule(joined, modalities):
                return self._answer(raw, by_modality)
            # An abbreviation written with other separators ("C_spine" for "C-spine").
            abbreviation = index.abbreviations.reading(
                index.abbreviations.by_key.get(joined), modalities
            )
            if isinstance(abbreviation, str):
                return self._abstained(raw, abbreviation, self._conf["abstain_pattern"])
            if abbreviation is not None:
                hit = index.abbreviations.row_hit(abbreviation)
                return self._answer(raw, self.lesions.with_site(hit, None, modalities))
        row = index.curated_folded.get(joined) or index.curated_sets.get(index.word_set(folded))
        if row is not None:
            return self._from_row(raw, row, modalities)
        if not folded:
            return self._abstained(raw, "the name has no letters or digits", 1.0)
        if self._no_finding and (found := self._no_finding_class(raw, folded, modality)):
            return found
        if compartment := self.modality_readings.compartment(folded, modalities):
            return self._answer(raw, compartment)  # "subdural" on head CT
        # A dental label map names a tooth by its bare FDI number ("36").
        if self.modality_readings.is_tooth_number(text, modality) and (
            found := self._read_as(raw, f"tooth {text}", modality)
        ):
            return found
        phrase = " ".join(words)
        grouped = "/" in text or " and other " in phrase
        if grouped and (found := self._grouped(raw, text, modality)):
            return found
        if "," in text and (found := self._uninverted(raw, text, modality)):
            return found
        reason = self._abstentions.reason(phrase, key, late=False)
        if reason:
            return self._abstained(raw, reason, self._conf["abstain_pattern"])
        side, core, spelled = index.side_words.split(folded, inner=index.fold(inner))
        if side and not core and not inner:  # "gauche", "links": a side in any language
            return self._abstained(
                raw, "a side alone names no structure", self._conf["abstain_pattern"]
            )
        if side == "both":
            spelled = core
        if side and core and (sided := self.sides.sided_code(core, side, modalities, order)):
            return self._answer(raw, self.lesions.with_site(sided, None, modalities))
        caps = text.isupper()
        hit = index.lookup(key, spelled, order, short=shortness(text, self.rules.short_name))
        if hit is not None and side and side != "both" and hit.via in ("variant", "tokens"):
            hit = hit._replace(
                via="laterality", confidence=max(hit.confidence, self._conf["sided"])
            )
        cased = core  # the words split at case changes, for an object's head ("DrainTube")
        if hit is None:
            reason = self._abstentions.reason(phrase, key, late=True)
            # An object named by its head noun is one whatever joins its modifiers ("I/A
            # Handpiece", "Slit/Incision Knife").
            if reason and not (core and core[-1] in self.rewrites.objects and not side):
                return self._abstained(raw, reason, self._conf["abstain_pattern"])
            # A Latin name whose noun English lacks ("Commissura anterior") is read in English
            # before the rewrites guess a head for its words.
            latin, first = self.rules.latin, words[0].casefold() if words else ""
            if (
                latin is not None
                and latin.nouns.get(first, first) != first
                and (found := self._latinized(raw, words, side, modality))
            ):
                return found
            hit = self.rewrites.resolve(core, spelled, side, order, caps=caps)
            if hit is None and (unsplit := index.fold(words_of(text, split_case=False))) != folded:
                # Case changes may not be word breaks ("GTVlung" is GTV + lung, not "GT Vlung").
                side, core, spelled = index.side_words.split(unsplit, inner=index.fold(inner))
                hit = self.rewrites.resolve(core, spelled, side, order, caps=caps)
            if hit is None and caps and len(folded) == 1:
                hit = self.rewrites.acronym(folded[0], modalities)
        whole = index.completion(core) if hit is not None and hit.via == "narrowing" else None
        if hit is not None and whole and hit.curie in index.terms.ancestors(whole):
            # A word the narrowing dropped ("upper" of "upper teeth") is kept by a term that
            # names all of them and is a kind or part of the narrowed answer.
            hit = Hit(whole, "completed", self._conf["completed"])
        classes = index.kinds_of.of_name(core)
        disagreeing = hit if hit is not None and not self._agrees(classes, hit) else None
        if disagreeing is not None:
            hit = None
        if hit is None and classes:
            hit = self.rewrites.class_headed(core, classes, side, order)
        if hit is None and len(core) > 1:
            # Abbreviations inside a longer name, read in the label map's modality ("PA thrombus").
            expanded = index.abbreviations.expand(core, modalities)
            if expanded != core:
                hit = self.rewrites.resolve(expanded, expanded, side, order, caps=False)
            hit = hit or self.lesions.disease_lesion(core, modalities, order)
        if hit is None and disagreeing is None:
            found = (
                self._last_resort(raw, core, side)
                or self._object(raw, core, side)
                or (self._object(raw, cased, side) if cased is not core else None)
                or self._unnumbered(raw, folded, modality)
                or self._unindexed(raw, text, modality)
                or self._uncoded(raw, text, modality)
                or self._unsuffixed(raw, words, modality)
                or self._of_reversed(raw, words, modality)
                or self._organ_left_out(raw, folded, modality)
                or self._respelled(raw, words, modality)
                or self._lengthened(raw, words, modality)
                or self._completed(raw, core, side)
                or self._compound_finding(raw, folded, modality)
                or self._latinized(raw, words, side, modality)
                or self._translated(raw, words, modality)
                or self.atlas.tissue_coded(raw, text, modality)
                or self.atlas.path(raw, text, modality)
                or self._initials_joined(raw, text, modality)
            )
            if found is not None:
                return found
        if hit is None:
            reason = self.rewrites.numbered.beyond(core) or (
                index.kinds_of.describe(
                    classes, disagreeing.curie, index.label_of(disagreeing.curie)
                )
                if disagreeing
                else "no term matches this name"
            )
            return self._abstained(
                raw, reason, self._conf["abstain_pattern"] if disagreeing else 0.0
            )
        if len(core) == 1 and hit.curie.startswith("MONDO:") and self.lesions.too_broad(hit.curie):
            return self._abstained(
                raw,
                "names a whole class of diseases, not one finding a label map outlines",
                self._conf["abstain_pattern"],
            )
        hit = self.lesions.specific(hit, core, modalities)
        return self._answer(raw, self.lesions.with_site(hit, core, modalities))

    # ------------------------------------------------------------------ steps
    def _read_as(
        self,
        raw: str,
        name: str,
        modality: str | None,
        *,
        via: str | None = None,
        factor: float = 1.0,
    ) -> Normalized | None:
        """Answer ``raw`` as another spelling of it, ``name``, reads, or None where it finds no
        term; with ``via``, the answer says that step found it and its confidence is ``factor``
        of the reading's."""
        found = self._read(name, modality=modality)
        if found.term is None:
            return None
        if via is None:
            return found.model_copy(update={"raw": raw})
        confidence = round(found.confidence * factor, 3)
        return found.model_copy(update={"raw": raw, "via": via, "confidence": confidence})

    def _grouped(self, raw: str, text: str, modality: str | None) -> Normalized | None:
        """Answer a class that names its group ("Warts Molluscum and other Viral Infections": the
        viral infections) or a path of classes, the deepest last ("Pneumonia/Viral/COVID-19";
        "Pneumonia/Bacterial/Klebsiella" is read with the path's head, "Klebsiella pneumonia")."""
        if (group := OTHER_GROUP.match(text)) is not None:
            return self._read_as(
                raw, group["group"], modality, via="group", factor=self._conf["grouped"]
            )
        parts = [p.strip() for p in text.split("/")]
        if len(parts) < 3 or not all(parts):
            return None
        factor = self._conf["grouped"]
        return self._read_as(raw, parts[-1], modality, via="path", factor=factor) or self._read_as(
            raw, f"{parts[-1]} {parts[0]}", modality, via="path", factor=factor
        )

    def _merged(self, raw: str, modality: str | None) -> Normalized | None:
        """Answer a label that merges several structures ("Liver & Spleen") or findings
        ("copd/emphysema") with the term for such a label, as a broad match: every part must read
        as a different term of one kind (``merged.answers``). A part of modifiers that read
        nothing alone takes the last part's head ("Portal/Splenic Vein", "left middle and
        inferior temporal gyrus"). Tried on a name as written that no step reads, never
        on the rewrites the steps read (an apposition's words: "stroma (connective tissue,
        non-epithelium tissue)")."""
        if self._joiners is None or "(" in raw:
            return None
        parts = self._joiners.split(raw)
        if len(parts) < 2 or not all(p.strip() for p in parts):
            return None
        last = words_of(parts[-1])
        found: list[Normalized] = []
        for part in parts:
            words = words_of(part)
            bare = [w for w in words if not self.index.side_words.names_side(w)]
            reading = self._read(part, modality=modality)
            alone = reading if len(bare) == len(words) else None  # no side to read it without
            if part is not parts[-1] and (
                not bare or (alone or self._read(" ".join(bare), modality=modality)).term is None
            ):
                # Modifiers that take the last part's head ("left middle and inferior temporal
                # gyrus", "Portal/Splenic Vein"): the longest head that reads.
                for size in (2, 1):
                    if (
                        len(last) > size
                        and (
                            shared := self._read(
                                " ".join([*words, *last[-size:]]), modality=modality
                            )
                        ).term
                    ):
                        reading = shared
                        break
            if reading.term is None or reading.term in self._not_merged:
                return None
            found.append(reading)
        ordered = tuple(reading.term or "" for reading in found)
        terms = set(ordered)
        if len(terms) < len(found):
            return None
        confidence = min(reading.confidence for reading in found) * self._conf["merged"]
        whole, part = ordered if len(ordered) == 2 else ("", "")
        if (
            whole in self.index.terms.ancestors(part)
            and [j.strip() for j in self._joiners.findall(raw)] == [","]
        ):
            # A whole, then a part of it after a comma ("Lateral ventricle, temporal horn"): a
            # path to the part, which answers.
            return found[1].model_copy(update={"raw": raw, "via": "path"})
        prefixes = {term.partition(":")[0] for term in terms}
        answer = next((a for a, kinds in self._merged_answers if prefixes <= kinds), None)
        if answer is None:
            return None
        return self._answer(raw, Hit(answer, "merged", confidence, BROAD)).model_copy(
            update={"parts": ordered}
        )

    def _alternatives(self, raw: str, modality: str | None) -> Normalized | None:
        """Answer a structure given two names joined by "or", the first taking the last's head
        ("Olfactory or medial orbital sulcus"), with the first name's term, where both read as
        structures: an atlas names one structure by two nomenclatures."""
        parts = [p.strip() for p in re.split(r"(?i)\s+or\s+", raw)]
        if len(parts) != 2 or not all(parts):
            return None
        last_words = words_of(parts[-1])
        side = [w for w in last_words if self.index.side_words.names_side(w)]
        head = [w for w in last_words if not self.index.side_words.names_side(w)][-1:]
        if not head or head[0].casefold() in parts[0].casefold().split():
            return None  # two whole names ("liver or spleen"): either, not one structure
        first = self._read(" ".join([*side, parts[0], *head]), modality=modality)
        last = self._read(parts[-1], modality=modality)
        if not all((f.term or "").startswith("UBERON:") for f in (first, last)):
            return None
        return first.model_copy(update={"raw": raw, "via": "alternatives"})

    def _graded(self, raw: str, modality: str | None) -> Normalized | None:
        """Answer a class named by its grade and then what it is ("Grade 4: PDR", "Stage II -
        Moderate NPDR") as what it is."""
        match = GRADED.match(raw)
        return self._read_as(raw, match["rest"], modality) if match else None

    def _comma_sided(self, raw: str, modality: str | None) -> Normalized | None:
        """Answer a structure whose side, and qualifiers no term carries, follow it after commas
        ("spinal trigeminal nucleus, left"; "lingual gyrus, left, peristriate": the gyrus, as a
        broad match)."""
        if (
            "," not in raw
            or self._joiners is None
            or any(j.strip() != "," for j in self._joiners.findall(raw))
        ):
            return None
        parts = [p.strip() for p in raw.split(",")]
        sides = [
            p for p in parts if (w := words_of(p)) and all(map(self.index.side_words.names_side, w))
        ]
        rest = [p for p in parts if p not in sides]
        if len(sides) != 1 or not rest or rest[0] != parts[0]:
            return None
        found = self._read(f"{sides[0]} {rest[0]}", modality=modality)
        if found.term is None or any(self._read(p, modality=modality).term for p in rest[1:]):
            return None
        if len(rest) == 1:
            return found.model_copy(update={"raw": raw})
        confidence = round(found.confidence * self._conf["filler"], 3)
        return found.model_copy(
            update={"raw": raw, "predicate": BROAD, "via": "qualified", "confidence": confidence}
        )

    def _code_glossed(self, raw: str, modality: str | None) -> Normalized | None:
        """Answer a code, then a dash and its gloss ("14 - 1st Premolar"), with the code's own
        term where the gloss names it or a kind of it: the gloss settles which numbering the code
        is in. Read before the whole name, whose words alone say less than the code."""
        if not raw[:1].isdigit():
            return None
        match = SUB_HEADED.match(raw)
        if match is None or any(c.isalpha() for c in match["group"]):
            return None
        code = self._read(match["group"].strip(), modality=modality)
        gloss = self._read(match["item"], modality=modality)
        if (
            code.term
            and gloss.term
            and (gloss.term == code.term or gloss.term in self.index.terms.ancestors(code.term))
        ):
            return code.model_copy(update={"raw": raw, "via": "code and gloss"})
        return None

    def _sub_headed(self, raw: str, modality: str | None) -> Normalized | None:
        """Answer a name that gives a group, then a spaced dash or a colon, then a structure
        ("Artery - Aorta", "Air Internal - Frontal Sinus") with the structure, where no step
        reads the whole."""
        match = SUB_HEADED.match(raw)
        if match is None or not any(c.isalpha() for c in match["group"]):
            return None
        found = self._read_as(
            raw, match["item"], modality, via="sub-headed", factor=self._conf["sub_headed"]
        )
        return found if found and (found.term or "").startswith(("UBERON:", "CL:")) else None

    def _unnumbered(self, raw: str, folded: list[str], modality: str | None) -> Normalized | None:
        """Answer a name that numbers instances of a target or lesion ("GTV1", "lesion_2",
        "Nodule_Lung_1"): its last word is a number, and a word before it an instance head; or of
        an organ by one digit ("spleen_1"). A side may follow the number ("Fasciculus2_R")."""
        instances = self.index.words.instances
        side: list[str] = []
        if (
            len(folded) > 2
            and folded[-2].isdigit()
            and self.index.side_words.names_side(folded[-1])
        ):
            side, folded = folded[-1:], folded[:-1]
        if len(folded) < 2 or not folded[-1].isdigit():
            return None
        if instances.isdisjoint(folded[:-1]):
            # An organ numbered as an instance ("spleen_1"): only a single digit, never a name
            # a numbered grammar reads ("Liver_Seg_2"), and only an anatomy term answers.
            rest = folded[:-1]
            if (
                len(folded[-1]) > 1
                or any(w.isdigit() for w in rest)
                or self.rewrites.numbered.beyond(folded) is not None
            ):
                return None
            found = self._read(" ".join(rest + side), modality=modality)
            # Read directly, not by dropping words ("Liver_Seg_2" is a segment, not the liver).
            if not (found.term or "").startswith("UBERON:") or found.via not in _DIRECT:
                return None
            confidence = round(found.confidence * self._conf["filler"], 3)
            return found.model_copy(update={"raw": raw, "confidence": confidence})
        return self._read_as(raw, " ".join(folded[:-1] + side), modality)

    def _uninverted(self, raw: str, text: str, modality: str | None) -> Normalized | None:
        """Answer a name written head first, one qualifier after a comma, as MeSH and the
        thesauri built on it write headings ("Hernia, Hiatal", "Catheters, Indwelling"): the
        qualifier before the head is read as a name where it answers."""
        match = INVERTED_HEADING.match(text)
        if match is None:
            return None
        return self._read_as(raw, f"{match['qualifier']} {match['head']}", modality)

    def _unindexed(self, raw: str, text: str, modality: str | None) -> Normalized | None:
        """Answer a name that a file or class list numbers ("03_gallbladder", "12-spleen", "10.1.Optic
        atrophy"): the number before the first separator is an index, where the rest answers on its
        own."""
        match = INDEXED.match(text)
        return self._read_as(raw, match["rest"], modality) if match else None

    def _uncoded(self, raw: str, text: str, modality: str | None) -> Normalized | None:
        """Answer a name that writes a code before its spelled-out name, without a gloss separator
        ("Left PCgG posterior cingulate gyrus", "Right Ent entorhinal area", "Left PCu precuneus"):
        the name answers.
        """
        tokens = TOKEN_SEPARATORS.split(text.strip())
        start = 1 if tokens and self.index.side_words.names_side(tokens[0]) else 0
        if len(tokens) - start < 2 or not code_spells_name(
            tokens[start], tokens[start + 1 :], self.index.stop
        ):
            return None
        return self._read_as(raw, " ".join(tokens[:start] + tokens[start + 1 :]), modality)

    def _unsuffixed(self, raw: str, words: list[str], modality: str | None) -> Normalized | None:
        """Answer a name whose last word is a filler word or a dataset's short name after a side
        ("kidney_L_mr", "putamen_R_pet"), or the name of the label map's own modality
        ("macula_fundus" on a fundus photograph): the name without it is read again."""
        index = self.index
        if len(words) < 2:
            return None
        last = index.fold(words[-1:])[0]
        own = modality is not None and index.modalities(last)[0] == index.modalities(modality)[0]
        if not own and (
            len(words) < 3
            or (last not in index.words.fillers and last not in index.dataset_suffixes)
        ):
            return None
        return self._read_as(
            raw, " ".join(words[:-1]), modality, via="filler", factor=self._conf["filler"]
        )

    def _of_reversed(self, raw: str, words: list[str], modality: str | None) -> Normalized | None:
        """Answer a name written "<kind> of <the> <site>" that no term is named ("Diseases of
        the liver", "Fracture of the femur") as "<site> <kind>"."""
        lowered = [w.casefold() for w in words]
        if lowered.count("of") != 1:
            return None
        at = lowered.index("of")
        kind, site = words[:at], [w for w in words[at + 1 :] if w.casefold() != "the"]
        if not kind or not site or len(kind) > 2:  # a kind of one or two words ("Muscle body")
            return None
        name, factor = " ".join([*site, *kind]), self._conf["of_reversed"]
        return self._read_as(raw, name, modality, via="of reversed", factor=factor)

    def _respelled(self, raw: str, words: list[str], modality: str | None) -> Normalized | None:
        """Answer a name with a typing slip in a long word ("gallblader"), where one word fits.

        Every word no indexed name has is respelled if it can be; the name is then read again.
        """
        rule = self.rules.respelling
        fixed = [self.index.respelling(w) if len(w) >= rule.min_letters else None for w in words]
        if not any(fixed):
            return None
        respelled = " ".join(f or w for f, w in zip(fixed, words))
        return self._read_as(raw, respelled, modality, via="respelled", factor=rule.factor)

    def _lengthened(self, raw: str, words: list[str], modality: str | None) -> Normalized | None:
        """Answer a name with words cut short ("thyroid cart.", "Lat_Vent_R"), where the readings
        of its words that are a term's name (as a set of words, sides left aside) all name one term.

        The reading found is read again as a whole name, so sides and heads apply as usual.
        """
        index = self.index
        letters = LETTER_RUNS.findall(raw)
        if len(letters) == 1 and letters[0].isupper() and len(letters[0]) <= 4:
            return None  # a lone short word in capitals is an acronym ("TAD", "3_FEA"), not cut
        folded = index.fold(words)
        readings: list[list[str]] = [[]]
        cut = False
        for word in folded:
            if index.side_words.names_side(word) or word in index.stop:
                continue
            longer = index.lengthenings(word)
            cut = cut or bool(longer)
            readings = [[*r, w] for r in readings for w in (word, *longer)]
            if len(readings) > self.rules.shortening.max_candidates**2:
                return None
        if not cut:
            return None
        fitting: dict[str, list[tuple[float, list[str]]]] = {}
        for reading in readings:
            found = index.pick(
                index.sets.get(index.word_set(index.fold(reading))), index.order, short=0
            )
            if found is not None:
                fitting.setdefault(found[1], []).append((found[0], reading))
        if len(fitting) != 1:
            return None
        (candidates,) = fitting.values()
        reading = min(candidates, key=lambda c: c[0])[1]  # a label's words before a synonym's
        kept = iter(reading)
        respelled = [
            w if index.side_words.names_side(w) or w in index.stop else next(kept) for w in folded
        ]
        if respelled == folded:
            return None  # the reading found cuts nothing short: reading it again would loop
        return self._read_as(
            raw,
            " ".join(respelled),
            modality,
            via="lengthened",
            factor=self.rules.shortening.factor,
        )

    def _parenthetical(self, raw: str, text: str, modality: str | None) -> Normalized | None:
        """Read words in parentheses that are not a side: an apposition or part of the name.

        "Bile duct (CBD)": both parts name terms, the code the narrower one, which answers;
        "Atlas (C1)": both name the same term; "nodule (thyroid)", "Edema (peritumoral)": the words
        in parentheses qualify the name ("thyroid nodule"). Otherwise (a sequence, "Infarct (DWI)")
        the words outside answer as usual.
        """
        groups = [g.strip() for g in PAREN.findall(text) if g.strip()]
        inner = [w for group in groups for w in words_of(group)]
        sides = [self.index.side_words.names_side(w) for w in inner]
        # Only a side ("kidney (left)") is read by the side rules; a phrase with its side inside
        # ("Zone 10 L (Left Common Iliac Artery)") is read here, whole.
        if not inner or all(sides) or (any(sides) and len(inner) < 3):
            return None
        outer = PAREN.sub(" ", text).strip()
        if not outer or "(" in outer or ")" in outer:
            return None
        within = " ".join(groups)
        whole = self._read(outer, modality=modality)
        part = self._read(within, modality=modality)
        if whole.term and part.term:
            if whole.term == part.term or whole.term in self.terms.ancestors(part.term):
                return part.model_copy(update={"raw": raw})
            if part.term in self.terms.ancestors(whole.term):
                return whole.model_copy(update={"raw": raw})
        combined = self._read(f"{within} {outer}", modality=modality)
        if combined.term:
            return combined.model_copy(update={"raw": raw})
        # The words outside are a numbered code that names nothing, the words in parentheses a
        # phrase ("Zone 5 (Main Aorta)"), or outside is one word too broad to name anything and
        # inside a standard abbreviation ("Fluid (SRF)"): the words in parentheses are the name.
        coded = any(c.isdigit() for c in outer) and len(words_of(within)) > 1 and not whole.term
        spelled = part.via == "abbreviation" and len(words_of(outer)) == 1
        return part.model_copy(update={"raw": raw}) if part.term and (coded or spelled) else None

    def _last_resort(self, raw: str, core: list[str], side: str | None) -> Normalized | None:
        """Answer a name that is, filler words aside and in any order, the label of a term of an
        embryonic or developing structure ("umbilical cord", "cortical plate"), or the name of a
        part without the one whole that has it ("glenoid labrum"): nothing else answers those."""
        if not core:
            return None
        index = self.index
        words = index.word_set(w for w in core if w not in index.words.fillers)
        curie = index.last_resort.get(" ".join(sorted(words)))
        if curie is None:
            return None
        predicate = EXACT
        if side and side != "both":
            # A side narrows a structure of the brain's two halves ("Cortical_Plate_L"); an
            # umbilical cord has no left one.
            within = self._hemisphere_within
            if not within or within not in index.terms.ancestors(curie):
                return None
            predicate = BROAD
        return self._answer(raw, Hit(curie, "last resort", self._conf["last_resort"], predicate))

    def _compound_finding(
        self, raw: str, folded: list[str], modality: str | None
    ) -> Normalized | None:
        """Answer a German compound of a site and a finding ("Nierenzyste", "Lebermetastasen",
        "Pleuraerguss"): its last word ends in a word of a lesion kind, and the rest, with or
        without a linking -n, -en, -s or -es, names the site; the two are read as one name."""
        if not folded or not folded[-1].isalpha():
            return None
        word = folded[-1]
        for kind in self._compound_kinds:
            if not word.endswith(kind) or len(word) - len(kind) < 3:
                continue
            stem = word[: -len(kind)]
            for link in ("", "n", "en", "s", "es"):
                if link and not stem.endswith(link):
                    continue
                site = stem[: len(stem) - len(link)]
                found = self._read_as(
                    raw,
                    " ".join([*folded[:-1], site, kind]),
                    modality,
                    via="compound",
                    factor=self._conf["compound"],
                )
                if found and (found.term or "").startswith(("mfles:", "MONDO:")) and found.site:
                    return found
        return None

    def _organ_left_out(
        self, raw: str, folded: list[str], modality: str | None
    ) -> Normalized | None:
        """Answer a disease named without the one organ its modality shows ("Drusen" on fundus:
        retinal drusen), where the organ's adjective before the name makes a MONDO term's."""
        organ = self.modality_readings.organ(self.index.modalities(modality)[0])
        if organ is None or not folded or organ in folded:
            return None
        found = self._read_as(
            raw,
            " ".join([organ, *folded]),
            modality,
            via="organ",
            factor=self._conf["organ_of_modality"],
        )
        return found if found and (found.term or "").startswith("MONDO:") else None

    def _latinized(
        self, raw: str, words: list[str], side: str | None, modality: str | None
    ) -> Normalized | None:
        """Answer a Latin name the ontology does not list, read in English: the head noun
        translated and put last, the adjectives before it with English endings ("Ventriculus
        lateralis sinister": left lateral ventricle)."""
        latin = self.rules.latin
        index = self.index
        lowered = [w.casefold() for w in words if not index.side_words.names_side(w)]
        if latin is None or len(lowered) < 2 or lowered[0] not in latin.nouns:
            return None
        adjectives = [self._english(w, latin) for w in lowered[1:]]
        english = " ".join([side or "", *adjectives, latin.nouns[lowered[0]]]).strip()
        return self._read_as(raw, english, modality, via="latin", factor=self._conf["latin"])

    def _translated(self, raw: str, words: list[str], modality: str | None) -> Normalized | None:
        """Answer a name of another language read word by word in English ("Nerf optique D":
        right optic nerve); see :mod:`~medfuse.kg.normalize_foreign`."""
        english = self.foreign.english(words)
        if english is None or english.casefold() == " ".join(words).casefold():
            return None
        return self._read_as(
            raw, english, modality, via="translated", factor=self._conf["translated"]
        )

    def _initials_joined(self, raw: str, text: str, modality: str | None) -> Normalized | None:
        """Answer a name whose abbreviation is written as capitals split by a hyphen or a space
        ("T-M Joint L", "T M Joint L": the TM joint)."""
        joined = SPLIT_INITIALS.sub(lambda m: m[0].replace("-", "").replace(" ", ""), text)
        return self._read_as(raw, joined, modality) if joined != text else None

    def _english(self, word: str, latin: Latin) -> str:
        """A Latin adjective in English where an ending rule gives a word of the ontology."""
        if word in latin.words:
            return latin.words[word]
        return english_by_ending(word, latin.endings, self.index.vocabulary) or word

    def _completed(self, raw: str, core: list[str], side: str | None) -> Normalized | None:
        """Answer a name that leaves words out of one anatomy term's label, where that term is
        the whole of all others that have its words ("cervical_cord", "intrahepatic ducts")."""
        curie = self.index.completion(core)
        if curie is None:
            return None
        predicate = BROAD if side and side != "both" else EXACT
        return self._answer(raw, Hit(curie, "completed", self._conf["completed"], predicate))

    def _object(self, raw: str, core: list[str], side: str | None) -> Normalized | None:
        """Answer a name without a side whose head noun (or last two words) is a device, phantom,
        instrument or artefact ("chest tube", "ACR phantom", "foreign body"): that kind of
        object. Not one a negation denies ("no visible instrument" is a frame without one)."""
        negations = self._no_finding.negations if self._no_finding else frozenset()
        if not core or side or core[0] in negations:
            return None
        objects, parts = self.rewrites.objects, self._object_parts
        while (term := objects.get(" ".join(core[-2:])) or objects.get(core[-1])) is None and (
            len(core) > 1 and (core[-1].isdigit() or core[-1] in parts)
        ):
            # A part of the object ("Stapler_Head", "trocar_tip") or its number ("Tool 1") after
            # it: the object before it.
            core = core[:-1]
        return self._answer(raw, Hit(term, "object", self._conf["object"], BROAD)) if term else None

    def _destrieux_parcel(
        self, raw: str, match: re.Match[str], modality: str | None
    ) -> Normalized | None:
        """Answer a Destrieux parcel ("ctx_lh_G_pariet_inf-Angular": the angular gyrus): the
        last part alone where it is no position, else all parts, then fewer from the end."""
        rules = self.rules.destrieux
        assert rules is not None
        side = "left" if match["hemi"].casefold() == "lh" else "right"
        head = rules.heads[match["kind"].casefold()]
        parts = [
            [rules.words.get(w, w) for w in part.casefold().split("_") if w]
            for part in match["rest"].split("-")
        ]
        tries = [parts[-1]] if len(parts) > 1 and not set(parts[-1]) & set(rules.positions) else []
        tries += [list(chain.from_iterable(parts[:n])) for n in range(len(parts), 0, -1)]
        for words in tries:
            found = self._read(" ".join([side, *words, head]), modality=modality)
            if (found.term or "").startswith("UBERON:") and found.via in _DIRECT:
                confidence = round(found.confidence * self._conf["atlas"], 3)
                return found.model_copy(
                    update={"raw": raw, "via": "atlas", "confidence": confidence}
                )
        return None

    def _no_finding_class(
        self, raw: str, folded: list[str], modality: str | None
    ) -> Normalized | None:
        """Answer a class name that says the image shows no finding: "negative", "normal
        tissue", an organ's normal class ("lung_normal"), or a negation before a disease or
        finding ("no tumour", "No_DR", "Non-Glaucoma")."""
        words = self._no_finding
        hit = Hit(words.term, "no finding", self._conf["no_finding"])
        if " ".join(folded) in words.alone:
            return self._answer(raw, hit)
        if len(folded) == 1 and folded[0] not in self.index.vocabulary:
            folded = self._negation_unglued(folded[0])
        first, rest = folded[0], folded[1:]
        if first == "normal" and rest and all(w in words.normal_heads for w in rest):
            return self._answer(raw, hit)
        if (
            len(folded) > 1
            and folded[-1] in words.normal_after
            and folded[-2] not in words.tissue_compartments
        ):
            # "lung_normal", "liver_healthy": a class of an organ's images, not the organ
            # ("healthy skin" before it is the skin; "Stroma healthy" is the stroma).
            organ = self._read(" ".join(folded[:-1]), modality=modality).term
            return self._answer(raw, hit) if (organ or "").startswith("UBERON:") else None
        if first in words.word_negations:
            # One word: "non-bleeding", "Non-Glaucoma"; "non-COVID" is the other diseases.
            if len(rest) != 1 or rest[0] in words.not_negated:
                return None
        elif not (first in words.negations and 1 <= len(rest) <= 3):
            return None
        if len(rest) == 1 and rest[0] in words.generic:
            return self._answer(raw, hit)
        negated = self._read(" ".join(rest), modality=modality).term
        if (
            negated
            and negated != words.term
            and negated.startswith(("MONDO:", "mfles:"))
            and not (
                first in words.word_negations
                and any(c in self.index.terms.ancestors(negated) for c in words.other_diseases)
            )
        ):
            return self._answer(raw, hit)
        return None

    def _negation_unglued(self, word: str) -> list[str]:
        """A negation glued to its word split off ("notumor", "nofinding"), where the rest is a
        word of the ontology's names or of the no-finding rules; else the word alone."""
        words = self._no_finding
        for negation in words.glued:
            rest = word.removeprefix(negation)
            if rest != word and len(rest) > 3:
                folded = self.index.fold([rest])
                if folded[0] in self.index.vocabulary or folded[0] in words.generic:
                    return [negation, *folded]
        return [word]

    def _agrees(self, classes: frozenset[str], hit: Hit) -> bool:
        """Whether a rule-found term is of a kind the name says (a curated answer always is)."""
        if hit.via in ("curated", "modality", "abbreviation", "curie"):
            return True
        return self.index.kinds_of.agree(classes, hit.curie)

    # ------------------------------------------------------------------ answers
    def _from_row(self, raw: str, row: MappingRow, modalities: frozenset[str]) -> Normalized:
        if row.object_id == NO_TERM:
            reason = (row.comment or "curated: no term fits this name").removeprefix("abstain: ")
            return self._abstained(raw, reason, row.confidence or 0.9)
        hit = Hit(row.object_id, "curated", row.confidence or 0.9, row.predicate_id)
        return self._answer(raw, self.lesions.with_site(hit, None, modalities))

    def _answer(self, raw: str, hit: Hit) -> Normalized:
        site = self.lesions.sites.get(hit.curie) or hit.site
        term = self.terms.terms.get(hit.curie)
        return Normalized(
            raw=raw,
            term=hit.curie,
            label=term.label if term else hit.curie,
            predicate=hit.predicate,
            confidence=round(min(max(hit.confidence, 0.0), 1.0), 3),
            site=site,
            via=hit.via,
        )

    @staticmethod
    def _abstained(raw: str, reason: str, confidence: float) -> Normalized:
        return Normalized(
            raw=raw,
            term=None,
            label=None,
            predicate=None,
            confidence=confidence,
            via="abstain",
            reason=reason,
        )


#: Ways of answering that read a name as written, or with a side or a spelling variant only.
_DIRECT = frozenset({"label", "synonym", "variant", "tokens", "laterality", "curated", "expanded"})

#: Ways of answering that already read the modality or a curator's decision.
_DECIDED = frozenset({"curated", "modality", "abbreviation", "curie", "abstain"})


def _read_sites() -> dict[str, str]:
    graph = skos_graph()
    return {compress(str(s)): compress(str(o)) for s, o in graph.subject_objects(MF.site)}


@cache
def load_normalizer() -> LabelNormalizer:
    """Return the normalizer over the shipped terms, curated table and rules (built once)."""
    return LabelNormalizer(load_terms(), synonyms=read_sssom(SYNONYMS_FILE))
