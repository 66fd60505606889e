"""Build the knowledge graph: run the loaders, add the ontology subset and its closure, publish.

The build is all or nothing. On disk it writes a new snapshot directory and swaps the ``current``
link only once every graph is in (:func:`medfuse.kg.store.publish_snapshot`); an error or an
interrupt leaves the previous graph as it was. Every source gets its own named graph:

- ``mfg:imaging-x``, ``mfg:literature``, ...: datasets, source records, quality issues;
- ``mfg:ontology``: the terms the datasets use plus all their ancestors (labels, ``skos:broader``);
- ``mfg:closure``: ``mf:broaderOrSelf``, the reflexive-transitive closure of ``skos:broader``;
- ``mfg:vocab``: the core vocabulary; ``mfg:meta``: snapshot id, time, medfuse version, sources.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime, timezone
from importlib.metadata import PackageNotFoundError, version
from importlib.resources import files
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, SKOS

from medfuse.kg.errors import CatalogError, suggest
from medfuse.kg.namespaces import GRAPH, MF, compress, term
from medfuse.kg.store import (
    Store,
    Triple,
    is_remote,
    new_snapshot,
    nt_triples,
    open_store,
    publish_snapshot,
)
from medfuse.kg.terms import TermIndex, facet_of, load_terms
from medfuse.loaders import LOADERS
from medfuse.loaders.model import FacetReport, LoadResult
from medfuse.loaders.rdf import FACET_PROPERTIES, dataset_triples

__all__ = ["BuildReport", "build", "graph_contents", "medfuse_version", "META_GRAPH"]

#: The graph holding the build's own description.
META_GRAPH = str(GRAPH["meta"])

#: Facet → class of the terms in ``mfg:ontology``.
_FACET_CLASS = {
    "modality": MF.Modality,
    "anatomy": MF.AnatomicalStructure,
    "disease": MF.Disease,
    "task": MF.Task,
    "annotation": MF.AnnotationType,
    "dim": MF.Dimensionality,
    "access": MF.AccessLevel,
}


def medfuse_version() -> str:
    """Return the installed medfuse version."""
    try:
        return version("medfuse")
    except PackageNotFoundError:
        return "0+unknown"


class BuildReport(BaseModel):
    """What a build did."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    snapshot: str
    location: str
    datasets: int
    records: dict[str, int]
    triples: dict[str, int]
    normalization: dict[str, dict[str, FacetReport]]
    issues: dict[str, int] = Field(default_factory=dict)
    seconds: float = 0.0


def _ontology_triples(used: Iterable[str], terms: TermIndex) -> tuple[list[Triple], list[Triple]]:
    """Return (term triples, closure triples) for the used terms and all their ancestors."""
    described, closure = [], []
    for curie in sorted(terms.closure(c for c in used if c in terms)):
        entry = terms.get(curie)
        if entry is None:
            continue
        iri = term(curie)
        described.append((iri, RDF.type, SKOS.Concept))
        facet = facet_of(curie)
        if facet in _FACET_CLASS:
            described.append((iri, RDF.type, _FACET_CLASS[facet]))
        if curie.startswith("mfles:"):
            described.append((iri, RDF.type, MF.Lesion))
        described.append((iri, SKOS.prefLabel, Literal(entry.label)))
        described += [(iri, SKOS.altLabel, Literal(s)) for s in entry.synonyms]
        described += [(iri, SKOS.broader, term(p)) for p in entry.parents if p in terms]
        if entry.scheme:
            described.append((iri, SKOS.inScheme, URIRef(entry.scheme) if "://" in entry.scheme else Literal(entry.scheme)))
        closure.append((iri, MF.broaderOrSelf, iri))
        closure += [(iri, MF.broaderOrSelf, term(a)) for a in sorted(terms.ancestors(curie)) if a in terms]
    return described, closure


def _vocab_triples() -> list[Triple]:
    graph = Graph().parse(data=files("medfuse.ontology").joinpath("medfuse.ttl").read_text("utf-8"), format="turtle")
    return sorted(graph)  # type: ignore[arg-type]


def _check_links(results: list[LoadResult]) -> None:
    ids = {d.id for r in results for d in r.datasets}
    seen: dict[str, str] = {}
    for result in results:
        for dataset in result.datasets:
            if dataset.id in seen and seen[dataset.id] != result.source:
                raise CatalogError(result.source, f"dataset id {dataset.id!r} is also defined by {seen[dataset.id]}")
            seen[dataset.id] = result.source
            for target in dataset.built_from:
                if target not in ids:
                    raise CatalogError(result.source, f"{dataset.id}: built_from names an unknown dataset",
                                       field="built_from", value=target, suggestions=suggest(target, ids))


