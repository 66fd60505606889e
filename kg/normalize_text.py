"""The text of a raw label name: its parts, its shape, names that say nothing, and slips.

Pure functions over strings, shared by the steps of :mod:`medfuse.kg.normalize`: the words in
parentheses or before a gloss only give a side (:func:`name_parts`), a short or capitals code
risks an acronym (:func:`shortness`), a code may spell a term's initials (:func:`spells`), a long
word may be one typing slip from a known one (:func:`slips`), a disease adjective names its noun
(:func:`derived`); :class:`Abstentions` holds the rules' patterns of names to abstain on.

>>> name_parts("Left-IOG---inferior-occipital-gyrus", re.compile(r"\\s*-{2,}\\s*"))
(['inferior', 'occipital', 'gyrus'], ['left', 'iog'])
>>> shortness("SMA", 4), shortness("spleen", 4)
(2, 0)
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence

from medfuse.kg.normalize_rules import LabelRules, words_of

__all__ = [
    "CURIE",
    "PAREN",
    "PLURAL_CODE",
    "TOKEN_SEPARATORS",
    "Abstentions",
    "any_of",
    "code_spells_name",
    "derived",
    "name_parts",
    "shortness",
    "slips",
    "spells",
]

#: Words in parentheses ("kidney (left)", "Bile duct (CBD)").
PAREN = re.compile(r"\(([^()]*)\)?")
#: A capitals code with a plural "s" ("RBCs", "GTVs").
PLURAL_CODE = re.compile(r"^[A-Z]{2,}s$")
#: A CURIE written as the name ("UBERON:0002113").
CURIE = re.compile(r"^[A-Za-z]+:[A-Za-z0-9_.-]+$")
_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_VOWELS = "aeiouy"
_KEY_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
#: The letters beside each letter on a QWERTY keyboard.
_NEIGHBOURS = {
    letter: "".join(
        row[k] for row in _KEY_ROWS for k in (row.find(letter) - 1, row.find(letter) + 1)
        if letter in row and 0 <= k < len(row)
    )
    for letter in _LETTERS
}


class Abstentions:
    """The rules' patterns of names that say nothing, one expression per (late, raw) group.

    ``unless_found`` patterns (late) apply only when the whole name is no label or synonym;
    ``raw`` ones match the case-folded name with its punctuation, the others its words.

    >>> from medfuse.kg.normalize_rules import load_rules
    >>> Abstentions(load_rules()).reason("background", "background", late=False)
    'background is the unlabelled remainder of the image, not a structure'
    """

    def __init__(self, rules: LabelRules) -> None:
        self._groups: dict[bool, list[tuple[bool, re.Pattern[str], dict[str, str]]]] = {
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
                    self._groups[late].append(
                        (on_raw, pattern, {name: a.reason for name, a in chosen})
                    )
        #: Every pattern that applies whatever the name finds (a placeholder a rule must not
        #: leave behind when it drops a word).
        self.early = re.compile(
            "|".join(f"(?:{a.pattern})" for a in rules.abstain if not a.unless_found) or "(?!)"
        )

    def reason(self, phrase: str, key: str, *, late: bool) -> str | None:
        """Return why a name says nothing (its words ``phrase``, its lookup ``key``), if it does."""
        for on_raw, pattern, reasons in self._groups[late]:
            match = pattern.search(key if on_raw else phrase)
            if match:
                return reasons[match.lastgroup or ""]
        return None


def name_parts(text: str, gloss: re.Pattern[str]) -> tuple[list[str], list[str]]:
    """Split a name into its words and the words that only give a side.

    Words in parentheses give a side only ("kidney (left)"); so does a code before a gloss
    ("Left-IOG---inferior-occipital-gyrus": the gloss names the structure, the code its side).
    """
    inner: list[str] = []
    parts = gloss.split(text, maxsplit=1)
    if len(parts) == 2 and parts[0].strip() and parts[1].strip():
        inner, text = words_of(parts[0]), parts[1]
    if "(" in text:
        inner += [w for group in PAREN.findall(text) for w in words_of(group)]
        return words_of(PAREN.sub(" ", text)) or words_of(text), inner
    return words_of(text), inner


def shortness(text: str, limit: int) -> int:
    """Return 2 for an all-capitals code of ``limit + 1`` letters or fewer, 1 if short, else 0."""
    if len(text) > 2 * limit + 4:
        return 0
    letters = sum(map(str.isalpha, text))
    if letters <= limit + 1 and text.isupper():
        return 2
    return 1 if letters <= limit else 0


def spells(code: str, words: Sequence[str]) -> bool:
    """Whether a code takes every word's initial, in order, plus letters from within the words.

    >>> spells("gbm", ["glioblastoma"]), spells("pv", ["polycythemia"])
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


