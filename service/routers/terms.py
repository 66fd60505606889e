"""``/api/v1/terms``: term lookup and autocomplete over every shipped term set."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel

from medfuse.kg.errors import UnknownTermError
from medfuse.service.deps import RuntimeDep

__all__ = ["router"]

router = APIRouter(prefix="/terms", tags=["terms"])
Facet = Literal["modality", "anatomy", "disease", "task", "annotation", "dim", "access"]


class TermHit(BaseModel):
    """A term found by autocompletion, with the name that matched."""

    id: str
    label: str
    matched: str
    facet: str | None


class TermInfo(BaseModel):
    """A term with its synonyms, parents and children."""

    id: str
    label: str
    facet: str | None
    synonyms: list[str]
    parents: list[dict[str, str]]
    children: list[dict[str, str]]


@router.get("", response_model=list[TermHit], summary="Autocomplete terms")
def complete_terms(
    runtime: RuntimeDep,
    q: Annotated[str, Query(min_length=1, max_length=200, examples=["kidn"])],
    facet: Facet | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
) -> list[TermHit]:
    """Terms whose label or a synonym starts with ``q`` (case-insensitive), shortest first."""
    return [TermHit(id=t.curie, label=t.label, matched=name, facet=t.facet)
            for t, name in runtime.terms.complete(q, facet, limit=limit)]


@router.get("/resolve", response_model=TermHit, summary="Resolve free text to one term")
def resolve_term(
    runtime: RuntimeDep,
    q: Annotated[str, Query(min_length=1, max_length=200, examples=["MRI"])],
    facet: Facet,
) -> TermHit:
    """The term ``medfuse search`` would use for this text in this facet."""
    resolution = runtime.terms.resolve(q, facet)
    return TermHit(id=resolution.curie, label=resolution.label, matched=resolution.via, facet=facet)


@router.get("/{curie}", response_model=TermInfo, summary="One term")
def term_info(runtime: RuntimeDep, curie: str) -> TermInfo:
    """A term by CURIE (``UBERON:0002113``) with its direct parents and children."""
    terms = runtime.terms
    entry = terms.get(curie)
    if entry is None:
        raise UnknownTermError(curie, "any", terms.suggest(curie))
    ref = lambda c: {"id": c, "label": terms.label(c)}  # noqa: E731
    return TermInfo(id=entry.curie, label=entry.label, facet=entry.facet, synonyms=list(entry.synonyms),
                    parents=[ref(p) for p in entry.parents], children=[ref(c) for c in terms.children(entry.curie)[:200]])
