"""Head-noun agreement for the label normalizer: a name that says what kind of thing it names.

"Pubic bone" names a bone, "ctx-lh-lingual" (FreeSurfer) a piece of cerebral cortex,
"renal neoplasm" a disease. A term found by a loose rule (a dropped filler word, an added head,
a set of words) must be of the same kind, or of no listed kind: never the pubic *vein*, the
maxillary *nerve* or the gland of the tongue. The kinds (``head_classes`` in
``ontology/mappings/label-rules.yaml``) say which words name them and which UBERON classes, term
sources or label words make a term one of them.

>>> from medfuse.kg.terms import load_terms
>>> from medfuse.kg.normalize_rules import WordFolder, load_rules
>>> kinds = HeadClasses(load_terms(), load_rules(), WordFolder(load_rules()))
>>> kinds.of_name(["pubic", "bone"]), sorted(kinds.of_term("UBERON:0039256"))
(frozenset({'bone'}), ['vein'])
>>> kinds.agree(frozenset({"bone"}), "UBERON:0039256"), kinds.agree(frozenset({"bone"}), "UBERON:0001275")
(False, True)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from medfuse.kg.normalize_rules import LabelRules, words_of
from medfuse.kg.terms import TermIndex

__all__ = ["HeadClasses"]


class HeadClasses:
    """The kinds a name says and a term is, from the rules' ``head_classes`` (memoized per term).

    :param terms: the term index (for ancestors and labels).
    :param rules: the normalizer rules.
    :param fold: word -> folded word (plurals, spelling), as the normalizer folds names.
    """

    def __init__(self, terms: TermIndex, rules: LabelRules, fold: Mapping[str, str]) -> None:
        self.terms = terms
        self.classes = rules.head_classes
        self._fold = fold
        #: word -> the kinds it names ("os" -> bone).
        self._by_word: dict[str, frozenset[str]] = {}
        for name, head_class in self.classes.items():
            for word in head_class.words:
                self._by_word[word] = self._by_word.get(word, frozenset()) | {name}
        self._memo: dict[str, frozenset[str]] = {}

    def of_name(self, words: Sequence[str]) -> frozenset[str]:
        """Return the kinds a name's (folded) words say.

        A one-letter class word says its class only first, as TG-263 writes it ("A_Carotid",
        "V_Portal"); later it is a grade or a numeral ("esophagitis-a", "CN_V").
        """
        if self._by_word.keys().isdisjoint(words):
            return frozenset()
        return frozenset().union(
            *(self._by_word.get(w, ()) for i, w in enumerate(words) if len(w) > 1 or not i)
        )

    def of_term(self, curie: str) -> frozenset[str]:
        """Return the kinds a term is: under a class's terms, of its sources, or so labelled."""
        found = self._memo.get(curie)
        if found is None:
            lineage = self.terms.ancestors(curie) | {curie}
            term = self.terms.get(curie)
            words = {self._fold[w] for w in words_of(term.label if term else curie) if len(w) > 1}
            prefix = curie[: curie.find(":")]
            found = self._memo[curie] = frozenset(
                name
                for name, head_class in self.classes.items()
                if prefix in head_class.sources
                or not lineage.isdisjoint(head_class.under)
                or not words.isdisjoint(head_class.words)
            )
        return found

    def agree(self, kinds: frozenset[str], curie: str) -> bool:
        """Whether a term may answer a name of these kinds: it is one of them, or of no kind.

        A term of no listed kind agrees with any name ("vault of skull" may be a "bone").
        """
        if not kinds:
            return True
        found = self.of_term(curie)
        return not found or not found.isdisjoint(kinds)

    def describe(self, kinds: frozenset[str], curie: str, label: str) -> str:
        """Say why a term does not answer a name of these kinds (an abstention's reason)."""
        return (
            f"the name says {', '.join(sorted(kinds))}, but the closest term, {label!r}, is of "
            f"another kind ({', '.join(sorted(self.of_term(curie)))})"
        )
