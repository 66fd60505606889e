"""Standard abbreviations of label names, read in the label map's modality.

The rows of ``label-abbreviations.tsv`` (:mod:`medfuse.kg.normalize_vocab`) say what an
abbreviation means and in which modalities: "SMA" on CT is the superior mesenteric artery, "CC"
is the corpus callosum on MR and means nothing outside its modalities, "PV" has several common
readings and abstains. :class:`Abbreviations` indexes them by their letters (case-folded, or as
written for a capitalisation-exact code such as "PCa") and reads a name, a code inside a longer
name ("PA thrombus", "PCa_lesion"), or says why it does not.

>>> from medfuse.kg.normalize import load_normalizer
>>> reading = load_normalizer().index.abbreviations
>>> reading.hit("SMA", "sma", frozenset({"CT"})).curie
'UBERON:0001182'
>>> reading.hit("CC", "cc", frozenset({"X-ray"}))
'a standard abbreviation only in other modalities (CT, MR)'
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence

from medfuse.kg.normalize_hits import Hit
from medfuse.kg.normalize_rules import words_of
from medfuse.kg.normalize_vocab import Abbreviation
from medfuse.loaders.mappings import NO_TERM
from medfuse.loaders.tokens import normalize as normalize_key

__all__ = ["Abbreviations"]


class Abbreviations:
    """The abbreviation table, indexed, and its reading in a modality.

    :param rows: the table's rows.
    :param answering: the terms that may answer (rows of other terms are left out).
    :param fold: word folding, as the normalizer folds names.
    :param confidence: the rules' confidences (``abbreviation``, ``abbreviation_modality``).
    """

    def __init__(
        self,
        rows: Sequence[Abbreviation],
        *,
        answering: Collection[str],
        fold: Callable[[Iterable[str]], list[str]],
        confidence: Mapping[str, float],
    ) -> None:
        self._fold = fold
        self._conf = confidence
        #: Case-folded letters (and their folded words) -> rows.
        self.by_key: dict[str, list[Abbreviation]] = {}
        #: Letters as written -> rows of a capitalisation-exact code.
        self.exact: dict[str, list[Abbreviation]] = {}
        for row in rows:
            if row.object_id != NO_TERM and row.object_id not in answering:
                continue
            if row.case == "exact":
                self.exact.setdefault(row.abbreviation, []).append(row)
                continue
            key = normalize_key(row.abbreviation)
            for at in dict.fromkeys((key, " ".join(fold(words_of(row.abbreviation))))):
                self.by_key.setdefault(at, []).append(row)
        #: A capitalisation-exact code inside a longer name ("PCa_lesion"), as a whole token.
        codes = "|".join(sorted(map(re.escape, self.exact), key=len, reverse=True))
        self.exact_codes = re.compile(rf"(?<![A-Za-z])(?:{codes})(?![A-Za-z])" if codes else "(?!)")

    def reading(
        self, rows: Sequence[Abbreviation] | None, modalities: frozenset[str]
    ) -> Abbreviation | str | None:
        """Return the reading of an abbreviation in the modalities, a reason to abstain, or None.

        A row of the label map's modality wins over a row for any modality. An abbreviation whose
        rows are all for other modalities is not guessed at ("CC" is the corpus callosum on MR,
        the craniocaudal view on a mammogram).
        """
        if not rows:
            return None
        chosen = [r for r in rows if not modalities.isdisjoint(r.modalities)] or [
            r for r in rows if not r.modalities
        ]
        if not chosen:
            elsewhere = ", ".join(sorted({m for r in rows for m in r.modalities}))
            return f"a standard abbreviation only in other modalities ({elsewhere})"
        if len({r.object_id for r in chosen}) > 1 or " / " in chosen[0].expansion:
            readings = " / ".join(dict.fromkeys(r.expansion for r in chosen))
            return f"an abbreviation with several common readings ({readings})"
        if chosen[0].object_id == NO_TERM:
            return f"{chosen[0].abbreviation} is the {chosen[0].expansion}: {chosen[0].source}"
        return chosen[0]

    def hit(self, text: str, key: str, modalities: frozenset[str]) -> Hit | str | None:
        """Answer a name that is a standard abbreviation ("COPD"), or say why not (ambiguous)."""
        found = self.reading(self.exact.get(text), modalities)
        if found is None:
            found = self.reading(self.by_key.get(key), modalities)
        if found is None or isinstance(found, str):
            return found
        return self.row_hit(found)

    def row_hit(self, row: Abbreviation) -> Hit:
        """Return the answer an abbreviation row gives."""
        conf = self._conf["abbreviation_modality" if row.modalities else "abbreviation"]
        return Hit(row.object_id, "abbreviation", conf, row.predicate_id)

    def spell_exact_codes(self, text: str, modalities: frozenset[str]) -> str:
        """Spell out the capitalisation-exact codes of a longer name ("PCa_lesion").

        >>> from medfuse.kg.normalize import load_normalizer
        >>> reading = load_normalizer().index.abbreviations
        >>> reading.spell_exact_codes("PCa_lesion", frozenset({"MR"}))
        ' prostate cancer _lesion'
        """

        def spelled(match: re.Match[str]) -> str:
            found = self.reading(self.exact.get(match[0]), modalities)
            return f" {found.expansion} " if isinstance(found, Abbreviation) else match[0]

        return self.exact_codes.sub(spelled, text)

    def expand(self, words: list[str], modalities: frozenset[str]) -> list[str]:
        """Spell out the abbreviations of a longer name that have one reading in the modality."""
        out: list[str] = []
        for word in words:
            found = self.reading(self.by_key.get(word), modalities)
            if isinstance(found, Abbreviation):
                out += self._fold(words_of(found.expansion, split_case=False))
            else:
                out.append(word)
        return out
