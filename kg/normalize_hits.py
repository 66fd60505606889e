"""The values the label normalizer's steps hand each other: a term found for a name, and the
source order a label map's modality implies.

Every step of :mod:`medfuse.kg.normalize` returns a :class:`Hit` (or ``None``); the normalizer
turns the last one into a :class:`~medfuse.kg.normalize.Normalized`. An :class:`Order` travels
with every lookup, so a rule deep inside (which head a bare adjective takes) reads the modality
without state on the shared normalizer.

>>> Hit("UBERON:0002113", "label", 1.0).predicate
'skos:exactMatch'
>>> order = Order(["CL", "UBERON"], frozenset({"pathology"}), default=False)
>>> order["UBERON"], order.modalities
(1, frozenset({'pathology'}))
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from medfuse.kg.normalize_rules import EXACT

__all__ = [
    "ALTERNATE",
    "BEYOND",
    "HEADLESS_WORDS",
    "SIDES",
    "Entry",
    "Hit",
    "ModalityRule",
    "Order",
]


class Hit(NamedTuple):
    """A term found for a name, before it becomes a :class:`~medfuse.kg.normalize.Normalized`."""

    curie: str
    via: str
    confidence: float
    predicate: str = EXACT
    site: str | None = None


#: What the numbered rule returns for a number past the usual count (the sixth lumbar vertebra).
BEYOND = Hit("", "beyond", 0.0)

#: One candidate of an index key: (rank 0 label / 0.5 curated alternate name / 1 synonym, CURIE).
Entry = tuple[float, str]
#: The rank of a curated alternate name: after labels, before the ontology's own synonyms.
ALTERNATE = 0.5

#: The sides a sided term may have ("both" answers the unsided term).
SIDES = ("left", "right")
#: Names of more words than this are not completed with a missing head or organ, nor read with
#: their side inside: a long name that found nothing lacks more than one word.
HEADLESS_WORDS = 3


class Order(dict[str, int]):
    """Source prefix -> tie-break rank for the label map's modality, with its modality words."""

    def __init__(
        self,
        prefixes: Sequence[str],
        modalities: frozenset[str] = frozenset(),
        *,
        default: bool = True,
    ) -> None:
        super().__init__((prefix, i) for i, prefix in enumerate(prefixes))
        #: The modality words of the label map.
        self.modalities = modalities
        #: Whether this is the default source order (no modality reorders the sources).
        self.default = default


class ModalityRule(NamedTuple):
    """A name's meaning in some modalities (``by_modality`` rules, modality alternate names)."""

    modalities: frozenset[str]
    term: str
    confidence: float
    predicate: str
