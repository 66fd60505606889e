"""Read datasets back out of the graph: summaries, detail, lookup by id or name.

:class:`Catalog` wraps a store and the term index and caches what every request needs (the
summaries of all datasets, about 1,200 rows) for the life of one graph snapshot.
"""

from __future__ import annotations

from collections import defaultdict
from functools import cached_property

from pydantic import BaseModel, ConfigDict, Field
from rdflib import URIRef

from medfuse.kg.errors import UnknownDatasetError, suggest
from medfuse.kg.licenses import restrictiveness
from medfuse.kg.namespaces import MF, MFD, compress
from medfuse.kg.queries import load_query
from medfuse.kg.store import Result, Store
from medfuse.kg.terms import TermIndex
from medfuse.loaders.model import slugify

__all__ = ["TermRef", "SourceRef", "Issue", "DatasetSummary", "DatasetDetail", "Catalog", "run_named"]

_DCT = "http://purl.org/dc/terms/"
_DCAT = "http://www.w3.org/ns/dcat#"
#: Property IRI → DatasetSummary field of the term lists.
_TERM_FIELDS = {
    str(MF.modality): "modalities",
    str(MF.anatomy): "anatomy",
    str(MF.disease): "diseases",
    str(MF.task): "tasks",
    str(MF.dimensionality): "dim",
    str(MF.annotationType): "annotation_types",
}
#: Property IRI → DatasetSummary field of the scalars.
_SCALARS = {
    _DCT + "title": "name",
    str(MF.year): "year",
    str(MF.sampleCount): "samples",
    str(MF.labelled): "labelled",
    str(MF.accessInferred): "access_inferred",
    _DCAT + "landingPage": "url",
    str(MF.paper): "paper",
}


class TermRef(BaseModel):
    """A term as shown to users: CURIE and label."""

    model_config = ConfigDict(frozen=True)

    id: str
    label: str


class SourceRef(BaseModel):
    """An upstream record a dataset came from, as upstream wrote it."""

    model_config = ConfigDict(frozen=True)

    catalog: str
    name: str
    year: str | None = None
    section: str | None = None


class Issue(BaseModel):
    """A quality issue of a dataset."""

    kind: str
    field: str
    value: str
    message: str
    term: TermRef | None = None


class DatasetSummary(BaseModel):
    """One dataset with its facets as terms."""

    id: str
    name: str = ""
    year: int | None = None
    modalities: list[TermRef] = Field(default_factory=list)
    anatomy: list[TermRef] = Field(default_factory=list)
    diseases: list[TermRef] = Field(default_factory=list)
    tasks: list[TermRef] = Field(default_factory=list)
    dim: list[TermRef] = Field(default_factory=list)
    annotation_types: list[TermRef] = Field(default_factory=list)
    samples: int | None = None
    labelled: bool | None = None
    access: str | None = None
    access_inferred: bool = False
    license: str | None = None
    url: str | None = None
    paper: str | None = None
    built_from: list[str] = Field(default_factory=list)
    sources: list[SourceRef] = Field(default_factory=list)


class DatasetDetail(DatasetSummary):
    """A dataset with its quality issues."""

    issues: list[Issue] = Field(default_factory=list)


def run_named(store: Store, name: str, **params: object) -> Result:
    """Run a named query of ``queries/`` with parameters bound as RDF terms."""
    query = load_query(name)
    result = store.query(query.text, query.bindings(params))
    assert isinstance(result, Result)
    return result


