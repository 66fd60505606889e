"""``/api/v1/labels``: label normalization, a dataset's labels, labels by anatomy, counts, SSSOM."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field

from medfuse.kg.build import medfuse_version
from medfuse.kg.catalog import TermRef
from medfuse.kg.labels import (
    DatasetLabel,
    RelatedLabel,
    dataset_labels,
    export_sssom,
    label_stats,
    related_labels,
)
from medfuse.kg.normalize import Normalized
from medfuse.service.deps import CatalogDep

__all__ = ["router"]

router = APIRouter(prefix="/labels", tags=["labels"])


class NormalizeRequest(BaseModel):
    """Raw label names to normalize, with an optional modality hint."""

    names: list[Annotated[str, Field(min_length=1, max_length=300)]] = Field(min_length=1, max_length=5000)
    modality: str | None = Field(None, max_length=50)


class RelatedLabels(BaseModel):
    """Labels related to an anatomy term."""

    anatomy: TermRef
    labels: list[RelatedLabel]


@router.post("/normalize", response_model=list[Normalized], summary="Map raw label names to ontology terms")
def normalize_names(body: NormalizeRequest) -> list[Normalized]:
    """Normalize names such as ``"Lt. Kidney"`` or ``"GTVp"``; meaningless names abstain."""
    from medfuse.kg.normalize import load_normalizer  # its indexes are built on first use

    normalizer = load_normalizer()
    return [normalizer.normalize(name, modality=body.modality) for name in body.names]


@router.get("/stats", summary="Counts of the label layer")
def stats(catalog: CatalogDep) -> dict[str, int]:
    """Datasets with label lists, labels, mapped and unmappable labels."""
    return label_stats(catalog)


@router.get("/find", response_model=RelatedLabels, summary="Labels of an anatomical structure and its parts")
def find(catalog: CatalogDep, anatomy: Annotated[str, Query(min_length=1, max_length=200, examples=["kidney"])]) -> RelatedLabels:
    """Every dataset label of the structure, of a part or kind of it, or of a lesion in it."""
    asked, rows = related_labels(catalog, anatomy)
    return RelatedLabels(anatomy=asked, labels=rows)


@router.get("/sssom", response_class=PlainTextResponse, summary="All label mappings as SSSOM TSV",
            responses={200: {"content": {"text/tab-separated-values": {}}}})
def sssom(catalog: CatalogDep) -> PlainTextResponse:
    """The label mappings of the graph as an SSSOM mapping set."""
    return PlainTextResponse(export_sssom(catalog, version=medfuse_version()), media_type="text/tab-separated-values")


@router.get("/{dataset}", response_model=list[DatasetLabel], summary="A dataset's labels")
def labels_of(catalog: CatalogDep, dataset: str) -> list[DatasetLabel]:
    """Label values, local names and mapped terms of one dataset."""
    return dataset_labels(catalog, dataset)
