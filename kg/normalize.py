"""Map raw segmentation/classification label names to ontology terms, or abstain with a reason.

Label files name the same structure in many ways: ``kidney_left``, ``Kidney_L``, ``Lt. Kidney``,
``LeftKidney``, ``left kidney``, ``kidney_left.nii.gz``. :class:`LabelNormalizer` cuts off a file
name's extension, then tries, in order: rules and alternate names that depend on the modality
("macula" on a fundus photograph), the curated table
(``ontology/mappings/label-synonyms.sssom.tsv``), standard abbreviations read in the modality
(``label-abbreviations.tsv``: "SMA" on CT, ambiguous ones abstain), words in parentheses (an
apposition, "Bile duct (CBD)", or a qualifier, "nodule (thyroid)"), names that say nothing
(``label_3``, ``background``, a side alone), the labels and exact synonyms of UBERON, MONDO, CL,
the medfuse lesion terms and medfuse's anatomy additions (organelles, surgical instruments) plus
curated Latin and alternate names (``label-alternate-names.tsv``), as written,
then with case, separators, plurals, ordinals and British spelling folded, then as a set of words;
laterality (the sided UBERON term where one exists, else the unsided term as
``skos:broadMatch``), numbered vertebrae, ribs, discs and Couinaud segments, lesion names with
their site, and cautious fallbacks: abbreviations, TG-263 part-and-side suffixes (``Eye_AL``) and
qualifier letters (``Musc_Constrict_S``), FreeSurfer glosses
(``Left-IOG---inferior-occipital-gyrus``), glued prefixes and compounds (``superiorfrontal``,
``chestwall``), split-off prefixes (``peri-tumoural``), word and phrase variants (a chamber's
"blood pool" is its cavity, "gall stones" are gallstones), site and disease adjectives
("glaucomatous"), filler words, grades of a disease (``esophagitis-b``), a term's name with words
of its own names (``Axis_C2``), missing heads (a bare word that several heads fit abstains unless
the modality prefers one), instance numbers (``GTV2``) and, last, one typing slip in a long word.

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
(:mod:`medfuse.kg.normalize_vocab`); this module holds the algorithm only.

>>> normalizer = load_normalizer()
>>> normalizer.normalize("Lt. Kidney", modality="CT").term
'UBERON:0004538'
>>> normalizer.normalize("class 7").reason
'a placeholder name (label, class, ROI) that says nothing about what is labelled'
"""

from __future__ import annotations

import gc
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from itertools import chain, repeat
from typing import NamedTuple, TypeVar

from pydantic import BaseModel, ConfigDict

from medfuse.kg.namespaces import MF, compress
from medfuse.kg.normalize_agreement import HeadClasses
from medfuse.kg.normalize_rules import (
    BROAD,
    CLOSE,
    EXACT,
    NARROW,
    RULES_FILE,
    LabelRules,
    WordFolder,
    key_words,
    keys_and_words,
    load_rules,
    words_of,
)
from medfuse.kg.normalize_vocab import (
    Abbreviation,
    AlternateName,
    read_abbreviations,
    read_alternate_names,
)
from medfuse.kg.terms import TermIndex, load_terms, skos_graph
from medfuse.loaders.mappings import NO_TERM, MappingRow, MappingSet, read_sssom
from medfuse.loaders.tokens import normalize as normalize_key
from medfuse.loaders.tokens import split_values

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


_PAREN = re.compile(r"\(([^()]*)\)?")
#: A capitals code with a plural "s" ("RBCs", "GTVs").
_PLURAL_CODE = re.compile(r"^[A-Z]{2,}s$")
_CURIE = re.compile(r"^[A-Za-z]+:[A-Za-z0-9_.-]+$")


class _Hit(NamedTuple):
    """A term found for a name, before it becomes a :class:`Normalized`."""

    curie: str
    via: str
    confidence: float
    predicate: str = EXACT
    site: str | None = None


#: What the numbered rule returns for a number past the usual count (the sixth lumbar vertebra).
_BEYOND = _Hit("", "beyond", 0.0)

_K = TypeVar("_K")

#: One candidate of an index key: (rank 0 label / 0.5 curated alternate name / 1 synonym, CURIE).
_Entry = tuple[float, str]
#: The rank of a curated alternate name: after labels, before the ontology's own synonyms.
_ALTERNATE = 0.5


class _Order(dict[str, int]):
    """Source prefix -> tie-break rank for the label map's modality, with its modality words.

    Every step of a lookup receives it, so a rule deep inside (which head a bare adjective takes)
    reads the modality without state on the shared normalizer.
    """

    def __init__(
        self,
        prefixes: Sequence[str],
        modalities: frozenset[str] = frozenset(),
        *,
        default: bool = True,
    ) -> None:
        super().__init__((prefix, i) for i, prefix in enumerate(prefixes))
        #: The modality words of the label map.
        self.modalities = modalities
        #: Whether this is the default source order (no modality reorders the sources).
        self.default = default


class _ModalityRule(NamedTuple):
    """A name's meaning in some modalities (``by_modality`` rules, modality alternate names)."""

    modalities: frozenset[str]
    term: str
    confidence: float
    predicate: str


_SIDES = ("left", "right")
_LETTERS = "abcdefghijklmnopqrstuvwxyz"
#: Names of more words than this are not completed with a missing head or organ, nor read with
#: their side inside: a long name that found nothing lacks more than one word.
_HEADLESS_WORDS = 3


