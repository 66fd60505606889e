"""The SPARQL-over-HTTP client without an engine: query forms, N-Triples, descriptors, answers, errors.

Requests go to an ``httpx.MockTransport`` that plays the engine; the contract suite
(``tests/test_contract.py``) runs the same client against real engines.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs

import httpx
import pyoxigraph as ox
import pytest
from hypothesis import given
from hypothesis import strategies as st
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD

from medfuse.kg.backends.oxigraph import RESULT_FORMATS, OxigraphStore, from_oxigraph
from medfuse.kg.backends.sparql_http import (
    SparqlHttpStore,
    detect_engine,
    endpoints_for,
    nt_term,
    nt_triples,
    query_form,
    result_bytes,
    result_from_json,
    term_from_json,
)
from medfuse.kg.errors import QueryError, QueryTimeoutError, StoreError
from medfuse.kg.store import Result

S, P = URIRef("urn:s"), URIRef("urn:p")
VIRTUOSO = "http://127.0.0.1:18890/sparql"
OXIGRAPH = "http://127.0.0.1:7879"

# --- query forms -----------------------------------------------------------------------------


@pytest.mark.parametrize("text, form", [
    ("SELECT * WHERE { ?s ?p ?o }", "select"),
    ("  \n\tselect ?s { ?s ?p ?o }", "select"),
    ("ASK { ?s ?p ?o }", "ask"),
    ("ask{}", "ask"),
    ("CONSTRUCT WHERE { ?s ?p ?o }", "construct"),
    ("DESCRIBE <urn:s>", "describe"),
    ("PREFIX mf: <https://w3id.org/medfuse/vocab#>\nSELECT * {}", "select"),
    ("PREFIX : <http://example.org/ns#ask>\nPREFIX x:<urn:x#construct>ASK {}", "ask"),
    ("BASE <http://example.org/#select> ASK {}", "ask"),
    ("# ASK is what we do not do\n# CONSTRUCT neither\nSELECT * {}", "select"),
    ("prefix ask: <urn:a> # a comment with SELECT\n base <urn:b>\n construct { } where { }", "construct"),
    ("PREFIX select: <urn:describe> DESCRIBE select:x", "describe"),
])
def test_query_form(text: str, form: str) -> None:
    assert query_form(text) == form


@pytest.mark.parametrize("text", [
    "INSERT DATA { <urn:s> <urn:p> 1 }",
    "PREFIX x: <urn:x> DELETE WHERE { ?s ?p ?o }",
    "DROP ALL",
    "WITH <urn:g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
])
def test_updates_are_not_queries(text: str) -> None:
    with pytest.raises(QueryError, match="update"):
        query_form(text)


@pytest.mark.parametrize("text", ["", "# only a comment", "PREFIX x: <urn:x>", "SELEC * {}", "{ ?s ?p ?o }"])
def test_not_a_query(text: str) -> None:
    with pytest.raises(QueryError, match="not a SPARQL query"):
        query_form(text)


# --- N-Triples -------------------------------------------------------------------------------


@pytest.mark.parametrize("term, expected", [
    (Literal("plain"), '"plain"'),
    (Literal('say "hi"'), r'"say \"hi\""'),
    (Literal("back\\slash"), r'"back\\slash"'),
    (Literal("two\nlines\r\n"), r'"two\nlines\r\n"'),
    (Literal("tab\there"), r'"tab\there"'),
    (Literal("bell\x07 del\x7f bs\x08 ff\x0c"), r'"bell\u0007 del\u007F bs\b ff\f"'),
    (Literal("ünïcödé ✓ 𝄞"), '"ünïcödé ✓ 𝄞"'),
    (Literal("'''\"\"\"" + "x" * 100), '"\'\'\'\\"\\"\\"' + "x" * 100 + '"'),
    (Literal("hello", lang="en-GB"), '"hello"@en-GB'),
    (Literal("x", datatype=XSD.string), '"x"'),
    (Literal(3), '"3"^^<http://www.w3.org/2001/XMLSchema#integer>'),
    (Literal(True), '"true"^^<http://www.w3.org/2001/XMLSchema#boolean>'),
    (Literal("1.50", datatype=XSD.decimal), '"1.50"^^<http://www.w3.org/2001/XMLSchema#decimal>'),
    (Literal("2020", datatype=XSD.gYear), '"2020"^^<http://www.w3.org/2001/XMLSchema#gYear>'),
    (URIRef("https://w3id.org/medfuse/dataset/kits19"), "<https://w3id.org/medfuse/dataset/kits19>"),
    (URIRef("urn:with space{and}braces"), r"<urn:with\u0020space\u007Band\u007Dbraces>"),
    (BNode("b1"), "_:b1"),
])
def test_nt_term(term: Literal | URIRef | BNode, expected: str) -> None:
    assert nt_term(term) == expected


def test_nt_term_never_writes_turtle_long_strings() -> None:
    long = Literal("line one\nline two " * 20)
    assert long.n3().startswith('"""')  # what rdflib would write
    assert not nt_term(long).startswith('"""')


