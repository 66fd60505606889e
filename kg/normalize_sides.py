"""Laterality of label names: the side a name gives, and the sided term of a structure.

:class:`SideWords` reads the side words of a name (``Kidney_L``, ``Lt. Kidney``, ``ctx-lh-...``,
``Eye_AL``: anterior, left) from the rules alone. :class:`SidedTerms` finds the sided UBERON term
of a structure ("left kidney"), its mirror ("right common iliac artery" -> the left one), or
answers the unsided structure as ``skos:broadMatch`` where UBERON has no sided term.

>>> from medfuse.kg.normalize_rules import load_rules
>>> SideWords(load_rules()).split(["kidney", "l"])
('left', ['kidney'], ['kidney', 'left'])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from medfuse.kg.normalize_hits import SIDES, Hit, Order
from medfuse.kg.normalize_rules import BROAD, CLOSE, NARROW, LabelRules, words_of

if TYPE_CHECKING:
    from medfuse.kg.normalize_index import LabelIndex

__all__ = ["SideWords", "SidedTerms"]


class SideWords:
    """The side words of the rules (``laterality``), and the side a name's words give."""

    def __init__(self, rules: LabelRules) -> None:
        lat = rules.laterality
        self._words, self._short, self._both = lat.words, lat.short, frozenset(lat.both)
        self._parts = lat.parts
        #: Every word that may give a side (a quick test for the many names that give none).
        self._any = frozenset(
            [*lat.words, *lat.short, *lat.both]
            + [part + short for part in lat.parts for short in lat.short if len(short) == 1]
        )

    def names_side(self, word: str) -> bool:
        """Whether a word, in any case, is a side word (anywhere, short, or both sides)."""
        word = word.casefold()
        return word in self._words or word in self._short or word in self._both

    def split(
        self, folded: Sequence[str], *, inner: Sequence[str] = ()
    ) -> tuple[str | None, list[str], list[str]]:
        """Split off the side a name gives.

        :returns: the side (``left``, ``right``, ``both`` or ``None``), the other words, and all
            words with short side forms spelled out (``l`` -> ``left``, ``al`` -> ``anterior left``).
        """
        if not inner and self._any.isdisjoint(folded):  # most names
            return None, list(folded), list(folded)
        sides: set[str] = set()
        core: list[str] = []
        spelled: list[str] = []
        last = len(folded) - 1
        while last > 0 and folded[last].isdigit():
            last -= 1
        # A short form before nothing but numbers is a code ("L-4"), not a side.
        short_ok = len(folded) > 1 and not all(w.isdigit() for w in folded[1:])
        parts = self._parts
        for i, word in enumerate(folded):
            side = self._words.get(word)
            part = None
            if side is None and short_ok and i in (0, last, len(folded) - 1):
                side = self._short.get(word)
                if side is None and len(word) == 2 and word[0] in parts:
                    part, side = parts[word[0]], self._short.get(word[1])
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
            side = self._words.get(word) or self._short.get(word)
            if side:
                sides.add(side)
                spelled.append(side)
        if not sides:
            return None, core, spelled
        return (sides.pop() if len(sides) == 1 else "both"), core, spelled

    def side_of(self, text: str) -> str | None:
        """Return the side a name or label gives ("right common iliac artery": right)."""
        return self.split(words_of(text))[0]


class SidedTerms:
    """The sided terms of structures, found through the index (memoized per term and side)."""

    def __init__(self, index: LabelIndex) -> None:
        self.index = index
        self._heads = index.rules.laterality.heads
        self._unsided_factor = index.rules.laterality.unsided_factor
        self._sided_memo: dict[tuple[str, str], str | None] = {}
        self._side_memo: dict[str, str | None] = {}

    def term_side(self, curie: str) -> str | None:
        """Return the side a term's label names (memoized per term)."""
        if curie not in self._side_memo:
            self._side_memo[curie] = self.index.side_words.side_of(self.index.label_of(curie))
        return self._side_memo[curie]

    def sided_term(self, curie: str, side: str) -> str | None:
        """Return the sided term of a structure (memoized: a lazy index, not a cache of names)."""
        key = (curie, side)
        if key not in self._sided_memo:
            index = self.index
            self._sided_memo[key] = None
            for extra in ((), *([head] for head in self._heads)):
                found = next(
                    (
                        f
                        for names in index.word_sets(curie)
                        if (
                            f := index.pick(
                                index.sets.get(names.union((side, *extra))), index.order, short=0
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

    def mirror(self, curie: str, side: str, other: str) -> str | None:
        """Return the term of the other side ("right common iliac artery" -> the left one)."""
        if side == other:
            return curie
        index = self.index
        for names in index.word_sets(curie):
            if side in names:
                found = index.pick(index.sets.get(names - {side} | {other}), index.order, short=0)
                if found and found[1] != curie and self.term_side(found[1]) == other:
                    return found[1]
        return None

    def sided(self, hit: Hit, side: str, order: Order) -> Hit:
        """Return the sided term of a structure, or the unsided one as a broader match."""
        sided = self.sided_term(hit.curie, side)
        if sided:
            return Hit(
                sided,
                "laterality",
                min(hit.confidence, self.index.conf["sided"]),
                hit.predicate,
                hit.site,
            )
        if self.term_side(hit.curie) == side:
            return hit
        predicate = CLOSE if hit.predicate == NARROW else BROAD
        return Hit(
            hit.curie, "laterality", hit.confidence * self._unsided_factor, predicate, hit.site
        )

    def sided_code(
        self, core: list[str], side: str, modalities: frozenset[str], order: Order
    ) -> Hit | None:
        """Answer a sided abbreviation or modality word ("R-PCA", "Macula_L") with its side."""
        index = self.index
        joined = " ".join(core)
        hit = index.modality_rule(joined, modalities) if index.by_modality else None
        # "Rt PCom": the case change inside the code is no word break.
        for code in dict.fromkeys((joined, "".join(core))):
            if hit is None and code not in index.curated_folded:
                found = index.abbreviations.hit(code, code, modalities)
                hit = found if isinstance(found, Hit) else None
        if hit is None:
            return None
        return self.sided(hit, side, order) if side in SIDES else hit
