"""Map raw segmentation/classification label names to ontology terms, or abstain with a reason.

Label files name the same structure in many ways: ``kidney_left``, ``Kidney_L``, ``Lt. Kidney``,
``LeftKidney``, ``left kidney``. :class:`LabelNormalizer` tries, in order: rules that depend on the
modality, the curated table (``ontology/mappings/label-synonyms.sssom.tsv``), names that say
nothing (``label_3``, ``background``), the labels and exact synonyms of UBERON, MONDO, CL and the
medfuse lesion terms (as written, then with case, separators, plurals, ordinals and British
spelling folded, then as a set of words), laterality (the sided UBERON term where one exists,
else the unsided term as ``skos:broadMatch``), numbered vertebrae, ribs and discs, lesion names
with their site, and cautious fallbacks: abbreviations (the rules' and the curated table's),
TG-263 part-and-side suffixes (``Eye_AL``), FreeSurfer glosses (``Left-IOG---inferior-occipital-gyrus``),
glued and split-off prefixes (``superiorfrontal``, ``peri-tumoural``), word and phrase variants
(a chamber's "blood pool" is its cavity), site adjectives, filler words and missing heads. Disease
terms get a site from MONDO's hierarchy. It abstains rather than guess: there is no edit-distance
matching.

All word lists and patterns are data, read once from ``ontology/mappings/label-rules.yaml``
(schema: :mod:`medfuse.kg.normalize_rules`); this module holds the algorithm only.

>>> normalizer = load_normalizer()
>>> normalizer.normalize("Lt. Kidney", modality="CT").term
'UBERON:0004538'
>>> normalizer.normalize("class 7").reason
'a placeholder name (label, class, ROI) that says nothing about what is labelled'
"""

from __future__ import annotations

import gc
import re
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from itertools import chain, repeat
from typing import NamedTuple, TypeVar

from pydantic import BaseModel, ConfigDict

from medfuse.kg.namespaces import MF, compress
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

