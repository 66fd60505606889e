"""Numbered structures of label names: vertebrae, ribs, intervertebral discs, liver segments, teeth.

The rules' ``numbered`` grammars read "L3", "T12 vertebra", "rib_3", "C5-C6 disc" or
"couinaud segment 1" and name the UBERON term of that number ("third lumbar vertebra"). A number
past the usual count that real label maps use (a sixth lumbar vertebra) is the region's broader
term, where the grammar says so (``past_count``); any other number past the count is
:data:`~medfuse.kg.normalize_hits.BEYOND`, and nothing else may answer it: the normalizer abstains
with the rule's reason.

>>> from medfuse.kg.normalize import load_normalizer
>>> numbered = load_normalizer().rewrites.numbered
>>> numbered.hit(["l", "3"]).curie, numbered.hit(["l", "6"]).curie, numbered.hit(["l", "7"]) is BEYOND
('UBERON:0004619', 'UBERON:0002414', True)
>>> numbered.beyond(["l", "7"])
'a transitional vertebra (L7) beyond the usual count has no UBERON term'
"""

from __future__ import annotations

import re

from medfuse.kg.normalize_hits import BEYOND, Hit
from medfuse.kg.normalize_index import LabelIndex
from medfuse.kg.normalize_rules import BROAD, NumberedRule
from medfuse.kg.normalize_text import any_of
from medfuse.loaders.tokens import normalize as normalize_key

__all__ = ["NumberedStructures", "real"]

#: A run of letters a pattern spells out; a Roman numeral of up to four letters.
_WORD = re.compile(r"[a-z]{2,}")
_ROMAN = re.compile(r"[ivx]{1,4}[ab]?")


class NumberedStructures:
    """The rules' numbered grammars, compiled, read against the index."""

    def __init__(self, index: LabelIndex) -> None:
        self.index = index
        self._rules = [([re.compile(p) for p in n.patterns], n) for n in index.rules.numbered]
        self._any = any_of(p for patterns, _ in self._rules for p in patterns)
        #: Every word the grammars' patterns spell out ("tooth", "station", "canine"...): a name
        #: with none of them, no number and no Roman numeral is no numbered name.
        self._words = frozenset(
            word for n in index.rules.numbered for p in n.patterns for word in _WORD.findall(p)
        )

    def may_be(self, core: list[str]) -> bool:
        """Whether a grammar could read the name at all (a cheap test before :meth:`hit`)."""
        return any(
            w in self._words or _ROMAN.fullmatch(w) or any(c.isdigit() for c in w) for w in core
        )

    def hit(self, core: list[str]) -> Hit | None:
        """Return the numbered structure a name is, :data:`BEYOND` past the count, or None."""
        phrase = " ".join(core)
        if not self._any.match(phrase):
            return None
        for patterns, rule in self._rules:
            for pattern in patterns:
                match = pattern.match(phrase)
                if match is None:
                    continue
                if rule.fields:
                    return self._coded(match, rule)
                region = rule.regions.get(match.groupdict().get("region") or "", "")
                number = int(match["n"])
                counted = region if region in rule.count else rule.name.split()[-1]
                limit = rule.count.get(counted, 0)
                if not 1 <= number <= limit:
                    past = rule.past_count
                    if past and limit < number <= past.upto.get(counted, 0):
                        # A number real maps use past the usual count: the structure, broader.
                        names = [n.format(region=region) for n in past.names]
                        return self._first(names, BROAD, rule.broader_factor)
                    return BEYOND
                code = f"{(match.groupdict().get('region') or '')[:1].upper()}{number}"
                values = {
                    "code": code,
                    "region": region,
                    "n": number,
                    "nth": self.index.words.nth.get(number),
                    "roman": _roman(number),
                }
                for templates, predicate, factor in (
                    (rule.names, rule.predicate, rule.factor),
                    (rule.broader_names, BROAD, rule.broader_factor),
                ):
                    found = self._first([t.format(**values) for t in templates], predicate, factor)
                    if found is not BEYOND:
                        return found
                return BEYOND
        return None

    def _first(self, names: list[str], predicate: str, factor: float) -> Hit:
        """The term of the first of ``names`` that is a term's label or synonym, or BEYOND."""
        for name in names:
            found = self.index.pick(
                self.index.exact.get(normalize_key(name)), self.index.order, short=0
            )
            if found:
                return Hit(found[1], "numbered", self.index.conf["numbered"] * factor, predicate)
        return BEYOND

    def _coded(self, match: re.Match[str], rule: NumberedRule) -> Hit:
        """Name the structure a code stands for ("tooth 36": quadrant 3, position 6), or BEYOND."""
        values: dict[str, str] = {"code": match[0]}
        for group, value in match.groupdict().items():
            words = rule.fields.get(group, {}).get(value or "")
            if words is None:
                return BEYOND
            values.update(words)
        return self._first([t.format(**values) for t in rule.names], rule.predicate, rule.factor)

    def beyond(self, core: list[str]) -> str | None:
        """Say why a numbered name has no term (a sixth lumbar vertebra), if it is one."""
        phrase = " ".join(core)
        if not self._any.match(phrase):
            return None
        for patterns, rule in self._rules:
            for pattern in patterns:
                match = pattern.match(phrase)
                if match and rule.fields:
                    return rule.beyond.format(code=match[0].upper())
                if match:
                    region = match.groupdict().get("region") or ""
                    return rule.beyond.format(
                        code=f"{region[:1].upper()}{match['n']}", n=match["n"]
                    )
        return None


def _roman(number: int) -> str:
    """Return a number from 1 to 39 in Roman numerals (lobules, cranial nerves).

    >>> _roman(4), _roman(9), _roman(14)
    ('IV', 'IX', 'XIV')
    """
    tens, units = divmod(number, 10)
    return "X" * tens + ("", "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX")[units]


def real(hit: Hit | None) -> Hit | None:
    """Return a found term, or ``None`` for nothing or a number past the count."""
    return None if hit is BEYOND else hit