def slips(word: str, vowels_from: int | None = None) -> set[str]:
    """Return the spellings one typing slip away: a letter dropped, two swapped or one added;
    in a word of ``vowels_from`` letters or more, also one vowel written for another or a key
    struck for its neighbour.

    A replaced letter is no slip in a short word: "ileum" and "ilium" are both words. A long
    word's vowel is often spelled as heard ("ependimoma", "pituatary").

    >>> "kidney" in slips("kideny"), "pancreas" in slips("pacreas"), "ileum" in slips("ilium")
    (True, True, False)
    >>> "ependymoma" in slips("ependimoma", vowels_from=8)
    True
    """
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    found = {a + b[1:] for a, b in splits if b}
    found.update(a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1)
    found.update(a + letter + b for a, b in splits for letter in _LETTERS)
    if vowels_from is not None and len(word) >= vowels_from:
        found.update(
            a + vowel + b[1:]
            for a, b in splits
            if b and b[0] in _VOWELS
            for vowel in _VOWELS
            if vowel != b[0]
        )
        # A key struck for its neighbour on the keyboard ("brsinstem").
        found.update(a + key + b[1:] for a, b in splits if b for key in _NEIGHBOURS.get(b[0], ""))
    return found


def derived(words: list[str], derivations: Sequence[tuple[str, str]]) -> list[list[str]]:
    """Return the name with a disease adjective made its noun ("glaucomatous" -> glaucoma).

    Only words of seven letters or more: "otic" (of the ear) stays an adjective.

    >>> derived(["psoriatic", "lesion"], [("iatic", "iasis")])
    [['psoriasis', 'lesion']]
    """
    out = []
    for i, word in enumerate(words):
        if len(word) >= 7:
            for ending, noun in derivations:
                if word.endswith(ending):
                    out.append([*words[:i], word[: -len(ending)] + noun, *words[i + 1 :]])
                    break
    return out


#: Separators between the tokens of a raw name (a code keeps its capitals: "PCgG").
TOKEN_SEPARATORS = re.compile(r"[\s_-]+")


def any_of(patterns: Iterable[re.Pattern[str]]) -> re.Pattern[str]:
    """One pattern that matches (from the start) where any of ``patterns`` does, their named
    groups made plain (one pattern may not name a group twice); it never matches if there are
    none. A cheap test before trying each pattern in turn.

    >>> either = any_of([re.compile(r"(?P<n>\\d+)th"), re.compile(r"(?P<n>\\d+)rd")])
    >>> bool(either.match("3rd rib")), bool(either.match("rib")), bool(any_of([]).match(""))
    (True, False, False)
    """
    plain = [_NAMED_GROUP.sub("(?:", p.pattern) for p in patterns]
    return re.compile("|".join(f"(?:{p})" for p in plain) or "(?!)")


#: The opening of a named group in a pattern.
_NAMED_GROUP = re.compile(r"\(\?P<\w+>")


def code_spells_name(code: str, name: Sequence[str], skipped: Collection[str] = ()) -> bool:
    """Whether a code (2-5 letters, a capital among them) abbreviates the name after it: it
    begins the first word ("Ent entorhinal") or takes every word's initial in order ("PCgG
    posterior cingulate gyrus").

    >>> code_spells_name("PCgG", ["posterior", "cingulate", "gyrus"])
    True
    >>> code_spells_name("Ent", ["entorhinal", "area"]), code_spells_name("lung", ["left", "lobe"])
    (True, False)

    Words of ``skipped`` ("of", "the") and a "part" ("OpIFG opercular part of the inferior
    frontal gyrus") may give no letter; one word may give all ("PCu precuneus").

    >>> code_spells_name("OpIFG", "opercular part of the inferior frontal gyrus".split(), {"of", "the"})
    True
    """
    if not (2 <= len(code) <= 5 and code.isalpha() and not code.islower()):
        return False
    words = [w.lower() for w in name]
    if not all(w.isalpha() for w in words):
        return False
    letters = code.lower()
    content = [w for w in words if w not in skipped and w != "part"]
    return (
        (len(letters) >= 3 and words[0].startswith(letters))
        or spells(letters, words)
        or (content != words and bool(content) and spells(letters, content))
    )
