"""The store contract: every backend gives the embedded store's answers.

Backends: ``embedded`` (the session's on-disk build, ``conftest.built_store``), and two real engines
reached with :class:`~medfuse.kg.backends.sparql_http.SparqlHttpStore`, each built once per session
with ``build(URL, token=...)``: ``oxigraph`` (``MEDFUSE_TEST_OXIGRAPH``) and ``virtuoso``
(``MEDFUSE_TEST_VIRTUOSO``). Without the variable a remote backend skips. Start both with::

    bash .ci/engines.sh start /tmp/engines && . /tmp/engines/env
    python -m pytest tests/test_contract.py -q

Every named query of ``queries/`` runs on each remote backend with representative bindings (and
with each optional parameter also unbound) and must give the same rows as the embedded store: a
sorted multiset of N-Triples terms, or, for a query with ``ORDER BY`` on plain variables, the same
sequence of sort keys too.
"""

from __future__ import annotations

import difflib
import itertools
import os
import re
import socket
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Literal, URIRef
from rdflib.term import Identifier

from medfuse.kg.backends.oxigraph import GRAPH_FORMATS, RESULT_FORMATS
from medfuse.kg.backends.sparql_http import SparqlHttpStore, nt_term
from medfuse.kg.build import build
from medfuse.kg.catalog import Catalog
from medfuse.kg.errors import StoreError
from medfuse.kg.namespaces import GRAPH, MF, MFD, term
from medfuse.kg.queries import load_query, query_names
from medfuse.kg.search import search
from medfuse.kg.store import Result, Store, open_store
from medfuse.kg.terms import TermIndex

#: Remote backend → the environment variable naming its endpoint.
ENGINE_URLS = {"oxigraph": "MEDFUSE_TEST_OXIGRAPH", "virtuoso": "MEDFUSE_TEST_VIRTUOSO"}
#: Remote backend → credentials for writes (``.ci/engines.sh`` keeps Virtuoso's dba/dba on loopback).
ENGINE_TOKENS = {"oxigraph": None, "virtuoso": "dba:dba"}
REMOTES = [pytest.param(name, marks=pytest.mark.engine, id=name) for name in ENGINE_URLS]
BACKENDS = [pytest.param("embedded", id="embedded"), *REMOTES]

MF_PREFIX = "PREFIX mf: <https://w3id.org/medfuse/vocab#>\n"
#: A string parameter value that would break out of a pasted-in literal.
HOSTILE = ['x" } DROP ALL ; #', "'} DROP ALL", '"""} DROP ALL', "\\u0022} . ?s ?p ?o #", "{ }\n}\r\t\\"]

#: Parameter names → representative values; names in one key are bound together.
SAMPLES: dict[tuple[str, ...], list[tuple[Identifier, ...]]] = {
    ("facet", "term"): [
        (MF.anatomy, term("UBERON:0000916")),  # abdomen: finds liver, kidney, pancreas datasets
        (MF.modality, term("DCM:MR")),  # MR: finds "CT/MR" datasets
        (MF.disease, term("MONDO:0021042")),  # glioma: finds glioblastoma datasets
        (MF.task, term("mftask:segmentation")),
    ],
    ("anatomy",): [(term("UBERON:0002113"),), (term("UBERON:0000916"),)],  # kidney, abdomen
    ("labelled",): [(Literal(True),), (Literal(False),)],
    ("kind",): [(Literal("field-holds-anatomy"),), (Literal("conflicting-sources"),), (Literal(HOSTILE[0]),)],
}
#: Declared kind → fallback values for a parameter SAMPLES does not name.
KIND_SAMPLES: dict[str, list[Identifier]] = {
    "boolean": [Literal(True), Literal(False)],
    "string": [Literal("x"), Literal(HOSTILE[0])],
    "integer": [Literal(1)],
    "decimal": [Literal(0.5)],
}
#: Searches compared across backends.
SEARCHES = [{"anatomy": "abdomen"}, {"disease": "glioma"}, {"modality": "MRI", "task": "segmentation"},
            {"modality": "CT", "anatomy": "liver", "task": "segmentation", "dim": "3D"}]