class LabelNormalizer:
    """Normalize raw label names against a :class:`TermIndex`; indexes are built once, here.

    :param terms: the term index (UBERON, MONDO, CL and the medfuse lesion terms answer).
    :param synonyms: the curated label table; ``None`` reads the shipped one.
    :param rules: the rules; ``None`` reads the shipped ``label-rules.yaml``.
    :param sites: lesion term → UBERON site; ``None`` reads ``mf:site`` from the shipped schemes.
    :param abbreviations: the abbreviation table; ``None`` reads the shipped one.
    :param alternates: the alternate-name table (Latin names...); ``None`` reads the shipped one.

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
    ) -> None:
        self.terms = terms
        self.rules = rules = rules or load_rules()
        self._canon = WordFolder(rules)
        self._stop = frozenset(rules.stop_words)
        self._conf = rules.confidence
        self._sites = dict(sites) if sites is not None else _read_sites()
        self._order = _Order(rules.prefixes)
        self._curated_sources = tuple(f"{prefix}:" for prefix in rules.curated_sources)
        self._aliases = {k.casefold(): v for k, v in rules.modality_aliases.items()}
        lat = rules.laterality
        self._side_words, self._side_short, self._both = lat.words, lat.short, frozenset(lat.both)
        self._side_parts = lat.parts
        #: Every word that may give a side (a quick test for the many names that give none).
        self._side_any = frozenset(
            [*lat.words, *lat.short, *lat.both]
            + [part + short for part in lat.parts for short in lat.short if len(short) == 1]
        )
        self._build_abstain()
        self._gloss = re.compile(rules.gloss)
        self._modality_memo: dict[str | None, tuple[frozenset[str], _Order]] = {}
        self._sided_memo: dict[tuple[str, str], str | None] = {}
        self._side_memo: dict[str, str | None] = {}
        self._names: dict[str, list[frozenset[str]]] = {}
        self._disease_sites: dict[str, str | None] = {}
        self._broad: dict[str, bool] = {}
        self._narrowing = [
            (re.compile(n.pattern), n.factor, tuple(f"{a}:" for a in n.answers))
            for n in rules.narrowing
            if not n.late
        ]
        self._late = [
            (re.compile(n.pattern), n.factor, tuple(f"{a}:" for a in n.answers))
            for n in rules.narrowing
            if n.late
        ]
        self._numbered = [([re.compile(p) for p in n.patterns], n) for n in rules.numbered]
        self._build_word_tables()
        self._by_modality: dict[str, list[_ModalityRule]] = {}
        for rule in rules.by_modality:
            self._add_modality_rule(
                rule.name,
                _ModalityRule(
                    frozenset(rule.modalities), rule.term, rule.confidence, rule.predicate
                ),
            )
        synonyms = synonyms if synonyms is not None else read_sssom(SYNONYMS_FILE)
        abbreviations = abbreviations if abbreviations is not None else read_abbreviations()
        alternates = alternates if alternates is not None else read_alternate_names()
        # Indexing makes ~700,000 small containers and no garbage; a collector pass every few
        # hundred allocations would rescan them all (it doubled the build time).
        collecting = gc.isenabled()
        gc.disable()
        try:
            self._build_term_index()
            self._build_alternates(alternates)
            self._build_curated(synonyms)
            self._build_abbreviations(abbreviations)
            self._build_catalog()
            self._build_lesions()
        finally:
            if collecting:
                gc.enable()

    # ------------------------------------------------------------------ index building
    def _fold(self, words: Iterable[str]) -> list[str]:
        return list(map(self._canon.__getitem__, words))

    def _set(self, folded: Iterable[str]) -> frozenset[str]:
        words = frozenset(folded)
        return words - self._stop if not words.isdisjoint(self._stop) else words

    def _build_abstain(self) -> None:
        """Compile the abstain patterns: one expression per (late, raw) group; groups name reasons."""
        rules = self.rules
        self._abstain: dict[bool, list[tuple[bool, re.Pattern[str], dict[str, str]]]] = {
            False: [],
            True: [],
        }
        for late in (False, True):
            for on_raw in (False, True):
                chosen = [
                    (f"a{i}", a)
                    for i, a in enumerate(rules.abstain)
                    if a.unless_found == late and a.raw == on_raw
                ]
                if chosen:
                    pattern = re.compile("|".join(f"(?P<{name}>{a.pattern})" for name, a in chosen))
                    self._abstain[late].append(
                        (on_raw, pattern, {name: a.reason for name, a in chosen})
                    )
        self._early = re.compile(
            "|".join(f"(?:{a.pattern})" for a in rules.abstain if not a.unless_found) or "(?!)"
        )

    def _build_word_tables(self) -> None:
        """Turn the rules' word lists into lookup tables of folded words."""
        rules = self.rules
        self._expansions = {k: v.split() for k, v in rules.expansions.items()}
        # Names are folded before expansion: "Brachiocephls" (TG-263's plural) is "brachiocephl".
        for key, value in list(self._expansions.items()):
            self._expansions.setdefault(self._canon[key], value)
        #: word -> alternative word lists (site adjective -> organ noun, and back).
        self._adjectives = {k: [v.split()] for k, v in rules.adjectives.items()}
        self._nouns: dict[str, list[list[str]]] = {}
        for adjective, noun in rules.adjectives.items():
            if " " not in noun:
                self._nouns.setdefault(noun, []).append([adjective])
        self._fillers = frozenset(rules.fillers)
        #: One word -> its variants; phrases (several words) -> theirs, matched in place.
        self._variants: dict[str, list[list[str]]] = {}
        self._phrases: list[tuple[list[str], list[list[str]]]] = []
        for key, values in rules.word_variants.items():
            words, alternatives = self._fold(key.split()), [self._fold(v.split()) for v in values]
            if len(words) == 1:
                self._variants[words[0]] = alternatives
            else:
                self._phrases.append((words, alternatives))
        self._bound = frozenset(rules.bound_prefixes)
        self._same_words = frozenset(self._fold(rules.same_words)) & self._variants.keys()
        self._derivations = tuple(rules.derivations.items())
        self._instances = frozenset(self._fold(rules.instance_heads))
        self._glued = sorted(rules.glued, key=len, reverse=True)
        lesion = rules.lesion
        self._kinds = {self._canon[w]: kind for kind, ws in lesion.kinds.items() for w in ws}
        self._qualifiers = frozenset(self._fold(lesion.qualifiers))
        self._optional = frozenset(self._fold(lesion.optional))
        self._connectors = frozenset(rules.disease_sites.connectors)
        self._suffixes = {k: v.split() for k, v in rules.suffixes.items()}
        self._file_suffix = re.compile(rules.file_suffix)
        self._nth = {n: word for word, n in rules.ordinals.items()}
        self._kinds_of = HeadClasses(self.terms, rules, self._canon)

    def _add_modality_rule(self, name: str, rule: _ModalityRule) -> None:
        self._by_modality.setdefault(" ".join(self._fold(words_of(name))), []).append(rule)

    def _modality_rule(self, key: str, modalities: frozenset[str]) -> _Hit | None:
        """Return the meaning a name has in the label map's modality, if a rule gives one."""
        for rule in self._by_modality.get(key, ()):
            if not modalities.isdisjoint(rule.modalities):
                return _Hit(rule.term, "modality", rule.confidence, rule.predicate)
        return None

    def _build_term_index(self) -> None:
        """Index every label and synonym: as written, folded word by word, and as a word set.

        Built column by column (all keys, then all word lists, ...): comprehensions and C-level
        maps cost less per name than one loop doing every step, and ~130,000 names are indexed at
        every start. Words that folding leaves alone keep their list (``changed``), and only the
        names whose folded form differs from their key get a ``_refolded`` entry.
        """
        excluded: set[str] = set()
        for root in self.rules.exclude_under:
            excluded |= self.terms.descendants(root) | {root}
        ids = re.compile("|".join(f"(?:{p})" for p in self.rules.exclude_ids) or "(?!)")
        excluded.update(filter(ids.match, self.terms.terms))
        order, stop, fold = self._order, self._stop, self._canon.__getitem__
        #: The terms that may answer a label name.
        self._answering = {
            c for c in self.terms.terms if c[: c.find(":")] in order and c not in excluded
        }
        terms = [self.terms.terms[curie] for curie in self._answering]
        names = [term.label for term in terms]
        names += [name for term in terms for name in term.synonyms]
        entries = [(0, term.curie) for term in terms]
        entries += [e for term in terms for e in repeat((1, term.curie), len(term.synonyms))]
        keys, words, irregular = keys_and_words(names)
        changed = self._canon.prime(chain.from_iterable(words))
        folded = [w if changed.isdisjoint(w) else list(map(fold, w)) for w in words]
        # Every label matches as a set of words; synonyms only of the sources that permute names
        # ("lung upper lobe left"): disease synonyms list their word orders already.
        unordered = frozenset(self.rules.unordered_synonyms)
        bagged = [
            i for i, (rank, c) in enumerate(entries) if not rank or c[: c.find(":")] in unordered
        ]
        word_sets = [
            word_set - stop if not stop.isdisjoint(word_set) else word_set
            for word_set in (frozenset(folded[i]) for i in bagged)
        ]
        self._exact = _grouped(keys, entries, order)
        self._sets = _grouped(word_sets, [entries[i] for i in bagged], order)
        self._sets.pop(frozenset(), None)
        # Only the names whose folded words differ from their key ("Kidneys", "x-ray"): a
        # key that is already folded holds the other names of its folded form.
        refolds = [i for i, (w, f) in enumerate(zip(words, folded)) if w is not f]
        joined = {i: " ".join(folded[i]) for i in sorted({*refolds, *irregular})}
        other = [i for i, j in joined.items() if j and j != keys[i]]
        self._refolded = _grouped([joined[i] for i in other], [entries[i] for i in other], order)
        #: Every word of every indexed name (a word found whole is never split, see ``_unglue``).
        self._vocabulary = frozenset(self._canon) | frozenset(self._canon.values())
        # The words a slip is respelled to: of labels, and of the synonyms of the sources that
        # keep them clean (MONDO's synonyms carry slips of their own: "gallblader").
        # Counted: a slip of a label ("hypoplastic gallbalder syndrome") is a word of one name.
        clean = frozenset(self.rules.respelling.sources)
        self._spelled = Counter(chain.from_iterable(words[: len(terms)]))
        self._spelled.update(
            chain.from_iterable(
                w
                for w, (_, c) in zip(words[len(terms) :], entries[len(terms) :])
                if c[: c.find(":")] in clean
            )
        )

    def _folded(self, joined: str) -> list[_Entry]:
        """Return the entries of the names whose folded words, joined, are ``joined``."""
        plain, refolded = self._exact.get(joined), self._refolded.get(joined)
        if plain and refolded:
            return _grouped(repeat(joined), [*plain, *refolded], self._order)[joined]
        return plain or refolded or []

    def _word_sets(self, curie: str) -> list[frozenset[str]]:
        """Return the word sets of a term's names (memoized: only sided lookups need them)."""
        found = self._names.get(curie)
        if found is None:
            term = self.terms.terms[curie]
            found = self._names[curie] = [
                self._set(folded)
                for name in (term.label, *term.synonyms)
                if (folded := self._fold(key_words(normalize_key(name))))
            ]
        return found

    def _build_alternates(self, rows: Sequence[AlternateName]) -> None:
        """Index the curated alternate names: as synonyms ranked before the ontology's own, or,
        for a name whose meaning depends on the modality ("macula" on a fundus photograph), as a
        modality rule.
        """
        conf = self._conf["alternate"]
        vocabulary: set[str] = set()
        for row in rows:
            if row.object_id not in self._answering:
                continue
            if row.modalities:
                rule = _ModalityRule(frozenset(row.modalities), row.object_id, conf, EXACT)
                self._add_modality_rule(row.name, rule)
                continue
            key = normalize_key(row.name)
            folded = self._fold(key_words(key))
            entry = (_ALTERNATE, row.object_id)
            joined = " ".join(folded)
            for table, at in (
                (self._exact, key),
                (self._refolded, joined if joined != key else None),
                (self._sets, self._set(folded)),
            ):
                if at is not None:
                    found = [e for e in table.get(at, ()) if e[1] != row.object_id or not e[0]]
                    table[at] = sorted([*found, entry], key=self._rank)  # type: ignore[index]
            vocabulary.update(folded)
        self._vocabulary |= vocabulary
        self._spelled.update(vocabulary)

    def _rank(self, entry: _Entry) -> tuple[float, int, str]:
        return entry[0], self._order[entry[1][: entry[1].find(":")]], entry[1]

    def _build_abbreviations(self, rows: Sequence[Abbreviation]) -> None:
        """Index the abbreviation table by its letters (case-folded, or as written for ``exact``).

        A name the curated label table spells keeps that row's meaning (it is looked up first).
        """
        self._abbr: dict[str, list[Abbreviation]] = {}
        self._abbr_exact: dict[str, list[Abbreviation]] = {}
        for row in rows:
            if row.object_id != NO_TERM and row.object_id not in self._answering:
                continue
            if row.case == "exact":
                self._abbr_exact.setdefault(row.abbreviation, []).append(row)
                continue
            key = normalize_key(row.abbreviation)
            for at in dict.fromkeys((key, " ".join(self._fold(words_of(row.abbreviation))))):
                self._abbr.setdefault(at, []).append(row)
        #: A capitalisation-exact code inside a longer name ("PCa_lesion"), as a whole token.
        codes = "|".join(sorted(map(re.escape, self._abbr_exact), key=len, reverse=True))
        self._exact_codes = re.compile(
            rf"(?<![A-Za-z])(?:{codes})(?![A-Za-z])" if codes else "(?!)"
        )

    def _abbreviated(
        self, rows: Sequence[Abbreviation] | None, modalities: frozenset[str]
    ) -> Abbreviation | str | None:
        """Return the reading of an abbreviation in the modalities, a reason to abstain, or None.

        A row of the label map's modality wins over a row for any modality. An abbreviation whose
        rows are all for other modalities is not guessed at ("CC" is the corpus callosum on MR,
        the craniocaudal view on a mammogram).
        """
        if not rows:
            return None
        chosen = [r for r in rows if not modalities.isdisjoint(r.modalities)] or [
            r for r in rows if not r.modalities
        ]
        if not chosen:
            elsewhere = ", ".join(sorted({m for r in rows for m in r.modalities}))
            return f"a standard abbreviation only in other modalities ({elsewhere})"
        if len({r.object_id for r in chosen}) > 1 or " / " in chosen[0].expansion:
            readings = " / ".join(dict.fromkeys(r.expansion for r in chosen))
            return f"an abbreviation with several common readings ({readings})"
        if chosen[0].object_id == NO_TERM:
            return f"{chosen[0].abbreviation} is the {chosen[0].expansion}: {chosen[0].source}"
        return chosen[0]

    def _abbreviation_hit(
        self, text: str, key: str, modalities: frozenset[str]
    ) -> _Hit | str | None:
        """Answer a name that is a standard abbreviation ("COPD"), or say why not (ambiguous)."""
        found = self._abbreviated(self._abbr_exact.get(text), modalities)
        if found is None:
            found = self._abbreviated(self._abbr.get(key), modalities)
        if found is None or isinstance(found, str):
            return found
        return self._abbreviation_row_hit(found)

    def _spell_exact_codes(self, text: str, modalities: frozenset[str]) -> str:
        """Spell out the capitalisation-exact codes of a longer name ("PCa_lesion").

        >>> load_normalizer()._spell_exact_codes("PCa_lesion", frozenset({"MR"}))
        ' prostate cancer _lesion'
        """

        def spelled(match: re.Match[str]) -> str:
            found = self._abbreviated(self._abbr_exact.get(match[0]), modalities)
            return f" {found.expansion} " if isinstance(found, Abbreviation) else match[0]

        return self._exact_codes.sub(spelled, text)

    def _abbreviation_row_hit(self, row: Abbreviation) -> _Hit:
        conf = self._conf["abbreviation_modality" if row.modalities else "abbreviation"]
        return _Hit(row.object_id, "abbreviation", conf, row.predicate_id)

    def _expand_abbreviations(self, words: list[str], modalities: frozenset[str]) -> list[str]:
        """Spell out the abbreviations of a longer name that have one reading in the modality."""
        out: list[str] = []
        for word in words:
            found = self._abbreviated(self._abbr.get(word), modalities)
            if isinstance(found, Abbreviation):
                out += self._fold(words_of(found.expansion, split_case=False))
            else:
                out.append(word)
        return out

    def _build_curated(self, synonyms: MappingSet) -> None:
        """Index the curated rows as written, folded, as word sets, and by their unsided core.

        A sided row that answers the unsided structure ("Parotid_L" -> parotid gland, broadMatch)
        also says what the name without its side means, so "Parotid_R" needs no row of its own;
        a sided row that answers a sided term ("iliac_artery_right" -> right common iliac artery)
        answers the other side with that term's mirror. A one-word capitals code that answers
        exactly ("WM" -> white matter) also stands for its term inside longer names.
        """
        self._curated: dict[str, MappingRow] = {}
        by_folded: dict[str, list[MappingRow]] = {}
        by_set: dict[frozenset[str], list[MappingRow]] = {}
        by_core: dict[frozenset[str], list[MappingRow]] = {}
        #: core -> side -> the sided term a curated row gives.
        self._curated_sided: dict[frozenset[str], dict[str, str]] = {}
        abbreviations: dict[str, list[str]] = {}
        for row in synonyms.rows:
            self._curated.setdefault(normalize_key(row.subject_label), row)
            folded = self._fold(words_of(row.subject_label))
            by_folded.setdefault(" ".join(folded), []).append(row)
            by_set.setdefault(self._set(folded), []).append(row)
            if row.object_id == NO_TERM:
                continue
            side, core, _ = self._split_side(folded)
            object_side = self._side_of(self.terms.label(row.object_id))
            if side in _SIDES and core and object_side == side and row.predicate_id != BROAD:
                self._curated_sided.setdefault(self._core_key(core), {})[side] = row.object_id
            elif side and core and row.predicate_id == BROAD and not object_side:
                by_core.setdefault(self._core_key(core), []).append(row)
            text = row.subject_label
            if (
                row.predicate_id == EXACT
                and text.isalpha()
                and text.isupper()
                and len(text) <= self.rules.short_name + 1
            ):
                abbreviations[text.casefold()] = words_of(self._label_of(row.object_id))
        # A folded spelling that two rows map to different objects is left to the exact table.
        self._curated_folded = _unambiguous(by_folded)
        self._curated_sets = _unambiguous(by_set)
        self._curated_core = _unambiguous(by_core)
        # The rules' expansions win over the curated codes.
        self._expansions = {**abbreviations, **self._expansions}

    def _core_key(self, core: Iterable[str]) -> frozenset[str]:
        return frozenset(w for w in core if w not in self._stop and w not in self._fillers)

    def _build_catalog(self) -> None:
        """Index the catalog tables' anatomy mappings (``TermIndex.curated``).

        They say what imaging catalogs mean by a plain organ word ("skin" is the skin of the body,
        not any zone of skin); they answer before a synonym, never before a label. Only anatomy:
        the lesion terms of label maps are finer than the catalogs' disease values.
        """
        self._catalog: dict[str, str] = {}
        for key, curies in self.terms.curated.get("anatomy", {}).items():
            allowed = [c for c in dict.fromkeys(curies) if c in self._answering]
            folded = " ".join(self._fold(words_of(key, split_case=False)))
            labels = [c for rank, c in self._folded(folded) if not rank]
            # A catalog's anatomy value ("Polyps": the digestive tract) never hides a label.
            if len(allowed) == 1 and labels in ([], allowed):
                self._catalog.setdefault(folded, allowed[0])

    def _build_lesions(self) -> None:
        """Index lesion terms by (site, kind) from their "<site> <kind>" names ("renal cyst").

        A name whose words give another site than the term's ("pulmonary embolus": lung, where
        the term's site is the pulmonary artery) indexes it there too, and at the term's own
        site, unless another term has that place. Names with an optional word ("acute ischaemic
        lesion") are also indexed without it, as synonyms, where no term has that name already.
        """
        self._lesions: dict[tuple[str, str], str] = {}
        named: dict[tuple[str, str], str] = {}
        #: (the term's own site, kind) of a name that states another site ("pulmonary embolus":
        #: the pulmonary artery's embolus too).
        own: dict[tuple[str, str], str] = {}
        for curie, site in sorted(self._sites.items()):
            term = self.terms.get(curie)
            if term is None:
                continue
            for name in (term.label, *term.synonyms):
                folded = self._fold(words_of(name, split_case=False))
                kind = self._kinds.get(folded[-1]) if folded else None
                # Only "<site> <kind>" names: "whole tumour" is not the brain's tumour.
                if kind and len(folded) > 1:
                    stated = self._site(folded[:-1], self._order)
                    if stated == site:
                        self._lesions.setdefault((site, kind), curie)
                    elif stated:
                        named.setdefault((stated, kind), curie)
                        own.setdefault((site, kind), curie)
        for key, curie in [*named.items(), *own.items()]:
            self._lesions.setdefault(key, curie)
        for curie in sorted(c for c in self._answering if c.startswith("mfles:")):
            term = self.terms.terms[curie]
            for name in (term.label, *term.synonyms):
                folded = self._fold(words_of(name, split_case=False))
                short = [w for w in folded if w not in self._optional]
                if len(short) == len(folded) or not any(w in self._kinds for w in short):
                    continue
                joined, word_set = " ".join(short), self._set(short)
                if not self._folded(joined) and word_set not in self._sets:
                    self._refolded[joined] = self._sets[word_set] = [(1, curie)]

    # ------------------------------------------------------------------ public
    def normalize(self, raw: str, *, modality: str | None = None) -> Normalized:
        """Return the term a raw label name stands for, or an abstention with its reason.

        :param modality: modality of the label map (``CT``, ``MR``, ``PET/CT``...), used to
            break ties and for the few names whose meaning depends on it.

        >>> n = load_normalizer().normalize("lung_upper_lobe_left")
        >>> n.term, n.label, n.predicate
        ('UBERON:0008952', 'upper lobe of left lung', 'skos:exactMatch')
        """
        text = raw.strip()
        if not text:
            return self._abstained(raw, "the name is empty", 1.0)
        if "." in text:  # a file name: "spleen.nii.gz"
            text = self._file_suffix.sub("", text).strip() or text
        modalities, order = self._modality_memo.get(modality) or self._modalities(modality)
        key = normalize_key(text)
        if self._by_modality and (by_modality := self._modality_rule(key, modalities)):
            return self._answer(raw, by_modality)
        row = self._curated.get(key)
        if row is not None:
            return self._from_row(raw, row, modalities)
        # Fast path: the name is a label as written (a disease may still state a site: go on).
        entries = self._exact.get(key)
        if (
            entries
            and not entries[0][0]
            and order.default
            and not entries[0][1].startswith("MONDO:")
            and not self._early.search(key)
        ):
            return self._answer(raw, _Hit(entries[0][1], "label", self._conf["label"]))
        abbreviation = self._abbreviation_hit(text, key, modalities)
        if abbreviation is None and _PLURAL_CODE.match(text):  # "RBCs": the plural of a code
            abbreviation = self._abbreviation_hit(text[:-1], key[:-1], modalities)
        if isinstance(abbreviation, str):
            return self._abstained(raw, abbreviation, self._conf["abstain_pattern"])
        if abbreviation is not None:
            return self._answer(raw, self._with_site(abbreviation, None, modalities))
        if _CURIE.match(text):
            curie = compress(text)
            if curie in self._answering:
                return self._answer(raw, _Hit(curie, "curie", self._conf["curie"]))
        if "(" in text and (found := self._parenthetical(raw, text, modality)) is not None:
            return found
        if self._exact_codes.search(text):
            text = self._spell_exact_codes(text, modalities)
        words, inner = self._parts(text)
        folded = self._fold(words)
        joined = " ".join(folded)
        if joined != key:
            if by_modality := self._modality_rule(joined, modalities):
                return self._answer(raw, by_modality)
            # An abbreviation written with other separators ("C_spine" for "C-spine").
            abbreviation = self._abbreviated(self._abbr.get(joined), modalities)
            if isinstance(abbreviation, str):
                return self._abstained(raw, abbreviation, self._conf["abstain_pattern"])
            if abbreviation is not None:
                hit = self._abbreviation_row_hit(abbreviation)
                return self._answer(raw, self._with_site(hit, None, modalities))
        row = self._curated_folded.get(joined) or self._curated_sets.get(self._set(folded))
        if row is not None:
            return self._from_row(raw, row, modalities)
        if not folded:
            return self._abstained(raw, "the name has no letters or digits", 1.0)
        phrase = " ".join(words)
        reason = self._abstain_reason(phrase, key, late=False)
        if reason:
            return self._abstained(raw, reason, self._conf["abstain_pattern"])
        side, core, spelled = self._split_side(folded, inner=self._fold(inner))
        if side == "both":
            spelled = core
        if side and core and (sided := self._sided_code(core, side, modalities, order)):
            return self._answer(raw, self._with_site(sided, None, modalities))
        caps = text.isupper()
        hit = self._lookup(key, spelled, order, short=_shortness(text, self.rules.short_name))
        if hit is not None and side and side != "both" and hit.via in ("variant", "tokens"):
            hit = hit._replace(
                via="laterality", confidence=max(hit.confidence, self._conf["sided"])
            )
        if hit is None:
            reason = self._abstain_reason(phrase, key, late=True)
            if reason:
                return self._abstained(raw, reason, self._conf["abstain_pattern"])
            hit = self._resolve(core, spelled, side, order, caps=caps)
            if hit is None and (unsplit := self._fold(words_of(text, split_case=False))) != folded:
                # Case changes may not be word breaks ("GTVlung" is GTV + lung, not "GT Vlung").
                side, core, spelled = self._split_side(unsplit, inner=self._fold(inner))
                hit = self._resolve(core, spelled, side, order, caps=caps)
            if hit is None and caps and len(folded) == 1:
                hit = self._acronym(folded[0])
        classes = self._kinds_of.of_name(core)
        disagreeing = hit if hit is not None and not self._agrees(classes, hit) else None
        if disagreeing is not None:
            hit = None
        if hit is None and classes:
            hit = self._class_headed(core, classes, side, order)
        if hit is None and len(core) > 1:
            # Abbreviations inside a longer name, read in the label map's modality ("PA thrombus").
            expanded = self._expand_abbreviations(core, modalities)
            if expanded != core:
                hit = self._resolve(expanded, expanded, side, order, caps=False)
            hit = hit or self._disease_lesion(core, modalities, order)
        if hit is None and disagreeing is None:
            found = self._unnumbered(raw, folded, modality) or self._respelled(raw, words, modality)
            if found is not None:
                return found
        if hit is None:
            reason = self._beyond(core) or (
                self._kinds_of.describe(
                    classes, disagreeing.curie, self._label_of(disagreeing.curie)
                )
                if disagreeing
                else "no term matches this name"
            )
            return self._abstained(
                raw, reason, self._conf["abstain_pattern"] if disagreeing else 0.0
            )
        if len(core) == 1 and hit.curie.startswith("MONDO:") and self._too_broad(hit.curie):
            return self._abstained(
                raw,
                "names a whole class of diseases, not one finding a label map outlines",
                self._conf["abstain_pattern"],
            )
        hit = self._specific(hit, core, modalities)
        return self._answer(raw, self._with_site(hit, core, modalities))

    # ------------------------------------------------------------------ steps
    def _unnumbered(self, raw: str, folded: list[str], modality: str | None) -> Normalized | None:
        """Answer a name that numbers instances of a target or lesion ("GTV1", "lesion_2")."""
        if len(folded) < 2 or not folded[-1].isdigit() or folded[-2] not in self._instances:
            return None
        found = self.normalize(" ".join(folded[:-1]), modality=modality)
        return found.model_copy(update={"raw": raw}) if found.term else None

    def _respelled(self, raw: str, words: list[str], modality: str | None) -> Normalized | None:
        """Answer a name with a typing slip in a long word ("gallblader"), where one word fits.

        Every word no indexed name has is respelled if it can be; the name is then read again.
        """
        rule = self.rules.respelling
        fixed = [self._respelling(w) if len(w) >= rule.min_letters else None for w in words]
        if not any(fixed):
            return None
        found = self.normalize(" ".join(f or w for f, w in zip(fixed, words)), modality=modality)
        if found.term is None:
            return None
        confidence = round(found.confidence * rule.factor, 3)
        return found.model_copy(update={"raw": raw, "via": "respelled", "confidence": confidence})

    def _respelling(self, word: str) -> str | None:
        """Return the one known word a letter added, dropped or swapped makes of ``word``, if any.

        >>> load_normalizer()._respelling("diaphram"), load_normalizer()._respelling("kideny")
        ('diaphragm', 'kidney')
        """
        if word in self._spelled or word in self._expansions or not word.isalpha():
            return None
        splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
        candidates = {a + b[1:] for a, b in splits if b}
        candidates.update(a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1)
        candidates.update(a + letter + b for a, b in splits for letter in _LETTERS)
        found = sorted((self._spelled[w], w) for w in candidates if w in self._spelled)
        if (
            not found
            or sum(n for n, _ in found[:-1]) * self.rules.respelling.dominance > found[-1][0]
        ):
            return None
        return found[-1][1]

    def _sided_code(
        self, core: list[str], side: str, modalities: frozenset[str], order: _Order
    ) -> _Hit | None:
        """Answer a sided abbreviation or modality word ("R-PCA", "Macula_L") with its side."""
        joined = " ".join(core)
        hit = self._modality_rule(joined, modalities) if self._by_modality else None
        # "Rt PCom": the case change inside the code is no word break.
        for code in dict.fromkeys((joined, "".join(core))):
            if hit is None and code not in self._curated_folded:
                found = self._abbreviation_hit(code, code, modalities)
                hit = found if isinstance(found, _Hit) else None
        if hit is None:
            return None
        return self._sided(hit, side, order) if side in _SIDES else hit

    def _parenthetical(self, raw: str, text: str, modality: str | None) -> Normalized | None:
        """Read words in parentheses that are not a side: an apposition or part of the name.

        "Bile duct (CBD)": both parts name terms, the code the narrower one, which answers;
        "Atlas (C1)": both name the same term; "nodule (thyroid)", "Edema (peritumoral)": the words
        in parentheses qualify the name ("thyroid nodule"). Otherwise (a sequence, "Infarct (DWI)")
        the words outside answer as usual.
        """
        groups = [g.strip() for g in _PAREN.findall(text) if g.strip()]
        inner = [w for group in groups for w in words_of(group)]
        if not inner or any(
            w in self._side_words or w in self._side_short or w in self._both for w in inner
        ):
            return None
        outer = _PAREN.sub(" ", text).strip()
        if not outer or "(" in outer or ")" in outer:
            return None
        within = " ".join(groups)
        whole = self.normalize(outer, modality=modality)
        part = self.normalize(within, modality=modality)
        if whole.term and part.term:
            if whole.term == part.term or whole.term in self.terms.ancestors(part.term):
                return part.model_copy(update={"raw": raw})
            if part.term in self.terms.ancestors(whole.term):
                return whole.model_copy(update={"raw": raw})
        combined = self.normalize(f"{within} {outer}", modality=modality)
        return combined.model_copy(update={"raw": raw}) if combined.term else None

    def _agrees(self, classes: frozenset[str], hit: _Hit) -> bool:
        """Whether a rule-found term is of a kind the name says (a curated answer always is)."""
        if hit.via in ("curated", "modality", "abbreviation", "curie"):
            return True
        return self._kinds_of.agree(classes, hit.curie)

    def _class_headed(
        self, core: list[str], classes: frozenset[str], side: str | None, order: _Order
    ) -> _Hit | None:
        """Put the head of the class a name says in place of its class words.

        "ctx-lh-lingual" is a cortical parcel: the lingual gyrus (not the gland of the tongue);
        "ctx-rh-entorhinal" the entorhinal cortex. Only a term of that class answers.
        """
        for name in sorted(classes):
            head_class = self.rules.head_classes[name]
            drop = {*head_class.words, *head_class.markers}
            rest = self._unglue([w for w in core if w not in drop])  # "middletemporal"
            if not head_class.heads or not rest or len(rest) > _HEADLESS_WORDS:
                continue
            for words in (rest, *([*rest, head] for head in head_class.heads)):
                hit = self._lookup(" ".join(words), words, order, short=1)
                if hit is not None and name in self._kinds_of.of_term(hit.curie):
                    hit = hit._replace(
                        via="head", confidence=min(hit.confidence, self._conf["head"])
                    )
                    return self._sided(hit, side, order) if side in _SIDES else hit
        return None

    def _disease_lesion(
        self, core: list[str], modalities: frozenset[str], order: _Order
    ) -> _Hit | None:
        """Answer "<disease> lesion": the site's tumour term for a neoplasm, else the disease.

        "HCC lesion" on CT is the liver tumour of the lesion scheme; "MS lesions" are the lesions
        of multiple sclerosis (a close match of the disease).
        """
        if self._kinds.get(core[-1]) not in ("lesion", "tumor"):
            return None
        rest = core[:-1]
        found = self._abbreviation_hit(" ".join(rest), " ".join(rest), modalities)
        if not isinstance(found, _Hit):
            # "psoriatic lesion": the disease's adjective names the disease.
            for words in (rest, *self._derived(rest)):
                found = self._lookup(" ".join(words), words, order, short=1)
                if found is not None:
                    break
        if found is None or not found.curie.startswith("MONDO:"):
            return None
        site = self._disease_site(found.curie)
        neoplasm = not self.terms.ancestors(found.curie).isdisjoint(self.rules.acronyms.mondo_under)
        if site and neoplasm and (lesion := self._lesions.get((site, "tumor"))):
            return _Hit(lesion, "lesion", self._conf["lesion_broader"], BROAD, site)
        return _Hit(found.curie, "lesion", self._conf["lesion_broader"], CLOSE, site)

    def _specific(self, hit: _Hit, core: list[str], modalities: frozenset[str]) -> _Hit:
        """Prefer what a disease term means in the modality: the lesion term of the name's site
        and kind where label maps outline lesions ("renal neoplasm" on CT: the kidney tumour),
        the modality's form of the disease (tuberculosis on a chest radiograph: pulmonary).
        """
        if not hit.curie.startswith("MONDO:") or hit.via in ("curated", "abbreviation"):
            return hit
        if not modalities.isdisjoint(self.rules.lesion.over_disease_in) and (
            parts := self._lesion_parts(core)
        ):
            site = self._site(parts[1], self._order, kind=parts[0])
            lesion = self._lesions.get((site, parts[0])) if site else None
            if lesion:
                return _Hit(lesion, "lesion", self._conf["lesion_term"], EXACT, site)
        label = self._label_of(hit.curie)
        for modality in sorted(modalities.intersection(self.rules.disease_forms)):
            for template in self.rules.disease_forms[modality]:
                for _, curie in self._exact.get(normalize_key(template.format(name=label)), ()):
                    if curie.startswith("MONDO:") and hit.curie in self.terms.ancestors(curie):
                        return hit._replace(curie=curie)
        return hit

    def _resolve(
        self,
        core: list[str],
        spelled: list[str],
        side: str | None,
        order: _Order,
        *,
        caps: bool,
    ) -> _Hit | None:
        """Resolve a name's core and give it the side; else the name with its side inside.

        Some sided structures are named around the side ("cavity of right atrium"), so a name
        whose core finds nothing is tried whole ("right atrium cavity").
        """
        hit = self._resolve_core(core, order, depth=0, caps=caps, side=side) if core else None
        if hit is not None and side and side != "both":
            return self._sided(hit, side, order)
        if hit is None and side in _SIDES and spelled != core and len(core) <= _HEADLESS_WORDS:
            hit = self._resolve_core(spelled, order, depth=0, caps=caps)
        return hit

    def _with_site(self, hit: _Hit, words: list[str] | None, modalities: frozenset[str]) -> _Hit:
        """Give a lesion or disease its site: its own, the name's, MONDO's, or the modality's.

        A curated row (no ``words``) answers a term: the site is the term's.
        """
        if hit.site is not None or not hit.curie.startswith(("mfles:", "MONDO:")):
            return hit
        site = (
            self._sites.get(hit.curie)
            or (words and self._stated_site(words, self._order))
            or self._disease_site(hit.curie)
            or self._modality_site(modalities)
        )
        return hit._replace(site=site) if site else hit

    def _parts(self, text: str) -> tuple[list[str], list[str]]:
        """Split a name into its words and the words that only give a side.

        Words in parentheses give a side only ("kidney (left)"); so does a code before a gloss
        ("Left-IOG---inferior-occipital-gyrus": the gloss names the structure, the code its side).
        """
        inner: list[str] = []
        parts = self._gloss.split(text, maxsplit=1)
        if len(parts) == 2 and parts[0].strip() and parts[1].strip():
            inner, text = words_of(parts[0]), parts[1]
        if "(" in text:
            inner += [w for group in _PAREN.findall(text) for w in words_of(group)]
            return words_of(_PAREN.sub(" ", text)) or words_of(text), inner
        return words_of(text), inner

    def _abstain_reason(self, phrase: str, key: str, *, late: bool) -> str | None:
        for on_raw, pattern, reasons in self._abstain[late]:
            match = pattern.search(key if on_raw else phrase)
            if match:
                return reasons[match.lastgroup or ""]
        return None

    def _modalities(self, modality: str | None) -> tuple[frozenset[str], _Order]:
        """Return the rule words of a raw modality and the source order it implies (memoized)."""
        words: set[str] = set()
        if modality:
            words.add(self._aliases.get(modality.strip().casefold(), modality.strip()))
            words |= {self._aliases.get(part.casefold(), part) for part in split_values(modality)}
        by_modality = self.rules.prefixes_by_modality
        prefixes = next((by_modality[w] for w in sorted(words) if w in by_modality), None)
        order = (
            _Order(prefixes or self.rules.prefixes, frozenset(words), default=prefixes is None)
            if words
            else self._order
        )
        found = self._modality_memo[modality] = (frozenset(words), order)
        return found

    def _label_of(self, curie: str) -> str:
        term = self.terms.terms.get(curie)
        return term.label if term else curie

    def _term_side(self, curie: str) -> str | None:
        """Return the side a term's label names (memoized per term)."""
        if curie not in self._side_memo:
            self._side_memo[curie] = self._side_of(self._label_of(curie))
        return self._side_memo[curie]

    def _side_of(self, text: str) -> str | None:
        return self._split_side(words_of(text))[0]

    def _split_side(
        self, folded: Sequence[str], *, inner: Sequence[str] = ()
    ) -> tuple[str | None, list[str], list[str]]:
        """Split off the side a name gives.

        :returns: the side (``left``, ``right``, ``both`` or ``None``), the other words, and all
            words with short side forms spelled out (``l`` -> ``left``, ``al`` -> ``anterior left``).
        """
        if not inner and self._side_any.isdisjoint(folded):  # most names
            return None, list(folded), list(folded)
        sides: set[str] = set()
        core: list[str] = []
        spelled: list[str] = []
        last = len(folded) - 1
        while last > 0 and folded[last].isdigit():
            last -= 1
        # A short form before nothing but numbers is a code ("L-4"), not a side.
        short_ok = len(folded) > 1 and not all(w.isdigit() for w in folded[1:])
        parts = self._side_parts
        for i, word in enumerate(folded):
            side = self._side_words.get(word)
            part = None
            if side is None and short_ok and i in (0, last, len(folded) - 1):
                side = self._side_short.get(word)
                if side is None and len(word) == 2 and word[0] in parts:
                    part, side = parts[word[0]], self._side_short.get(word[1])
            if side is None and word in self._both:
                side = "both"
            if side is None:
                core.append(word)
                spelled.append(word)
                continue
            sides.add(side)
            if part and side:
                core.append(part)
                spelled.append(part)
            spelled.append(side)
        for word in inner:
            side = self._side_words.get(word) or self._side_short.get(word)
            if side:
                sides.add(side)
                spelled.append(side)
        if not sides:
            return None, core, spelled
        return (sides.pop() if len(sides) == 1 else "both"), core, spelled

    def _pick(
        self, entries: list[_Entry] | None, order: _Order, *, short: int
    ) -> tuple[int, str] | None:
        """Return the best entry: labels first, then by source; ``short`` drops risky synonyms.

        Short names collide with acronyms among synonyms ("PV": polycythaemia vera, pectoral
        vein): for a short name (``short=1``) only UBERON and curated-source synonyms count, for
        an all-capitals code (``short=2``) only the curated sources' (lesion terms, mfanat) do.
        Curated alternate names always count.
        """
        if not entries:
            return None
        if not order.default:
            entries = sorted(
                entries, key=lambda e: (e[0], order.get(e[1].split(":", 1)[0], 9), e[1])
            )
        for rank, curie in entries:
            if (
                rank >= 1  # a curated alternate name (0.5) is no risky synonym
                and short
                and not curie.startswith(self._curated_sources)
                and (short > 1 or not curie.startswith("UBERON:"))
            ):
                continue
            return rank, curie
        return None

    def _lookup(self, key: str, folded: list[str], order: _Order, *, short: int = 0) -> _Hit | None:
        """Find a term by its label or synonym: as written, folded, then as a set of words.

        A word whose meaning depends on the modality ("macula" on a fundus photograph) has it
        here too, where a rule reached it by changing the name ("macular region").
        """
        joined = " ".join(folded)
        if (
            order.modalities
            and self._by_modality
            and (by_modality := self._modality_rule(joined, order.modalities))
        ):
            return by_modality
        found = self._pick(self._exact.get(key), order, short=short)
        if found and not found[0]:
            return _Hit(found[1], "label", self._conf["label"])
        catalog = self._catalog.get(joined)
        if catalog:
            return _Hit(catalog, "curated", self._conf["catalog"])
        if found:
            curie = self._variant_label(folded, order, found) or found[1]
            return _Hit(curie, "synonym", self._conf["synonym"])
        found = self._pick(self._folded(joined), order, short=short)
        if found:
            rank, curie = found
            return _Hit(
                self._variant_label(folded, order, found) or curie,
                "variant",
                self._conf["variant_synonym" if rank else "variant_label"],
            )
        found = self._pick(self._sets.get(self._set(folded)), order, short=short)
        if found:
            curie = self._variant_label(folded, order, found) or found[1]
            return _Hit(curie, "tokens", self._conf["tokens"])
        return None

    def _variant_label(
        self, folded: list[str], order: _Order, found: tuple[float, str]
    ) -> str | None:
        """Return the term whose label the name's word variants spell, where the name itself is
        only an ontology synonym of another term of the same source.

        Labels are the ontologies' preferred names, synonyms are looser: "large bowel" is an
        UBERON synonym of the colon, but "bowel" is "intestine" and the large intestine is a
        label. Only words that mean their variant in every name count (``same_words``: not
        "spinal", whose "vertebral" artery is another vessel).
        """
        rank, curie = found
        if rank != 1 or self._same_words.isdisjoint(folded):
            return None
        spelled = [
            part
            for w in folded
            for part in (self._variants[w][0] if w in self._same_words else [w])
        ]
        label = self._pick(self._sets.get(self._set(spelled)), order, short=0)
        if label and not label[0] and label[1] != curie and label[1][:3] == curie[:3]:
            return label[1]
        return None

    def _resolve_core(
        self,
        core: list[str],
        order: _Order,
        *,
        depth: int,
        caps: bool = False,
        side: str | None = None,
    ) -> _Hit | None:
        """Resolve the words of a name without its side, through the rules in their order."""
        row = self._curated_folded.get(" ".join(core)) or self._curated_sets.get(self._set(core))
        if row is not None and row.object_id != NO_TERM:
            return _Hit(row.object_id, "curated", row.confidence or 0.9, row.predicate_id)
        core_key = self._core_key(core)
        row = self._curated_core.get(core_key)
        if row is not None:  # a sided curated name: the structure itself matches exactly
            return _Hit(row.object_id, "curated", row.confidence or 0.9, EXACT)
        if side in _SIDES and (by_side := self._curated_sided.get(core_key)):
            curie = by_side.get(side) or next(
                filter(None, (self._mirror(c, s, side) for s, c in by_side.items())), None
            )
            if curie:
                return _Hit(curie, "curated", self._conf["sided"], EXACT)
        letters = len("".join(core))
        short = (
            2
            if caps and letters <= self.rules.short_name + 1
            else int(letters <= self.rules.short_name)
        )
        hit = self._lookup(" ".join(core), core, order, short=short) or self._numbered_hit(core)
        if hit is _BEYOND:
            return None  # a numbered name past the count: nothing else may answer
        if hit or depth > 1:
            return hit
        hit = (
            self._narrowed(core, self._narrowing, order, depth=depth)
            or self._lesion(core, order, side=side)
            or self._fallbacks(core, order, depth=depth)
        )
        return hit or self._narrowed(core, self._late, order, depth=depth)

    def _narrowed(
        self,
        core: list[str],
        rules: list[tuple[re.Pattern[str], float, tuple[str, ...]]],
        order: _Order,
        *,
        depth: int,
    ) -> _Hit | None:
        """Strip a narrowing qualifier and answer the broader term of what is left.

        A rule with ``answers`` holds only where what is left is a term of those sources (a grade
        letter qualifies a disease: "esophagitis-b").
        """
        phrase = " ".join(core)
        for pattern, factor, answers in rules:
            match = pattern.match(phrase)
            if match:
                rest = match["core"].split()
                inner = self._resolve_core(rest, order, depth=depth + 1)
                if inner and answers:  # a graded class of too many diseases names no finding
                    broad = len(rest) == 1 and inner.curie.startswith("MONDO:")
                    if not inner.curie.startswith(answers) or (
                        broad and self._too_broad(inner.curie)
                    ):
                        inner = None
                if inner:
                    return inner._replace(
                        via="narrowing",
                        confidence=inner.confidence * factor,
                        predicate=_broaden(inner.predicate),
                    )
        return None

    def _fallbacks(self, core: list[str], order: _Order, *, depth: int) -> _Hit | None:
        """Try codes, abbreviations, variants, context and filler words, missing heads."""
        hit = self._compact(core, order) if depth == 0 else None
        if hit:
            return hit
        if len(core) > 1 and core[-1] in self._suffixes:  # "Musc_Constrict_S": superior
            core = [*core[:-1], *self._suffixes[core[-1]]]
        expanded = self._unglue([part for w in core for part in self._expansions.get(w, [w])])
        if expanded != core:
            hit = self._lookup(" ".join(expanded), expanded, order) or _real(
                self._numbered_hit(expanded)
            )
            if hit is None and depth == 0:
                hit = self._resolve_core(expanded, order, depth=depth + 1)
            if hit:
                return hit._replace(
                    via="expanded", confidence=min(hit.confidence, self._conf["expanded"])
                )
        variants = self._variants_of(expanded)
        if expanded != core:  # "CA1": a code that is no abbreviation ("ca" + "1" is a word)
            variants += self._variants_of(core)
        for variant in variants:
            hit = self._lookup(" ".join(variant), variant, order)
            if hit:
                return hit._replace(
                    via="variant", confidence=min(hit.confidence, self._conf["expanded"])
                )
        for variant in (expanded, *variants):
            hit = self._context(variant, order)
            if hit:
                return hit
        shapes = [expanded, *variants]
        if len(expanded) > 1:
            for i, word in enumerate(expanded):
                variant = expanded[:i] + expanded[i + 1 :]
                if word in self._fillers and not self._early.search(" ".join(variant)):
                    shapes.append(variant)
                    # What is left may be a short code ("RPE layer"): no risky synonym.
                    short = int(len("".join(variant)) <= self.rules.short_name)
                    hit = self._lookup(" ".join(variant), variant, order, short=short) or _real(
                        self._numbered_hit(variant)
                    )
                    if hit is None and depth == 0:
                        hit = self._resolve_core(variant, order, depth=depth + 1)
                    if hit:
                        return hit._replace(
                            via="filler", confidence=min(hit.confidence, self._conf["filler"])
                        )
        return (self._apposition(expanded, order) if depth == 0 else None) or self._headed(
            shapes, order
        )

    def _apposition(self, words: list[str], order: _Order) -> _Hit | None:
        """Answer a name that is a term's name or code plus words of that term's own names.

        "Axis_C2": C2 is the second cervical vertebra, and "axis" is a word of its names.
        """
        if not 2 <= len(words) <= _HEADLESS_WORDS + 1:
            return None
        for i in range(1, len(words)):
            for part, other in ((words[i:], words[:i]), (words[:i], words[i:])):
                hit = self._lookup(" ".join(part), part, order, short=1) or _real(
                    self._numbered_hit(part)
                )
                if hit and set(other) <= self._name_words(hit.curie):
                    return hit._replace(
                        via="apposition", confidence=min(hit.confidence, self._conf["apposition"])
                    )
        return None

    def _name_words(self, curie: str) -> frozenset[str]:
        return frozenset().union(*self._word_sets(curie))

    def _compact(self, core: list[str], order: _Order) -> _Hit | None:
        """Read a code written with separators as one word ("GTV_P" -> "GTVp")."""
        if len(core) < 2 or not all(w.isalpha() for w in core):
            return None
        code = "".join(core)
        if len(code) > self.rules.short_name + 2:
            return None
        row = self._curated.get(code)
        if row is not None and row.object_id != NO_TERM:
            return _Hit(row.object_id, "curated", row.confidence or 0.9, row.predicate_id)
        return self._lookup(code, [code], order, short=2)

    def _unglue(self, words: list[str]) -> list[str]:
        """Split glued word starts off words not found whole ("superiorfrontal", "gtvlung")."""
        out: list[str] = []
        for word in words:
            starts: list[str] = []
            while word not in self._vocabulary:
                start = next(
                    (g for g in self._glued if word.startswith(g) and len(word) > len(g) + 1), None
                )
                rest = word[len(start) :] if start else ""
                if not start or not (
                    rest in self._vocabulary
                    or rest in self._expansions
                    or any(rest.startswith(g) for g in self._glued)
                ):
                    break
                starts.append(start)
                word = rest
            if starts:
                out += [*starts, *self._expansions.get(word, [word])]
            else:
                out += self._split_compound(word)
        return out

    def _split_compound(self, word: str) -> list[str]:
        """Split a word not found whole into two words whose phrase is a name ("chestwall").

        >>> load_normalizer()._split_compound("largeintestine")
        ['large', 'intestine']
        """
        if word in self._vocabulary or len(word) < 7 or not word.isalpha():
            return [word]
        for i in range(3, len(word) - 2):
            first, second = word[:i], word[i:]
            if first in self._vocabulary and second in self._vocabulary:
                pair = [self._canon[first], self._canon[second]]
                if self._folded(" ".join(pair)) or self._set(pair) in self._sets:
                    return pair
        return [word]

    def _variants_of(self, words: list[str]) -> list[list[str]]:
        """Return the alternative spellings of a name to try, one change at a time (mostly)."""
        every = [
            alternatives[0][0] if (alternatives := self._variants.get(w)) else w for w in words
        ]
        variants = [every] if every != words else []
        variants += self._derived(words)
        for table in (self._variants, self._adjectives, self._nouns):
            for i, word in enumerate(words):
                variants += [
                    words[:i] + replacement + words[i + 1 :] for replacement in table.get(word, ())
                ]
        for phrase, alternatives in self._phrases:
            size = len(phrase)
            for i in range(len(words) - size + 1):
                if words[i : i + size] == phrase:
                    variants += [words[:i] + alt + words[i + size :] for alt in alternatives]
        # A compound written in two words ("gall stones", "wind pipe").
        for i in range(len(words) - 1):
            if (compound := words[i] + words[i + 1]) in self._vocabulary:
                variants.append([*words[:i], self._canon[compound], *words[i + 2 :]])
        if not self._bound.isdisjoint(words[:-1]):
            joined: list[str] = []
            for word in words:
                if joined and joined[-1] in self._bound:
                    joined[-1] = self._canon[joined[-1] + word]
                else:
                    joined.append(word)
            variants.append(joined)
        return variants

    def _derived(self, words: list[str]) -> list[list[str]]:
        """Return the name with a disease adjective made its noun ("glaucomatous" -> glaucoma).

        >>> load_normalizer()._derived(["psoriatic", "lesion"])
        [['psoriasis', 'lesion']]
        """
        out = []
        for i, word in enumerate(words):
            if len(word) >= 7:
                for ending, noun in self._derivations:
                    if word.endswith(ending):
                        out.append([*words[:i], word[: -len(ending)] + noun, *words[i + 1 :]])
                        break
        return out

    def _headed(self, shapes: list[list[str]], order: _Order) -> _Hit | None:
        """Add a head noun, then an organ, that a name leaves out ("caudate" -> caudate nucleus).

        Not to a word that is the head of what it would find ("wall" is no "artery wall"), and
        some organs only to names of two words or more ("apex" alone says too little).
        """
        heads, rules = self.rules.heads, self.rules
        if next(iter(order)) == "CL":  # pathology, microscopy: "epithelial" is the cell
            for words in shapes[:1]:
                for head in rules.cell_heads:
                    found = self._pick(self._folded(" ".join([*words, head])), order, short=0)
                    if found and not found[0] and found[1].startswith("CL:") and head not in words:
                        return _Hit(found[1], "head", self._conf["head"])
        for words in shapes:
            if len(words) > _HEADLESS_WORDS:
                continue
            extra = heads if words[-1] not in heads else rules.heads_after_head
            organs = [*rules.organs, *rules.phrase_organs] if len(words) > 1 else rules.organs
            base = self._set(words)
            #: head -> the term it gives a bare word, for a choice among several.
            found_by_head: dict[str, str] = {}
            for head in (*extra, *organs):
                if head not in base:
                    found = self._pick(self._sets.get(base | {head}), order, short=0)
                    if (
                        found
                        and found[1].startswith("UBERON:")
                        and (len(words) > 1 or not self._label_of(found[1]).endswith(words[0]))
                    ):
                        found_by_head.setdefault(head, found[1])
            if found_by_head:
                return self._head_choice(found_by_head, order, phrase=len(words) > 1)
        return None

    def _head_choice(
        self, found_by_head: dict[str, str], order: _Order, *, phrase: bool
    ) -> _Hit | None:
        """Choose among the terms a name gives with different heads, or abstain.

        "parotid" takes one head (gland); "lingual" takes five (gland, nerve, artery, vein,
        gyrus): only the modality's preferred head decides ("Lingual_L" on MR is the gyrus of a
        brain atlas), else no head is guessed ("Lacrimal" on CT: the gland or the bone). A phrase
        says more: the modality's head first ("Temporal_Mid" on MR is the middle temporal gyrus,
        not the artery), else the first head in the rules' order.
        """
        terms = set(found_by_head.values())
        if len(terms) == 1:
            return _Hit(terms.pop(), "head", self._conf["head"])
        by_modality = self.rules.heads_by_modality
        for modality in sorted(order.modalities.intersection(by_modality)):
            for head in by_modality[modality]:
                if head in found_by_head:
                    return _Hit(found_by_head[head], "head", self._conf["head"])
        if phrase:
            return _Hit(next(iter(found_by_head.values())), "head", self._conf["head"])
        return None

    def _context(self, words: list[str], order: _Order) -> _Hit | None:
        """Drop a leading or trailing organ the rest lies in ("larynx glottis" -> glottis)."""
        for size in (1, 2):
            if len(words) <= size:
                break
            for context, rest in ((words[:size], words[size:]), (words[-size:], words[:-size])):
                outer = self._lookup(" ".join(context), context, order, short=1)
                if outer is None or not outer.curie.startswith("UBERON:"):
                    continue
                inner = self._lookup(" ".join(rest), rest, order)
                if inner and outer.curie in self.terms.ancestors(inner.curie):
                    return inner._replace(
                        via="context", confidence=min(inner.confidence, self._conf["expanded"])
                    )
        return None

    def _acronym(self, code: str) -> _Hit | None:
        """Answer a capitals code the ontology gives one term as an acronym of its label.

        Only for a term of an answering source that MONDO would not flood: UBERON, CL, the lesion
        terms, and MONDO under ``acronyms.mondo_under`` ("GBM"; never "SMA", spinal muscular
        atrophy, on a CT of the abdomen).
        """
        rule = self.rules.acronyms
        curies = {curie for _, curie in self._exact.get(code, ())}
        if not code.isalpha() or len(code) > rule.max_letters or len(curies) != 1:
            return None
        curie = curies.pop()
        if curie.startswith("MONDO:") and self.terms.ancestors(curie).isdisjoint(rule.mondo_under):
            return None
        words = [w for w in words_of(self._label_of(curie)) if w not in self._stop]
        if not _spells(code, words):
            return None
        return _Hit(curie, "acronym", self._conf["acronym"])

    def _too_broad(self, curie: str) -> bool:
        """Whether a disease term is a class of too many diseases to name a finding (memoized)."""
        if curie not in self._broad:
            self._broad[curie] = len(self.terms.descendants(curie)) > self.rules.broad_disease
        return self._broad[curie]

    def _numbered_hit(self, core: list[str]) -> _Hit | None:
        phrase = " ".join(core)
        for patterns, rule in self._numbered:
            for pattern in patterns:
                match = pattern.match(phrase)
                if match is None:
                    continue
                region = rule.regions.get(match.groupdict().get("region") or "", "")
                number = int(match["n"])
                limit = rule.count.get(region) or rule.count.get(rule.name.split()[-1], 0)
                if not 1 <= number <= limit:
                    return _BEYOND
                code = f"{(match.groupdict().get('region') or '')[:1].upper()}{number}"
                values = {"code": code, "region": region, "n": number, "nth": self._nth.get(number)}
                for templates, predicate, factor in (
                    (rule.names, rule.predicate, rule.factor),
                    (rule.broader_names, BROAD, rule.broader_factor),
                ):
                    for template in templates:
                        name = template.format(**values)
                        found = self._pick(
                            self._exact.get(normalize_key(name)), self._order, short=0
                        )
                        if found:
                            return _Hit(
                                found[1], "numbered", self._conf["numbered"] * factor, predicate
                            )
                return _BEYOND
        return None

    def _beyond(self, core: list[str]) -> str | None:
        """Say why a numbered name has no term (a sixth lumbar vertebra), if it is one."""
        phrase = " ".join(core)
        for patterns, rule in self._numbered:
            for pattern in patterns:
                match = pattern.match(phrase)
                if match:
                    region = match.groupdict().get("region") or ""
                    return rule.beyond.format(
                        code=f"{region[:1].upper()}{match['n']}", n=match["n"]
                    )
        return None

    # ------------------------------------------------------------------ lesions and sites
    def _lesion_parts(self, words: list[str]) -> tuple[str, list[str]] | None:
        """Split a lesion name into its kind and its site words, if it has one kind of head."""
        kinds = {self._kinds[w] for w in words if w in self._kinds}
        if len(kinds) != 1 or len(words) < 2:
            return None
        organ = [
            w
            for w in words
            if w not in self._kinds and w not in self._stop and w not in self._qualifiers
        ]
        return kinds.pop(), organ

    def _lesion(self, core: list[str], order: _Order, *, side: str | None) -> _Hit | None:
        """Resolve a site and a lesion head word: the site's lesion term, MONDO, or the generic.

        A side goes to the site ("left atrium wall scar": the left atrium's scar).
        """
        parts = self._lesion_parts(core)
        site = self._site(parts[1], order, kind=parts[0]) if parts else None
        if parts is None or site is None:
            return None
        kind = parts[0]
        sites = [site]
        if side in _SIDES and (sided := self._sided_term(site, side or "")):
            sites.insert(0, sided)
        for place in sites:
            if curie := self._lesions.get((place, kind)):
                return _Hit(curie, "lesion", self._conf["lesion_term"], EXACT, place)
        for broader in self.rules.lesion.broader.get(kind, ()):
            for place in sites:
                if curie := self._lesions.get((place, broader)):
                    return _Hit(curie, "lesion", self._conf["lesion_broader"], BROAD, place)
        templates = self.rules.lesion.mondo.get(kind, ())
        for place in sites if templates else ():
            for name in (self._label_of(place), *self.terms.terms[place].synonyms):
                for template in templates:
                    for _, curie in self._exact.get(normalize_key(template.format(organ=name)), ()):
                        if curie.startswith("MONDO:"):
                            return _Hit(curie, "lesion", self._conf["lesion_mondo"], CLOSE, place)
        # A part of an organ whose lesion term is the organ's ("LV myocardial scar": myocardium).
        for place in self._around(site):
            for broader in (kind, *self.rules.lesion.broader.get(kind, ())):
                if curie := self._lesions.get((place, broader)):
                    return _Hit(curie, "lesion", self._conf["lesion_broader"], BROAD, place)
        generic = self.rules.lesion.generic.get(kind)
        if generic:
            return _Hit(generic, "lesion", self._conf["lesion_generic"], BROAD, sites[0])
        return None

    def _site(self, organ: list[str], order: _Order, *, kind: str | None = None) -> str | None:
        """Return the UBERON term that organ words (or their site adjectives) name."""
        if not organ:
            return None
        candidates = [[*organ, head] for head in self.rules.lesion.site_heads.get(kind or "", ())]
        candidates.append(organ)
        nouns = [part for w in organ for part in (self._adjectives.get(w) or [[w]])[0]]
        if nouns != organ:
            candidates.append(nouns)
        expanded = [part for w in organ for part in self._expansions.get(w, [w])]
        if expanded != organ:
            candidates.append(expanded)
        for words in candidates:
            row = self._curated_folded.get(" ".join(words))
            if (
                row is not None
                and row.object_id.startswith("UBERON:")
                and row.predicate_id != BROAD
            ):
                return row.object_id
            hit = self._lookup(" ".join(words), words, order, short=1)
            if hit and hit.curie.startswith("UBERON:"):
                return hit.curie
        return None

    def _parents(self, curie: str) -> tuple[str, ...]:
        term = self.terms.terms.get(curie)
        return term.parents if term else ()

    def _around(self, curie: str) -> list[str]:
        """Return the parents and grandparents of a term, nearest first."""
        parents = self._parents(curie)
        return [*parents, *(g for p in parents for g in self._parents(p))]

    def _stated_site(self, words: list[str], order: _Order) -> str | None:
        """Return the site a lesion name states ("spleen tumour", "pancreatic cancer"), if any."""
        parts = self._lesion_parts(words)
        return self._site(parts[1], order, kind=parts[0]) if parts else None

    def _disease_site(self, curie: str) -> str | None:
        """Return the site of a disease term from MONDO's hierarchy (memoized per term).

        The nearest class of ``disease_sites.by_ancestor`` gives it; else the names of the term,
        then of its parents up to ``disease_sites.depth`` levels, are read for a site
        ("carcinoma of liver and ..." for hepatocellular carcinoma).
        """
        if curie in self._disease_sites:
            return self._disease_sites[curie]
        rule = self.rules.disease_sites
        levels, seen = [[curie]], {curie}
        while levels[-1]:
            level: list[str] = []
            for child in levels[-1]:
                for parent in self._parents(child):
                    if parent not in seen:
                        seen.add(parent)
                        level.append(parent)
            levels.append(level)
        site = next(
            (rule.by_ancestor[c] for level in levels for c in level if c in rule.by_ancestor), None
        )
        for level in levels[: rule.depth + 1]:
            for ancestor in level if site is None else ():
                site = self._named_site(self._label_of(ancestor))
                if site:
                    break
        self._disease_sites[curie] = site
        return site

    def _named_site(self, name: str) -> str | None:
        """Read a site from a disease name: after "of"/"in", within its words, or adjective + head."""
        words = [
            w for w in self._fold(words_of(name, split_case=False)) if w not in self._qualifiers
        ]
        ends = [i for i, w in enumerate(words) if w in self._connectors]
        if ends:
            tail = [w for w in words[ends[-1] + 1 :] if w not in self._stop]
            cut = next((i for i, w in enumerate(tail) if w in ("and", "or")), len(tail))
            if site := self._site(tail[:cut], self._order):
                return site
        words = [w for w in words if w not in self._connectors and w not in self._stop]
        for size in range(len(words) - 1, 0, -1):
            for start in range(len(words) - size + 1):
                if site := self._site(words[start : start + size], self._order):
                    return site
        for head in self.rules.disease_sites.heads:
            if site := self._site([words[0], head], self._order) if words else None:
                return site
        return None

    def _modality_site(self, modalities: frozenset[str]) -> str | None:
        by_modality = self.rules.disease_sites.by_modality
        return next((by_modality[m] for m in sorted(modalities) if m in by_modality), None)

    # ------------------------------------------------------------------ laterality
    def _sided_term(self, curie: str, side: str) -> str | None:
        """Return the sided term of a structure (memoized: a lazy index, not a cache of names)."""
        key = (curie, side)
        if key not in self._sided_memo:
            self._sided_memo[key] = None
            for extra in ((), *([head] for head in self.rules.laterality.heads)):
                found = next(
                    (
                        f
                        for names in self._word_sets(curie)
                        if (
                            f := self._pick(
                                self._sets.get(names.union((side, *extra))), self._order, short=0
                            )
                        )
                        and f[1] != curie
                    ),
                    None,
                )
                if found:
                    self._sided_memo[key] = found[1]
                    break
        return self._sided_memo[key]

    def _mirror(self, curie: str, side: str, other: str) -> str | None:
        """Return the term of the other side ("right common iliac artery" -> the left one)."""
        if side == other:
            return curie
        for names in self._word_sets(curie):
            if side in names:
                found = self._pick(self._sets.get(names - {side} | {other}), self._order, short=0)
                if found and found[1] != curie and self._term_side(found[1]) == other:
                    return found[1]
        return None

    def _sided(self, hit: _Hit, side: str, order: _Order) -> _Hit:
        """Return the sided term of a structure, or the unsided one as a broader match."""
        sided = self._sided_term(hit.curie, side)
        if sided:
            return _Hit(
                sided,
                "laterality",
                min(hit.confidence, self._conf["sided"]),
                hit.predicate,
                hit.site,
            )
        if self._term_side(hit.curie) == side:
            return hit
        factor = self.rules.laterality.unsided_factor
        predicate = CLOSE if hit.predicate == NARROW else BROAD
        return _Hit(hit.curie, "laterality", hit.confidence * factor, predicate, hit.site)

    # ------------------------------------------------------------------ answers
    def _from_row(self, raw: str, row: MappingRow, modalities: frozenset[str]) -> Normalized:
        if row.object_id == NO_TERM:
            reason = (row.comment or "curated: no term fits this name").removeprefix("abstain: ")
            return self._abstained(raw, reason, row.confidence or 0.9)
        hit = _Hit(row.object_id, "curated", row.confidence or 0.9, row.predicate_id)
        return self._answer(raw, self._with_site(hit, None, modalities))

    def _answer(self, raw: str, hit: _Hit) -> Normalized:
        site = self._sites.get(hit.curie) or hit.site
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