def test_awkward_blank_node_labels_become_valid_ones() -> None:
    label = nt_term(BNode("not a label!"))
    assert label.startswith("_:b") and " " not in label and "!" not in label
    assert nt_term(BNode("not a label!")) == label  # the same node keeps its label


def test_nt_term_rejects_non_terms() -> None:
    with pytest.raises(TypeError):
        nt_term("urn:s")  # type: ignore[arg-type]


def _round_trip(triples: list) -> list:
    parsed = ox.parse(nt_triples(triples), format=ox.RdfFormat.N_TRIPLES)
    return [(from_oxigraph(t.subject), from_oxigraph(t.predicate), from_oxigraph(t.object)) for t in parsed]


def test_tricky_literals_survive_a_strict_n_triples_parser() -> None:
    objects = [Literal('a "quoted"\n\r\t\\ \x00\x01\x1f\x7f text'), Literal("𝄞", lang="de-ch"),
               Literal("x", datatype=URIRef("urn:dt")), Literal(1.5), Literal(False), URIRef("urn:o"), BNode("b")]
    back = _round_trip([(S, P, o) for o in objects])
    assert len(back) == len(objects)
    for (_, _, got), want in zip(back, objects):
        if isinstance(want, BNode):
            assert isinstance(got, BNode)
        elif isinstance(want, Literal) and want.language:
            assert (str(got), got.language) == (str(want), want.language.lower())
        else:
            assert got == want


@given(st.text())
def test_any_string_literal_round_trips(text: str) -> None:
    assert _round_trip([(S, P, Literal(text))]) == [(S, P, Literal(text))]


def test_loading_what_nt_triples_writes_into_the_embedded_store() -> None:
    store = OxigraphStore()
    store.replace_graph("urn:g", [(S, P, Literal('"""\n' * 30))])
    assert store.query("SELECT ?o WHERE { ?s ?p ?o }").rows == [(Literal('"""\n' * 30),)]


# --- engine descriptors ----------------------------------------------------------------------


@pytest.mark.parametrize("location, server, engine", [
    ("http://127.0.0.1:18890/sparql", "Virtuoso/07.20.3229 (Linux) x86_64-pc-linux-gnu", "virtuoso"),
    ("http://127.0.0.1:18890/sparql", None, "virtuoso"),
    ("http://127.0.0.1:18890/sparql/", None, "virtuoso"),
    ("http://127.0.0.1:7879", "Oxigraph/0.5.13", "oxigraph"),
    ("http://127.0.0.1:7879", None, "oxigraph"),
    ("http://127.0.0.1:7879/", None, "oxigraph"),
    ("http://127.0.0.1:7879/query", None, "oxigraph"),
    ("https://kg.example.org/ox/store", None, "oxigraph"),
    ("http://proxy.example.org/", "Virtuoso/07.20.3229", "virtuoso"),  # the header wins over the path
    ("http://proxy.example.org/sparql", "Oxigraph/0.5.13", "oxigraph"),
    ("http://127.0.0.1:3030/ds/query-endpoint", "Apache Jena Fuseki (5.1.0)", "generic"),
])
def test_detect_engine(location: str, server: str | None, engine: str) -> None:
    assert detect_engine(location, server) == engine