# --- fixtures --------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def embedded(built_store: Path) -> Iterator[Store]:
    """The embedded store: the session's on-disk build, opened read-only."""
    store = open_store(built_store)
    yield store
    store.close()


@pytest.fixture(scope="session")
def _remotes() -> Iterator[dict[str, Store | Exception]]:
    """Remote backend → its built store (or the error its build raised), filled on first use."""
    opened: dict[str, Store | Exception] = {}
    yield opened
    for store in opened.values():
        if not isinstance(store, Exception):
            store.close()


def _remote(name: str, remotes: dict[str, Store | Exception]) -> Store:
    url = os.environ.get(ENGINE_URLS[name])
    if not url:
        pytest.skip(f"{ENGINE_URLS[name]} is not set; start the engines with "
                    "`bash .ci/engines.sh start DIR && . DIR/env`")
    if name not in remotes:
        try:
            remotes[name] = _build_remote(url, ENGINE_TOKENS[name])
        except Exception as error:  # noqa: BLE001 - kept, so every later test reports it too
            remotes[name] = error
    found = remotes[name]
    if isinstance(found, Exception):
        raise found
    return found


def _build_remote(url: str, token: str | None) -> Store:
    """Empty the engine's medfuse graphs, then build into it once."""
    store = open_store(url, token=token)
    for graph in store.graphs():  # leftovers of an earlier run or another build
        store.replace_graph(graph, [])
    started = time.perf_counter()
    report = build(url, token=token)
    print(f"\nbuilt {report.datasets} datasets, {sum(report.triples.values()):,} triples into {url} "
          f"in {time.perf_counter() - started:.1f} s")
    return store


@pytest.fixture(scope="session", params=REMOTES)
def remote(request: pytest.FixtureRequest, _remotes: dict) -> Store:
    """Each remote engine, built once per session."""
    return _remote(request.param, _remotes)


@pytest.fixture(scope="session", params=BACKENDS)
def store(request: pytest.FixtureRequest, embedded: Store, _remotes: dict) -> Store:
    """Every backend: the embedded store and each remote engine."""
    return embedded if request.param == "embedded" else _remote(request.param, _remotes)


@pytest.fixture(scope="session")
def dataset_samples(embedded: Store) -> list[tuple[Identifier]]:
    """Datasets to bind ``?dataset`` to: one with labels, one with quality issues, one unknown."""
    found = []
    for prop in (MF.hasLabel, MF.qualityIssue, MF.sourceRecord):
        result = embedded.query(f"SELECT ?d WHERE {{ ?d <{prop}> ?x }} ORDER BY ?d LIMIT 1")
        found += [row[0] for row in result.rows if row[0] not in found]  # type: ignore[union-attr]
    return [(d,) for d in found] + [(MFD["no-such-dataset"],)]


# --- comparing answers -----------------------------------------------------------------------


def _cases(name: str, datasets: list[tuple[Identifier]]) -> list[dict[str, Identifier]]:
    """The bindings to run a named query with: samples for each parameter, optional ones also unbound."""
    params = {p.name: p for p in load_query(name).params}
    groups: list[list[dict[str, Identifier]]] = []
    left = set(params)
    samples = {**SAMPLES, ("dataset",): datasets}
    for names, values in samples.items():
        if set(names) <= left:
            left -= set(names)
            groups.append([dict(zip(names, row)) for row in values])
    for name_ in sorted(left):
        kind = params[name_].kind
        values = KIND_SAMPLES.get(kind) or ([d for (d,) in datasets] if kind == "iri" else [])
        assert values, f"no sample values for ?{name_} ({kind}) of {name}: add them to SAMPLES"
        groups.append([{name_: v} for v in values])
    for group in groups:
        if all(params[n].description.startswith("optional") for n in group[0]):
            group.append({})
    return [dict(item for part in combo for item in part.items()) for combo in itertools.product(*groups)]


def _nt(value: Identifier | None) -> str:
    return "UNDEF" if value is None else nt_term(value)