def graph_contents(
    results: list[LoadResult], terms: TermIndex
) -> dict[str, list[Triple]]:
    """Return named graph IRI → triples for loader results (everything but ``mfg:meta``)."""
    _check_links(results)
    graphs: dict[str, list[Triple]] = {}
    used: set[str] = set()
    for result in results:
        triples: list[Triple] = []
        for dataset in result.datasets:
            triples += dataset_triples(dataset)
            for field in FACET_PROPERTIES:
                used.update(getattr(dataset, field))
            used.update(i.term for i in dataset.issues if i.term)
            if dataset.access:
                used.add(dataset.access)
        triples += result.triples
        used.update(result.terms)
        graphs[result.graph] = triples
    described, closure = _ontology_triples(used, terms)
    graphs[str(GRAPH["ontology"])] = described
    graphs[str(GRAPH["closure"])] = closure
    graphs[str(GRAPH["vocab"])] = _vocab_triples()
    return graphs


def _serialize(graphs: Mapping[str, list[Triple]]) -> dict[str, bytes]:
    """Serialize each graph once, as N-Triples without duplicate lines: hashed, then loaded."""
    return {name: nt_triples(dict.fromkeys(triples)) for name, triples in graphs.items()}


def _snapshot_id(data: Mapping[str, bytes]) -> str:
    digest = hashlib.sha256()
    for name in sorted(data):
        digest.update(name.encode())
        digest.update(data[name])
    return digest.hexdigest()[:16]


def _meta_triples(snapshot: str, results: list[LoadResult]) -> Iterator[Triple]:
    meta = URIRef(META_GRAPH)
    yield meta, RDF.type, PROV.Entity
    yield meta, MF.graphSnapshot, Literal(snapshot)
    yield meta, DCTERMS.created, Literal(datetime.now(timezone.utc).replace(microsecond=0))
    yield meta, DCTERMS.hasVersion, Literal(medfuse_version())
    for result in results:
        yield meta, PROV.wasDerivedFrom, URIRef(result.graph)
        yield URIRef(result.graph), MF.catalog, Literal(result.source)


def _write(store: Store, data: Mapping[str, bytes], progress: Callable[[str], None]) -> None:
    for name, body in data.items():
        lines = body.count(b"\n")
        progress(f"writing {compress(name)} ({lines:,} triples)")
        store.replace_graph(name, body)


def build(
    location: str | os.PathLike | None,
    *,
    sources: Mapping[str, object] | None = None,
    store: Store | None = None,
    progress: Callable[[str], None] = lambda step: None,
    token: str | None = None,
) -> BuildReport:
    """Build the graph from the registered sources and publish it at ``location``.

    :param location: a store directory, an http(s) SPARQL endpoint, or ``None`` with ``store``.
    :param sources: source name → file to read instead of the shipped one (others use defaults).
    :param store: an already open store to fill (tests use an in-memory one).
    :param progress: called with a short description of each step.
    :raises CatalogError: when a source file is unreadable or malformed; nothing is published.
    """
    started = time.perf_counter()
    progress("reading term sets")
    terms = load_terms()
    results: list[LoadResult] = []
    for name, loader in LOADERS.items():
        path = (sources or {}).get(name) or loader.default_path
        progress(f"loading {name}")
        known = {d.id for r in results for d in r.datasets}
        results.append(loader.load(path, terms=terms, known=known))
    progress("materializing the ontology closure")
    graphs = graph_contents(results, terms)
    data = _serialize(graphs)
    snapshot = _snapshot_id(data)
    data[META_GRAPH] = nt_triples(_meta_triples(snapshot, results))
    if store is not None:
        _write(store, data, progress)
        where = store.location
    elif location is None:
        raise ValueError("build(None) needs an open `store` to write into")
    elif is_remote(location):
        target = open_store(location, token=token)
        _write(target, data, progress)
        where = str(location)
    else:
        root = Path(location).expanduser()
        root.mkdir(parents=True, exist_ok=True)
        from medfuse.kg.backends.oxigraph import OxigraphStore

        partial = new_snapshot(root, f"{datetime.now(timezone.utc):%Y%m%dT%H%M%S}-{snapshot[:8]}")
        target = OxigraphStore(partial, fresh=True)
        try:
            _write(target, data, progress)
            progress("compacting")
            target.optimize()
        finally:
            target.close()
        publish_snapshot(root, partial)
        where = str(root)
    return BuildReport(
        snapshot=snapshot,
        location=where,
        datasets=sum(len(r.datasets) for r in results),
        records={r.source: r.records for r in results},
        triples={compress(name): body.count(b"\n") for name, body in data.items()},
        normalization={r.source: r.report for r in results},
        issues=_issue_counts(results),
        seconds=round(time.perf_counter() - started, 2),
    )


def _issue_counts(results: list[LoadResult]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for result in results:
        for dataset in result.datasets:
            for issue in dataset.issues:
                counts[issue.kind] = counts.get(issue.kind, 0) + 1
    return dict(sorted(counts.items()))
