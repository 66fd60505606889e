"""The merge plan as Python values: what ``medfuse plan`` computes and ``medfuse apply`` executes.

The JSON-LD form (``kg/plan_io.py``) is a view of these models through the published context
``ontology/context/plan.jsonld``; SHACL shapes in ``ontology/shapes/merge-plan.ttl`` check it.

>>> label = UnifiedLabel(value=1, name="kidney", term="UBERON:0002113")
>>> label.iri
'http://purl.obolibrary.org/obo/UBERON_0002113'
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from medfuse.kg.namespaces import expand

__all__ = [
    "Granularity",
    "PlanDataset",
    "UnifiedLabel",
    "LabelMapping",
    "PartialLabel",
    "Conflict",
    "Overlap",
    "LicenseVerdict",
    "Totals",
    "Provenance",
    "MergePlan",
    "variant_key",
]

#: How coarse the unified label space is: the finest terms any dataset annotates, the coarsest
#: terms that cover them, or an explicit list of target terms.
Granularity = Literal["finest", "coarsest", "explicit"]


class _Frozen(BaseModel):
    # camelCase keys in JSON (the JSON-LD context names them), snake_case in Python.
    model_config = ConfigDict(frozen=True, alias_generator=to_camel, populate_by_name=True)


def variant_key(dataset: str, variant: str | None) -> str:
    """Return how the command line names a dataset of a plan: its id, or ``id.variant``.

    >>> variant_key("amos22", "ct"), variant_key("word", None)
    ('amos22.ct', 'word')
    """
    return dataset if variant is None else f"{dataset}.{variant}"


class PlanDataset(_Frozen):
    """A dataset of the plan, with the facts a user needs to obtain and cite it."""

    id: str
    name: str
    variant: str | None = None
    url: str | None = None
    license: str | None = None
    access: str | None = None
    samples: int | None = None
    modalities: tuple[str, ...] = ()


class UnifiedLabel(_Frozen):
    """One value of the unified label space, backed by an ontology term."""

    value: int
    name: str
    term: str

    @property
    def iri(self) -> str:
        """The term's IRI."""
        return expand(self.term)


class LabelMapping(_Frozen):
    """How one local label value of one dataset maps into the unified space.

    ``target_value`` 0 is background; ``None`` means the label is dropped (``reason`` says why).
    """

    dataset: str
    variant: str | None = None
    source_value: int
    source_name: str
    target_value: int | None = None
    target_term: str | None = None
    predicate: str | None = None
    relation: Literal["background", "exact", "coarsened", "kept-split", "dropped"]
    reason: str | None = None


class PartialLabel(_Frozen):
    """Unified values a dataset never annotates: its background is *unknown* for them, not negative."""

    dataset: str
    variant: str | None = None
    unannotated: tuple[int, ...]


class Conflict(_Frozen):
    """A disagreement between datasets' labels that the plan could not make go away."""

    kind: str
    datasets: tuple[str, ...]
    terms: tuple[str, ...] = ()
    detail: str


class Overlap(_Frozen):
    """Two selected datasets that share images (one was built from the other)."""

    datasets: tuple[str, str]
    relation: str
    source: str
    detail: str


class LicenseVerdict(_Frozen):
    """What the licences of the chosen datasets allow together."""

    status: Literal["ok", "warning", "blocked"]
    licenses: dict[str, str | None] = Field(default_factory=dict)
    obligations: tuple[str, ...] = ()
    blockers: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()
    attribution: tuple[str, ...] = ()
    #: Whether a licence of the plan, or of images its datasets reuse, allows non-commercial or
    #: research use only (``obligations`` say which, in words).
    restricted_use: bool = False


class Totals(_Frozen):
    """Counts of the fused set; ``samples_deduplicated`` does not count shared images twice."""

    datasets: int
    samples: int
    samples_deduplicated: int
    labels: int
    labelled_share: float
    distinct_sources: int


class Provenance(_Frozen):
    """How and from what the plan was made."""

    medfuse_version: str
    graph_snapshot: str | None = None
    created: str
    rules: dict = Field(default_factory=dict)


class MergePlan(_Frozen):
    """A plan to fuse datasets into one training set with a unified, ontology-backed label space."""

    id: str
    name: str
    granularity: Granularity
    datasets: tuple[PlanDataset, ...]
    labels: tuple[UnifiedLabel, ...]
    mappings: tuple[LabelMapping, ...]
    partial: tuple[PartialLabel, ...] = ()
    conflicts: tuple[Conflict, ...] = ()
    overlaps: tuple[Overlap, ...] = ()
    license: LicenseVerdict
    totals: Totals
    provenance: Provenance

    def mapping_table(self, dataset: str, variant: str | None = None) -> dict[int, int | None]:
        """Return source value → unified value (``None`` = dropped) for one dataset."""
        return {m.source_value: m.target_value for m in self.mappings if m.dataset == dataset and m.variant == variant}