@pytest.mark.parametrize("location, engine, query, update, store", [
    (VIRTUOSO, "virtuoso", VIRTUOSO, "http://127.0.0.1:18890/sparql-auth", "http://127.0.0.1:18890/sparql-graph-crud-auth"),
    ("http://127.0.0.1:18890/", "virtuoso", VIRTUOSO, "http://127.0.0.1:18890/sparql-auth",
     "http://127.0.0.1:18890/sparql-graph-crud-auth"),
    ("http://127.0.0.1:18890/sparql-graph-crud-auth", "virtuoso", VIRTUOSO, "http://127.0.0.1:18890/sparql-auth",
     "http://127.0.0.1:18890/sparql-graph-crud-auth"),
    (OXIGRAPH, "oxigraph", f"{OXIGRAPH}/query", f"{OXIGRAPH}/update", f"{OXIGRAPH}/store"),
    (f"{OXIGRAPH}/query", "oxigraph", f"{OXIGRAPH}/query", f"{OXIGRAPH}/update", f"{OXIGRAPH}/store"),
    ("https://kg.example.org/ox/update/", "oxigraph", "https://kg.example.org/ox/query",
     "https://kg.example.org/ox/update", "https://kg.example.org/ox/store"),
    ("http://h:3030/ds", "generic", "http://h:3030/ds", "http://h:3030/ds", "http://h:3030/ds"),
])
def test_endpoints_for(location: str, engine: str, query: str, update: str, store: str) -> None:
    endpoints = endpoints_for(location, engine)
    assert (endpoints.engine, endpoints.query, endpoints.update, endpoints.store) == (engine, query, update, store)


def test_endpoints_refuse_query_strings_and_unknown_engines() -> None:
    with pytest.raises(StoreError, match="query string"):
        endpoints_for("http://h/sparql?default-graph-uri=urn:g", "virtuoso")
    with pytest.raises(StoreError, match="known: virtuoso, oxigraph, generic"):
        endpoints_for("http://h/sparql", "blazegraph")


def test_explicit_engine_and_endpoints_need_no_probe() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"unexpected request {request.method} {request.url}")

    store = SparqlHttpStore("http://h:9999/x", engine="oxigraph", store_endpoint="http://h:9999/gsp",
                            transport=httpx.MockTransport(refuse))
    assert store.endpoints.query == "http://h:9999/x/query"
    assert store.endpoints.store == "http://h:9999/gsp"


# --- reading answers -------------------------------------------------------------------------


@pytest.mark.parametrize("binding, term", [
    ({"type": "uri", "value": "urn:x"}, URIRef("urn:x")),
    ({"type": "bnode", "value": "b0"}, BNode("b0")),
    ({"type": "literal", "value": "x"}, Literal("x")),
    ({"type": "literal", "value": "x", "datatype": str(XSD.string)}, Literal("x")),
    ({"type": "typed-literal", "value": "x", "datatype": str(XSD.string)}, Literal("x")),
    ({"type": "literal", "value": "hi", "xml:lang": "en-GB"}, Literal("hi", lang="en-gb")),
    ({"type": "typed-literal", "value": "42", "datatype": str(XSD.integer)}, Literal(42)),
    ({"type": "typed-literal", "value": "1", "datatype": str(XSD.boolean)}, Literal(True)),
    ({"type": "typed-literal", "value": "0", "datatype": str(XSD.boolean)}, Literal(False)),
    ({"type": "literal", "value": "2026-11-23T18:50:00Z", "datatype": str(XSD.dateTime)},
     Literal("2026-11-23T18:50:00+00:00", datatype=XSD.dateTime)),
])
def test_term_from_json(binding: dict, term: object) -> None:
    got = term_from_json(binding)
    assert got == term and nt_term(got) == nt_term(term)  # type: ignore[arg-type]


def test_term_from_json_keeps_plain_strings_untyped_like_the_embedded_store() -> None:
    embedded = OxigraphStore().query('SELECT ?x WHERE { BIND("x" AS ?x) }').rows[0][0]  # type: ignore[union-attr]
    assert term_from_json({"type": "typed-literal", "value": "x", "datatype": str(XSD.string)}) == embedded
    assert embedded.datatype is None  # type: ignore[union-attr]


@pytest.mark.parametrize("payload, answer", [
    ({"head": {}, "boolean": True}, True),
    ({"head": {}, "boolean": False}, False),
    ({"head": {"vars": ["__ASK_RETVAL"]}, "results": {"bindings": [
        {"__ASK_RETVAL": {"type": "typed-literal", "datatype": str(XSD.integer), "value": "1"}}]}}, True),
    ({"head": {"vars": ["__ASK_RETVAL"]}, "results": {"bindings": []}}, False),  # Virtuoso's "false"
])
def test_ask_answers_become_booleans(payload: dict, answer: bool) -> None:
    result = result_from_json(payload, form="ask")
    assert result.kind == "ask" and result.boolean is answer


def test_select_answers_keep_variables_and_unbound_values() -> None:
    payload = {"head": {"vars": ["a", "b"]}, "results": {"bindings": [
        {"a": {"type": "uri", "value": "urn:x"}}, {"b": {"type": "literal", "value": "y"}}]}}
    result = result_from_json(payload, form="select")
    assert result.variables == ["a", "b"]
    assert result.rows == [(URIRef("urn:x"), None), (None, Literal("y"))]


