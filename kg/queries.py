"""Named SPARQL queries: read ``queries/<name>.rq`` and bind parameters as RDF terms.

Each ``.rq`` file starts with ``#`` lines saying what it answers, one ``# param ?name: kind``
line per parameter, and what it returns. Parameters are never pasted into the query text: the
embedded store pre-binds them (pyoxigraph ``substitutions``); for remote engines
:func:`values_clause` writes them as a ``VALUES`` block of serialized RDF terms.

>>> sorted(p.name for p in load_query("facet_match").params)
['facet', 'term']
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from importlib.resources import files

from pydantic import BaseModel, ConfigDict
from rdflib import Literal, URIRef
from rdflib.term import Identifier

from medfuse.kg.errors import QueryError, UnknownQueryError, suggest

__all__ = [
    "Param",
    "NamedQuery",
    "query_names",
    "load_query",
    "values_clause",
    "inject_values",
    "coerce",
    "has_dataset_clause",
]

_PARAM = re.compile(r"^#\s*param\s+\?(\w+)\s*:\s*(\w+)\s*(.*)$")


class Param(BaseModel):
    """One declared parameter of a named query."""

    model_config = ConfigDict(frozen=True)

    name: str
    kind: str  # iri | string | integer | boolean | decimal
    description: str = ""


class NamedQuery(BaseModel):
    """A named query: its text, description and declared parameters."""

    model_config = ConfigDict(frozen=True)

    name: str
    text: str
    description: str
    params: tuple[Param, ...]

    def bindings(self, values: Mapping[str, object]) -> dict[str, Identifier]:
        """Turn raw parameter values into RDF terms of the declared kinds.

        :raises QueryError: for an undeclared parameter or a value of the wrong kind.
        """
        declared = {p.name: p for p in self.params}
        out = {}
        for key, value in values.items():
            if value is None:
                continue
            if key not in declared:
                raise QueryError(f"query {self.name!r} has no parameter {key!r}; it takes {sorted(declared) or 'none'}")
            out[key] = coerce(value, declared[key].kind, name=key)
        return out


def coerce(value: object, kind: str, *, name: str = "value") -> Identifier:
    """Turn a raw value into an RDF term of a parameter kind.

    >>> coerce("UBERON:0002107", "iri")
    rdflib.term.URIRef('http://purl.obolibrary.org/obo/UBERON_0002107')
    """
    from medfuse.kg.namespaces import expand

    if isinstance(value, Identifier):
        return value
    try:
        if kind == "iri":
            iri = expand(str(value))
            if not re.match(r"^[a-z][a-z0-9+.-]*:[^\s<>\"{}|\\^`]*$", iri, re.I):
                raise ValueError(f"not an IRI: {value!r}")
            return URIRef(iri)
        if kind == "integer":
            return Literal(int(str(value)))
        if kind == "decimal":
            return Literal(float(str(value)))
        if kind == "boolean":
            text = str(value).casefold()
            if text not in {"true", "false", "1", "0"}:
                raise ValueError(f"not a boolean: {value!r}")
            return Literal(text in {"true", "1"})
        return Literal(str(value))
    except ValueError as error:
        raise QueryError(f"parameter {name!r}: {error}") from error


@cache
def query_names() -> list[str]:
    """Return the names of the shipped queries, sorted."""
    folder = files("medfuse.queries")
    return sorted(r.name.removesuffix(".rq") for r in folder.iterdir() if r.name.endswith(".rq"))


@cache
def load_query(name: str) -> NamedQuery:
    """Read a named query.

    :raises UnknownQueryError: listing close names when there is no such query.
    """
    if name not in query_names():
        raise UnknownQueryError(name, suggest(name, query_names()))
    text = files("medfuse.queries").joinpath(f"{name}.rq").read_text(encoding="utf-8")
    description, params = [], []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        match = _PARAM.match(line)
        if match:
            params.append(Param(name=match.group(1), kind=match.group(2), description=match.group(3)))
        else:
            description.append(line.lstrip("# ").rstrip())
    return NamedQuery(name=name, text=text, description=" ".join(d for d in description if d), params=tuple(params))


def values_clause(bindings: Mapping[str, Identifier]) -> str:
    """Return a one-row ``VALUES`` block binding each variable to its serialized RDF term.

    >>> values_clause({"term": URIRef("http://example.org/x"), "n": Literal(3)})
    'VALUES (?term ?n) { (<http://example.org/x> "3"^^<http://www.w3.org/2001/XMLSchema#integer>) }'
    """
    names = list(bindings)
    row = " ".join(_nt(bindings[n]) for n in names)
    return f"VALUES ({' '.join('?' + n for n in names)}) {{ ({row}) }}"


def _nt(term: Identifier) -> str:
    # N-Triples form: rdflib's n3() may use Turtle's triple quotes for long strings.
    if isinstance(term, Literal):
        text = str(term).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
        if term.language:
            return f'"{text}"@{term.language}'
        if term.datatype:
            return f'"{text}"^^<{term.datatype}>'
        return f'"{text}"'
    return term.n3()


_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)


def inject_values(text: str, bindings: Mapping[str, Identifier]) -> str:
    """Pre-bind variables by opening the first ``WHERE {`` with a ``VALUES`` block.

    Used for engines that take no bindings of their own. The block holds serialized RDF terms
    only, so no input text reaches the query as syntax.
    """
    if not bindings:
        return text
    match = _WHERE.search(text)
    if match is None:
        raise QueryError("cannot bind parameters: the query has no WHERE clause")
    return text[: match.end()] + " " + values_clause(bindings) + " " + text[match.end():]


_STRINGS = re.compile(r"""'''.*?'''|\"\"\".*?\"\"\"|'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|<[^<>"{}|^`\\\s]*>""", re.S)
_COMMENTS = re.compile(r"#[^\n]*")
_FROM = re.compile(r"\bFROM\b", re.IGNORECASE)


def has_dataset_clause(text: str) -> bool:
    """Return whether a query names its own dataset with ``FROM`` / ``FROM NAMED``.

    Such a query must not be run over the union default graph, which would ignore its dataset.

    >>> has_dataset_clause("SELECT * FROM <urn:g> WHERE { ?s ?p ?o }")
    True
    >>> has_dataset_clause('SELECT * WHERE { ?s ?p "FROM" } # FROM')
    False
    """
    stripped = _COMMENTS.sub(" ", _STRINGS.sub(" ", text))
    return bool(_FROM.search(stripped))
