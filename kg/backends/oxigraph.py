"""The embedded store: pyoxigraph, in memory or on disk (RocksDB).

Queries see the union of all named graphs as their default graph, as the remote engines are
configured to. pyoxigraph has no per-query time limit; the service enforces one by running
queries in worker processes it can kill (``medfuse.service.workers``), each of which opens the
snapshot with :meth:`pyoxigraph.Store.read_only`. Writing to a directory while another process
reads it is undefined behaviour in pyoxigraph, which is why builds write a new snapshot instead.

>>> store = OxigraphStore()
>>> from rdflib import URIRef, Literal
>>> store.replace_graph("urn:g", [(URIRef("urn:s"), URIRef("urn:p"), Literal(1))])
>>> store.query("SELECT ?o WHERE { ?s ?p ?o }").values()
[{'o': 1}]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.term import Identifier

from medfuse.kg.errors import QueryError, StoreError
from medfuse.kg.queries import has_dataset_clause, inject_values
from medfuse.kg.store import Result, Triple, nt_triples

__all__ = ["OxigraphStore", "to_oxigraph", "from_oxigraph", "RESULT_FORMATS", "GRAPH_FORMATS"]

#: Media type → pyoxigraph serializer for SELECT and ASK answers.
RESULT_FORMATS: dict[str, ox.QueryResultsFormat] = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
#: Media type → pyoxigraph serializer for CONSTRUCT and DESCRIBE answers.
GRAPH_FORMATS: dict[str, ox.RdfFormat] = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/ld+json": ox.RdfFormat.JSON_LD,
}


def to_oxigraph(term: Identifier) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """Convert an rdflib term to a pyoxigraph term."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"cannot convert {term!r} to a pyoxigraph term")


def from_oxigraph(term: object) -> Identifier | None:
    """Convert a pyoxigraph term to an rdflib term."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        if datatype == "http://www.w3.org/2001/XMLSchema#string":
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(datatype))
    raise TypeError(f"unexpected pyoxigraph term {term!r}")


class OxigraphStore:
    """A pyoxigraph store: ``OxigraphStore()`` in memory, ``OxigraphStore(path)`` on disk."""

    def __init__(self, path: Path | None = None, *, read_only: bool = False, location: str | None = None,
                 fresh: bool = False) -> None:
        # fresh: a new snapshot that nobody reads until it is published, filled with bulk loads
        # (faster, not transactional; the atomic step is the snapshot swap).
        self.path, self.fresh, self.read_only = path, fresh, read_only
        self.location = location or (str(path) if path else "memory")
        try:
            if path is None:
                self._store = ox.Store()
            elif read_only:
                self._store = ox.Store.read_only(str(path))
            else:
                self._store = ox.Store(str(path))
        except OSError as error:
            raise StoreError(f"cannot open the store at {path}: {error}") from error

    @property
    def native(self) -> ox.Store:
        """The underlying :class:`pyoxigraph.Store`."""
        return self._store

    def query(
        self,
        text: str,
        bindings: Mapping[str, Identifier] | None = None,
        *,
        format: str | None = None,
        timeout: float | None = None,
    ) -> Result | bytes:
        """Run a query; ``timeout`` is not enforced here (see the module docstring).

        Bindings are written as a ``VALUES`` block at the top of the WHERE clause, exactly as for
        remote engines: pyoxigraph's own ``substitutions`` only accept projected variables.
        """
        text = inject_values(text, bindings or {})
        try:
            answer = self._store.query(text, use_default_graph_as_union=not has_dataset_clause(text))
        except SyntaxError as error:
            raise QueryError(f"malformed SPARQL: {error}") from error
        except OSError as error:
            raise StoreError(f"the store failed to answer: {error}") from error
        if format is not None:
            return _serialize(answer, format)
        if isinstance(answer, ox.QuerySolutions):
            variables = [v.value for v in answer.variables]
            rows = [tuple(from_oxigraph(solution[v]) for v in variables) for solution in answer]
            return Result(kind="select", variables=variables, rows=rows)
        if isinstance(answer, ox.QueryBoolean):
            return Result(kind="ask", boolean=bool(answer))
        triples = [(from_oxigraph(t.subject), from_oxigraph(t.predicate), from_oxigraph(t.object)) for t in answer]
        return Result(kind="graph", triples=triples)  # type: ignore[arg-type]

    def replace_graph(self, name: str, triples: Iterable[Triple] | bytes) -> None:
        """Drop a named graph and load ``triples`` (or their N-Triples) into it; the load is all or nothing."""
        graph = ox.NamedNode(name)
        data = triples if isinstance(triples, bytes) else nt_triples(triples)
        try:
            if self.fresh:
                self._store.bulk_load(data, format=ox.RdfFormat.N_TRIPLES, to_graph=graph)
                return
            if self._store.contains_named_graph(graph):
                self._store.remove_graph(graph)
            self._store.load(data, format=ox.RdfFormat.N_TRIPLES, to_graph=graph)
        except (OSError, SyntaxError) as error:
            raise StoreError(f"cannot write graph <{name}> to {self.location}: {error}") from error

    def update(self, text: str) -> None:
        """Run a SPARQL Update (used by the service's token-protected ``/update``)."""
        try:
            self._store.update(text)
        except SyntaxError as error:
            raise QueryError(f"malformed SPARQL Update: {error}") from error

    def graphs(self) -> list[str]:
        """Return the IRIs of the named graphs, sorted."""
        return sorted(g.value for g in self._store.named_graphs() if isinstance(g, ox.NamedNode))

    def optimize(self) -> None:
        """Flush and compact an on-disk store (makes later reads faster)."""
        if self.path is not None:
            self._store.flush()
            self._store.optimize()

    def close(self) -> None:
        """Release the store (flushes an on-disk store first)."""
        if self.path is not None and not self.read_only and getattr(self, "_store", None) is not None:
            self._store.flush()
        self._store = None  # type: ignore[assignment]


def _serialize(answer: object, media_type: str) -> bytes:
    if isinstance(answer, (ox.QuerySolutions, ox.QueryBoolean)):
        fmt = RESULT_FORMATS.get(media_type)
        if fmt is None:
            raise QueryError(f"SELECT/ASK answers cannot be written as {media_type}")
        return answer.serialize(format=fmt)
    fmt = GRAPH_FORMATS.get(media_type)
    if fmt is None:
        raise QueryError(f"CONSTRUCT/DESCRIBE answers cannot be written as {media_type}")
    return answer.serialize(format=fmt)