class Catalog:
    """The datasets of one graph, read through named queries and cached."""

    def __init__(self, store: Store, terms: TermIndex) -> None:
        self.store = store
        self.terms = terms
        #: Answers derived from this graph snapshot, by kind (search keeps its facet matches here).
        self.cache: dict[str, dict] = {}

    def _ref(self, iri: object) -> TermRef:
        curie = compress(str(iri))
        return TermRef(id=curie, label=self.terms.label(curie))

    @cached_property
    def summaries(self) -> dict[str, DatasetSummary]:
        """Every dataset by id, sorted by name."""
        by_iri: dict[str, dict] = defaultdict(lambda: defaultdict(list))
        for row in run_named(self.store, "dataset_facts").rows:
            dataset, prop, value = row
            by_iri[str(dataset)][str(prop)].append(value)
        sources: dict[str, list[SourceRef]] = defaultdict(list)
        for row in run_named(self.store, "dataset_sources").values():
            sources[row["dataset"]].append(SourceRef(
                catalog=row["catalog"], name=row["name"], year=row["year"], section=row["section"],
            ))
        out = {}
        for iri, props in by_iri.items():
            dataset_id = iri.removeprefix(str(MFD))
            fields: dict[str, object] = {"id": dataset_id, "sources": sources.get(iri, [])}
            for prop, values in props.items():
                if prop in _TERM_FIELDS:
                    fields[_TERM_FIELDS[prop]] = sorted((self._ref(v) for v in values), key=lambda t: t.id)
                elif prop in _SCALARS:
                    fields[_SCALARS[prop]] = values[0].toPython() if hasattr(values[0], "toPython") else str(values[0])
                elif prop == str(MF.access):
                    fields["access"] = compress(str(values[0])).removeprefix("mfacc:")
                elif prop == _DCT + "license":
                    # Sources may disagree: the most restrictive licence counts (see dataset-licenses.yaml).
                    ids = sorted({compress(str(v)).removeprefix("spdx:") for v in values})
                    fields["license"] = max(ids, key=lambda x: (restrictiveness(x), x))
                elif prop == str(MF.builtFrom):
                    fields["built_from"] = sorted({str(v).removeprefix(str(MFD)) for v in values})
            if isinstance(fields.get("url"), URIRef):
                fields["url"] = str(fields["url"])
            out[dataset_id] = DatasetSummary(**fields)
        return dict(sorted(out.items(), key=lambda kv: (kv[1].name.casefold(), kv[0])))

    @cached_property
    def _by_name(self) -> dict[str, str]:
        names: dict[str, str] = {}
        for summary in self.summaries.values():
            names.setdefault(summary.name.casefold(), summary.id)
            names.setdefault(slugify(summary.name), summary.id)
        return names

    def resolve_id(self, text: str) -> str:
        """Return the id of a dataset given by id, name or CURIE (``mfd:...``).

        :raises UnknownDatasetError: with close names when nothing matches.
        """
        key = text.strip().removeprefix("mfd:").removeprefix(str(MFD))
        if key in self.summaries:
            return key
        for candidate in (key.casefold(), slugify(key)):
            if candidate in self._by_name:
                return self._by_name[candidate]
        names = [s.name for s in self.summaries.values()] + list(self.summaries)
        raise UnknownDatasetError(text, suggest(text, names))

    def get(self, text: str) -> DatasetSummary:
        """Return the summary of one dataset."""
        return self.summaries[self.resolve_id(text)]

    def detail(self, text: str) -> DatasetDetail:
        """Return one dataset with its quality issues (cached per graph)."""
        summary = self.get(text)
        details = self.cache.setdefault("detail", {})
        if summary.id not in details:
            details[summary.id] = self._detail(summary)
        return details[summary.id]

    def _detail(self, summary: DatasetSummary) -> DatasetDetail:
        return DatasetDetail(**vars(summary), issues=self._issues.get(summary.id, []))

    @cached_property
    def _issues(self) -> dict[str, list[Issue]]:
        # One query for every dataset (a few hundred rows), not one per dataset asked for: over a
        # remote engine each query is a round trip.
        out: dict[str, list[Issue]] = defaultdict(list)
        for row in run_named(self.store, "quality_issues").values():
            out[str(row["dataset"]).removeprefix(str(MFD))].append(Issue(
                kind=row["kind"], field=row["field"], value=row["value"], message=row["message"],
                term=self._ref(row["term"]) if row["term"] else None,
            ))
        # Engines order ties (same kind and field) as they like: settle them.
        return {d: sorted(issues, key=lambda i: (i.kind, i.field, i.value, i.message)) for d, issues in out.items()}
