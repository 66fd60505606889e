"""What the label maps of a modality mean by a name or a term (``label-rules.yaml``).

A label name is read in the modality of its label map: a whole-body PET map's "FDG_lesion" is the
FDG-avid lesion, a head CT's "subdural" the subdural haematoma, a dental radiograph's "36" a tooth,
and a radiology map's muscle tissue is skeletal muscle. :class:`ModalityReadings` holds those
readings, built once from the rules and the abbreviation table; the normalizer asks it.

>>> from medfuse.kg.normalize import load_normalizer
>>> readings = load_normalizer().modality_readings
>>> readings.narrowed("UBERON:0002385", frozenset({"CT"}))  # muscle tissue on CT
'UBERON:0001134'
>>> readings.compartment(["subdural"], frozenset({"CT"})).curie
'mfles:intracranial-haemorrhage'
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from medfuse.kg.normalize_hits import Hit
from medfuse.kg.normalize_index import LabelIndex
from medfuse.kg.normalize_rules import LabelRules, words_of
from medfuse.kg.normalize_vocab import Abbreviation
from medfuse.loaders.mappings import NO_TERM

__all__ = ["ModalityReadings"]

#: An FDI tooth number: a permanent (quadrants 1-4, positions 1-8) or primary tooth (5-8, 1-5).
_FDI = re.compile(r"[1-4][1-8]|[5-8][1-5]")


class ModalityReadings:
    """The readings of names and terms that depend on the label map's modality.

    :param index: the label index (for word folding and abbreviation answers).
    :param rules: the rules (``findings_by_modality``, ``compartment_findings``,
        ``term_in_modality``, ``bare_tooth_numbers``).
    :param abbreviations: the abbreviation table, whose rows compartment words read.
    """

    def __init__(
        self, index: LabelIndex, rules: LabelRules, abbreviations: Sequence[Abbreviation]
    ) -> None:
        self._index = index
        self._conf = rules.confidence
        kinds = index.words.kinds  # folded word -> its lesion kind
        #: (modality words, term, finding words, words allowed beside them) per rule.
        self._findings = [
            (
                frozenset(rule.modalities),
                rule.term,
                frozenset(w for w, kind in kinds.items() if kind in rule.kinds),
                frozenset(index.fold(rule.words)),
            )
            for rule in rules.findings_by_modality
        ]
        #: Compartment adjective -> the abbreviation row of the finding it names alone.
        self._compartments: dict[str, Abbreviation] = {}
        found_in = rules.compartment_findings
        if found_in is not None:
            for word, abbreviation in found_in.compartments.items():
                row = next(
                    (
                        r
                        for r in abbreviations
                        if r.abbreviation == abbreviation
                        and r.object_id != NO_TERM
                        and (not r.modalities or set(r.modalities) & set(found_in.modalities))
                    ),
                    None,
                )
                if row is not None:  # a table without it (tests pass their own) reads none
                    self._compartments[word] = row
        self._compartment_modalities = frozenset(found_in.modalities if found_in else ())
        #: Term -> modality word -> the term that modality's label maps mean by it.
        self._narrower: dict[str, dict[str, str]] = {}
        for rule in rules.term_in_modality:
            for term in rule.terms:
                self._narrower.setdefault(term, {}).update(
                    dict.fromkeys(rule.modalities, rule.answer)
                )
        self._tooth_modalities = frozenset(rules.bare_tooth_numbers)
        self._organs = rules.organ_of_modality
        #: Term -> the only modality words it answers in.
        self._only_in = {t: frozenset(m) for t, m in rules.terms_only_in.items()}

    def finding(self, text: str, modalities: frozenset[str]) -> Hit | None:
        """The finding a name of generic finding and tracer words only means in the modality
        ("FDG_lesion" on PET: the FDG-avid lesion), or None."""
        for modality_words, term, kinds, allowed in self._findings:
            if modalities.isdisjoint(modality_words):
                continue
            folded = self._index.fold(words_of(text))
            if (
                any(w in kinds for w in folded)
                and any(w in allowed for w in folded)
                and all(w in kinds or w in allowed for w in folded)
            ):
                return Hit(term, "modality", self._conf["abbreviation_modality"])
        return None

    def organ(self, modalities: frozenset[str]) -> str | None:
        """The organ adjective the label maps of a modality leave out of disease names (fundus:
        "retinal"), or None."""
        return next((self._organs[m] for m in sorted(modalities) if m in self._organs), None)

    def compartment(self, folded: list[str], modalities: frozenset[str]) -> Hit | None:
        """The finding a compartment adjective alone names in the modality ("subdural" on head
        CT: the subdural haematoma's reading in the abbreviation table), or None."""
        if len(folded) != 1 or modalities.isdisjoint(self._compartment_modalities):
            return None
        row = self._compartments.get(folded[0])
        return self._index.abbreviations.row_hit(row) if row else None

    def narrowed(self, term: str | None, modalities: frozenset[str]) -> str | None:
        """The narrower term a modality's label maps mean by ``term`` (muscle tissue on CT:
        skeletal muscle tissue), or None."""
        meant = self._narrower.get(term or "", {})
        return next((meant[m] for m in sorted(modalities) if m in meant), None)

    def out_of_place(self, term: str | None, modalities: frozenset[str]) -> bool:
        """Whether a term is one the label maps of this modality cannot show (a cell nucleus on
        MR); a map of unknown modality may show anything."""
        only = self._only_in.get(term or "")
        return bool(only and modalities and only.isdisjoint(modalities))

    def is_tooth_number(self, text: str, modality: str | None) -> bool:
        """Whether a name is a bare FDI number in a label map that names teeth so ("36" on a
        panoramic radiograph)."""
        return bool(
            modality
            and _FDI.fullmatch(text)
            and modality.strip().casefold() in self._tooth_modalities
        )
