"""The HTTP service, exercised over real HTTP against a uvicorn server on loopback."""

from __future__ import annotations

import concurrent.futures
import json
import time

import httpx
import pytest

from medfuse.kg.catalog import Catalog
from medfuse.kg.search import search
from medfuse.service.routers.datasets import NearPage, SearchPage, StrictPage

pytestmark = pytest.mark.server

PROBLEM = "application/problem+json"
DATASET_COUNT = "SELECT (COUNT(?d) AS ?n) WHERE { ?d a <https://w3id.org/medfuse/vocab#Dataset> }"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


@pytest.fixture(scope="module")
def client(server) -> httpx.Client:  # noqa: ANN001
    with httpx.Client(base_url=server.url, timeout=30) as client:
        yield client


def test_health_and_version(client: httpx.Client) -> None:
    health = client.get("/api/v1/health").json()
    assert health["status"] == "ok" and health["datasets"] >= 1000
    version = client.get("/api/v1/version").json()
    assert version["snapshot"] and version["medfuse"]


def test_search_is_paginated_and_explains_resolution(client: httpx.Client) -> None:
    first = client.get("/api/v1/datasets", params={"anatomy": "abdomen", "modality": "CT", "per_page": 5}).json()
    assert first["query"]["anatomy"]["id"] == "UBERON:0000916"
    assert len(first["strict"]["items"]) == 5 and first["strict"]["total"] > 5
    second = client.get("/api/v1/datasets", params={"anatomy": "abdomen", "modality": "CT", "per_page": 5, "page": 2}).json()
    assert {d["id"] for d in first["strict"]["items"]}.isdisjoint({d["id"] for d in second["strict"]["items"]})
    assert first["near"]["items"][0]["reason"]


@pytest.mark.parametrize("params", [
    {},
    {"anatomy": "abdomen", "modality": "CT", "task": "segmentation", "per_page": 7, "page": 2},
    {"modality": "chest X-ray", "labelled": "false", "access": "open", "per_page": 500},
    {"disease": "MONDO:0021042", "dim": "3D", "per_page": 3, "page": 10_000},
])
def test_search_answer_is_the_page_model(client: httpx.Client, catalog: Catalog, params: dict) -> None:
    # The service joins pages from per-dataset JSON; they must be the bytes the documented model gives.
    page, per_page = params.get("page", 1), params.get("per_page", 50)
    # In the route's order of options, which is the order of the answer's "query".
    options = {k: params[k] for k in ("modality", "anatomy", "disease", "task", "dim", "access") if k in params}
    if "labelled" in params:
        options["labelled"] = params["labelled"] == "true"
    result = search(catalog, limit=per_page, offset=(page - 1) * per_page, **options)
    model = SearchPage(query=result.query, page=page, per_page=per_page,
                       strict=StrictPage(total=result.total_strict, items=result.strict),
                       near=NearPage(total=result.total_near, items=result.near))
    answer = client.get("/api/v1/datasets", params=params)
    assert answer.status_code == 200
    assert answer.content == model.__pydantic_serializer__.to_json(model)


@pytest.mark.parametrize("params", [{"per_page": 0}, {"per_page": 10_000}, {"page": -1}, {"page": "x"}, {"labelled": "maybe"}])
def test_absurd_pagination_is_a_problem(client: httpx.Client, params: dict) -> None:
    answer = client.get("/api/v1/datasets", params=params)
    assert answer.status_code == 422 and answer.headers["content-type"] == PROBLEM
    assert answer.json()["status"] == 422


def test_unknown_term_and_dataset_are_problems_with_suggestions(client: httpx.Client) -> None:
    answer = client.get("/api/v1/datasets", params={"anatomy": "kidnye"})
    assert answer.status_code == 404 and answer.headers["content-type"] == PROBLEM
    assert "kidney" in answer.json()["suggestions"]
    answer = client.get("/api/v1/datasets/LiTSS")
    assert answer.status_code == 404 and "LiTS" in answer.json()["detail"]


