"""``/api/v1/queries``: the named queries of ``queries/``, callable with parameters.

Parameters are bound as RDF terms of their declared kinds; no input is pasted into SPARQL text.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel

from medfuse.kg.errors import QueryError
from medfuse.kg.queries import load_query, query_names
from medfuse.service.deps import RuntimeDep

__all__ = ["router"]

router = APIRouter(prefix="/queries", tags=["queries"])


class QueryInfo(BaseModel):
    """A named query and its parameters."""

    name: str
    description: str
    params: dict[str, str]
    text: str


def _info(name: str) -> QueryInfo:
    query = load_query(name)
    return QueryInfo(name=name, description=query.description, text=query.text,
                     params={p.name: f"{p.kind} {p.description}".strip() for p in query.params})


@router.get("", response_model=list[QueryInfo], summary="List the named queries")
def list_queries() -> list[QueryInfo]:
    """Every named query with its description and parameters."""
    return [_info(name) for name in query_names()]


@router.get("/{name}", summary="Run a named query",
            responses={200: {"content": {"application/sparql-results+json": {}}}})
def run_query(runtime: RuntimeDep, name: str, request: Request) -> Response:
    """Run ``name`` with query-string parameters (``?term=UBERON:0002113``); SPARQL JSON results."""
    query = load_query(name)
    values = dict(request.query_params)
    bindings = query.bindings(values)
    body = runtime.store.query(query.text, bindings, format="application/sparql-results+json")
    if not isinstance(body, bytes):
        raise QueryError("the store did not return serialized results")
    return Response(body, media_type="application/sparql-results+json")