def _normalize(name: str, variables: list[str], row: tuple) -> tuple[str, ...]:
    """N-Triples of a row; a build's creation time only has to be a date-time (builds differ in time)."""
    out = []
    for variable, value in zip(variables, row):
        if (name, variable) == ("graph_meta", "created"):
            assert isinstance(value, Literal) and isinstance(value.toPython(), datetime), value
            out.append("<a date-time>")
        else:
            out.append(_nt(value))
    return tuple(out)


def _order_keys(text: str) -> list[str] | None:
    """Return the variables of ``ORDER BY`` when it sorts on plain variables only, else None."""
    match = re.search(r"\bORDER\s+BY\s+(.*?)(?:\bLIMIT\b|\bOFFSET\b|$)", text, re.IGNORECASE | re.DOTALL)
    if match is None:
        return None
    tokens = re.findall(r"(?:ASC|DESC)\s*\(\s*\?(\w+)\s*\)|\?(\w+)|(\S)", match.group(1), re.IGNORECASE)
    if any(other for _, _, other in tokens):
        return None
    return [a or b for a, b, _ in tokens]


def _canonical(name: str, text: str, result: Result) -> list[str]:
    """Rows as lines: sorted, or grouped by sort key in answer order when the query orders them."""
    assert result.kind == "select", f"{name} is not a SELECT"
    rows = [_normalize(name, result.variables, row) for row in result.rows]
    keys = _order_keys(text)
    if not keys or not set(keys) <= set(result.variables):
        return sorted(" ".join(r) for r in rows)
    index = [result.variables.index(k) for k in keys]
    lines = []
    for key, group in itertools.groupby(rows, key=lambda r: tuple(r[i] for i in index)):
        lines.append(f"-- ORDER BY key {' '.join(key)}")
        lines += sorted("   " + " ".join(r) for r in group)
    return lines


def _diff(expected: list[str], got: list[str], label: str) -> str:
    lines = list(difflib.unified_diff(expected, got, "embedded", label, lineterm="", n=1))
    shown = lines[:60] + ([f"... {len(lines) - 60} more diff lines"] if len(lines) > 60 else [])
    return "\n".join(shown)


# --- named queries ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", query_names())
def test_named_query_agrees_with_embedded(name: str, remote: Store, embedded: Store,
                                          dataset_samples: list) -> None:
    query = load_query(name)
    problems = []
    cases = _cases(name, dataset_samples)
    nonempty = 0
    for bindings in cases:
        shown = {k: _nt(v) for k, v in bindings.items()}
        try:
            expected_result = embedded.query(query.text, bindings)
        except Exception as error:  # noqa: BLE001 - the reference store failing is a finding too
            problems.append(f"{name} {shown}: the embedded store raised {type(error).__name__}: {error}")
            continue
        got_result = remote.query(query.text, bindings)
        assert isinstance(expected_result, Result) and isinstance(got_result, Result)
        expected = _canonical(name, query.text, expected_result)
        got = _canonical(name, query.text, got_result)
        nonempty += bool(expected)
        if got != expected:
            problems.append(f"{name} {shown}: {len(got_result.rows)} rows, embedded "
                            f"{len(expected_result.rows)}\n{_diff(expected, got, remote.location)}")
    assert not problems, "\n\n".join(problems)
    assert nonempty, f"every case of {name} is empty on the embedded store: the samples test nothing"


def test_cases_cover_optional_parameters(dataset_samples: list) -> None:
    cases = _cases("quality_issues", dataset_samples)
    assert {} in cases  # both optional parameters unbound
    assert any(set(c) == {"dataset", "kind"} for c in cases)
    assert all(set(c) == {"facet", "term"} for c in _cases("facet_match", dataset_samples))


def test_order_keys() -> None:
    assert _order_keys("SELECT * WHERE {} ORDER BY ?facet DESC(?datasets) ?term") == ["facet", "datasets", "term"]
    assert _order_keys("SELECT * WHERE {} ORDER BY STR(?x)") is None
    assert _order_keys("SELECT * WHERE {}") is None


# --- consumers -------------------------------------------------------------------------------


def _search_dump(catalog: Catalog, options: dict) -> dict:
    dump = search(catalog, **options).model_dump()
    for match in dump["strict"] + dump["near"]:
        match["matched"] = {k: sorted(v) for k, v in match["matched"].items()}  # facet_match has no ORDER BY
    return dump