@pytest.mark.parametrize("media_type", list(RESULT_FORMATS))
def test_result_bytes_match_the_embedded_writer(media_type: str) -> None:
    text = 'SELECT ?a ?b WHERE { VALUES (?a ?b) { (<urn:x> "tab\\there") (UNDEF 3) ("hi"@en UNDEF) } }'
    embedded = OxigraphStore()
    result = embedded.query(text)
    assert isinstance(result, Result)
    assert result_bytes(result, media_type) == embedded.query(text, format=media_type)
    for ask in ("ASK {}", "ASK { FILTER(false) }"):
        answer = embedded.query(ask)
        assert result_bytes(answer, media_type) == embedded.query(ask, format=media_type)  # type: ignore[arg-type]


# --- talking to a (mock) engine --------------------------------------------------------------


class Engine:
    """A mock engine: records requests and answers each with ``respond``."""

    def __init__(self, server: str, respond=None) -> None:
        self.server, self.respond, self.requests = server, respond, []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        headers = {"server": self.server}
        if request.method == "GET":  # the probe
            return httpx.Response(200, headers=headers, text="<html>")
        form = parse_qs(request.content.decode()) if request.method == "POST" else {}
        if "GROUP BY ?g" in form.get("query", [""])[0] or "GRAPH ?g {}" in form.get("query", [""])[0]:
            return httpx.Response(200, headers=headers, json={"head": {"vars": ["g"]}, "results": {"bindings": [
                {"g": {"type": "uri", "value": "https://w3id.org/medfuse/graph/meta"}},
                {"g": {"type": "uri", "value": "http://www.openlinksw.com/schemas/virtrdf#"}}]}})
        return self.respond(request, form) if self.respond else httpx.Response(204, headers=headers)

    def store(self, location: str, **kwargs: object) -> SparqlHttpStore:
        return SparqlHttpStore(location, transport=httpx.MockTransport(self), **kwargs)  # type: ignore[arg-type]


def _json(payload: dict, **headers: str) -> httpx.Response:
    return httpx.Response(200, headers={"content-type": "application/sparql-results+json", **headers},
                          content=json.dumps(payload).encode())


_ONE_ROW = {"head": {"vars": ["o"]}, "results": {"bindings": [{"o": {"type": "literal", "value": "x"}}]}}


def test_queries_are_form_encoded_posts_with_values_bindings() -> None:
    engine = Engine("Oxigraph/0.5.13", lambda request, form: _json(_ONE_ROW))
    store = engine.store(OXIGRAPH)
    result = store.query("SELECT ?o WHERE { ?s ?p ?o }", {"s": URIRef("urn:s")})
    assert isinstance(result, Result) and result.rows == [(Literal("x"),)]
    request = engine.requests[-1]
    assert request.method == "POST" and str(request.url) == f"{OXIGRAPH}/query"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert request.headers["accept"] == "application/sparql-results+json"
    form = parse_qs(request.content.decode())
    assert " ".join(form["query"][0].split()) == "SELECT ?o WHERE { VALUES (?s) { (<urn:s>) } ?s ?p ?o }"
    assert "default-graph-uri" not in form  # Oxigraph serves the union default graph itself


def test_virtuoso_queries_are_scoped_to_the_medfuse_graphs() -> None:
    engine = Engine("Virtuoso/07.20.3229", lambda request, form: _json(_ONE_ROW))
    store = engine.store(VIRTUOSO)
    store.query("SELECT ?o WHERE { ?s ?p ?o }")
    form = parse_qs(engine.requests[-1].content.decode())
    assert form["default-graph-uri"] == form["named-graph-uri"] == ["https://w3id.org/medfuse/graph/meta"]
    store.query("SELECT ?o FROM <urn:g> WHERE { ?s ?p ?o }")  # a query with its own dataset keeps it
    assert "default-graph-uri" not in parse_qs(engine.requests[-1].content.decode())


def test_virtuoso_formats_are_written_by_the_client() -> None:
    ask = {"head": {"vars": ["__ASK_RETVAL"]}, "results": {"bindings": []}}
    engine = Engine("Virtuoso/07.20.3229", lambda request, form: _json(ask))
    store = engine.store(VIRTUOSO)
    assert store.query("ASK { ?s ?p ?o }", format="text/tab-separated-values") == b"false"
    assert engine.requests[-1].headers["accept"] == "application/sparql-results+json"


