"""The remote store: any SPARQL 1.1 engine, reached through the Protocol and the Graph Store Protocol.

One location string names the engine; the client derives the three endpoints from it:

============================  ==========================  ============================================
location                      engine                      query / update / graph store
============================  ==========================  ============================================
``http://host:8890/sparql``   Virtuoso 7                  ``/sparql``, ``/sparql-auth``,
                                                          ``/sparql-graph-crud-auth`` (digest auth)
``http://host:7878``          Oxigraph server             ``/query``, ``/update``, ``/store``
``http://host:7878/query``    Oxigraph server             the same
anything else                 generic                     the URL itself for all three
============================  ==========================  ============================================

The engine is recognized once, from the ``Server`` header of one ``GET`` on the location (the path
decides when a proxy hides the header); ``engine=`` and the ``*_endpoint=`` keywords override it.
Queries are form-encoded POSTs; parameters are pre-bound as a ``VALUES`` block of serialized RDF
terms (:func:`medfuse.kg.queries.inject_values`), so no user text reaches the query as syntax.
Answers become the same :class:`~medfuse.kg.store.Result` terms as the embedded store gives
(``xsd:string`` literals become untyped rdflib Literals, as in
:func:`medfuse.kg.backends.oxigraph.from_oxigraph`).

Engine quirks, measured here on Virtuoso 07.20.3229 (Debian ``virtuoso-opensource-7-bin`` 7.2.5)
and Oxigraph server 0.5.13 unless a source is given (``shared/notes/engines/REPORT.md`` 1.3, 2.3, 2.6):

- Virtuoso never answers a POST with ``Content-Type: application/sparql-query``
  (https://github.com/openlink/virtuoso-opensource/issues/842): every query is form-encoded.
- Virtuoso answers ``ASK`` as a SELECT binding ``__ASK_RETVAL``: one row holding 1 when true, *no
  row* when false, in every results format (REPORT 2.3). Its TSV is not SPARQL TSV (quoted names
  without ``?``, IRIs as strings, raw tabs and newlines inside values), its JSON writes
  ``xsd:boolean`` as ``"1"``/``"0"`` and uses the SPARQL 1.0 type ``typed-literal``. So for
  SELECT and ASK the client always asks Virtuoso for JSON, normalizes the terms, and writes a
  requested ``format`` itself with pyoxigraph (:func:`result_bytes`, the embedded store's writer).
  CONSTRUCT/DESCRIBE answers are Virtuoso's own bytes (its N-Triples, Turtle, RDF/XML and JSON-LD
  are standard).
- Virtuoso's default graph is the union of *all* graphs, its system graphs included (``virtrdf:``,
  ``http://www.w3.org/ns/ldp#``, ``http://localuriqaserver/sparql``: ~2,500 triples on a fresh
  database), and ``GRAPH ?g`` ranges over them too. Unless a query has its own ``FROM``
  (:func:`medfuse.kg.queries.has_dataset_clause`), the client sends the medfuse graphs as both
  ``default-graph-uri`` and ``named-graph-uri`` (with only the former, every graph stays named):
  the dataset is then the embedded store's, the union of the medfuse graphs with each one named.
- Virtuoso answers ``SELECT ?g WHERE { GRAPH ?g {} }`` with one row and ``?g`` unbound, and takes
  14 s for ``SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }`` on 120k triples:
  :meth:`SparqlHttpStore.graphs` uses ``... GROUP BY ?g`` there, which answers in 10 ms.
- Virtuoso's "anytime" queries come back *partial* with HTTP 206 and ``X-SQL-State: S1TAT``
  (``README.ANYTIME.md`` in openlink/virtuoso-opensource): :class:`StoreError`.
  ``ResultSetMaxRows`` cuts answers silently (the Debian ini ships 10,000); a SELECT cut there
  carries ``X-SPARQL-MaxRows`` (also when it has exactly that many rows), which raises
  :class:`StoreError`; a CONSTRUCT cut there says nothing. Keep the limit above the largest
  answer (``.ci/engines.sh`` sets 1,000,000).
- Virtuoso's Graph Store ignores the request's ``Content-Type`` and sniffs the body: valid
  N-Triples is read as Turtle (fine), but it reads broken lines leniently (``<a> <b> broken .``
  stores ``<graph#broken>``) and rejects others as "unsupported type text/plain" with HTTP 500,
  leaving the old graph in place. The client only ever sends N-Triples it serialized itself.
- Virtuoso lower-cases language tags, as Oxigraph does; rdflib normalizes booleans and
  date-times (``Z`` and ``+00:00``), so those terms compare equal across engines.
- Writes: Virtuoso needs HTTP digest auth (``/sparql-auth``, ``/sparql-graph-crud-auth``);
  Oxigraph ``serve`` has none (keep it on loopback or behind a proxy), ``serve-read-only``
  answers 403.
- Graphs are written as N-Triples serialized here (:func:`nt_term`): rdflib's ``n3()`` may emit
  Turtle's triple quotes, which N-Triples does not have.

>>> nt_term(Literal('say "hi"\\n', lang="en"))
'"say \\\\"hi\\\\"\\\\n"@en'
>>> query_form("PREFIX mf: <https://w3id.org/medfuse/vocab#> # ask? no\\nSELECT * WHERE {}")
'select'
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from urllib.parse import urlsplit, urlunsplit

import httpx
import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.term import Identifier

from medfuse.kg.backends.oxigraph import GRAPH_FORMATS, RESULT_FORMATS, from_oxigraph
from medfuse.kg.errors import QueryError, QueryTimeoutError, StoreError
from medfuse.kg.queries import has_dataset_clause, inject_values
from medfuse.kg.store import Result, Triple, nt_term, nt_triples  # noqa: F401 - re-exported

__all__ = [
    "ENGINES",
    "MEDFUSE_ROOT",
    "Endpoints",
    "Engine",
    "SparqlHttpStore",
    "detect_engine",
    "endpoints_for",
    "nt_term",
    "nt_triples",
    "query_form",
    "result_bytes",
    "result_from_json",
    "term_from_json",
]

#: IRIs of the medfuse graphs start with this; other graphs of an engine are not ours.
MEDFUSE_ROOT = "https://w3id.org/medfuse/"
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_XSD_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"
_RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
_JSON = "application/sparql-results+json"
_NTRIPLES = "application/n-triples"
#: Stands in for "no graph" when no medfuse graph exists yet (an empty dataset, as in a new store).
_NO_GRAPH = MEDFUSE_ROOT + "graph/none"


@dataclass(frozen=True)
class Engine:
    """How one kind of engine lays out its endpoints, and which of its quirks the client handles."""

    #: Endpoint paths below the engine's root ("" = the location itself).
    query: str
    update: str
    store: str
    #: HTTP authentication its write endpoints use: ``digest`` or ``basic``.
    auth: str
    #: Location paths that name one of its endpoints; stripped to find the root.
    suffixes: tuple[str, ...] = ()
    #: Writes non-standard results formats (ASK as a SELECT, TSV without ``?``, booleans as 1/0):
    #: ask it for JSON and serialize the requested format here.
    rewrite_results: bool = False
    #: Its default graph and named graphs include graphs that are not medfuse's.
    scope_dataset: bool = False
    #: Lists the graphs (see the module docstring for Virtuoso's form).
    graphs_query: str = "SELECT DISTINCT ?g WHERE { GRAPH ?g {} }"


#: Engine name → endpoint layout and quirks (see the module docstring for the sources).
ENGINES: dict[str, Engine] = {
    "virtuoso": Engine(
        query="/sparql", update="/sparql-auth", store="/sparql-graph-crud-auth", auth="digest",
        suffixes=("/sparql", "/sparql-auth", "/sparql-graph-crud-auth", "/sparql-graph-crud"),
        rewrite_results=True, scope_dataset=True,
        graphs_query="SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
    ),
    "oxigraph": Engine(query="/query", update="/update", store="/store", auth="basic",
                       suffixes=("/query", "/update", "/store")),
    "generic": Engine(query="", update="", store="", auth="basic"),
}
#: ``Server`` header prefix → engine name.
_SERVER_HEADERS = {"virtuoso/": "virtuoso", "oxigraph/": "oxigraph"}


@dataclass(frozen=True)
class Endpoints:
    """The URLs one store talks to."""

    engine: str
    query: str
    update: str
    store: str

    @property
    def profile(self) -> Engine:
        """The engine's layout and quirks."""
        return ENGINES[self.engine]