@pytest.mark.parametrize("options", SEARCHES, ids=lambda o: "+".join(f"{k}={v}" for k, v in o.items()))
def test_search_agrees_with_embedded(options: dict, remote: Store, embedded: Store, terms: TermIndex) -> None:
    expected = _search_dump(Catalog(embedded, terms), options)
    got = _search_dump(Catalog(remote, terms), options)
    assert expected["strict"], f"{options} finds nothing on the embedded store"
    assert got == expected


def test_summaries_agree_with_embedded(remote: Store, embedded: Store, terms: TermIndex) -> None:
    expected = {k: v.model_dump() for k, v in Catalog(embedded, terms).summaries.items()}
    got = {k: v.model_dump() for k, v in Catalog(remote, terms).summaries.items()}
    assert list(got) == list(expected)
    different = [k for k in expected if got[k] != expected[k]]
    assert not different, f"{len(different)} summaries differ, e.g. {different[0]}:\n" \
        f"embedded {expected[different[0]]}\nremote   {got[different[0]]}"


# --- the Store protocol on every backend -----------------------------------------------------


def test_ask_returns_a_real_boolean(store: Store) -> None:
    yes = store.query(MF_PREFIX + "ASK { ?d a mf:Dataset }")
    no = store.query(MF_PREFIX + "ASK { ?d a mf:NoSuchClass }")
    assert isinstance(yes, Result) and yes.kind == "ask" and yes.boolean is True
    assert isinstance(no, Result) and no.kind == "ask" and no.boolean is False


def test_ask_with_bindings(store: Store) -> None:
    result = store.query(MF_PREFIX + "ASK WHERE { ?d a mf:Dataset ; mf:labelled ?labelled }",
                         {"labelled": Literal(True)})
    assert isinstance(result, Result) and result.boolean is True


_SELECT = MF_PREFIX + "SELECT ?d ?n WHERE { ?d a mf:Dataset ; mf:sampleCount ?n } ORDER BY ?d LIMIT 5"
_CONSTRUCT = MF_PREFIX + "CONSTRUCT { ?d a mf:Dataset } WHERE { ?d a mf:Dataset } LIMIT 5"


@pytest.mark.parametrize("media_type", list(RESULT_FORMATS))
def test_select_and_ask_in_each_results_format(store: Store, embedded: Store, media_type: str) -> None:
    data = store.query(_SELECT, format=media_type)
    assert isinstance(data, bytes)
    expected = embedded.query(_SELECT)
    if media_type == "text/csv":  # CSV drops term types: compare the plain strings
        lines = data.decode("utf-8").splitlines()
        assert lines[0] == "d,n"
        assert lines[1:] == [f"{d},{n}" for d, n in expected.rows]
    else:
        parsed = ox.parse_query_results(data, format=RESULT_FORMATS[media_type])
        assert [v.value for v in parsed.variables] == ["d", "n"]
        assert [(s["d"].value, s["n"].value) for s in parsed] == [(str(d), str(n)) for d, n in expected.rows]
    for question, answer in [("ASK { ?d a mf:Dataset }", "true"), ("ASK { ?d a mf:NoSuchClass }", "false")]:
        data = store.query(MF_PREFIX + question, format=media_type)
        if media_type == "text/csv":
            assert data.decode("utf-8").strip() == answer
        else:
            assert bool(ox.parse_query_results(data, format=RESULT_FORMATS[media_type])) is (answer == "true")


@pytest.mark.parametrize("media_type", list(GRAPH_FORMATS))
def test_construct_in_each_rdf_format(store: Store, media_type: str) -> None:
    data = store.query(_CONSTRUCT, format=media_type)
    assert isinstance(data, bytes)
    triples = list(ox.parse(data, format=GRAPH_FORMATS[media_type]))
    assert len(triples) == 5
    assert all(t.predicate.value.endswith("#type") for t in triples)


def test_construct_as_result(store: Store) -> None:
    result = store.query(_CONSTRUCT)
    assert isinstance(result, Result) and result.kind == "graph" and len(result.triples) == 5
    assert all(isinstance(s, URIRef) for s, _, _ in result.triples)


