"""``/api/v1/datasets``: search with the facets of ``medfuse search``, and dataset detail.

Both answer from the graph's answer cache (:meth:`~medfuse.service.runtime.Runtime.answer`);
``response_model`` documents the JSON they send.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel

from medfuse.kg.catalog import Catalog, DatasetDetail
from medfuse.kg.search import Constraint, Match, NearMatch, is_cheap, search_hits
from medfuse.service.deps import RuntimeDep
from medfuse.service.pages import search_page_json

__all__ = ["router"]

router = APIRouter(prefix="/datasets", tags=["datasets"])


class Page(BaseModel):
    """One page of a list."""

    total: int
    items: list


class StrictPage(Page):
    """A page of strict matches."""

    items: list[Match]


class NearPage(Page):
    """A page of near matches."""

    items: list[NearMatch]


class SearchPage(BaseModel):
    """A search answer: how each term was resolved, then strict and near matches, paginated."""

    query: dict[str, Constraint]
    page: int
    per_page: int
    strict: StrictPage
    near: NearPage


@router.get("", response_model=SearchPage, summary="Search datasets (ontology-aware)")
async def search_datasets(
    runtime: RuntimeDep,
    modality: Annotated[str | None, Query(max_length=200, examples=["MRI"])] = None,
    anatomy: Annotated[str | None, Query(max_length=200, examples=["abdomen"])] = None,
    disease: Annotated[str | None, Query(max_length=200, examples=["glioma"])] = None,
    task: Annotated[str | None, Query(max_length=200, examples=["segmentation"])] = None,
    dim: Annotated[str | None, Query(max_length=200, examples=["3D"])] = None,
    access: Annotated[str | None, Query(max_length=200, examples=["open"])] = None,
    labelled: bool | None = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=500)] = 50,
) -> Response:
    """Datasets meeting every constraint (``strict``) and those missing exactly one (``near``).

    Terms are free text or CURIEs, resolved through ontology labels and synonyms; the hierarchy
    is used (``anatomy=abdomen`` finds liver datasets).
    """
    options = {"modality": modality, "anatomy": anatomy, "disease": disease, "task": task, "dim": dim,
               "access": access, "labelled": labelled}

    def answer(catalog: Catalog) -> bytes:
        hits = search_hits(catalog, limit=per_page, offset=(page - 1) * per_page, **options)
        return search_page_json(catalog, hits, page=page, per_page=per_page)

    return await runtime.answer(("search", *options.values(), page, per_page), answer,
                                inline=lambda catalog: is_cheap(catalog, **options))


@router.get("/{dataset}", response_model=DatasetDetail, summary="One dataset")
async def dataset_detail(runtime: RuntimeDep, dataset: str) -> Response:
    """A dataset by id or name: facets as terms, source records, quality issues."""
    return await runtime.answer(("detail", dataset), lambda catalog: catalog.detail(dataset))
