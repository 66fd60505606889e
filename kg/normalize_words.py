"""The rules' word lists as tables of folded words, for the label normalizer's rewriting steps.

``label-rules.yaml`` writes its lists as people write words ("tumour", "blood pool"); the
normalizer compares folded words ("tumor", plurals made singular, ordinals as digits). Folding them
once here, with the normalizer's own :class:`~medfuse.kg.normalize_rules.WordFolder`, keeps every
step comparing like with like.

>>> from medfuse.kg.normalize_rules import WordFolder, load_rules
>>> words = WordTables(load_rules(), WordFolder(load_rules()))
>>> words.expansions["glnd"], words.kinds["tumor"], words.nouns["kidney"]
(['gland'], 'tumor', [['renal'], ['nephric']])
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from medfuse.kg.normalize_rules import LabelRules, WordFolder

__all__ = ["WordTables"]


class WordTables:
    """Folded word tables of the rules (expansions, variants, lesion kinds, ...).

    :param rules: the normalizer rules.
    :param fold: the normalizer's word folder (filled as the tables are folded).
    """

    def __init__(self, rules: LabelRules, fold: WordFolder) -> None:
        self._canon = fold
        #: word -> the words it stands for (TG-263 and clinical shortenings); the normalizer adds
        #: the curated table's one-word capitals codes.
        self.expansions = {k: v.split() for k, v in rules.expansions.items()}
        # Names are folded before expansion: "Brachiocephls" (TG-263's plural) is "brachiocephl".
        for key, value in list(self.expansions.items()):
            self.expansions.setdefault(fold[key], value)
        #: word -> alternative word lists (site adjective -> organ noun, and back).
        self.adjectives = {k: [v.split()] for k, v in rules.adjectives.items()}
        self.nouns: dict[str, list[list[str]]] = {}
        for adjective, noun in rules.adjectives.items():
            if " " not in noun:
                self.nouns.setdefault(noun, []).append([adjective])
        self.fillers = frozenset(rules.fillers)
        #: Fillers dropped only where the rest reads as a disease or finding ("COVID-19 positive"
        #: is the disease; "elbow positive" is no elbow), and the CURIE prefixes of those.
        self.finding_only = frozenset(rules.finding_fillers)
        self.finding_prefixes = tuple(f"{prefix}:" for prefix in rules.finding_prefixes)
        #: One word -> its variants; phrases (several words) -> theirs, matched in place.
        self.variants: dict[str, list[list[str]]] = {}
        self.phrases: list[tuple[list[str], list[list[str]]]] = []
        for key, values in rules.word_variants.items():
            words, alternatives = self.fold(key.split()), [self.fold(v.split()) for v in values]
            if len(words) == 1:
                self.variants[words[0]] = alternatives
            else:
                self.phrases.append((words, alternatives))
        #: A Latin noun -> its English, for a Latin noun in an English name ("Cerebellar
        #: Pedunculus"); a Latin name in Latin order is read by the Latin rule.
        self.latin_nouns: dict[str, list[list[str]]] = {
            fold[noun]: [self.fold(english.split())]
            for noun, english in (rules.latin.nouns.items() if rules.latin else ())
            if noun != english
        }
        self.bound = frozenset(rules.bound_prefixes)
        self.same_words = frozenset(self.fold(rules.same_words)) & self.variants.keys()
        self.derivations = tuple(rules.derivations.items())
        self.instances = frozenset(self.fold(rules.instance_heads))
        self.glued = sorted(rules.glued, key=len, reverse=True)
        lesion = rules.lesion
        #: folded word -> the lesion kind it names ("tumour" -> tumor).
        self.kinds = {fold[w]: kind for kind, ws in lesion.kinds.items() for w in ws}
        self.qualifiers = frozenset(self.fold(lesion.qualifiers))
        self.optional = frozenset(self.fold(lesion.optional))
        self.connectors = frozenset(rules.disease_sites.connectors)
        self.suffixes = {k: v.split() for k, v in rules.suffixes.items()}
        self.file_suffix = re.compile(rules.file_suffix)
        self.inverted = re.compile(rules.inverted)
        #: number -> its ordinal word (3 -> "third").
        self.nth = {n: word for word, n in rules.ordinals.items()}

    def fold(self, words: Iterable[str]) -> list[str]:
        """Fold each word (plural, spelling, ordinal)."""
        return list(map(self._canon.__getitem__, words))
