"""Where the graph lives: the :class:`Store` protocol and :func:`open_store`.

A store answers SPARQL with parameters bound as RDF terms, replaces whole named graphs, and lists
them. Two backends implement it: the embedded pyoxigraph store (in memory, or on disk as
versioned snapshots) and any SPARQL 1.1 engine reached over HTTP.

On disk a store location is a directory::

    STORE/
      current -> snapshots/20261123T181500-3f2a9c   (symlink, swapped atomically by a build)
      snapshots/<id>/                                (one RocksDB store per build)

so a failed or interrupted build never touches the graph that ``current`` points to.

>>> store = open_store(None)           # in memory
>>> store.graphs()
[]
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

from rdflib import BNode, Literal, URIRef
from rdflib.term import Identifier, Node

from medfuse.kg.errors import StoreError, StoreNotBuiltError

__all__ = [
    "Triple",
    "Result",
    "Store",
    "open_store",
    "snapshot_dir",
    "new_snapshot",
    "publish_snapshot",
    "is_remote",
    "nt_term",
    "nt_triples",
]

#: A triple of rdflib terms.
Triple = tuple[Node, Node, Node]


_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
#: Characters N-Triples strings must escape (RDF 1.2 canonical N-Triples: ECHAR where one
#: exists, UCHAR for the other control characters).
_STRING_ESCAPES = {i: f"\\u{i:04X}" for i in [*range(0x20), 0x7F]} | {
    0x08: "\\b", 0x09: "\\t", 0x0A: "\\n", 0x0C: "\\f", 0x0D: "\\r", 0x22: '\\"', 0x5C: "\\\\",
}
#: Characters an IRIREF cannot hold as they are.
_IRI_ESCAPES = {i: f"\\u{i:04X}" for i in [*range(0x21), *map(ord, '<>"{}|^`\\')]}
_BNODE_LABEL = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_\-]*")


def nt_term(term: Node) -> str:
    """Serialize one RDF term as N-Triples (never Turtle's triple quotes or prefixed names).

    >>> nt_term(Literal("2", datatype=URIRef("http://www.w3.org/2001/XMLSchema#integer")))
    '"2"^^<http://www.w3.org/2001/XMLSchema#integer>'
    """
    if isinstance(term, Literal):
        text = f'"{str(term).translate(_STRING_ESCAPES)}"'
        if term.language:
            return f"{text}@{term.language}"
        if term.datatype is not None and str(term.datatype) != _XSD_STRING:
            return f"{text}^^<{str(term.datatype).translate(_IRI_ESCAPES)}>"
        return text
    if isinstance(term, URIRef):
        return f"<{str(term).translate(_IRI_ESCAPES)}>"
    if isinstance(term, BNode):
        label = str(term)
        if not _BNODE_LABEL.fullmatch(label):
            label = "b" + hashlib.sha1(label.encode("utf-8")).hexdigest()
        return f"_:{label}"
    raise TypeError(f"{term!r} is not an RDF term N-Triples can hold")


def nt_triples(triples: Iterable[Triple]) -> bytes:
    """Serialize triples as an N-Triples document (UTF-8): what every backend loads."""
    return "".join(f"{nt_term(s)} {nt_term(p)} {nt_term(o)} .\n" for s, p, o in triples).encode("utf-8")



@dataclass
class Result:
    """A SPARQL answer as rdflib terms: rows for SELECT, a boolean for ASK, triples for CONSTRUCT."""

    kind: str  # "select" | "ask" | "graph"
    variables: list[str] = field(default_factory=list)
    rows: list[tuple[Identifier | None, ...]] = field(default_factory=list)
    boolean: bool | None = None
    triples: list[Triple] = field(default_factory=list)

    def dicts(self) -> list[dict[str, Identifier | None]]:
        """Return SELECT rows as dicts keyed by variable name."""
        return [dict(zip(self.variables, row)) for row in self.rows]

    def values(self) -> list[dict[str, object]]:
        """Return SELECT rows with Python values (IRIs as ``str``, literals via ``toPython``)."""
        return [
            {k: (None if v is None else v.toPython() if hasattr(v, "toPython") else str(v))
             for k, v in zip(self.variables, row)}
            for row in self.rows
        ]


@runtime_checkable
class Store(Protocol):
    """What medfuse needs from a graph store."""

    #: Where the store lives, for messages: ``memory``, a path or a URL.
    location: str

    def query(
        self,
        text: str,
        bindings: Mapping[str, Identifier] | None = None,
        *,
        format: str | None = None,
        timeout: float | None = None,
    ) -> Result | bytes:
        """Run a SPARQL query with ``bindings`` as pre-bound variables.

        With ``format`` (a media type), return the answer serialized in it; else a :class:`Result`.
        """

    def replace_graph(self, name: str, triples: Iterable[Triple] | bytes) -> None:
        """Replace the content of one named graph (triples, or their N-Triples as bytes)."""

    def graphs(self) -> list[str]:
        """Return the IRIs of the named graphs, sorted."""

    def close(self) -> None:
        """Release the store."""


def is_remote(location: str | os.PathLike | None) -> bool:
    """Return whether a location names a SPARQL endpoint rather than a directory."""
    return isinstance(location, str) and location.startswith(("http://", "https://"))


def snapshot_dir(location: Path) -> Path:
    """Return the snapshot directory ``current`` points to.

    :raises StoreNotBuiltError: when nothing was built at ``location`` yet.
    """
    current = location / "current"
    if not current.exists():
        raise StoreNotBuiltError(location)
    return current.resolve()


def new_snapshot(location: Path, snapshot_id: str) -> Path:
    """Return a fresh, empty directory for a build, beside the published snapshots."""
    folder = location / "snapshots" / f"{snapshot_id}.partial"
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    return folder


def publish_snapshot(location: Path, partial: Path, *, keep: int = 2) -> Path:
    """Make a finished build the current graph with one atomic symlink swap.

    The previous snapshot stays on disk (a running server may still read it); older ones go.
    """
    final = partial.with_name(partial.name.removesuffix(".partial"))
    if final.exists():
        shutil.rmtree(final)
    partial.rename(final)
    link = location / "current.swap"
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(final.relative_to(location))
    os.replace(link, location / "current")
    snapshots = sorted(
        (p for p in (location / "snapshots").iterdir() if not p.name.endswith(".partial")),
        key=lambda p: p.stat().st_mtime,
    )
    for old in snapshots[:-keep]:
        if old != final:
            shutil.rmtree(old, ignore_errors=True)
    for stale in (location / "snapshots").glob("*.partial"):
        shutil.rmtree(stale, ignore_errors=True)
    return final


def open_store(
    location: str | os.PathLike | None,
    *,
    read_only: bool = True,
    timeout: float = 30.0,
    token: str | None = None,
) -> Store:
    """Open the store at ``location``: ``None`` → memory, an http(s) URL → remote, a path → disk.

    :param read_only: open an on-disk snapshot read-only (what serving and querying need).
    :param timeout: per-request time limit for a remote engine, in seconds.
    :param token: credentials for writes to a remote engine (``user:password`` for digest auth).
    :raises StoreNotBuiltError: for a directory that holds no build yet.
    """
    if location is None:
        from medfuse.kg.backends.oxigraph import OxigraphStore

        return OxigraphStore()
    if is_remote(location):
        from medfuse.kg.backends.sparql_http import SparqlHttpStore

        return SparqlHttpStore(str(location), timeout=timeout, credentials=token)
    from medfuse.kg.backends.oxigraph import OxigraphStore

    path = Path(location).expanduser()
    if path.exists() and not path.is_dir():
        raise StoreError(f"{path} is a file, not a store directory")
    return OxigraphStore(snapshot_dir(path), read_only=read_only, location=str(path))