def detect_engine(location: str, server: str | None = None) -> str:
    """Name the engine behind ``location``: from its ``Server`` header, else from the URL's path.

    >>> detect_engine("http://127.0.0.1:7879", "Oxigraph/0.5.13")
    'oxigraph'
    >>> detect_engine("http://127.0.0.1:18890/sparql")
    'virtuoso'
    """
    for prefix, engine in _SERVER_HEADERS.items():
        if (server or "").strip().casefold().startswith(prefix):
            return engine
    path = urlsplit(location).path.rstrip("/")
    for engine, profile in ENGINES.items():
        if any(path.endswith(suffix) for suffix in profile.suffixes):
            return engine
    return "oxigraph" if path == "" else "generic"


def endpoints_for(location: str, engine: str) -> Endpoints:
    """Derive the query, update and graph store URLs of an engine from one location.

    >>> endpoints_for("http://127.0.0.1:18890/sparql", "virtuoso").store
    'http://127.0.0.1:18890/sparql-graph-crud-auth'
    >>> endpoints_for("http://127.0.0.1:7879/", "oxigraph").query
    'http://127.0.0.1:7879/query'
    """
    if engine not in ENGINES:
        raise StoreError(f"unknown SPARQL engine {engine!r}; known: {', '.join(ENGINES)}")
    profile = ENGINES[engine]
    parts = urlsplit(location)
    if parts.query or parts.fragment:
        raise StoreError(f"{location}: give endpoints without a query string (use the *_endpoint= options)")
    path = parts.path.rstrip("/")
    for suffix in sorted(profile.suffixes, key=len, reverse=True):
        if path.endswith(suffix):
            path = path[: -len(suffix)]
            break
    if engine == "generic":
        url = location
        return Endpoints(engine, url, url, url)
    root = urlunsplit((parts.scheme, parts.netloc, path, "", ""))
    return Endpoints(engine, root + profile.query, root + profile.update, root + profile.store)


