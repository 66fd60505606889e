"""Resolving a label name's core through the cautious rules, once no name matched as written.

:class:`Rewrites` reads the words of a name without its side: the curated table by the name's
folded words or core, the index, numbered structures, then rewrites of the name, each a
candidate looked up again: a narrowing qualifier stripped (``skos:broadMatch``), a lesion read as
site and kind, codes and abbreviations spelled out, glued words split (``superiorfrontal``,
``chestwall``), word and phrase variants, an organ the rest lies in dropped, filler words dropped,
a term's name with words of its own names (``Axis_C2``), a missing head or organ added
(``caudate`` -> caudate nucleus), a class's head put in place of its class words
(``ctx-lh-lingual``), and a capitals code the ontology gives one term as an acronym.

>>> from medfuse.kg.normalize import load_normalizer
>>> rewrites = load_normalizer().rewrites
>>> rewrites.unglue(["superiorfrontal"]), rewrites.split_compound("largeintestine")
(['superior', 'frontal'], ['large', 'intestine'])
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

from medfuse.kg.normalize_hits import BEYOND, HEADLESS_WORDS, SIDES, Hit, Order
from medfuse.kg.normalize_index import LabelIndex
from medfuse.kg.normalize_lesions import Lesions
from medfuse.kg.normalize_numbered import NumberedStructures, real
from medfuse.kg.normalize_rules import BROAD, CLOSE, EXACT, NARROW, words_of
from medfuse.kg.normalize_sides import SidedTerms
from medfuse.kg.normalize_text import any_of, derived, spells
from medfuse.loaders.mappings import NO_TERM, MappingRow

#: The most words a glued word is cut into ("rightlunglowerlobe").
_MOST_PIECES = 4

__all__ = ["Rewrites"]


class _NarrowingRule(NamedTuple):
    """A compiled ``narrowing`` rule of ``label-rules.yaml``."""

    pattern: re.Pattern[str]
    factor: float
    answers: tuple[str, ...]
    under: tuple[str, ...]
    read_as: str | None
    modalities: frozenset[str]


class _NarrowingRules(NamedTuple):
    """One list of narrowing rules (early or late), with a pattern that matches where any of
    them does: most names match none, and one test then spares trying each rule."""

    any: re.Pattern[str]
    rules: list[_NarrowingRule]

    @classmethod
    def of(cls, rules: list[_NarrowingRule]) -> _NarrowingRules:
        return cls(any_of(r.pattern for r in rules), rules)


class Rewrites:
    """The rules that resolve a name's core, in their order (see the module docstring).

    :param index: the normalizer's index.
    :param sides: the sided terms.
    :param lesions: lesion and site reading.
    :param early: the abstain patterns that hold whatever a name finds (a dropped filler word
        never leaves a placeholder behind).
    """

    def __init__(
        self, index: LabelIndex, sides: SidedTerms, lesions: Lesions, *, early: re.Pattern[str]
    ) -> None:
        self.index = index
        self.sides = sides
        self.lesions = lesions
        self.terms = index.terms
        self.rules = rules = index.rules
        self.words = index.words
        self.early = early
        self.numbered = NumberedStructures(index)
        compiled = [
            (
                n.late,
                _NarrowingRule(
                    re.compile(n.pattern),
                    n.factor,
                    tuple(n.answers),
                    tuple(n.under),
                    n.read_as,
                    frozenset(n.modalities),
                ),
            )
            for n in rules.narrowing
        ]
        self._narrowing = _NarrowingRules.of([rule for late, rule in compiled if not late])
        self._late = _NarrowingRules.of([rule for late, rule in compiled if late])
        #: Folded head noun (or last two words) -> the non-anatomical object term a name ending in
        #: it answers ("chest tube", "foreign body"); such a word is no eponym of a disease either.
        self.objects = {
            word: term for term, words in rules.object_heads.items() for word in index.fold(words)
        }

    def resolve(
        self,
        core: list[str],
        spelled: list[str],
        side: str | None,
        order: Order,
        *,
        caps: bool,
    ) -> Hit | None:
        """Resolve a name's core and give it the side; else the name with its side inside.

        Some sided structures are named around the side ("cavity of right atrium"), so a name
        whose core finds nothing is tried whole ("right atrium cavity").
        """
        hit = self.resolve_core(core, order, depth=0, caps=caps, side=side) if core else None
        if hit is not None and side and side != "both":
            return self.sides.sided(hit, side, order)
        if hit is None and side in SIDES and spelled != core and len(core) <= HEADLESS_WORDS:
            hit = self.resolve_core(spelled, order, depth=0, caps=caps)
        return hit

    def resolve_core(
        self,
        core: list[str],
        order: Order,
        *,
        depth: int,
        caps: bool = False,
        side: str | None = None,
    ) -> Hit | None:
        """Resolve the words of a name without its side, through the rules in their order."""
        row = self.curated(core)
        if row is not None and row.object_id != NO_TERM:
            return Hit(row.object_id, "curated", row.confidence or 0.9, row.predicate_id)
        core_key = self.index.core_key(core)
        row = self.index.curated_core.get(core_key)
        if row is not None:  # a sided curated name: the structure itself matches exactly
            return Hit(row.object_id, "curated", row.confidence or 0.9, EXACT)
        if side in SIDES and (by_side := self.index.curated_sided.get(core_key)):
            curie = by_side.get(side) or next(
                filter(None, (self.sides.mirror(c, s, side) for s, c in by_side.items())), None
            )
            if curie:
                return Hit(curie, "curated", self.index.conf["sided"], EXACT)
        letters = len("".join(core))
        short = (
            2
            if caps and letters <= self.rules.short_name + 1
            else int(letters <= self.rules.short_name)
        )
        # A numbered or coded grammar is more precise than a name that happens to share its
        # words ("upper central incisor": the permanent tooth of the spelled-tooth grammar).
        numbered = self.numbered.hit(core) if self.numbered.may_be(core) else None
        if numbered is not None and numbered is not BEYOND:
            return numbered
        hit = self.index.lookup(" ".join(core), core, order, short=short) or numbered
        if hit is BEYOND:
            return None  # a numbered name past the count: nothing else may answer
        if hit or depth > 1:
            return hit
        hit = (
            self.narrowed(core, self._narrowing, order, depth=depth)
            or self.lesions.lesion(core, order, side=side)
            or self.fallbacks(core, order, depth=depth)
        )
        return hit or self.narrowed(core, self._late, order, depth=depth)

    def narrowed(
        self,
        core: list[str],
        rules: _NarrowingRules,
        order: Order,
        *,
        depth: int,
    ) -> Hit | None:
        """Strip a narrowing qualifier and answer the broader term of what is left.

        A rule with ``answers`` holds only where what is left is a term of those sources or one
        of those terms (a grade letter qualifies a disease: "esophagitis-b"; "hard" an exudate);
        one with ``under`` only where it is one of those terms or below them (a limb segment
        qualifies a part of a limb: "VL_thigh").
        """
        phrase = " ".join(core)
        if not rules.any.match(phrase):
            return None
        for pattern, factor, answers, under, read_as, modalities in rules.rules:
            match = pattern.match(phrase)
            if match and (not modalities or not modalities.isdisjoint(order.modalities)):
                rest = (read_as or match["core"]).split()
                inner = self.resolve_core(rest, order, depth=depth + 1)
                if inner and answers:  # a graded class of too many diseases names no finding
                    broad = len(rest) == 1 and inner.curie.startswith("MONDO:")
                    if not _answers(inner.curie, answers) or (
                        broad and self.lesions.too_broad(inner.curie)
                    ):
                        inner = None
                if (
                    inner
                    and under
                    and inner.curie not in under
                    and self.terms.ancestors(inner.curie).isdisjoint(under)
                ):
                    inner = None
                if inner:
                    return inner._replace(
                        via="narrowing",
                        confidence=inner.confidence * factor,
                        predicate=_broaden(inner.predicate),
                    )
        return None

    def fallbacks(self, core: list[str], order: Order, *, depth: int) -> Hit | None:
        """Try codes, abbreviations, variants, context and filler words, missing heads."""
        hit = self.compact(core, order) if depth == 0 else None
        if hit:
            return hit
        if len(core) > 1 and core[-1] in self.words.suffixes:  # "Musc_Constrict_S": superior
            core = [*core[:-1], *self.words.suffixes[core[-1]]]
        if len(core) > 1 and (latin := self.rules.latin_heads.get(core[0])):
            # A Latin head written as one letter ("N. opticus"): spelled out, UBERON's Latin
            # synonym (nervus opticus) answers.
            hit = self.lookup_deeper([latin, *core[1:]], order, depth, via="expanded")
            if hit:
                return hit
        expanded = self.unglue([part for w in core for part in self.words.expansions.get(w, [w])])
        if expanded != core:
            hit = self.lookup_deeper(expanded, order, depth, via="expanded")
            if hit:
                return hit
            # A head written first as one letter, as Latin and TG-263 names write it ("M. gluteus
            # medius", "A_Aorta"): the head last, then the name without it.
            if len(core) > 1 and len(core[0]) == 1 and expanded[0] in self.rules.heads:
                for words in ([*expanded[1:], expanded[0]], expanded[1:]):
                    hit = self.lookup_deeper(words, order, depth, via="expanded")
                    if hit:
                        return hit
        variants = self.variants_of(expanded)
        if expanded != core:  # "CA1": a code that is no abbreviation ("ca" + "1" is a word)
            variants += self.variants_of(core)
        for variant in variants:
            hit = self.index.lookup(" ".join(variant), variant, order)
            if hit:
                return hit._replace(
                    via="variant", confidence=min(hit.confidence, self.index.conf["expanded"])
                )
        for variant in (expanded, *variants):
            hit = self.context(variant, order)
            if hit:
                return hit
        shapes = [expanded, *variants]
        if len(expanded) > 1:
            suffixes = self.index.dataset_suffixes
            dropped = [
                variant
                for i, word in enumerate(expanded)
                if (word in self.words.fillers or (word in suffixes and i == len(expanded) - 1))
                and not self.early.search(" ".join(variant := expanded[:i] + expanded[i + 1 :]))
            ]
            if len(dropped) > 1:  # "cerebellar reference region": every filler at once, last
                rest = [w for w in expanded if w not in self.words.fillers]
                if rest and not self.early.search(" ".join(rest)):
                    dropped.append(rest)
            # A filler of findings ("positive") leaves only a finding: a head is anatomy, never
            # added once it is gone ("wrist positive"), and nothing else answers.
            findings_only = not self.words.finding_only.isdisjoint(expanded)
            if not findings_only:
                shapes += dropped
            # The least rewriting wins: a name one filler away ("whole tumour region") before
            # one that needs more rules after the filler is gone ("tumour region" -> "tumour").
            for deeper in (False, True):
                for variant in dropped:
                    # What is left may be a short code ("RPE layer"): no risky synonym.
                    short = int(len("".join(variant)) <= self.rules.short_name)
                    hit = self.lookup_deeper(
                        variant, order, depth if deeper else 2, via="filler", short=short
                    )
                    if hit and (
                        not findings_only or hit.curie.startswith(self.words.finding_prefixes)
                    ):
                        return hit
        return (self.apposition(expanded, order) if depth == 0 else None) or self.headed(
            shapes, order
        )

    def curated(self, words: list[str]) -> MappingRow | None:
        """The curated row of these words as written or in any order, if any."""
        return self.index.curated_folded.get(" ".join(words)) or self.index.curated_sets.get(
            self.index.word_set(words)
        )

    def lookup_deeper(
        self, words: list[str], order: Order, depth: int, *, via: str, short: int = 0
    ) -> Hit | None:
        """Look a rewritten name up (a numbered structure too), then rewrite it once more; the
        answer says how it was reached (``via``) and is capped at that step's confidence."""
        hit = self.index.lookup(" ".join(words), words, order, short=short) or real(
            self.numbered.hit(words)
        )
        if hit is None and depth == 0:
            hit = self.resolve_core(words, order, depth=depth + 1)
        if hit is None:
            return None
        return hit._replace(via=via, confidence=min(hit.confidence, self.index.conf[via]))

    def apposition(self, words: list[str], order: Order) -> Hit | None:
        """Answer a name that is a term's name or code plus words of that term's own names.

        "Axis_C2": C2 is the second cervical vertebra, and "axis" is a word of its names.
        """
        if not 2 <= len(words) <= HEADLESS_WORDS + 1:
            return None
        for i in range(1, len(words)):
            for part, other in ((words[i:], words[:i]), (words[:i], words[i:])):
                hit = self.index.lookup(" ".join(part), part, order, short=1) or real(
                    self.numbered.hit(part)
                )
                if hit and set(other) <= self.name_words(hit.curie):
                    return hit._replace(
                        via="apposition",
                        confidence=min(hit.confidence, self.index.conf["apposition"]),
                    )
        return None

    def name_words(self, curie: str) -> frozenset[str]:
        return frozenset().union(*self.index.word_sets(curie))

    def compact(self, core: list[str], order: Order) -> Hit | None:
        """Read a code written with separators as one word ("GTV_P" -> "GTVp")."""
        if len(core) < 2 or not all(w.isalpha() for w in core):
            return None
        code = "".join(core)
        if len(code) > self.rules.short_name + 2:
            return None
        row = self.index.curated.get(code)
        if row is not None and row.object_id != NO_TERM:
            return Hit(row.object_id, "curated", row.confidence or 0.9, row.predicate_id)
        return self.index.lookup(code, [code], order, short=2)

    def unglue(self, words: list[str]) -> list[str]:
        """Split glued word starts off words not found whole ("superiorfrontal", "gtvlung")."""
        out: list[str] = []
        for word in words:
            starts: list[str] = []
            while word not in self.index.vocabulary:
                start = next(
                    (g for g in self.words.glued if word.startswith(g) and len(word) > len(g) + 1),
                    None,
                )
                rest = word[len(start) :] if start else ""
                if not start or not (
                    rest in self.index.vocabulary
                    or rest in self.words.expansions
                    or any(rest.startswith(g) for g in self.words.glued)
                ):
                    break
                starts.append(start)
                word = rest
            if starts:
                out += [*starts, *self.words.expansions.get(word, [word])]
            else:
                out += self.split_compound(word)
        return out

    def split_compound(self, word: str) -> list[str]:
        """Split a word not found whole into words whose phrase is a name ("chestwall").

        >>> from medfuse.kg.normalize import load_normalizer
        >>> load_normalizer().rewrites.split_compound("largeintestine")
        ['large', 'intestine']

        Up to four words, a side among them: ``rightlunglowerlobe`` is right lung lower lobe.
        """
        if word in self.index.vocabulary or len(word) < 7 or not word.isalpha():
            return [word]
        for pieces in self._splits(word, _MOST_PIECES):
            named = pieces[1:] if self.index.side_words.names_side(pieces[0]) else pieces
            if any(
                self.index.folded(" ".join(words)) or self.index.word_set(words) in self.index.sets
                for words in (pieces, named)
            ):
                return pieces
        return [word]

    def _splits(self, word: str, most: int) -> Iterator[list[str]]:
        """The ways to cut a word into at most ``most`` words of three letters or more, each a word
        of the ontology's names, fewest pieces first ("rightlunglowerlobe": right lung lower lobe)."""
        for count in range(2, most + 1):
            yield from self._cuts(word, count)

    def _cuts(self, word: str, count: int) -> Iterator[list[str]]:
        if count == 1:
            if word in self.index.vocabulary:
                yield [self.index.canon[word]]
            return
        for i in range(3, len(word) - 2):
            first = word[:i]
            if first in self.index.vocabulary:
                for rest in self._cuts(word[i:], count - 1):
                    yield [self.index.canon[first], *rest]

    def variants_of(self, words: list[str]) -> list[list[str]]:
        """Return the alternative spellings of a name to try, one change at a time (mostly)."""
        every = [
            alternatives[0][0] if (alternatives := self.words.variants.get(w)) else w for w in words
        ]
        variants = [every] if every != words else []
        variants += derived(words, self.words.derivations)
        for table in (
            self.words.variants,
            self.words.adjectives,
            self.words.nouns,
            self.words.latin_nouns,
        ):
            for i, word in enumerate(words):
                variants += [
                    words[:i] + replacement + words[i + 1 :] for replacement in table.get(word, ())
                ]
        for phrase, alternatives in self.words.phrases:
            size = len(phrase)
            for i in range(len(words) - size + 1):
                if words[i : i + size] == phrase:
                    variants += [words[:i] + alt + words[i + size :] for alt in alternatives]
        # A compound adjective written the other way round ("fronto-occipital": occipitofrontal).
        for i in range(len(words) - 1):
            first, second = words[i], words[i + 1]
            if len(first) > 4 and first.endswith("o") and len(second) > 5 and second.endswith("al"):
                swapped = f"{second[:-2]}o{first[:-1]}al"
                if swapped in self.index.vocabulary:
                    variants.append([*words[:i], swapped, *words[i + 2 :]])
        # A compound written in two words ("gall stones", "wind pipe").
        for i in range(len(words) - 1):
            if (compound := words[i] + words[i + 1]) in self.index.vocabulary:
                variants.append([*words[:i], self.index.canon[compound], *words[i + 2 :]])
        if not self.words.bound.isdisjoint(words[:-1]):
            joined: list[str] = []
            for word in words:
                if joined and joined[-1] in self.words.bound:
                    joined[-1] = self.index.canon[joined[-1] + word]
                else:
                    joined.append(word)
            variants.append(joined)
        return variants

    def headed(self, shapes: list[list[str]], order: Order) -> Hit | None:
        """Add a head noun, then an organ, that a name leaves out ("caudate" -> caudate nucleus).

        Not to a word that is the head of what it would find ("wall" is no "artery wall"), and
        some organs only to names of two words or more ("apex" alone says too little).
        """
        heads, rules = self.rules.heads, self.rules
        if next(iter(order)) == "CL":  # pathology, microscopy: "epithelial" is the cell
            for words in shapes[:1]:
                if len(words) > 1 and words[-1] in rules.cell_parts:
                    # "lymphocyte nuclei": nuclei are segmented and classed by their cell
                    cell = self.index.lookup(" ".join(words[:-1]), words[:-1], order)
                    cell = cell or self.headed([words[:-1]], order)
                    if cell is not None and cell.curie.startswith("CL:"):
                        return Hit(cell.curie, "head", self.index.conf["head"], BROAD)
                for head in rules.cell_heads:
                    found = self.index.pick(
                        self.index.folded(" ".join([*words, head])), order, short=0
                    )
                    if found and not found[0] and found[1].startswith("CL:") and head not in words:
                        return Hit(found[1], "head", self.index.conf["head"])
        for words in shapes:
            if len(words) > HEADLESS_WORDS:
                continue
            extra = heads if words[-1] not in heads else rules.heads_after_head
            organs = [*rules.organs, *rules.phrase_organs] if len(words) > 1 else rules.organs
            base = self.index.word_set(words)
            #: head -> the term it gives a bare word, for a choice among several.
            found_by_head: dict[str, str] = {}
            for head in (*extra, *organs):
                if head not in base:
                    found = self.index.pick(self.index.sets.get(base | {head}), order, short=0)
                    if (
                        found
                        and found[1].startswith("UBERON:")
                        and (len(words) > 1 or not self.index.label_of(found[1]).endswith(words[0]))
                    ):
                        found_by_head.setdefault(head, found[1])
            if found_by_head:
                return self.head_choice(found_by_head, order, phrase=len(words) > 1)
        for words in shapes[:1]:
            # "Alzheimer", not a letter ("H syndrome"), a finding's word ("MASS syndrome") or an
            # object's ("bipolar" forceps is no bipolar disorder)
            if (
                len(words) == 1
                and len(words[0]) >= 3
                and words[0] not in rules.disease_heads
                and words[0] not in self.words.kinds
                and words[0] not in self.objects
            ):
                for head in rules.disease_heads:
                    found = self.index.pick(self.index.folded(f"{words[0]} {head}"), order, short=0)
                    if found and not found[0] and found[1].startswith("MONDO:"):
                        return Hit(found[1], "head", self.index.conf["head"])
        return None

    def head_choice(
        self, found_by_head: dict[str, str], order: Order, *, phrase: bool
    ) -> Hit | None:
        """Choose among the terms a name gives with different heads, or abstain.

        "parotid" takes one head (gland); "lingual" takes five (gland, nerve, artery, vein,
        gyrus): only the modality's preferred head decides ("Lingual_L" on MR is the gyrus of a
        brain atlas), else no head is guessed ("Lacrimal" on CT: the gland or the bone). A phrase
        says more: the modality's head first ("Temporal_Mid" on MR is the middle temporal gyrus,
        not the artery), else the first head in the rules' order.
        """
        terms = set(found_by_head.values())
        if len(terms) == 1:
            return Hit(terms.pop(), "head", self.index.conf["head"])
        by_modality = self.rules.heads_by_modality
        for modality in sorted(order.modalities.intersection(by_modality)):
            for head in by_modality[modality]:
                if head in found_by_head:
                    return Hit(found_by_head[head], "head", self.index.conf["head"])
        if phrase:
            return Hit(next(iter(found_by_head.values())), "head", self.index.conf["head"])
        return None

    def context(self, words: list[str], order: Order) -> Hit | None:
        """Drop a leading or trailing organ the rest lies in ("larynx glottis" -> glottis)."""
        for size in (1, 2):
            if len(words) <= size:
                break
            for context, rest in ((words[:size], words[size:]), (words[-size:], words[:-size])):
                outer = self.index.lookup(" ".join(context), context, order, short=1)
                if outer is None or not outer.curie.startswith("UBERON:"):
                    continue
                inner = self.index.lookup(" ".join(rest), rest, order)
                if inner and outer.curie in self.terms.ancestors(inner.curie):
                    return inner._replace(
                        via="context", confidence=min(inner.confidence, self.index.conf["expanded"])
                    )
        return None

    def acronym(self, code: str, modalities: frozenset[str] = frozenset()) -> Hit | None:
        """Answer a capitals code the ontology gives one term as an acronym of its label.

        Only for a term of an answering source that MONDO would not flood: UBERON, CL, the lesion
        terms, and MONDO under ``acronyms.mondo_under`` ("GBM"; never "SMA", spinal muscular
        atrophy, on a CT of the abdomen); and only in the modalities of ``acronyms.modalities``
        where it lists any (a disease's acronym is a pathology class; on MR "MCL" is a ligament).
        """
        rule = self.rules.acronyms
        if rule.modalities and modalities.isdisjoint(rule.modalities):
            return None
        curies = {curie for _, curie in self.index.exact.get(code, ())}
        if not code.isalpha() or len(code) > rule.max_letters or len(curies) != 1:
            return None
        curie = curies.pop()
        if curie.startswith("MONDO:") and self.terms.ancestors(curie).isdisjoint(rule.mondo_under):
            return None
        words = [w for w in words_of(self.index.label_of(curie)) if w not in self.index.stop]
        if not spells(code, words):
            return None
        return Hit(curie, "acronym", self.index.conf["acronym"])

    def class_headed(
        self, core: list[str], classes: frozenset[str], side: str | None, order: Order
    ) -> Hit | None:
        """Put the head of the class a name says in place of its class words.

        "ctx-lh-lingual" is a cortical parcel: the lingual gyrus (not the gland of the tongue);
        "ctx-rh-entorhinal" the entorhinal cortex. Only a term of that class answers.
        """
        for name in sorted(classes):
            head_class = self.rules.head_classes[name]
            drop = {*head_class.words, *head_class.markers}
            rest = self.unglue([w for w in core if w not in drop])  # "middletemporal"
            if not head_class.heads or not rest or len(rest) > HEADLESS_WORDS:
                continue
            for words in (rest, *([*rest, head] for head in head_class.heads)):
                hit = self.index.lookup(" ".join(words), words, order, short=1)
                if hit is not None and name in self.index.kinds_of.of_term(hit.curie):
                    hit = hit._replace(
                        via="head", confidence=min(hit.confidence, self.index.conf["head"])
                    )
                    return self.sides.sided(hit, side, order) if side in SIDES else hit
        return None


def _broaden(predicate: str) -> str:
    return CLOSE if predicate == NARROW else BROAD


def _answers(curie: str, answers: tuple[str, ...]) -> bool:
    """Whether a term is one a rule's ``answers`` allow: a term of one of its sources ("MONDO"),
    or one of its single terms ("UBERON:0007780")."""
    return any(curie == a if ":" in a else curie.startswith(f"{a}:") for a in answers)
