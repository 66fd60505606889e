"""``create_app``: the HTTP service, a thin door onto :mod:`medfuse.kg`.

>>> from medfuse.kg.store import open_store
>>> app = create_app(store=open_store(None))
>>> sorted(p for p in app.openapi()["paths"] if p.startswith("/api/v1/datasets"))
['/api/v1/datasets', '/api/v1/datasets/{dataset}']
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import RedirectResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from medfuse.kg.build import medfuse_version
from medfuse.kg.store import Store
from medfuse.service import problems
from medfuse.service.routers import datasets, fusion, health, labels, queries, sparql, terms
from medfuse.service.runtime import Runtime
from medfuse.service.settings import Settings

__all__ = ["create_app", "API_PREFIX"]

#: Where the versioned REST API lives.
API_PREFIX = "/api/v1"


class BodyLimit:
    """Refuse request bodies larger than a cap with 413, before reading them whole."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await self._refuse(send)
            return
        seen = 0

        async def limited() -> dict:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise _TooLarge
            return message

        try:
            await self.app(scope, limited, send)
        except _TooLarge:
            await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        body = f'{{"type":"https://w3id.org/medfuse/problems/too-large","title":"Request too large","status":413,"detail":"request bodies are limited to {self.limit} bytes"}}'.encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/problem+json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


class _TooLarge(Exception):
    pass


def create_app(*, location: str | None = None, store: Store | None = None, settings: Settings | None = None) -> FastAPI:
    """Build the service over a store location (directory or URL) or an already open store.

    :param location: a built store directory or an http(s) SPARQL endpoint.
    :param store: an open store (tests pass an in-memory one); takes precedence over ``location``.
    :param settings: time limit, size caps, workers, update token, CORS origins.
    """
    settings = settings or Settings()
    runtime = Runtime(settings, location=location, store=store)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        app.state.runtime = runtime
        try:
            yield
        finally:
            await runtime.stop()

    app = FastAPI(
        title="medfuse",
        version=medfuse_version(),
        description="A knowledge graph of open medical imaging datasets: search, SPARQL, fusion.",
        lifespan=lifespan,
    )
    problems.install(app)
    for module in (datasets, terms, labels, fusion, queries, health):
        app.include_router(module.router, prefix=API_PREFIX)
    app.include_router(sparql.router)
    app.add_middleware(CORSMiddleware, allow_origins=list(settings.cors_origins), allow_methods=["GET", "POST"],
                       allow_headers=["*"])
    app.add_middleware(BodyLimit, limit=settings.max_request_bytes)

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/docs")

    return app