# --- reading queries -------------------------------------------------------------------------

_PROLOGUE = re.compile(
    r"""\s+ | \#[^\n]*                            # white space, comments
      | PREFIX\s+[^\s:]*:\s*<[^>]*>               # PREFIX mf: <...>
      | BASE\s*<[^>]*>                            # BASE <...>""",
    re.IGNORECASE | re.VERBOSE,
)
_FORMS = {"select": "select", "ask": "ask", "construct": "graph", "describe": "graph"}
_UPDATE_WORDS = {"insert", "delete", "load", "clear", "create", "drop", "copy", "move", "add", "with"}


def query_form(text: str) -> str:
    """Return the form of a query, ``select``, ``ask``, ``construct`` or ``describe``.

    Skips the prologue (``PREFIX``, ``BASE``, comments) without being fooled by a ``#`` inside an
    IRI or a keyword inside a comment.

    :raises QueryError: for an update or text that is not a query.
    """
    position = 0
    while True:
        match = _PROLOGUE.match(text, position)
        if match is None or match.end() == position:
            break
        position = match.end()
    word = re.match(r"[A-Za-z]+", text[position:])
    keyword = word.group(0).casefold() if word else ""
    if keyword in _FORMS:
        return keyword
    if keyword in _UPDATE_WORDS:
        raise QueryError(f"{keyword.upper()} is an update, not a query; use update()")
    shown = text[position:position + 30].strip() or "nothing"
    raise QueryError(f"not a SPARQL query: expected SELECT, ASK, CONSTRUCT or DESCRIBE, found {shown!r}")


# --- reading answers -------------------------------------------------------------------------


def term_from_json(value: Mapping[str, str] | None) -> Identifier | None:
    """Turn one SPARQL JSON binding into the rdflib term the embedded store would give.

    >>> term_from_json({"type": "typed-literal", "value": "1",
    ...                 "datatype": "http://www.w3.org/2001/XMLSchema#boolean"}).n3()
    '"true"^^<http://www.w3.org/2001/XMLSchema#boolean>'
    """
    if value is None:
        return None
    kind, text = value.get("type"), value.get("value", "")
    if kind == "uri":
        return URIRef(text)
    if kind == "bnode":
        return BNode(text)
    if kind not in ("literal", "typed-literal"):
        raise StoreError(f"unexpected term type {kind!r} in a SPARQL JSON answer")
    language = value.get("xml:lang")
    datatype = value.get("datatype")
    if language:
        return Literal(text, lang=language.lower())
    if datatype is None or datatype in (_XSD_STRING, _RDF_LANGSTRING):
        return Literal(text)
    if datatype == _XSD_BOOLEAN and text in ("0", "1"):
        text = "true" if text == "1" else "false"  # Virtuoso writes booleans as 1/0
    return Literal(text, datatype=URIRef(datatype))


