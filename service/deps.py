"""FastAPI dependencies: the runtime, catalog and settings of the running service."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from medfuse.kg.catalog import Catalog
from medfuse.service.runtime import Runtime

__all__ = ["get_runtime", "get_catalog", "RuntimeDep", "CatalogDep"]


# Async, though they do not await: FastAPI runs a plain ``def`` dependency in a worker thread.
async def get_runtime(request: Request) -> Runtime:
    """Return the service's runtime (opened in the lifespan handler)."""
    return request.app.state.runtime


async def get_catalog(request: Request) -> Catalog:
    """Return the catalog of the current graph."""
    return request.app.state.runtime.catalog


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
CatalogDep = Annotated[Catalog, Depends(get_catalog)]
