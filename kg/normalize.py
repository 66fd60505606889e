"""Map raw segmentation/classification label names to ontology terms, or abstain with a reason.

Label files name the same structure in many ways: ``kidney_left``, ``Kidney_L``, ``Lt. Kidney``,
``LeftKidney``, ``left kidney``. :class:`LabelNormalizer` tries, in order: rules that depend on the
modality, the curated table (``ontology/mappings/label-synonyms.sssom.tsv``), names that say
nothing (``label_3``, ``background``), the labels and exact synonyms of UBERON, MONDO, CL and the
medfuse lesion terms (as written, then with case, separators, plurals, ordinals and British
spelling folded, then as a set of words), laterality (the sided UBERON term where one exists,
else the unsided term as ``skos:broadMatch``), numbered vertebrae, ribs and discs, lesion names
with their site, and a few cautious fallbacks (abbreviations, site adjectives, filler words). It
abstains rather than guess: there is no edit-distance matching.

All word lists and patterns are data, read once from ``ontology/mappings/label-rules.yaml``;
this module holds the algorithm only.

>>> normalizer = load_normalizer()
>>> normalizer.normalize("Lt. Kidney", modality="CT").term
'UBERON:0004538'
>>> normalizer.normalize("class 7").reason
'a placeholder name (label, class, ROI) that says nothing about what is labelled'
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from importlib.resources import files
from typing import NamedTuple, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from medfuse.kg.errors import CatalogError
from medfuse.kg.namespaces import MF, compress
from medfuse.kg.terms import TermIndex, load_terms, skos_graph
from medfuse.loaders.mappings import NO_TERM, MappingRow, MappingSet, read_sssom
from medfuse.loaders.tokens import normalize as normalize_key
from medfuse.loaders.tokens import split_values

__all__ = [
    "RULES_FILE",
    "SYNONYMS_FILE",
    "Normalized",
    "LabelRules",
    "LabelNormalizer",
    "load_rules",
    "load_normalizer",
    "words_of",
]

#: The rules file, in ``ontology/mappings/``.
RULES_FILE = "label-rules.yaml"
#: The curated label spellings, in ``ontology/mappings/``.
SYNONYMS_FILE = "label-synonyms.sssom.tsv"

EXACT, CLOSE, BROAD, NARROW = (
    "skos:exactMatch",
    "skos:closeMatch",
    "skos:broadMatch",
    "skos:narrowMatch",
)
_PREDICATES = (EXACT, CLOSE, BROAD, NARROW)


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


# ------------------------------------------------------------------------------------ rules file
class _Abstain(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    pattern: str
    reason: str
    unless_found: bool = False
    raw: bool = False


class _Narrowing(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    pattern: str
    factor: float
    late: bool = False


class _Numbered(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str
    patterns: list[str]
    regions: dict[str, str] = {}
    count: dict[str, int]
    names: list[str]
    predicate: str = EXACT
    factor: float = 1.0
    beyond: str


class _Lesion(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    kinds: dict[str, list[str]]
    qualifiers: list[str]
    broader: dict[str, list[str]]
    mondo: dict[str, list[str]]
    generic: dict[str, str]


class _ByModality(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str
    modalities: list[str]
    term: str
    predicate: str
    confidence: float
    note: str


class _Laterality(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    words: dict[str, str]
    short: dict[str, str]
    both: list[str]
    heads: list[str]
    unsided_factor: float


class LabelRules(BaseModel):
    """The validated content of ``label-rules.yaml``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: int
    prefixes: list[str]
    prefixes_by_modality: dict[str, list[str]]
    exclude_under: dict[str, str]
    modality_aliases: dict[str, str]
    stop_words: list[str]
    plurals: dict[str, str]
    not_plural: list[str]
    spelling: list[tuple[str, str]]
    ordinals: dict[str, int]
    laterality: _Laterality
    expansions: dict[str, str]
    adjectives: dict[str, str]
    fillers: list[str]
    heads: list[str]
    organs: list[str]
    word_variants: dict[str, list[str]]
    abstain: list[_Abstain]
    narrowing: list[_Narrowing]
    numbered: list[_Numbered]
    lesion: _Lesion
    by_modality: list[_ByModality]
    confidence: dict[str, float]
    short_name: int

    @field_validator("abstain", "narrowing", "numbered", "spelling")
    @classmethod
    def _patterns_compile(cls, value: list) -> list:
        for item in value:
            for pattern in _patterns_of(item):
                try:
                    re.compile(pattern)
                except re.error as error:
                    raise ValueError(f"invalid regular expression {pattern!r}: {error}") from error
        return value

    @field_validator("by_modality")
    @classmethod
    def _known_predicates(cls, value: list[_ByModality]) -> list[_ByModality]:
        for rule in value:
            if rule.predicate not in _PREDICATES:
                raise ValueError(f"unknown predicate {rule.predicate!r} for {rule.name!r}")
        return value


