"""Names in the languages of hospital structure sets, read word by word in English.

Structure sets of French, Italian, Spanish, Portuguese, Dutch and German hospitals name organs in
their language ("Nerf optique D", "Cabeça do fêmur E", "Dunne darm"). A name that no term matches
as written is read word by word: each word or fixed phrase of ``label-words.tsv`` and each
alternate name of those languages (``label-alternate-names.tsv``: "poumon" is the lung) gives its
English; an adjective neither lists is made English by its ending where that gives a word of the
ontology ("fémorale": femoral); a word of neither stays as written. The English words are then
normalized like any name; the bag-of-words lookup puts them in English order ("nerve optic").

>>> from medfuse.kg.normalize import load_normalizer
>>> load_normalizer().foreign.english(["Cabeça", "do", "fêmur", "E"])
'left head of femur'
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence

from medfuse.kg.normalize_rules import LabelRules
from medfuse.kg.normalize_vocab import LANGUAGES, AlternateName, Word

__all__ = ["ForeignWords", "english_by_ending", "unaccented"]

#: The longest fixed phrase of the word table, in words.
_LONGEST = 3
#: English words that carry no meaning of their own in a translated name.
_FUNCTION = frozenset({"", "of"})


def unaccented(text: str) -> str:
    """Case-folded, without accents or ligatures ("Tête" -> "tete", "cœur" -> "coeur")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().replace("œ", "oe"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def english_by_ending(
    word: str, endings: Iterable[tuple[str, str]], vocabulary: frozenset[str]
) -> str | None:
    """The English word an adjective's ending makes, where that gives a word of the ontology's
    names ("fémorale" -> "femoral", Latin "lateralis" -> "lateral"), or None.

    >>> english_by_ending("lateralis", [("alis", "al")], frozenset({"lateral"}))
    'lateral'
    """
    for ending, english in endings:
        if word.endswith(ending) and (made := word[: -len(ending)] + english) in vocabulary:
            return made
    return None


class ForeignWords:
    """The English of the words of other languages' names (see the module's docstring).

    :param vocabulary: the folded words of the ontology's names; an ending rule only makes a word
        of it.
    """

    def __init__(
        self,
        rules: LabelRules,
        words: Iterable[Word],
        alternates: Iterable[AlternateName],
        vocabulary: frozenset[str],
    ) -> None:
        self.lexicon: dict[str, str] = {}
        for alternate in alternates:
            if alternate.kind in LANGUAGES and not alternate.modalities and alternate.object_label:
                self._add(alternate.name, alternate.object_label)
        for word in words:  # a word of the table says what it means in any name: it wins
            self._add(word.word, word.english)
        translation = rules.translation
        self.endings = [(unaccented(a), b) for a, b in translation.endings] if translation else []
        self.side_letters = translation.side_letters if translation else {}
        self.vocabulary = vocabulary

    def _add(self, name: str, english: str) -> None:
        key = unaccented(name)
        self.lexicon[key] = english
        if "-" in key:  # "sous-maxillaire" is written joined or split as well
            self.lexicon.setdefault(key.replace("-", ""), english)
            self.lexicon.setdefault(key.replace("-", " "), english)

    def english(self, words: Sequence[str]) -> str | None:
        """The name in English words, or ``None`` when no word of it is another language's."""
        folded = [unaccented(w) for w in words]
        side = self.side_letters.get(folded[-1]) if len(folded) > 1 else None
        if side:  # "Poumon G": a side letter ends the name
            folded, words = folded[:-1], words[:-1]
        out: list[str] = [side] if side else []
        meaning = 0
        at = 0
        while at < len(folded):
            for size in range(min(_LONGEST, len(folded) - at), 0, -1):
                english = self.lexicon.get(" ".join(folded[at : at + size]))
                if english is not None:
                    out.extend([english] if english else [])
                    meaning += english not in _FUNCTION
                    at += size
                    break
            else:
                word = folded[at]
                stems = [word[:-n] for n in (1, 2) if word.endswith("es"[2 - n :])]
                plural = next((self.lexicon[w] for w in stems if self.lexicon.get(w)), None)
                if plural not in (None, "of"):  # "bronches", "glandulas": a listed word's plural
                    out.append(plural)
                    meaning += 1
                else:
                    out.append(self._adjective(word, words[at]))
                at += 1
        return " ".join(out) if meaning else None

    def _adjective(self, word: str, written: str) -> str:
        if word in self.vocabulary:  # an English word, or one once its accents go ("pancréas")
            return word if word != written.casefold() else written
        return english_by_ending(word, self.endings, self.vocabulary) or written