def test_dataset_detail(client: httpx.Client) -> None:
    detail = client.get("/api/v1/datasets/lits").json()
    assert detail["id"] == "lits" and detail["sources"] and "issues" in detail


def test_term_autocomplete_and_lookup(client: httpx.Client) -> None:
    hits = client.get("/api/v1/terms", params={"q": "kidn", "facet": "anatomy"}).json()
    assert hits[0]["id"] == "UBERON:0002113"
    info = client.get("/api/v1/terms/UBERON:0002113").json()
    assert "UBERON:0004538" in {c["id"] for c in info["children"]}  # left kidney
    assert client.get("/api/v1/terms/resolve", params={"q": "MRI", "facet": "modality"}).json()["id"] == "DCM:MR"


def test_named_queries_bind_parameters_safely(client: httpx.Client) -> None:
    names = {q["name"] for q in client.get("/api/v1/queries").json()}
    assert {"facet_match", "dataset_facts"} <= names
    answer = client.get("/api/v1/queries/facet_match", params={"facet": "mf:anatomy", "term": "UBERON:0002113"})
    assert answer.status_code == 200 and answer.json()["results"]["bindings"]
    hostile = client.get("/api/v1/queries/quality_issues", params={"kind": '"} } DROP ALL ; SELECT * { ?s ?p ?o'})
    assert hostile.status_code == 200 and hostile.json()["results"]["bindings"] == []
    assert client.get("/api/v1/queries/facet_match", params={"colour": "x"}).status_code == 400


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("application/sparql-results+json", "application/sparql-results+json"),
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv", "text/csv"),
        ("text/tab-separated-values", "text/tab-separated-values"),
        ("*/*", "application/sparql-results+json"),
    ],
)
def test_select_content_negotiation(client: httpx.Client, accept: str, expected: str) -> None:
    answer = client.get("/sparql", params={"query": DATASET_COUNT}, headers={"Accept": accept})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith(expected)


@pytest.mark.parametrize("accept", ["text/turtle", "application/n-triples", "application/rdf+xml", "application/ld+json"])
def test_construct_content_negotiation(client: httpx.Client, accept: str) -> None:
    query = "CONSTRUCT { ?d a ?t } WHERE { ?d a ?t } LIMIT 3"
    answer = client.post("/sparql", data={"query": query}, headers={"Accept": accept})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith(accept)


def test_query_via_post_direct_and_errors(client: httpx.Client) -> None:
    answer = client.post("/sparql", content=DATASET_COUNT, headers={"Content-Type": "application/sparql-query"})
    assert int(answer.json()["results"]["bindings"][0]["n"]["value"]) >= 1000
    bad = client.get("/sparql", params={"query": "SELEKT * WHERE {"})
    assert bad.status_code == 400 and "malformed query" in bad.text
    refused = client.get("/sparql", params={"query": DATASET_COUNT}, headers={"Accept": "image/png"})
    assert refused.status_code == 406


def test_service_description(client: httpx.Client) -> None:
    answer = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert answer.status_code == 200 and "sparql-service-description" in answer.text


def test_protocol_dataset_restricts_the_default_graph(client: httpx.Client) -> None:
    query = "SELECT (COUNT(?d) AS ?n) WHERE { ?d a <https://w3id.org/medfuse/vocab#Dataset> }"
    literature = client.get("/sparql", params={"query": query, "default-graph-uri": "https://w3id.org/medfuse/graph/literature"})
    everything = client.get("/sparql", params={"query": query})
    n = lambda r: int(r.json()["results"]["bindings"][0]["n"]["value"])  # noqa: E731
    assert 0 < n(literature) < n(everything)