def _patterns_of(item: object) -> list[str]:
    if isinstance(item, tuple):
        return [item[0]]
    if isinstance(item, _Numbered):
        return item.patterns
    return [item.pattern]


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
_POSSESSIVE = re.compile(r"['\u2019]s\b")
#: Word breaks inside a token: camelCase, an acronym before a word, letters before or after digits.
_BREAKS = re.compile(
    r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z]{2,})"
    r"|(?<=[A-Za-z]{2})(?=\d)|(?<=\d)(?!(?:st|nd|rd|th)\b)(?=[A-Za-z]{2,})"
)
_NON_WORD = re.compile(r"[^0-9a-z]+")
_PAREN = re.compile(r"\(([^()]*)\)?")
_ORDINAL = re.compile(r"^(\d+)(?:st|nd|rd|th)$")
_CURIE = re.compile(r"^[A-Za-z]+:[A-Za-z0-9_.-]+$")


def words_of(text: str, *, split_case: bool = True) -> list[str]:
    """Return the lower-case words of a name, split at separators, case changes and digits.

    >>> words_of("Glnd_Submand_L")
    ['glnd', 'submand', 'l']
    >>> words_of("LeftKidney"), words_of("rib3"), words_of("3rd-Ventricle")
    (['left', 'kidney'], ['rib', '3'], ['3rd', 'ventricle'])
    """
    if "'" in text or "\u2019" in text:
        text = _POSSESSIVE.sub("", text)
    if split_case:
        text = _BREAKS.sub(" ", text)
    return [w for w in _NON_WORD.split(text.casefold()) if w]


class _Canon:
    """Fold one word: ordinals to digits, plurals to singular, British to American spelling."""

    def __init__(self, rules: LabelRules) -> None:
        self._ordinals = {w: str(n) for w, n in rules.ordinals.items()}
        self._plurals = rules.plurals
        self._keep = frozenset(rules.not_plural)
        self._spelling = [(re.compile(p), r) for p, r in rules.spelling]
        self._any_spelling = re.compile("|".join(f"(?:{p})" for p, _ in rules.spelling) or "(?!)")
        #: Word -> folded word, filled as words are seen.
        self.memo: dict[str, str] = {}

    def __call__(self, word: str) -> str:
        folded = self.memo.get(word)
        if folded is None:
            folded = self.memo[word] = self._fold(word)
        return folded

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
        if word.endswith("ies"):
            return word[:-3] + "y"
        if word.endswith(("ches", "shes", "xes")):
            return word[:-2]
        return word.removesuffix("s")


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

#: One candidate of an index key: (rank 0 label / 1 synonym, CURIE).
_Entry = tuple[int, str]


