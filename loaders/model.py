"""What every loader returns: dataset facts on ontology terms, plus a normalization report.

Loaders turn a source file into :class:`DatasetFacts` (terms as CURIEs, raw values kept in
:class:`SourceRecord`) and say how well the raw values mapped (:class:`FacetReport`). One module,
:mod:`medfuse.loaders.rdf`, turns facts into triples, so every source shares one RDF shape.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "slugify",
    "SourceRecord",
    "QualityIssue",
    "DatasetFacts",
    "FacetReport",
    "LoadResult",
]


def slugify(name: str) -> str:
    """Return the dataset id of a name: lower case, runs of other characters turned into ``-``.

    >>> slugify("KiTS 2019 (Kidney)")
    'kits-2019-kidney'
    """
    return re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-")


class SourceRecord(BaseModel):
    """One upstream record a dataset was derived from, with its raw values as written."""

    model_config = ConfigDict(frozen=True)

    catalog: str
    index: int
    name: str
    year: str | None = None
    section: str | None = None
    raw: dict[str, str] = Field(default_factory=dict)


class QualityIssue(BaseModel):
    """A raw fact kept but flagged: it contradicts the ontology or another source."""

    model_config = ConfigDict(frozen=True)

    kind: str
    field: str
    value: str
    message: str
    term: str | None = None


class DatasetFacts(BaseModel):
    """One dataset as medfuse models it."""

    id: str
    name: str
    year: int | None = None
    modalities: list[str] = Field(default_factory=list)
    anatomy: list[str] = Field(default_factory=list)
    diseases: list[str] = Field(default_factory=list)
    tasks: list[str] = Field(default_factory=list)
    dims: list[str] = Field(default_factory=list)
    annotation_types: list[str] = Field(default_factory=list)
    samples: int | None = None
    sample_unit: str | None = None
    labelled: bool | None = None
    access: str | None = None
    access_inferred: bool = False
    access_rule: str | None = None
    url: str | None = None
    license: str | None = None
    paper: str | None = None
    built_from: list[str] = Field(default_factory=list)
    built_from_note: str | None = None
    sources: list[SourceRecord] = Field(default_factory=list)
    issues: list[QualityIssue] = Field(default_factory=list)


class FacetReport(BaseModel):
    """How the raw values of one field mapped to terms."""

    field: str
    distinct: int = 0
    mapped: int = 0
    null: int = 0
    values: int = 0
    values_mapped: int = 0
    unmapped: dict[str, int] = Field(default_factory=dict)

    @property
    def share(self) -> float:
        """Share of distinct non-null raw values that mapped (1.0 when there are none)."""
        return self.mapped / self.distinct if self.distinct else 1.0


class LoadResult(BaseModel):
    """What a loader returns: the graph to write, its datasets and its report.

    ``triples`` holds extra triples of the source beyond its datasets (e.g. label nodes) and
    ``terms`` the CURIEs they use, so that the build adds those terms and their closure.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    source: str
    graph: str
    datasets: list[DatasetFacts]
    report: dict[str, FacetReport] = Field(default_factory=dict)
    records: int = 0
    triples: list = Field(default_factory=list)
    terms: list[str] = Field(default_factory=list)