def _grouped(
    keys: Iterable[_K], entries: Iterable[_Entry], order: Mapping[str, int]
) -> dict[_K, list[_Entry]]:
    """Group entries by key; a key's entries sorted labels first, then by source order."""
    table: dict[_K, list[_Entry]] = {}
    for key, entry in zip(keys, entries):
        if (found := table.get(key)) is None:
            table[key] = [entry]
        else:
            found.append(entry)

    def rank(entry: _Entry) -> tuple[int, int, str]:
        return entry[0], order[entry[1][: entry[1].find(":")]], entry[1]

    for key, found in table.items():
        if len(found) > 1:
            table[key] = sorted(set(found), key=rank)
    return table


def _unambiguous(table: dict[_K, list[MappingRow]]) -> dict[_K, MappingRow]:
    """Keep the keys whose rows all map to one object."""
    return {key: rows[0] for key, rows in table.items() if len({r.object_id for r in rows}) == 1}


def _real(hit: _Hit | None) -> _Hit | None:
    return None if hit is _BEYOND else hit


def _broaden(predicate: str) -> str:
    return CLOSE if predicate == NARROW else BROAD


def _shortness(text: str, limit: int) -> int:
    """Return 2 for an all-capitals code of ``limit + 1`` letters or fewer, 1 if short, else 0."""
    if len(text) > 2 * limit + 4:
        return 0
    letters = sum(map(str.isalpha, text))
    if letters <= limit + 1 and text.isupper():
        return 2
    return 1 if letters <= limit else 0


def _spells(code: str, words: Sequence[str]) -> bool:
    """Whether a code takes every word's initial, in order, plus letters from within the words.

    >>> _spells("gbm", ["glioblastoma"]), _spells("pv", ["polycythemia"])
    (True, False)
    """

    def rest(i: int, j: int) -> bool:
        if j == len(words):
            return i == len(code)
        word = words[j]
        if i >= len(code) or not word or code[i] != word[0]:
            return False
        i, k = i + 1, 1
        while not rest(i, j + 1):
            if i >= len(code) or (k := word.find(code[i], k) + 1) == 0:
                return False
            i += 1
        return True

    return rest(0, 0)


def _read_sites() -> dict[str, str]:
    graph = skos_graph()
    return {compress(str(s)): compress(str(o)) for s, o in graph.subject_objects(MF.site)}


@cache
def load_normalizer() -> LabelNormalizer:
    """Return the normalizer over the shipped terms, curated table and rules (built once)."""
    return LabelNormalizer(load_terms(), synonyms=read_sssom(SYNONYMS_FILE))
