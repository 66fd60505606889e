"""The label normalizer's indexes of every name that may answer, and the lookups in them.

:class:`LabelIndex` is built once per normalizer, from the term index (the labels and exact
synonyms of UBERON, MONDO, CL, the medfuse lesion terms and anatomy additions), the curated
alternate names, the curated label table, the abbreviation table and the catalogs' anatomy
values. Each name is indexed as written, with its words folded (plurals, spelling, ordinals) and
as a set of words; :meth:`LabelIndex.lookup` finds a term by a name in that order, and
:meth:`LabelIndex.pick` ranks the candidates (labels first, then by the modality's source order,
leaving out the risky synonyms of short codes).

>>> from medfuse.kg.normalize import load_normalizer
>>> index = load_normalizer().index
>>> found = index.lookup("lung upper lobe left", ["lung", "upper", "lobe", "left"], index.order)
>>> index.label_of(found.curie), found.via
('upper lobe of left lung', 'tokens')
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from functools import cached_property
from itertools import chain, repeat
from typing import TypeVar

from medfuse.kg.normalize_abbreviations import Abbreviations
from medfuse.kg.normalize_agreement import HeadClasses
from medfuse.kg.normalize_hits import ALTERNATE, SIDES, Entry, Hit, ModalityRule, Order
from medfuse.kg.normalize_rules import (
    BROAD,
    EXACT,
    LabelRules,
    WordFolder,
    key_words,
    keys_and_words,
    words_of,
)
from medfuse.kg.normalize_sides import SideWords
from medfuse.kg.normalize_text import slips
from medfuse.kg.normalize_vocab import Abbreviation, AlternateName
from medfuse.kg.normalize_words import WordTables
from medfuse.kg.terms import TermIndex
from medfuse.loaders.imaging_x import dataset_names
from medfuse.loaders.mappings import NO_TERM, MappingRow, MappingSet
from medfuse.loaders.tokens import normalize as normalize_key
from medfuse.loaders.tokens import split_values

__all__ = ["LabelIndex"]

_K = TypeVar("_K")


#: A run of letters in a dataset name ("FeTA" in "FeTA 2022", "ISIC" in "ISIC18").
_ALPHA_RUN = re.compile(r"[A-Za-z]+")


class LabelIndex:
    """Every name that may answer a label name, indexed; and the lookups in the indexes.

    :param terms: the term index.
    :param rules: the normalizer rules.
    :param synonyms: the curated label table.
    :param abbreviations: the abbreviation table.
    :param alternates: the alternate-name table.

    The order of the steps is the order of the words the folder meets: the rules' words and the
    terms' names are folded before :attr:`vocabulary` is taken, the curated tables' after.
    """

    def __init__(
        self,
        terms: TermIndex,
        rules: LabelRules,
        *,
        synonyms: MappingSet,
        abbreviations: Sequence[Abbreviation],
        alternates: Sequence[AlternateName],
    ) -> None:
        self.terms = terms
        self.rules = rules
        #: Word -> folded word, filled as names are folded.
        self.canon = WordFolder(rules)
        self.stop = frozenset(rules.stop_words)
        self.conf = rules.confidence
        #: The default source order (no modality reorders the sources).
        self.order = Order(rules.prefixes)
        self.curated_sources = tuple(f"{prefix}:" for prefix in rules.curated_sources)
        self.whole_omitted = tuple(f"{prefix}:" for prefix in rules.whole_omitted)
        self._aliases = {k.casefold(): v for k, v in rules.modality_aliases.items()}
        #: Raw modality -> (its rule words, its source order); see :meth:`modalities`.
        self.modality_memo: dict[str | None, tuple[frozenset[str], Order]] = {}
        self._names: dict[str, list[frozenset[str]]] = {}
        self._sorted_spelled: list[str] | None = None
        self.side_words = SideWords(rules)
        self.words = WordTables(rules, self.canon)
        self.kinds_of = HeadClasses(terms, rules, self.canon)
        #: Folded name -> its meanings in some modalities.
        self.by_modality: dict[str, list[ModalityRule]] = {}
        for rule in rules.by_modality:
            self._add_modality_rule(
                rule.name,
                ModalityRule(
                    frozenset(rule.modalities), rule.term, rule.confidence, rule.predicate
                ),
            )
        self._index_terms()
        self._index_alternates(alternates)
        self._index_curated(synonyms)
        # An abbreviation may stand for a device ("ETT"): the terms object heads answer are its too.
        self.abbreviations = Abbreviations(
            abbreviations,
            answering=self.answering | set(self.rules.object_heads),
            fold=self.fold,
            confidence=self.conf,
        )
        self._index_catalog()
        #: Short names of catalog datasets, dropped as a name's last word ("Pancreas_FLARE").
        self.dataset_suffixes = self.dataset_words(dataset_names())

    # ------------------------------------------------------------------ building
    def _index_terms(self) -> None:
        """Index every label and synonym: as written, folded word by word, and as a word set.

        Built column by column (all keys, then all word lists, ...): comprehensions and C-level
        maps cost less per name than one loop doing every step, and ~130,000 names are indexed at
        every start. Words that folding leaves alone keep their list (``changed``), and only the
        names whose folded form differs from their key get a ``_refolded`` entry.
        """
        excluded: set[str] = set()
        last_resort: set[str] = set()
        for root in self.rules.exclude_under:
            below = self.terms.descendants(root) | {root}
            excluded |= below
            if root in self.rules.last_resort_under:
                last_resort |= below
        ids = re.compile("|".join(f"(?:{p})" for p in self.rules.exclude_ids) or "(?!)")
        excluded.update(filter(ids.match, self.terms.terms))
        order, stop, fold = self.order, self.stop, self.canon.__getitem__
        #: The terms that may answer a label name.
        self.answering = {
            c for c in self.terms.terms if c[: c.find(":")] in order and c not in excluded
        }
        #: Folded words of a name, sorted -> the term it names when nothing else does: an
        #: excluded term's label, or a part's name without its whole (index_whole_omitted).
        self.last_resort = {
            " ".join(sorted(self.word_set(self.fold(words_of(self.terms.terms[c].label))))): c
            for c in sorted(last_resort - {c for c in excluded if ids.match(c)})
            if c not in self.rules.last_resort_except
            if c in self.terms.terms and c[: c.find(":")] in order
        }
        terms = [self.terms.terms[curie] for curie in self.answering]
        names = [term.label for term in terms]
        names += [name for term in terms for name in term.synonyms]
        entries = [(0, term.curie) for term in terms]
        entries += [e for term in terms for e in repeat((1, term.curie), len(term.synonyms))]
        keys, words, irregular = keys_and_words(names)
        #: Words the indexed names write with a hyphen inside ("sacro-iliac"), case-folded.
        self.hyphenated = frozenset(
            m.casefold() for name in names if "-" in name for m in _HYPHENATED_WORD.findall(name)
        )
        changed = self.canon.prime(chain.from_iterable(words))
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
        self.exact = _grouped(keys, entries, order)
        self.sets = _grouped(word_sets, [entries[i] for i in bagged], order)
        self.sets.pop(frozenset(), None)
        # Only the names whose folded words differ from their key ("Kidneys", "x-ray"): a
        # key that is already folded holds the other names of its folded form.
        # An acronym has no plural or variant spelling: "CLIPPERS" is no "clipper".
        refolds = [
            i
            for i, (w, f) in enumerate(zip(words, folded))
            if w is not f and not (names[i].isupper() and names[i].isalpha())
        ]
        joined = {i: " ".join(folded[i]) for i in sorted({*refolds, *irregular})}
        other = [i for i, j in joined.items() if j and j != keys[i]]
        self.refolded = _grouped([joined[i] for i in other], [entries[i] for i in other], order)
        #: Every word of every indexed name (a word found whole is never split, see ``_unglue``).
        self.vocabulary = frozenset(self.canon) | frozenset(self.canon.values())
        # The words a slip is respelled to: of labels, and of the synonyms of the sources that
        # keep them clean (MONDO's synonyms carry slips of their own: "gallblader").
        # Counted: a slip of a label ("hypoplastic gallbalder syndrome") is a word of one name.
        clean = frozenset(self.rules.respelling.sources)
        self.spelled = Counter(chain.from_iterable(words[: len(terms)]))
        #: The words of labels: a word cut short is never one (see :meth:`lengthenings`).
        self.label_words = frozenset(self.spelled)
        self.spelled.update(
            chain.from_iterable(
                w
                for w, (_, c) in zip(words[len(terms) :], entries[len(terms) :])
                if c[: c.find(":")] in clean
            )
        )

    def _index_alternates(self, rows: Sequence[AlternateName]) -> None:
        """Index the curated alternate names: as synonyms ranked before the ontology's own, or,
        for a name whose meaning depends on the modality ("macula" on a fundus photograph), as a
        modality rule.
        """
        conf = self.conf["alternate"]
        vocabulary: set[str] = set()
        for row in rows:
            if row.object_id not in self.answering:
                continue
            if row.modalities:
                rule = ModalityRule(frozenset(row.modalities), row.object_id, conf, EXACT)
                self._add_modality_rule(row.name, rule)
                continue
            key = normalize_key(row.name)
            folded = self.fold(key_words(key))
            entry = (ALTERNATE, row.object_id)
            joined = " ".join(folded)
            for table, at in (
                (self.exact, key),
                (self.refolded, joined if joined != key else None),
                (self.sets, self.word_set(folded)),
            ):
                if at is not None:
                    found = [e for e in table.get(at, ()) if e[1] != row.object_id or not e[0]]
                    table[at] = sorted([*found, entry], key=self.rank)  # type: ignore[index]
            vocabulary.update(folded)
        self.vocabulary |= vocabulary
        self.spelled.update(vocabulary)

    def _index_curated(self, synonyms: MappingSet) -> None:
        """Index the curated rows as written, folded, as word sets, and by their unsided core.

        A sided row that answers the unsided structure ("Parotid_L" -> parotid gland, broadMatch)
        also says what the name without its side means, so "Parotid_R" needs no row of its own;
        a sided row that answers a sided term ("iliac_artery_right" -> right common iliac artery)
        answers the other side with that term's mirror. A one-word capitals code that answers
        exactly ("WM" -> white matter) also stands for its term inside longer names.
        """
        self.curated: dict[str, MappingRow] = {}
        by_folded: dict[str, list[MappingRow]] = {}
        by_set: dict[frozenset[str], list[MappingRow]] = {}
        by_core: dict[frozenset[str], list[MappingRow]] = {}
        #: core -> side -> the sided term a curated row gives.
        self.curated_sided: dict[frozenset[str], dict[str, str]] = {}
        abbreviations: dict[str, list[str]] = {}
        for row in synonyms.rows:
            self.curated.setdefault(normalize_key(row.subject_label), row)
            folded = self.fold(words_of(row.subject_label))
            by_folded.setdefault(" ".join(folded), []).append(row)
            by_set.setdefault(self.word_set(folded), []).append(row)
            if row.object_id == NO_TERM:
                continue
            side, core, _ = self.side_words.split(folded)
            object_side = self.side_words.side_of(self.terms.label(row.object_id))
            if side in SIDES and core and object_side == side and row.predicate_id != BROAD:
                self.curated_sided.setdefault(self.core_key(core), {})[side] = row.object_id
            elif side and core and row.predicate_id == BROAD and not object_side:
                by_core.setdefault(self.core_key(core), []).append(row)
            text = row.subject_label
            if (
                row.predicate_id == EXACT
                and text.isalpha()
                and text.isupper()
                and len(text) <= self.rules.short_name + 1
            ):
                abbreviations[text.casefold()] = words_of(self.label_of(row.object_id))
        # A folded spelling that two rows map to different objects is left to the exact table.
        self.curated_folded = _unambiguous(by_folded)
        self.curated_sets = _unambiguous(by_set)
        self.curated_core = _unambiguous(by_core)
        # The rules' expansions win over the curated codes.
        self.words.expansions = {**abbreviations, **self.words.expansions}

    def _index_catalog(self) -> None:
        """Index the catalog tables' anatomy mappings (``TermIndex.curated``).

        They say what imaging catalogs mean by a plain organ word ("skin" is the skin of the body,
        not any zone of skin); they answer before a synonym, never before a label. Only anatomy:
        the lesion terms of label maps are finer than the catalogs' disease values.
        """
        self.catalog: dict[str, str] = {}
        #: Folded catalog key -> the catalog's keys as written: a value read only once folded
        #: ("teeth" -> "tooth") never hides an exact synonym of the name (the tooth, one tooth).
        self.catalog_written: dict[str, set[str]] = {}
        for key, curies in self.terms.curated.get("anatomy", {}).items():
            allowed = [c for c in dict.fromkeys(curies) if c in self.answering]
            folded = " ".join(self.fold(words_of(key, split_case=False)))
            labels = [c for rank, c in self.folded(folded) if not rank]
            # A catalog's anatomy value ("Polyps": the digestive tract) never hides a label.
            if (
                len(allowed) == 1
                and labels in ([], allowed)
                and self.catalog.setdefault(folded, allowed[0]) == allowed[0]
            ):
                self.catalog_written.setdefault(folded, set()).add(normalize_key(key))

    def dataset_words(self, names: Iterable[str]) -> frozenset[str]:
        """The short names of catalog datasets that label files append to a structure's name
        ("Pancreas_FLARE", "cerebellum_FeTA"): the runs of two or more capitals in a dataset's
        name ("FeTA", "WORD", "BraTS"), three letters or more, that are no word of any term's name and no abbreviation ("LUAD", "MEL" are diseases)."""
        found = {
            word.casefold()
            for name in names
            for word in _ALPHA_RUN.findall(name)
            if len(word) >= 3 and sum(c.isupper() for c in word) >= 2
        }
        known = self.vocabulary | self.abbreviations.by_key.keys()
        return frozenset(w for w in found if w not in known and self.canon[w] not in known)

    def index_whole_omitted(self) -> None:
        """Index the part of an anatomy term's name before " of " ("glenoid labrum" of
        "glenoid labrum of scapula") as a name of last resort for that term, where it is the part
        of no other term's name and no name at all: label maps leave out the whole a part belongs
        to when only one whole has that part."""
        heads: dict[str, set[str]] = {}
        for curie in self.answering:
            if not curie.startswith(self.whole_omitted):
                continue
            term = self.terms.terms[curie]
            for name in (term.label, *term.synonyms):
                at = name.find(" of ")
                while at > 0:
                    heads.setdefault(name[:at], set()).add(curie)
                    at = name.find(" of ", at + 4)
        for head, curies in heads.items():
            if len(curies) != 1:
                continue
            folded = self.fold(words_of(head, split_case=False))
            joined, word_set = " ".join(folded), self.word_set(folded)
            if len(folded) > 1 and not self.folded(joined) and word_set not in self.sets:
                self.last_resort.setdefault(" ".join(sorted(word_set)), next(iter(curies)))

    def index_shortened_lesion_names(self) -> None:
        """Index the lesion terms' names that have an optional word also without it, as
        synonyms, where no term has that name already ("acute ischaemic lesion" is also an
        "ischaemic lesion").
        """
        for curie in sorted(c for c in self.answering if c.startswith("mfles:")):
            term = self.terms.terms[curie]
            for name in (term.label, *term.synonyms):
                folded = self.fold(words_of(name, split_case=False))
                short = [w for w in folded if w not in self.words.optional]
                if len(short) == len(folded) or not any(w in self.words.kinds for w in short):
                    continue
                joined, word_set = " ".join(short), self.word_set(short)
                if not self.folded(joined) and word_set not in self.sets:
                    self.refolded[joined] = self.sets[word_set] = [(1, curie)]

    def _add_modality_rule(self, name: str, rule: ModalityRule) -> None:
        self.by_modality.setdefault(" ".join(self.fold(words_of(name))), []).append(rule)

    # ------------------------------------------------------------------ lookups
    def completion(self, core: Iterable[str], *, most: int = 60) -> str | None:
        """The one anatomy term whose label a name shortens, keeping its words in order and its
        head noun ("cervical cord": the cervical spinal cord; "cardia": the cardia of stomach).

        Of the terms whose label has every word of the name and that it shortens, one must be the
        whole (a part or a kind) of at least half of them and of more than twice as many as any
        rival that is no part or kind of it ("vermis": the cerebellar vermis, not one of its
        lobules); a lone term may only leave out the whole it is "of". None where no term fits,
        more than ``most`` do or no whole dominates ("fimbria": of the hippocampus or of the
        uterine tube).
        """
        words = [w for w in core if w not in self.stop]
        if not words or any(not w.isalpha() or w in self.words.fillers for w in words):
            return None
        if len(words) > 1 and words[-1] in self.rules.completion_positions:
            words = [words[-1], *words[:-1]]  # "teeth_upper": a position written after the head
        found: set[str] | None = None
        for word in sorted(set(words), key=lambda w: len(self.labelled.get(w, ()))):
            having = self.labelled.get(word)
            if not having:
                return None
            found = set(having) if found is None else found & having
            if not found or len(found) > most * 4:
                return None
        if not found or len(found) > most:
            return None
        if len(found) == 1:
            (whole,) = found
            return whole if self._shortens(words, whole, lone=True) else None
        ancestors = {c: self.terms.ancestors(c) for c in found}
        cover = sorted(
            ((sum(c in ancestors[o] for o in found), c) for c in found if self._shortens(words, c)),
            reverse=True,
        )
        if not cover:
            return None
        best, whole = cover[0]
        # No rival outside the whole's own parts and kinds covers half as much.
        rivals = [n for n, c in cover[1:] if whole not in ancestors[c]]
        if best * 2 >= len(found) - 1 and all(best > 2 * n for n in rivals):
            return whole
        return None

    def _shortens(self, words: list[str], curie: str, *, lone: bool = False) -> bool:
        """Whether ``words`` shorten the label of ``curie``: in its order, ending in its head noun
        (its last word, or the last before "of"; for Latin names of two words or more, its first
        words) that is no generic head ("dense tissue" is no dense connective tissue); words
        besides the head may name the whole after "of" ("upper tooth": tooth of upper jaw); a lone
        candidate may leave out only that whole."""
        label = self.fold(words_of(self.terms.terms[curie].label))
        part = label[: label.index("of")] if "of" in label else label
        if part[-1] in self.rules.completion_generic_heads:
            return False
        if lone:
            return words == part
        if words == label[: len(words)] and len(words) > 1:
            return True
        if words[-1] != part[-1]:
            return False
        if part is not label:  # the other words may name the whole ("upper teeth": of upper jaw)
            return True
        kept = iter(label)
        return all(w in kept for w in words)

    @cached_property
    def labelled(self) -> dict[str, frozenset[str]]:
        """Folded word -> the anatomy terms (``whole_omitted`` sources) whose label has it."""
        table: dict[str, set[str]] = {}
        for curie in self.answering:
            if curie.startswith(self.whole_omitted):
                for word in self.fold(words_of(self.terms.terms[curie].label)):
                    table.setdefault(word, set()).add(curie)
        return {w: frozenset(c) for w, c in table.items()}

    def join_hyphenated(self, text: str) -> str:
        """Join a word a hyphen splits ("mid-brain" is the midbrain, not "middle" and "brain"):
        only where the joined word is a word of a label and no indexed name hyphenates it so.

        >>> from medfuse.kg.normalize import load_normalizer
        >>> load_normalizer().index.join_hyphenated("Mid-Brain left")
        'Midbrain left'
        """
        return _HYPHENATED.sub(self._joined, text)

    def _joined(self, match: re.Match[str]) -> str:
        head, tail = match[1], match[2]
        joined = (head + tail).casefold()
        if joined in self.label_words and match[0].casefold() not in self.hyphenated:
            # "Mid-Brain" -> "Midbrain": a capital inside would split the word again (CamelCase).
            return head + tail if head.isupper() and tail.isupper() else head + tail.lower()
        return match[0]

    def fold(self, words: Iterable[str]) -> list[str]:
        return list(map(self.canon.__getitem__, words))

    def word_set(self, folded: Iterable[str]) -> frozenset[str]:
        words = frozenset(folded)
        return words - self.stop if not words.isdisjoint(self.stop) else words

    def folded(self, joined: str) -> list[Entry]:
        """Return the entries of the names whose folded words, joined, are ``joined``."""
        plain, refolded = self.exact.get(joined), self.refolded.get(joined)
        if plain and refolded:
            return _grouped(repeat(joined), [*plain, *refolded], self.order)[joined]
        return plain or refolded or []

    def word_sets(self, curie: str) -> list[frozenset[str]]:
        """Return the word sets of a term's names (memoized: only sided lookups need them)."""
        found = self._names.get(curie)
        if found is None:
            term = self.terms.terms[curie]
            found = self._names[curie] = [
                self.word_set(folded)
                for name in (term.label, *term.synonyms)
                if (folded := self.fold(key_words(normalize_key(name))))
            ]
        return found

    def rank(self, entry: Entry) -> tuple[float, int, str]:
        return entry[0], self.order[entry[1][: entry[1].find(":")]], entry[1]

    def label_of(self, curie: str) -> str:
        term = self.terms.terms.get(curie)
        return term.label if term else curie

    def core_key(self, core: Iterable[str]) -> frozenset[str]:
        return frozenset(w for w in core if w not in self.stop and w not in self.words.fillers)

    def modality_rule(self, key: str, modalities: frozenset[str]) -> Hit | None:
        """Return the meaning a name has in the label map's modality, if a rule gives one."""
        for rule in self.by_modality.get(key, ()):
            if not modalities.isdisjoint(rule.modalities):
                return Hit(rule.term, "modality", rule.confidence, rule.predicate)
        return None

    def modalities(self, modality: str | None) -> tuple[frozenset[str], Order]:
        """Return the rule words of a raw modality and the source order it implies (memoized)."""
        if (known := self.modality_memo.get(modality)) is not None:
            return known
        words: set[str] = set()
        if modality:
            words.add(self._aliases.get(modality.strip().casefold(), modality.strip()))
            words |= {self._aliases.get(part.casefold(), part) for part in split_values(modality)}
        by_modality = self.rules.prefixes_by_modality
        prefixes = next((by_modality[w] for w in sorted(words) if w in by_modality), None)
        order = (
            Order(prefixes or self.rules.prefixes, frozenset(words), default=prefixes is None)
            if words
            else self.order
        )
        found = self.modality_memo[modality] = (frozenset(words), order)
        return found

    def pick(
        self, entries: list[Entry] | None, order: Order, *, short: int
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
                and not curie.startswith(self.curated_sources)
                and (short > 1 or not curie.startswith("UBERON:"))
            ):
                continue
            return rank, curie
        return None

    def lookup(self, key: str, folded: list[str], order: Order, *, short: int = 0) -> Hit | None:
        """Find a term by its label or synonym: as written, folded, then as a set of words.

        A word whose meaning depends on the modality ("macula" on a fundus photograph) has it
        here too, where a rule reached it by changing the name ("macular region").
        """
        joined = " ".join(folded)
        if (
            order.modalities
            and self.by_modality
            and (by_modality := self.modality_rule(joined, order.modalities))
        ):
            return by_modality
        found = self.pick(self.exact.get(key), order, short=short)
        if found and not found[0]:
            return Hit(found[1], "label", self.conf["label"])
        catalog = self.catalog.get(joined)
        if catalog and (not found or key in self.catalog_written[joined]):
            return Hit(catalog, "curated", self.conf["catalog"])
        if found:
            curie = self.variant_label(folded, order, found) or found[1]
            return Hit(curie, "synonym", self.conf["synonym"])
        found = self.pick(self.folded(joined), order, short=short)
        if found:
            rank, curie = found
            return Hit(
                self.variant_label(folded, order, found) or curie,
                "variant",
                self.conf["variant_synonym" if rank else "variant_label"],
            )
        found = self.pick(self.sets.get(self.word_set(folded)), order, short=short)
        if found:
            curie = self.variant_label(folded, order, found) or found[1]
            return Hit(curie, "tokens", self.conf["tokens"])
        return None

    def variant_label(
        self, folded: list[str], order: Order, found: tuple[float, str]
    ) -> str | None:
        """Return the term whose label the name's word variants spell, where the name itself is
        only an ontology synonym of another term of the same source.

        Labels are the ontologies' preferred names, synonyms are looser: "large bowel" is an
        UBERON synonym of the colon, but "bowel" is "intestine" and the large intestine is a
        label. Only words that mean their variant in every name count (``same_words``: not
        "spinal", whose "vertebral" artery is another vessel).
        """
        rank, curie = found
        if rank != 1 or self.words.same_words.isdisjoint(folded):
            return None
        spelled = [
            part
            for w in folded
            for part in (self.words.variants[w][0] if w in self.words.same_words else [w])
        ]
        label = self.pick(self.sets.get(self.word_set(spelled)), order, short=0)
        if label and not label[0] and label[1] != curie and label[1][:3] == curie[:3]:
            return label[1]
        return None

    def lengthenings(self, word: str) -> list[str]:
        """Return the words of labels and clean synonyms that ``word``, cut short, begins.

        A word of a label is whole ("duct" is not cut from "ductule"); a word of a synonym only
        may be cut ("med" of "medius"). None if more than ``shortening.max_candidates`` fit.

        >>> from medfuse.kg.normalize import load_normalizer
        >>> index = load_normalizer().index
        >>> "cartilage" in index.lengthenings("cart"), index.lengthenings("kidneys")
        (True, [])
        """
        rule = self.rules.shortening
        if len(word) < rule.min_letters or word in self.label_words or not word.isalpha():
            return []
        if self._sorted_spelled is None:
            self._sorted_spelled = sorted(w for w in self.spelled if w.isalpha())
        words = self._sorted_spelled
        start = bisect_left(words, word)
        found: list[str] = []
        for candidate in words[start : start + rule.max_candidates + 2]:
            if not candidate.startswith(word):
                break
            if candidate != word:
                found.append(candidate)
        return [] if len(found) > rule.max_candidates else found

    def respelling(self, word: str) -> str | None:
        """Return the known word one typing slip makes of ``word`` (see :func:`slips`), if any.

        Where several words fit, the commonest answers only if it is ``respelling.dominance``
        times more common than all the others together.

        >>> from medfuse.kg.normalize import load_normalizer
        >>> index = load_normalizer().index
        >>> index.respelling("diaphram"), index.respelling("kideny"), index.respelling("kidney")
        ('diaphragm', 'kidney', None)
        """
        if word in self.spelled or word in self.words.expansions or not word.isalpha():
            return None
        spelled = self.spelled

        def known(vowels_from: int | None) -> list[tuple[int, str]]:
            return sorted((spelled[w], w) for w in slips(word, vowels_from) if w in spelled)

        # A letter left out, added or swapped first; a vowel written for another only if none.
        vowels_from = self.rules.respelling.vowels_from
        found = known(None) or (known(vowels_from) if vowels_from else [])
        if (
            not found
            or sum(n for n, _ in found[:-1]) * self.rules.respelling.dominance > found[-1][0]
        ):
            return None
        return found[-1][1]


#: A hyphen between two runs of letters ("mid-brain").
_HYPHENATED = re.compile(r"\b([A-Za-z]+)-([A-Za-z]+)\b")
_HYPHENATED_WORD = re.compile(r"\b[A-Za-z]+-[A-Za-z]+\b")


def _grouped(
    keys: Iterable[_K], entries: Iterable[Entry], order: Mapping[str, int]
) -> dict[_K, list[Entry]]:
    """Group entries by key; a key's entries sorted labels first, then by source order."""
    table: dict[_K, list[Entry]] = {}
    for key, entry in zip(keys, entries):
        if (found := table.get(key)) is None:
            table[key] = [entry]
        else:
            found.append(entry)

    def rank(entry: Entry) -> tuple[int, int, str]:
        return entry[0], order[entry[1][: entry[1].find(":")]], entry[1]

    for key, found in table.items():
        if len(found) > 1:
            table[key] = sorted(set(found), key=rank)
    return table


def _unambiguous(table: dict[_K, list[MappingRow]]) -> dict[_K, MappingRow]:
    """Keep the keys whose rows all map to one object."""
    return {key: rows[0] for key, rows in table.items() if len({r.object_id for r in rows}) == 1}