#: One candidate of an index key: (rank 0 label / 1 synonym, CURIE).
_Entry = tuple[int, str]
_SIDES = ("left", "right")
#: Names of more words than this are not completed with a missing head or organ, nor read with
#: their side inside: a long name that found nothing lacks more than one word.
_HEADLESS_WORDS = 3


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
        self._canon = WordFolder(rules)
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
        self._side_parts = lat.parts
        #: Every word that may give a side (a quick test for the many names that give none).
        self._side_any = frozenset(
            [*lat.words, *lat.short, *lat.both]
            + [part + short for part in lat.parts for short in lat.short if len(short) == 1]
        )
        self._build_abstain()
        self._gloss = re.compile(rules.gloss)
        self._modality_memo: dict[str | None, tuple[frozenset[str], dict[str, int]]] = {}
        self._sided_memo: dict[tuple[str, str], str | None] = {}
        self._side_memo: dict[str, str | None] = {}
        self._names: dict[str, list[frozenset[str]]] = {}
        self._disease_sites: dict[str, str | None] = {}
        self._broad: dict[str, bool] = {}
        self._narrowing = [(re.compile(n.pattern), n.factor) for n in rules.narrowing if not n.late]
        self._late = [(re.compile(n.pattern), n.factor) for n in rules.narrowing if n.late]
        self._numbered = [([re.compile(p) for p in n.patterns], n) for n in rules.numbered]
        self._build_word_tables()
        self._by_modality: dict[str, list] = {}
        for rule in rules.by_modality:
            self._by_modality.setdefault(" ".join(self._fold(words_of(rule.name))), []).append(rule)
        synonyms = synonyms if synonyms is not None else read_sssom(SYNONYMS_FILE)
        # Indexing makes ~700,000 small containers and no garbage; a collector pass every few
        # hundred allocations would rescan them all (it doubled the build time).
        collecting = gc.isenabled()
        gc.disable()
        try:
            self._build_term_index()
            self._build_curated(synonyms)
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
        self._glued = sorted(rules.glued, key=len, reverse=True)
        lesion = rules.lesion
        self._kinds = {self._canon[w]: kind for kind, ws in lesion.kinds.items() for w in ws}
        self._qualifiers = frozenset(self._fold(lesion.qualifiers))
        self._optional = frozenset(self._fold(lesion.optional))
        self._connectors = frozenset(rules.disease_sites.connectors)

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
        the term's site is the pulmonary artery) indexes it there too, unless another term has
        that place. Names with an optional word ("acute ischaemic lesion") are also indexed
        without it, as synonyms, where no term has that name already.
        """
        self._lesions: dict[tuple[str, str], str] = {}
        named: dict[tuple[str, str], str] = {}
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
        for key, curie in named.items():
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
        modalities, order = self._modality_memo.get(modality) or self._modalities(modality)
        key = normalize_key(text)
        for rule in self._by_modality.get(key, ()):
            if modalities.intersection(rule.modalities):
                return self._answer(
                    raw, _Hit(rule.term, "modality", rule.confidence, rule.predicate)
                )
        row = self._curated.get(key)
        if row is not None:
            return self._from_row(raw, row, modalities)
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
            if curie in self._answering:
                return self._answer(raw, _Hit(curie, "curie", self._conf["curie"]))
        words, inner = self._parts(text)
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
        if hit is None:
            reason = self._beyond(core) or "no term matches this name"
            return self._abstained(raw, reason, 0.0)
        if len(core) == 1 and hit.curie.startswith("MONDO:") and self._too_broad(hit.curie):
            return self._abstained(
                raw,
                "names a whole class of diseases, not one finding a label map outlines",
                self._conf["abstain_pattern"],
            )
        return self._answer(raw, self._with_site(hit, core, modalities))

    # ------------------------------------------------------------------ steps
    def _resolve(
        self,
        core: list[str],
        spelled: list[str],
        side: str | None,
        order: dict[str, int],
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
        if hit.site is not None or hit.curie.startswith(("UBERON:", "CL:")):
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
        found = self._pick(self._folded(joined), order, short=short)
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
        self,
        core: list[str],
        order: dict[str, int],
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
        """Try codes, abbreviations, variants, context and filler words, missing heads."""
        hit = self._compact(core, order) if depth == 0 else None
        if hit:
            return hit
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
                    hit = self._lookup(" ".join(variant), variant, order) or _real(
                        self._numbered_hit(variant)
                    )
                    if hit is None and depth == 0:
                        hit = self._resolve_core(variant, order, depth=depth + 1)
                    if hit:
                        return hit._replace(
                            via="filler", confidence=min(hit.confidence, self._conf["filler"])
                        )
        return self._headed(shapes, order)

    def _compact(self, core: list[str], order: dict[str, int]) -> _Hit | None:
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
            out += [*starts, *self._expansions.get(word, [word])] if starts else [word]
        return out

    def _variants_of(self, words: list[str]) -> list[list[str]]:
        """Return the alternative spellings of a name to try, one change at a time (mostly)."""
        every = [
            alternatives[0][0] if (alternatives := self._variants.get(w)) else w for w in words
        ]
        variants = [every] if every != words else []
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
        if not self._bound.isdisjoint(words[:-1]):
            joined: list[str] = []
            for word in words:
                if joined and joined[-1] in self._bound:
                    joined[-1] = self._canon[joined[-1] + word]
                else:
                    joined.append(word)
            variants.append(joined)
        return variants

    def _headed(self, shapes: list[list[str]], order: dict[str, int]) -> _Hit | None:
        """Add a head noun, then an organ, that a name leaves out ("caudate" -> caudate nucleus).

        Not to a word that is the head of what it would find ("wall" is no "artery wall"), and
        some organs only to names of two words or more ("apex" alone says too little).
        """
        heads, rules = self.rules.heads, self.rules
        for words in shapes:
            if len(words) > _HEADLESS_WORDS:
                continue
            extra = heads if words[-1] not in heads else []
            organs = [*rules.organs, *rules.phrase_organs] if len(words) > 1 else rules.organs
            base = self._set(words)
            for head in (*extra, *organs):
                if head not in base:
                    found = self._pick(self._sets.get(base | {head}), order, short=0)
                    if (
                        found
                        and found[1].startswith("UBERON:")
                        and (len(words) > 1 or not self._label_of(found[1]).endswith(words[0]))
                    ):
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

    def _lesion(self, core: list[str], order: dict[str, int], *, side: str | None) -> _Hit | None:
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

    def _site(
        self, organ: list[str], order: dict[str, int], *, kind: str | None = None
    ) -> str | None:
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

    def _stated_site(self, words: list[str], order: dict[str, int]) -> str | None:
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
    keys: Iterable[_K], entries: Iterable[_Entry], order: dict[str, int]
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