def result_from_json(payload: Mapping, *, form: str) -> Result:
    """Turn a SPARQL JSON answer into a :class:`Result` (ASK-as-SELECT becomes a boolean).

    >>> result_from_json({"head": {}, "boolean": True}, form="ask").boolean
    True
    """
    if form == "ask":
        return Result(kind="ask", boolean=_boolean(payload))
    variables = list(payload.get("head", {}).get("vars", []))
    bindings = payload.get("results", {}).get("bindings", [])
    rows = [tuple(term_from_json(row.get(v)) for v in variables) for row in bindings]
    return Result(kind="select", variables=variables, rows=rows)


def _boolean(payload: Mapping) -> bool:
    if isinstance(payload.get("boolean"), bool):
        return payload["boolean"]
    bindings = payload.get("results", {}).get("bindings", [])
    if payload.get("head", {}).get("vars") == ["__ASK_RETVAL"]:
        # Virtuoso: one row binding 1 when true, no row at all when false.
        return any(row.get("__ASK_RETVAL", {}).get("value") not in ("0", "false") for row in bindings)
    raise StoreError("the engine answered an ASK query without a boolean")


def _json_term(term: Identifier) -> dict[str, str]:
    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    out = {"type": "literal", "value": str(term)}
    if isinstance(term, Literal) and term.language:
        out["xml:lang"] = term.language
    elif isinstance(term, Literal) and term.datatype is not None:
        out["datatype"] = str(term.datatype)
    return out


def result_bytes(result: Result, media_type: str) -> bytes:
    """Serialize a SELECT or ASK :class:`Result` with pyoxigraph, as the embedded store writes it.

    >>> result_bytes(Result(kind="ask", boolean=True), "text/csv")
    b'true'
    """
    if result.kind == "ask":
        payload: dict = {"head": {}, "boolean": result.boolean}
    else:
        payload = {"head": {"vars": result.variables}, "results": {"bindings": [
            {v: _json_term(t) for v, t in zip(result.variables, row) if t is not None} for row in result.rows
        ]}}
    answer = ox.parse_query_results(json.dumps(payload).encode("utf-8"), format=ox.QueryResultsFormat.JSON)
    return answer.serialize(format=RESULT_FORMATS[media_type])


def _media_type(response: httpx.Response) -> str:
    return response.headers.get("content-type", "").split(";")[0].strip().casefold()


# --- the store -------------------------------------------------------------------------------