class LabelNormalizer:
    """Normalize raw label names against a :class:`TermIndex`; indexes are built once, here.

    :param terms: the term index (UBERON, MONDO, CL and the medfuse lesion terms answer).
    :param synonyms: the curated label table; ``None`` reads the shipped one.
    :param rules: the rules; ``None`` reads the shipped ``label-rules.yaml``.
    :param sites: lesion term → UBERON site; ``None`` reads ``mf:site`` from the shipped schemes.

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
    ) -> None:
        self.terms = terms
        self.rules = rules = rules or load_rules()
        self._canon = _Canon(rules)
        self._stop = frozenset(rules.stop_words)
        self._conf = rules.confidence
        self._sites = dict(sites) if sites is not None else _read_sites()
        self._order = {p: i for i, p in enumerate(rules.prefixes)}
        self._orders = {
            m: {p: i for i, p in enumerate(ps)} for m, ps in rules.prefixes_by_modality.items()
        }
        self._aliases = {k.casefold(): v for k, v in rules.modality_aliases.items()}
        lat = rules.laterality
        self._side_words, self._side_short, self._both = lat.words, lat.short, frozenset(lat.both)
        #: Abstain patterns, one regular expression per (late, raw) group; the group names the reason.
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
        self._modality_memo: dict[str | None, tuple[frozenset[str], dict[str, int]]] = {}
        self._sided_memo: dict[tuple[str, str], str | None] = {}
        self._side_memo: dict[str, str | None] = {}
        self._narrowing = [(re.compile(n.pattern), n.factor) for n in rules.narrowing if not n.late]
        self._late = [(re.compile(n.pattern), n.factor) for n in rules.narrowing if n.late]
        self._numbered = [([re.compile(p) for p in n.patterns], n) for n in rules.numbered]
        self._expansions = {k: v.split() for k, v in rules.expansions.items()}
        #: word -> alternative word lists (site adjective -> organ noun, and back).
        self._adjectives = {k: [v.split()] for k, v in rules.adjectives.items()}
        self._nouns: dict[str, list[list[str]]] = {}
        for adjective, noun in rules.adjectives.items():
            if " " not in noun:
                self._nouns.setdefault(noun, []).append([adjective])
        self._fillers = frozenset(rules.fillers)
        self._variants = {k: [[v] for v in vs] for k, vs in rules.word_variants.items()}
        self._kinds = {self._canon(w): kind for kind, ws in rules.lesion.kinds.items() for w in ws}
        self._qualifiers = frozenset(self._canon(w) for w in rules.lesion.qualifiers)
        self._by_modality: dict[str, list[_ByModality]] = {}
        for rule in rules.by_modality:
            self._by_modality.setdefault(" ".join(self._fold(words_of(rule.name))), []).append(rule)
        self._build_term_index()
        self._build_curated(synonyms if synonyms is not None else read_sssom(SYNONYMS_FILE))
        self._build_catalog()
        self._build_lesions()

    # ------------------------------------------------------------------ index building
    def _fold(self, words: Iterable[str]) -> list[str]:
        memo, canon = self._canon.memo, self._canon
        return [memo.get(w) or canon(w) for w in words]

    def _set(self, folded: Iterable[str]) -> frozenset[str]:
        words = frozenset(folded)
        return words - self._stop if not words.isdisjoint(self._stop) else words

    def _build_term_index(self) -> None:
        """Index every label and synonym: as written, folded word by word, and as a word set."""
        excluded: set[str] = set()
        for root in self.rules.exclude_under:
            excluded |= self.terms.descendants(root) | {root}
        self._exact: dict[str, list[_Entry]] = {}
        self._folded: dict[str, list[_Entry]] = {}
        self._sets: dict[frozenset[str], list[_Entry]] = {}
        self._names: dict[str, list[frozenset[str]]] = {}
        exact, folded_index, sets, stop = self._exact, self._folded, self._sets, self._stop
        memo, fold = self._canon.memo, self._canon
        for term in self.terms.terms.values():
            if term.curie.split(":", 1)[0] not in self._order or term.curie in excluded:
                continue
            names = self._names[term.curie] = []
            rank = 0
            for name in (term.label, *term.synonyms):
                entry = (rank, term.curie)
                rank = 1
                key = normalize_key(name)
                exact.setdefault(key, []).append(entry)
                words = _NON_WORD.split(_POSSESSIVE.sub("", key) if "'" in key else key)
                folded = [memo.get(w) or fold(w) for w in words if w]
                if not folded:
                    continue
                folded_index.setdefault(" ".join(folded), []).append(entry)
                word_set = frozenset(w for w in folded if w not in stop)
                sets.setdefault(word_set, []).append(entry)
                names.append(word_set)
        order = self._order

        def sort_key(entry: _Entry) -> tuple[int, int, str]:
            return entry[0], order[entry[1].split(":", 1)[0]], entry[1]

        for table in (exact, folded_index, sets):
            for key, entries in table.items():
                if len(entries) > 1:
                    table[key] = sorted(set(entries), key=sort_key)

    def _build_curated(self, synonyms: MappingSet) -> None:
        """Index the curated rows as written, folded, as word sets, and by their unsided core.

        A sided row that answers the unsided structure ("Parotid_L" -> parotid gland, broadMatch)
        also says what the name without its side means, so "Parotid_R" needs no row of its own.
        """
        self._curated: dict[str, MappingRow] = {}
        by_folded: dict[str, list[MappingRow]] = {}
        by_set: dict[frozenset[str], list[MappingRow]] = {}
        by_core: dict[frozenset[str], list[MappingRow]] = {}
        for row in synonyms.rows:
            self._curated.setdefault(normalize_key(row.subject_label), row)
            folded = self._fold(words_of(row.subject_label))
            by_folded.setdefault(" ".join(folded), []).append(row)
            by_set.setdefault(self._set(folded), []).append(row)
            side, core, _ = self._split_side(folded)
            if (
                side
                and core
                and row.predicate_id == BROAD
                and row.object_id != NO_TERM
                and not self._side_of(self.terms.label(row.object_id))
            ):
                by_core.setdefault(self._core_key(core), []).append(row)
        # A folded spelling that two rows map to different objects is left to the exact table.
        self._curated_folded = _unambiguous(by_folded)
        self._curated_sets = _unambiguous(by_set)
        self._curated_core = _unambiguous(by_core)

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
            allowed = [c for c in dict.fromkeys(curies) if c in self._names]
            if len(allowed) == 1:
                self._catalog.setdefault(
                    " ".join(self._fold(words_of(key, split_case=False))), allowed[0]
                )

    def _build_lesions(self) -> None:
        """Index lesion terms by (site, kind) from their "<site> <kind>" names ("renal cyst")."""
        self._lesions: dict[tuple[str, str], str] = {}
        for curie, site in sorted(self._sites.items()):
            term = self.terms.get(curie)
            if term is None:
                continue
            for name in (term.label, *term.synonyms):
                folded = self._fold(words_of(name, split_case=False))
                kind = self._kinds.get(folded[-1]) if folded else None
                # Only "<site> <kind>" names: "whole tumour" is not the brain's tumour.
                if kind and len(folded) > 1 and self._site(folded[:-1], self._order) == site:
                    self._lesions.setdefault((site, kind), curie)

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
        modalities, order = self._modality_memo.get(modality) or self._modalities(modality)
        key = normalize_key(text)
        for rule in self._by_modality.get(key, ()):
            if modalities.intersection(rule.modalities):
                return self._answer(
                    raw, _Hit(rule.term, "modality", rule.confidence, rule.predicate)
                )
        row = self._curated.get(key)
        if row is not None:
            return self._from_row(raw, row)
        # Fast path: the name is a label as written (a disease may still state a site: go on).
        entries = self._exact.get(key)
        if (
            entries
            and not entries[0][0]
            and order is self._order
            and not entries[0][1].startswith("MONDO:")
            and not self._early.search(key)
        ):
            return self._answer(raw, _Hit(entries[0][1], "label", self._conf["label"]))
        if _CURIE.match(text):
            curie = compress(text)
            if curie in self._names:
                return self._answer(raw, _Hit(curie, "curie", self._conf["curie"]))
        if "(" in text:
            main = _PAREN.sub(" ", text)
            inner = [w for group in _PAREN.findall(text) for w in words_of(group)]
            words = words_of(main) or words_of(text)
        else:
            inner, words = [], words_of(text)
        folded = self._fold(words)
        joined = " ".join(folded)
        if joined != key:
            for rule in self._by_modality.get(joined, ()):
                if modalities.intersection(rule.modalities):
                    return self._answer(
                        raw, _Hit(rule.term, "modality", rule.confidence, rule.predicate)
                    )
        row = self._curated_folded.get(joined) or self._curated_sets.get(self._set(folded))
        if row is not None:
            return self._from_row(raw, row)
        if not folded:
            return self._abstained(raw, "the name has no letters or digits", 1.0)
        phrase = " ".join(words)
        reason = self._abstain_reason(phrase, key, late=False)
        if reason:
            return self._abstained(raw, reason, self._conf["abstain_pattern"])
        side, core, spelled = self._split_side(folded, inner=self._fold(inner))
        if side == "both":
            spelled = core
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
            hit = self._resolve_core(core, order, depth=0, caps=caps) if core else None
            if hit is not None and side and side != "both":
                hit = self._sided(hit, side, order)
        if hit is None:
            reason = self._beyond(core) or "no term matches this name"
            return self._abstained(raw, reason, 0.0)
        if (
            hit.site is None
            and not hit.curie.startswith(("UBERON:", "CL:"))
            and hit.curie not in self._sites
        ):
            site = self._stated_site(core, order) or self._stated_site(
                self._fold(words_of(self._label_of(hit.curie), split_case=False)), order
            )
            if site:
                hit = hit._replace(site=site)
        return self._answer(raw, hit)

    # ------------------------------------------------------------------ steps
    def _abstain_reason(self, phrase: str, key: str, *, late: bool) -> str | None:
        for on_raw, pattern, reasons in self._abstain[late]:
            match = pattern.search(key if on_raw else phrase)
            if match:
                return reasons[match.lastgroup or ""]
        return None

    def _modalities(self, modality: str | None) -> tuple[frozenset[str], dict[str, int]]:
        """Return the rule words of a raw modality and the source order it implies (memoized)."""
        words: set[str] = set()
        if modality:
            words.add(self._aliases.get(modality.strip().casefold(), modality.strip()))
            words |= {self._aliases.get(part.casefold(), part) for part in split_values(modality)}
        order = next((self._orders[w] for w in sorted(words) if w in self._orders), self._order)
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
            words with short side forms spelled out (``l`` -> ``left``).
        """
        sides: set[str] = set()
        core: list[str] = []
        spelled: list[str] = []
        last = len(folded) - 1
        while last > 0 and folded[last].isdigit():
            last -= 1
        # A short form before nothing but numbers is a code ("L-4"), not a side.
        short_ok = len(folded) > 1 and not all(w.isdigit() for w in folded[1:])
        for i, word in enumerate(folded):
            side = self._side_words.get(word)
            if (
                side is None
                and short_ok
                and word in self._side_short
                and i in (0, last, len(folded) - 1)
            ):
                side = self._side_short[word]
            if side is None and word in self._both:
                side = "both"
            if side is None:
                core.append(word)
            else:
                sides.add(side)
            spelled.append(side or word)
        for word in inner:
            side = self._side_words.get(word) or self._side_short.get(word)
            if side:
                sides.add(side)
                spelled.append(side)
        if not sides:
            return None, core, spelled
        return (sides.pop() if len(sides) == 1 else "both"), core, spelled

    def _pick(
        self, entries: list[_Entry] | None, order: dict[str, int], *, short: int
    ) -> tuple[int, str] | None:
        """Return the best entry: labels first, then by source; ``short`` drops risky synonyms.

        Short names collide with acronyms among synonyms ("PV": polycythaemia vera, pectoral
        vein): for a short name (``short=1``) only UBERON and lesion-term synonyms count, for an
        all-capitals code (``short=2``) only the lesion terms' (curated) ones do.
        """
        if not entries:
            return None
        if order is not self._order:
            entries = sorted(
                entries, key=lambda e: (e[0], order.get(e[1].split(":", 1)[0], 9), e[1])
            )
        for rank, curie in entries:
            if (
                rank
                and short
                and not curie.startswith("mfles:")
                and (short > 1 or not curie.startswith("UBERON:"))
            ):
                continue
            return rank, curie
        return None

    def _lookup(
        self, key: str, folded: list[str], order: dict[str, int], *, short: int = 0
    ) -> _Hit | None:
        """Find a term by its label or synonym: as written, folded, then as a set of words."""
        joined = " ".join(folded)
        found = self._pick(self._exact.get(key), order, short=short)
        if found and not found[0]:
            return _Hit(found[1], "label", self._conf["label"])
        catalog = self._catalog.get(joined)
        if catalog:
            return _Hit(catalog, "curated", self._conf["catalog"])
        if found:
            return _Hit(found[1], "synonym", self._conf["synonym"])
        found = self._pick(self._folded.get(joined), order, short=short)
        if found:
            rank, curie = found
            return _Hit(
                curie, "variant", self._conf["variant_synonym" if rank else "variant_label"]
            )
        found = self._pick(self._sets.get(self._set(folded)), order, short=short)
        if found:
            return _Hit(found[1], "tokens", self._conf["tokens"])
        return None

    def _resolve_core(
        self, core: list[str], order: dict[str, int], *, depth: int, caps: bool = False
    ) -> _Hit | None:
        """Resolve the words of a name without its side, through the rules in their order."""
        row = self._curated_folded.get(" ".join(core)) or self._curated_sets.get(self._set(core))
        if row is not None and row.object_id != NO_TERM:
            return _Hit(row.object_id, "curated", row.confidence or 0.9, row.predicate_id)
        row = self._curated_core.get(self._core_key(core))
        if row is not None:  # a sided curated name: the structure itself matches exactly
            return _Hit(row.object_id, "curated", row.confidence or 0.9, EXACT)
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
            or self._lesion(core, order)
            or self._fallbacks(core, order, depth=depth)
        )
        return hit or self._narrowed(core, self._late, order, depth=depth)

    def _narrowed(
        self,
        core: list[str],
        rules: list[tuple[re.Pattern[str], float]],
        order: dict[str, int],
        *,
        depth: int,
    ) -> _Hit | None:
        """Strip a narrowing qualifier and answer the broader term of what is left."""
        phrase = " ".join(core)
        for pattern, factor in rules:
            match = pattern.match(phrase)
            if match:
                inner = self._resolve_core(match["core"].split(), order, depth=depth + 1)
                if inner:
                    return inner._replace(
                        via="narrowing",
                        confidence=inner.confidence * factor,
                        predicate=_broaden(inner.predicate),
                    )
        return None

    def _fallbacks(self, core: list[str], order: dict[str, int], *, depth: int) -> _Hit | None:
        """Try abbreviations, word variants, adjectives, context and filler words, missing heads."""
        expanded = [part for w in core for part in self._expansions.get(w, [w])]
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
        every = [
            alternatives[0][0] if (alternatives := self._variants.get(w)) else w for w in expanded
        ]
        variants = [every] if every != expanded else []
        for table in (self._variants, self._adjectives, self._nouns):
            for i, word in enumerate(expanded):
                variants += [
                    expanded[:i] + replacement + expanded[i + 1 :]
                    for replacement in table.get(word, ())
                ]
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
        if len(expanded) > 1:
            for i, word in enumerate(expanded):
                if word in self._fillers:
                    variant = expanded[:i] + expanded[i + 1 :]
                    hit = self._lookup(" ".join(variant), variant, order) or _real(
                        self._numbered_hit(variant)
                    )
                    if hit:
                        return hit._replace(
                            via="filler", confidence=min(hit.confidence, self._conf["filler"])
                        )
        heads = self.rules.heads if expanded[-1] not in self.rules.heads else []
        for head in (*heads, *self.rules.organs):
            if head not in expanded:
                found = self._pick(self._sets.get(self._set(expanded + [head])), order, short=0)
                if found and found[1].startswith("UBERON:"):
                    return _Hit(found[1], "head", self._conf["head"])
        return None

    def _context(self, words: list[str], order: dict[str, int]) -> _Hit | None:
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
                for template in rule.names:
                    name = template.format(code=code, region=region, n=number)
                    found = self._pick(self._exact.get(normalize_key(name)), self._order, short=0)
                    if found:
                        return _Hit(
                            found[1],
                            "numbered",
                            self._conf["numbered"] * rule.factor,
                            rule.predicate,
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

    def _lesion(self, core: list[str], order: dict[str, int]) -> _Hit | None:
        """Resolve a site and a lesion head word: the site's lesion term, MONDO, or the generic."""
        heads = [i for i, w in enumerate(core) if w in self._kinds]
        if len(heads) != 1 or len(core) < 2:
            return None
        kind = self._kinds[core[heads[0]]]
        organ = [
            w
            for i, w in enumerate(core)
            if i != heads[0] and w not in self._stop and w not in self._qualifiers
        ]
        site = self._site(organ, order)
        if site is None:
            return None
        curie = self._lesions.get((site, kind))
        if curie:
            return _Hit(curie, "lesion", self._conf["lesion_term"], EXACT, site)
        for broader in self.rules.lesion.broader.get(kind, ()):
            curie = self._lesions.get((site, broader))
            if curie:
                return _Hit(curie, "lesion", self._conf["lesion_broader"], BROAD, site)
        names = [self._label_of(site), *self.terms.terms[site].synonyms]
        for template in self.rules.lesion.mondo.get(kind, ()):
            for name in names:
                for _, curie in self._exact.get(normalize_key(template.format(organ=name)), ()):
                    if curie.startswith("MONDO:"):
                        return _Hit(curie, "lesion", self._conf["lesion_mondo"], CLOSE, site)
        generic = self.rules.lesion.generic.get(kind)
        if generic:
            return _Hit(generic, "lesion", self._conf["lesion_generic"], BROAD, site)
        return None

    def _site(self, organ: list[str], order: dict[str, int]) -> str | None:
        """Return the UBERON term that organ words (or one site adjective) name."""
        if not organ:
            return None
        candidates = [organ]
        if len(organ) == 1:
            candidates += self._adjectives.get(organ[0], [])
        candidates.append([part for w in organ for part in self._expansions.get(w, [w])])
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

    def _stated_site(self, words: list[str], order: dict[str, int]) -> str | None:
        """Return the site a lesion name states ("spleen tumour", "pancreatic cancer"), if any."""
        heads = [i for i, w in enumerate(words) if w in self._kinds]
        if len(heads) != 1 or len(words) < 2:
            return None
        organ = [
            w
            for i, w in enumerate(words)
            if i != heads[0] and w not in self._stop and w not in self._qualifiers
        ]
        return self._site(organ, order)

    def _sided_term(self, curie: str, side: str) -> str | None:
        """Return the sided term of a structure (memoized: a lazy index, not a cache of names)."""
        key = (curie, side)
        if key not in self._sided_memo:
            self._sided_memo[key] = None
            for extra in ((), *([head] for head in self.rules.laterality.heads)):
                found = next(
                    (
                        f
                        for names in self._names.get(curie, ())
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

    def _sided(self, hit: _Hit, side: str, order: dict[str, int]) -> _Hit:
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
    def _from_row(self, raw: str, row: MappingRow) -> Normalized:
        if row.object_id == NO_TERM:
            reason = (row.comment or "curated: no term fits this name").removeprefix("abstain: ")
            return self._abstained(raw, reason, row.confidence or 0.9)
        return self._answer(
            raw, _Hit(row.object_id, "curated", row.confidence or 0.9, row.predicate_id)
        )

    def _answer(self, raw: str, hit: _Hit) -> Normalized:
        site = hit.site or self._sites.get(hit.curie)
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


def _read_sites() -> dict[str, str]:
    graph = skos_graph()
    return {compress(str(s)): compress(str(o)) for s, o in graph.subject_objects(MF.site)}


@cache
def load_normalizer() -> LabelNormalizer:
    """Return the normalizer over the shipped terms, curated table and rules (built once)."""
    return LabelNormalizer(load_terms(), synonyms=read_sssom(SYNONYMS_FILE))