def test_time_limit_stops_a_runaway_query_while_others_are_served(client: httpx.Client, server) -> None:  # noqa: ANN001
    limit = 3.0
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        started = time.monotonic()
        runaway = pool.submit(client.get, "/sparql", params={"query": RUNAWAY})
        time.sleep(0.3)
        served = []
        while not runaway.done():
            answer = client.get("/api/v1/datasets/lits")
            served.append(answer.status_code)
            time.sleep(0.2)
        answer = runaway.result()
        elapsed = time.monotonic() - started
    assert answer.status_code == 503 and "time limit" in answer.text
    assert elapsed < limit + 1.0
    assert served and set(served) == {200}
    assert client.get("/sparql", params={"query": DATASET_COUNT}).status_code == 200  # the pool recovered


def test_result_size_cap(client: httpx.Client) -> None:
    answer = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert answer.status_code == 400 and "LIMIT" in answer.text


def test_request_size_cap(client: httpx.Client) -> None:
    answer = client.post("/sparql", content="#" * 200_000, headers={"Content-Type": "application/sparql-query"})
    assert answer.status_code == 413


def test_cors(client: httpx.Client) -> None:
    answer = client.get("/api/v1/health", headers={"Origin": "https://example.org"})
    assert answer.headers["access-control-allow-origin"] == "*"


def test_updates_are_off_without_a_token(client: httpx.Client) -> None:
    answer = client.post("/update", data={"update": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"})
    assert answer.status_code == 403


def test_updates_with_a_token(writable_server) -> None:  # noqa: ANN001
    with httpx.Client(base_url=writable_server.url, timeout=30) as client:
        update = {"update": "INSERT DATA { GRAPH <urn:test> { <urn:a> <urn:b> 'c' } }"}
        assert client.post("/update", data=update).status_code == 401
        assert client.post("/update", data=update, headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert client.post("/update", data=update, headers={"Authorization": "Bearer secret"}).status_code == 204
        answer = client.get("/sparql", params={"query": "ASK { <urn:a> <urn:b> 'c' }"})
        assert json.loads(answer.text)["boolean"] is True
        assert client.get("/api/v1/health").json()["datasets"] == 8


@pytest.mark.parametrize(("path", "params"), [
    ("/api/v1/datasets", {"anatomy": "kidney", "per_page": 7, "page": 3}),
    ("/api/v1/datasets/kits19", None),
    ("/api/v1/compat/kits19", {"top": 7}),
])
def test_answers_are_cached_per_graph(client: httpx.Client, path: str, params: dict | None) -> None:
    answers = [client.get(path, params=params) for _ in range(2)]
    assert [a.headers["x-cache"] for a in answers] == ["miss", "hit"]  # no other test asks exactly this
    assert answers[0].content == answers[1].content
    assert answers[1].headers["content-type"] == "application/json"


def test_errors_are_not_cached(client: httpx.Client) -> None:
    for _ in range(2):
        answer = client.get("/api/v1/datasets/no-such-dataset")
        assert answer.status_code == 404 and "x-cache" not in answer.headers


def test_a_write_drops_the_cached_answers(writable_server) -> None:  # noqa: ANN001
    with httpx.Client(base_url=writable_server.url, timeout=30) as client:
        dataset = client.get("/api/v1/datasets", params={"anatomy": "kidney"}).json()["strict"]["items"][0]["id"]
        assert client.get(f"/api/v1/datasets/{dataset}").json()["name"] != "Renamed"
        assert client.get(f"/api/v1/datasets/{dataset}").headers["x-cache"] == "hit"
        iri = f"https://w3id.org/medfuse/dataset/{dataset}"
        rename = (f"DELETE {{ GRAPH ?g {{ <{iri}> <http://purl.org/dc/terms/title> ?t }} }} "
                  f"INSERT {{ GRAPH ?g {{ <{iri}> <http://purl.org/dc/terms/title> 'Renamed' }} }} "
                  f"WHERE {{ GRAPH ?g {{ <{iri}> <http://purl.org/dc/terms/title> ?t }} }}")
        answer = client.post("/update", data={"update": rename}, headers={"Authorization": "Bearer secret"})
        assert answer.status_code == 204
        detail = client.get(f"/api/v1/datasets/{dataset}")
        assert detail.headers["x-cache"] == "miss" and detail.json()["name"] == "Renamed"
