"""``/api/v1/health`` and ``/api/v1/version``."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from medfuse.kg.build import medfuse_version
from medfuse.kg.catalog import run_named
from medfuse.service.deps import RuntimeDep

__all__ = ["router"]

router = APIRouter(tags=["health"])


class Health(BaseModel):
    """Whether the service can answer, and from which graph."""

    status: str
    datasets: int
    store: str


class Version(BaseModel):
    """Versions of the software and of the graph it serves."""

    medfuse: str
    snapshot: str | None
    created: str | None
    built_by: str | None


@router.get("/health", response_model=Health)
async def health(runtime: RuntimeDep) -> Health:
    """``ok`` with the number of datasets served."""
    # Async: the runtime read the summaries before it started serving, so nothing here blocks.
    return Health(status="ok", datasets=len(runtime.catalog.summaries), store=runtime.store.location)


@router.get("/version", response_model=Version)
def version(runtime: RuntimeDep) -> Version:
    """The medfuse version and the graph snapshot served."""
    rows = run_named(runtime.store, "graph_meta").values()
    meta = rows[0] if rows else {}
    return Version(medfuse=medfuse_version(), snapshot=meta.get("snapshot"),
                   created=str(meta["created"]) if meta.get("created") else None, built_by=meta.get("version"))