class SparqlHttpStore:
    """A SPARQL 1.1 engine over HTTP, with the same answers as the embedded store.

    :param location: the engine (see the module docstring).
    :param timeout: per-request time limit in seconds (connecting: at most 5 s).
    :param credentials: ``user:password`` for writes (digest for Virtuoso, basic elsewhere).
    :param engine: skip recognition: ``virtuoso``, ``oxigraph`` or ``generic``.
    :param query_endpoint: override the derived query URL; likewise ``update_endpoint`` and
        ``store_endpoint`` (Graph Store Protocol).
    :param graph_prefix: :meth:`graphs` lists (and Virtuoso queries see) only graphs under it.
    :param graph_cache_seconds: how long the list of graphs that scopes Virtuoso queries is reused.
    :param transport: an httpx transport to send requests through (tests use ``httpx.MockTransport``).
    """

    def __init__(
        self,
        location: str,
        *,
        timeout: float = 30.0,
        credentials: str | None = None,
        engine: str | None = None,
        query_endpoint: str | None = None,
        update_endpoint: str | None = None,
        store_endpoint: str | None = None,
        graph_prefix: str = MEDFUSE_ROOT,
        graph_cache_seconds: float = 10.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.location = location
        self.timeout = timeout
        self.graph_prefix = graph_prefix
        self.graph_cache_seconds = graph_cache_seconds
        self._overrides = {"query": query_endpoint, "update": update_endpoint, "store": store_endpoint}
        self._credentials = credentials
        self._endpoints: Endpoints | None = None
        self._graph_cache: tuple[float, list[str]] | None = None
        self._client = httpx.Client(timeout=self._timeout(timeout), follow_redirects=True, transport=transport)
        if engine is not None:
            self._endpoints = self._resolve(engine)

    def __repr__(self) -> str:
        return f"SparqlHttpStore({self.location!r})"

    # -- endpoints --

    @property
    def endpoints(self) -> Endpoints:
        """The engine's URLs, recognizing the engine on first use."""
        if self._endpoints is None:
            response = self._send("GET", self.location, what="probe")
            self._endpoints = self._resolve(detect_engine(self.location, response.headers.get("server")))
        return self._endpoints

    def _resolve(self, engine: str) -> Endpoints:
        endpoints = endpoints_for(self.location, engine)
        return replace(endpoints, **{k: v for k, v in self._overrides.items() if v})

    def _auth(self) -> httpx.Auth | None:
        if not self._credentials:
            return None
        user, _, password = self._credentials.partition(":")
        if self.endpoints.profile.auth == "digest":
            return httpx.DigestAuth(user, password)
        return httpx.BasicAuth(user, password)

    @staticmethod
    def _timeout(seconds: float) -> httpx.Timeout:
        return httpx.Timeout(seconds, connect=min(seconds, 5.0))

    # -- HTTP --

    def _send(self, method: str, url: str, *, what: str, timeout: float | None = None,
              ok: tuple[int, ...] = (200, 201, 204), **kwargs: object) -> httpx.Response:
        """Send one request; turn every failure into a named error that names the URL."""
        limit = self.timeout if timeout is None else timeout
        try:
            response = self._client.request(method, url, timeout=self._timeout(limit), **kwargs)  # type: ignore[arg-type]
        except httpx.ConnectTimeout as error:
            raise StoreError(f"cannot reach the SPARQL engine at {url}: connection timed out") from error
        except httpx.TimeoutException as error:
            if what == "query":
                raise QueryTimeoutError(limit) from error
            raise StoreError(f"the SPARQL engine at {url} did not answer within {limit:g} s ({what})") from error
        except httpx.HTTPError as error:
            raise StoreError(f"cannot reach the SPARQL engine at {url}: {error}") from error
        if what == "probe":
            return response
        status = response.status_code
        if status == 206 or response.headers.get("x-sql-state") == "S1TAT":
            raise StoreError(f"the SPARQL engine at {url} gave a partial answer (HTTP {status}, "
                             "X-SQL-State S1TAT: its time limit ran out); narrow the query or raise the limit")
        if status in ok:
            return response
        message = " ".join(response.text.split())[:400]
        if status == 400 and what == "query":
            raise QueryError(f"the SPARQL engine at {url} rejected the query: {message}")
        if status in (401, 403):
            raise StoreError(f"the SPARQL engine at {url} refused the {what} (HTTP {status}); "
                             f"check the credentials: {message}")
        raise StoreError(f"the SPARQL engine at {url} answered HTTP {status} to the {what}: {message}")

    def _post_query(self, text: str, accept: str, *, timeout: float | None, scoped: bool = True) -> httpx.Response:
        endpoints = self.endpoints
        data: dict[str, str | list[str]] = {"query": text}
        if scoped and endpoints.profile.scope_dataset and not has_dataset_clause(text):
            graphs = self._scope() or [_NO_GRAPH]
            data |= {"default-graph-uri": graphs, "named-graph-uri": graphs}
        response = self._send("POST", endpoints.query, what="query", timeout=timeout, data=data,
                               headers={"Accept": accept})
        _check_truncation(response, endpoints.query)
        return response

    def _scope(self) -> list[str]:
        now = time.monotonic()
        if self._graph_cache is None or now - self._graph_cache[0] > self.graph_cache_seconds:
            self._graph_cache = (now, self.graphs())
        return self._graph_cache[1]

    # -- the Store protocol --

    def query(
        self,
        text: str,
        bindings: Mapping[str, Identifier] | None = None,
        *,
        format: str | None = None,
        timeout: float | None = None,
    ) -> Result | bytes:
        """Run a query with ``bindings`` pre-bound; with ``format``, return the answer in that media type.

        The bytes are the engine's own, except where its results formats are not standard
        (Virtuoso: SELECT and ASK are written here, see the module docstring).

        :raises QueryError: for a malformed query or a format the query form cannot take.
        :raises QueryTimeoutError: when the engine does not answer within ``timeout``.
        :raises StoreError: when the engine is unreachable, refuses, or answers partially.
        """
        form = query_form(text)
        kind = _FORMS[form]
        text = inject_values(text, bindings or {})
        if format is not None:
            allowed = GRAPH_FORMATS if kind == "graph" else RESULT_FORMATS
            if format not in allowed:
                noun = "CONSTRUCT/DESCRIBE" if kind == "graph" else "SELECT/ASK"
                raise QueryError(f"{noun} answers cannot be written as {format}")
            if kind != "graph" and self.endpoints.profile.rewrite_results:
                payload = self._json(self._post_query(text, _JSON, timeout=timeout))
                return result_bytes(result_from_json(payload, form=form), format)
            response = self._post_query(text, format, timeout=timeout)
            if _media_type(response) != format:
                raise StoreError(f"the SPARQL engine at {self.endpoints.query} answered "
                                 f"{_media_type(response) or 'no media type'} when asked for {format}")
            return response.content
        if kind == "graph":
            response = self._post_query(text, _NTRIPLES, timeout=timeout)
            try:
                parsed = list(ox.parse(response.content, format=ox.RdfFormat.N_TRIPLES))
            except SyntaxError as error:
                raise StoreError(f"the SPARQL engine at {self.endpoints.query} sent bad N-Triples: {error}") from error
            triples = [(from_oxigraph(t.subject), from_oxigraph(t.predicate), from_oxigraph(t.object)) for t in parsed]
            return Result(kind="graph", triples=triples)  # type: ignore[arg-type]
        return result_from_json(self._json(self._post_query(text, _JSON, timeout=timeout)), form=form)

    def _json(self, response: httpx.Response) -> dict:
        try:
            return response.json()
        except json.JSONDecodeError as error:
            raise StoreError(f"the SPARQL engine at {self.endpoints.query} sent malformed JSON: {error}") from error

    def update(self, text: str) -> None:
        """Run a SPARQL Update on the engine's update endpoint, with the store's credentials."""
        self._send("POST", self.endpoints.update, what="update", data={"update": text}, auth=self._auth())
        self._graph_cache = None

    def replace_graph(self, name: str, triples: Iterable[Triple] | bytes) -> None:
        """Replace one named graph with a Graph Store Protocol ``PUT`` (one request, one transaction).

        ``triples`` may be given already serialized as N-Triples. An empty graph deletes the graph,
        as the embedded store ends up with no such graph.
        """
        body = triples if isinstance(triples, bytes) else nt_triples(triples)
        url = self.endpoints.store
        if body:
            self._send("PUT", url, what=f"write of graph <{name}>", params={"graph": name}, content=body,
                       headers={"Content-Type": _NTRIPLES}, auth=self._auth())
        else:  # a graph that does not exist is already what was asked for
            self._send("DELETE", url, what=f"delete of graph <{name}>", params={"graph": name},
                       ok=(200, 204, 404), auth=self._auth())
        self._graph_cache = None

    def graphs(self) -> list[str]:
        """Return the IRIs of the named graphs under ``graph_prefix`` that hold triples, sorted."""
        response = self._post_query(self.endpoints.profile.graphs_query, _JSON, timeout=None, scoped=False)
        rows = result_from_json(self._json(response), form="select").rows
        return sorted({str(g) for (g,) in rows if isinstance(g, URIRef) and str(g).startswith(self.graph_prefix)})

    def close(self) -> None:
        """Close the HTTP connections."""
        self._client.close()


def _check_truncation(response: httpx.Response, url: str) -> None:
    """Refuse an answer Virtuoso cut at ``ResultSetMaxRows`` (it says so only in a header)."""
    limit = response.headers.get("x-sparql-maxrows")
    if limit is not None:
        raise StoreError(f"the SPARQL engine at {url} cut the answer at {limit} rows "
                         "(Virtuoso ResultSetMaxRows); raise it in virtuoso.ini")
