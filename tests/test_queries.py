"""Every named query parses, declares its parameters, and binds them as RDF terms only."""

from __future__ import annotations

import re

import pyoxigraph
import pytest
from rdflib import Literal, URIRef

from medfuse.kg.errors import QueryError, UnknownQueryError
from medfuse.kg.queries import inject_values, load_query, query_names


@pytest.mark.parametrize("name", query_names())
def test_query_parses_and_declares_its_params(name: str) -> None:
    query = load_query(name)
    assert query.description, f"{name}.rq needs a leading comment saying what it answers"
    body = "\n".join(line for line in query.text.splitlines() if not line.startswith("#"))
    for param in query.params:
        assert re.search(rf"\?{param.name}\b", body), f"?{param.name} is declared but unused in {name}.rq"
    pyoxigraph.Store().query(query.text)  # raises SyntaxError when malformed


def test_unknown_query_suggests() -> None:
    with pytest.raises(UnknownQueryError, match="facet_match"):
        load_query("facet_matches")


def test_values_injection_keeps_hostile_text_a_literal() -> None:
    hostile = 'x" } ; DROP ALL ; SELECT * WHERE { "'
    text = inject_values(load_query("quality_issues").text, {"kind": Literal(hostile)})
    store = pyoxigraph.Store()
    assert list(store.query(text)) == []  # still one well-formed SELECT


def test_iri_params_reject_non_iris() -> None:
    with pytest.raises(QueryError):
        load_query("facet_match").bindings({"term": "not an iri> <x"})
    assert load_query("facet_match").bindings({"term": "UBERON:0002107"})["term"] == URIRef(
        "http://purl.obolibrary.org/obo/UBERON_0002107")