def test_graphs_lists_the_medfuse_graphs(store: Store, embedded: Store) -> None:
    graphs = store.graphs()
    assert graphs == sorted(graphs)
    assert graphs == embedded.graphs()
    for name in ("meta", "ontology", "closure", "vocab", "imaging-x", "literature"):
        assert str(GRAPH[name]) in graphs


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_literal_bindings_stay_literals(store: Store, text: str) -> None:
    echoed = store.query("SELECT ?v WHERE { }", {"v": Literal(text)})
    assert isinstance(echoed, Result) and echoed.rows == [(Literal(text),)]
    query = load_query("quality_issues")
    assert store.query(query.text, {"kind": Literal(text)}).rows == []  # type: ignore[union-attr]
    assert str(GRAPH["meta"]) in store.graphs()  # nothing was dropped


# --- an engine that is down ------------------------------------------------------------------


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("path, engine", [("/sparql", None), ("", None), ("/sparql", "virtuoso"), ("/query", "oxigraph")])
def test_engine_down_raises_store_error_naming_the_url(path: str, engine: str | None) -> None:
    port = _closed_port()
    store = SparqlHttpStore(f"http://127.0.0.1:{port}{path}", timeout=5, engine=engine)
    started = time.perf_counter()
    with pytest.raises(StoreError, match=re.escape(f"http://127.0.0.1:{port}")):
        store.query("ASK {}")
    assert time.perf_counter() - started < 2
    with pytest.raises(StoreError):
        store.replace_graph("https://w3id.org/medfuse/graph/x", [(URIRef("urn:s"), URIRef("urn:p"), Literal(1))])
    store.close()


# ------------------------------------------------------------------------------ the service on each engine


@pytest.fixture(scope="session")
def remote_server(remote: Store):  # noqa: ANN201
    """``medfuse serve`` over a remote engine: a real uvicorn server on loopback."""
    from medfuse.service.app import create_app
    from medfuse.service.settings import Settings
    from tests.conftest import LiveServer

    with LiveServer(create_app(location=remote.location, settings=Settings(query_timeout=10))) as live:
        yield live


SERVICE_CALLS = [
    ("/api/v1/datasets", {"anatomy": "abdomen", "modality": "CT", "per_page": 50}),
    ("/api/v1/datasets", {"disease": "glioma", "per_page": 50}),
    ("/api/v1/datasets/kits23", None),
    ("/api/v1/labels/amos22", None),
    ("/api/v1/labels/find", {"anatomy": "kidney"}),
    ("/api/v1/compat/kits23", {"with": "amos22"}),
    ("/api/v1/queries/facet_match", {"facet": "mf:anatomy", "term": "UBERON:0002113"}),
]


@pytest.mark.server
@pytest.mark.parametrize(("path", "params"), SERVICE_CALLS, ids=[c[0] + str(c[1] or "") for c in SERVICE_CALLS])
def test_service_answers_agree_with_embedded(path: str, params: dict | None, remote_server, server) -> None:  # noqa: ANN001
    import httpx

    def answer(url: str) -> object:
        response = httpx.get(url + path, params=params, timeout=60)
        assert response.status_code == 200, response.text[:500]
        data = response.json()
        if "results" in data:  # SPARQL JSON: compare as a sorted multiset of rows
            return sorted(str(sorted(b.items())) for b in data["results"]["bindings"])
        return data

    assert answer(remote_server.url) == answer(server.url)


@pytest.mark.server
def test_sparql_protocol_on_the_engine(remote_server) -> None:  # noqa: ANN001
    import httpx

    with httpx.Client(base_url=remote_server.url, timeout=60) as client:
        ask = client.get("/sparql", params={"query": "ASK { ?d a <https://w3id.org/medfuse/vocab#Dataset> }"})
        assert ask.status_code == 200 and ask.json()["boolean"] is True
        count = "SELECT (COUNT(?d) AS ?n) WHERE { ?d a <https://w3id.org/medfuse/vocab#Dataset> }"
        csv = client.post("/sparql", data={"query": count}, headers={"Accept": "text/csv"})
        assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
        assert int(csv.text.split()[1]) >= 1000
        assert client.get("/sparql", params={"query": "SELEKT"}).status_code == 400