def test_graphs_keeps_only_medfuse_graphs() -> None:
    assert Engine("Virtuoso/07.20.3229").store(VIRTUOSO).graphs() == ["https://w3id.org/medfuse/graph/meta"]


def test_replace_graph_puts_n_triples_with_digest_auth_on_virtuoso() -> None:
    def respond(request: httpx.Request, form: dict) -> httpx.Response:
        if request.method == "PUT" and "authorization" not in request.headers:
            return httpx.Response(401, headers={"www-authenticate": 'Digest realm="SPARQL", nonce="abc", qop="auth"'})
        return httpx.Response(201)

    engine = Engine("Virtuoso/07.20.3229", respond)
    store = engine.store(VIRTUOSO, credentials="dba:dba")
    store.replace_graph("https://w3id.org/medfuse/graph/x", [(S, P, Literal("a\nb"))])
    put = engine.requests[-1]
    assert put.method == "PUT" and put.url.path == "/sparql-graph-crud-auth"
    assert put.url.params["graph"] == "https://w3id.org/medfuse/graph/x"
    assert put.headers["content-type"] == "application/n-triples"
    assert put.headers["authorization"].startswith("Digest ")
    assert put.content == b'<urn:s> <urn:p> "a\\nb" .\n'


def test_replace_graph_with_nothing_deletes_the_graph() -> None:
    engine = Engine("Oxigraph/0.5.13", lambda request, form: httpx.Response(404))
    engine.store(OXIGRAPH).replace_graph("https://w3id.org/medfuse/graph/x", [])  # a missing graph is fine
    assert engine.requests[-1].method == "DELETE"


@pytest.mark.parametrize("response, error, message", [
    (httpx.Response(206, headers={"x-sql-state": "S1TAT"}), StoreError, "partial answer"),
    (httpx.Response(500, headers={"x-sql-state": "S1TAT"}, text="timeout"), StoreError, "partial answer"),
    (_json(_ONE_ROW, **{"x-sparql-maxrows": "10000"}), StoreError, "cut the answer at 10000 rows"),
    (httpx.Response(400, text="Virtuoso 37000 Error SP030: syntax error"), QueryError, "rejected the query: Virtuoso 37000"),
    (httpx.Response(401, text="Unauthorized"), StoreError, "check the credentials"),
    (httpx.Response(503, text="Service Unavailable"), StoreError, "answered HTTP 503"),
])
def test_engine_errors_name_the_url(response: httpx.Response, error: type, message: str) -> None:
    store = Engine("Virtuoso/07.20.3229", lambda request, form: response).store(VIRTUOSO)
    with pytest.raises(error, match=message) as raised:
        store.query("SELECT * WHERE { ?s ?p ?o }")
    assert VIRTUOSO in str(raised.value)


def test_a_format_the_query_form_cannot_take() -> None:
    store = Engine("Oxigraph/0.5.13").store(OXIGRAPH)
    with pytest.raises(QueryError, match="cannot be written as text/turtle"):
        store.query("SELECT * {}", format="text/turtle")
    with pytest.raises(QueryError, match="cannot be written as text/csv"):
        store.query("CONSTRUCT WHERE { ?s ?p ?o }", format="text/csv")


def test_an_engine_answering_another_media_type_is_an_error() -> None:
    engine = Engine("Oxigraph/0.5.13", lambda request, form: httpx.Response(200, headers={"content-type": "text/html"}))
    with pytest.raises(StoreError, match="answered text/html when asked for text/turtle"):
        engine.store(OXIGRAPH).query("CONSTRUCT WHERE { ?s ?p ?o }", format="text/turtle")


def _raising(error: Exception) -> SparqlHttpStore:
    def handler(request: httpx.Request) -> httpx.Response:
        raise error

    return SparqlHttpStore(VIRTUOSO, engine="oxigraph", transport=httpx.MockTransport(handler))


def test_a_slow_engine_is_a_query_timeout() -> None:
    with pytest.raises(QueryTimeoutError, match="2 s time limit"):
        _raising(httpx.ReadTimeout("slow")).query("SELECT * {}", timeout=2)


@pytest.mark.parametrize("error", [httpx.ConnectError("Connection refused"), httpx.ConnectTimeout("no SYN-ACK")])
def test_an_unreachable_engine_is_a_store_error_naming_the_url(error: Exception) -> None:
    with pytest.raises(StoreError, match="cannot reach the SPARQL engine at http://127.0.0.1:18890/sparql/query"):
        _raising(error).query("SELECT * {}")
