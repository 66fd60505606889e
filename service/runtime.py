"""What a running service holds: the store, the catalog, the term index and the query runner.

One :class:`Runtime` lives on ``app.state`` from start-up to shutdown (FastAPI lifespan). Writes
(SPARQL Update, Graph Store PUT/POST/DELETE, only with a token) on the embedded on-disk store
happen in a maintenance window: the query workers are stopped, a writable store is opened, the
change is applied, and everything is reopened read-only, so no reader ever sees a store that
another process is writing (pyoxigraph leaves that undefined).
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

from medfuse.kg.catalog import Catalog
from medfuse.kg.compat import Compat
from medfuse.kg.store import Store, is_remote, open_store, snapshot_dir
from medfuse.kg.terms import TermIndex, load_terms
from medfuse.service.settings import Settings
from medfuse.service.workers import Answer, InlineRunner, QueryPool, Request

__all__ = ["Runtime"]


class Runtime:
    """The service's handle on the graph."""

    def __init__(self, settings: Settings, *, location: str | None = None, store: Store | None = None) -> None:
        self.settings = settings
        self.location = location
        self._given_store = store
        self.terms: TermIndex = load_terms()
        self.store: Store
        self.catalog: Catalog
        self.runner: QueryPool | InlineRunner
        self._compat: Compat | None = None
        self._write_lock = asyncio.Lock()
        #: Plans made by this process, by id (without ``mfplan:``); the oldest go first past 256.
        self.plans: OrderedDict[str, dict] = OrderedDict()

    @property
    def embedded_disk(self) -> bool:
        """Whether the graph is an on-disk snapshot served by worker processes."""
        return self._given_store is None and self.location is not None and not is_remote(self.location)

    @property
    def compat(self) -> Compat:
        """The compatibility engine of the current graph (its rankings are cached)."""
        if self._compat is None or self._compat.catalog is not self.catalog:
            self._compat = Compat(self.catalog)
        return self._compat

    def remember_plan(self, plan_id: str, document: dict) -> None:
        """Keep a plan so that ``GET /plans/{id}`` can return it."""
        key = plan_id.removeprefix("mfplan:")
        self.plans[key] = document
        self.plans.move_to_end(key)
        while len(self.plans) > 256:
            self.plans.popitem(last=False)

    async def start(self) -> None:
        """Open the store and start the query runner."""
        self.store = self._given_store or open_store(self.location)
        self.catalog = Catalog(self.store, self.terms)
        if self.embedded_disk:
            self.runner = QueryPool(snapshot_dir(Path(self.location)), size=self.settings.query_workers,  # type: ignore[arg-type]
                                    timeout=self.settings.query_timeout)
        elif is_remote(self.location):
            from medfuse.service.remote import RemoteRunner

            self.runner = RemoteRunner(self.store, timeout=self.settings.query_timeout)
        else:
            self.runner = InlineRunner(getattr(self.store, "native", self.store))
        await self.runner.start()

    async def stop(self) -> None:
        """Stop the runner and close the store."""
        await self.runner.close()
        if self._given_store is None:
            self.store.close()

    async def sparql(self, request: Request) -> Answer:
        """Answer user SPARQL within the time limit (raises ``TimeoutError`` past it)."""
        return await self.runner.run(request, timeout=self.settings.query_timeout)

    async def write(self, change: Callable[[object], None]) -> None:
        """Apply a write to the graph (``change`` gets the native writable store)."""
        async with self._write_lock:
            if not self.embedded_disk:
                await asyncio.to_thread(change, getattr(self.store, "native", self.store))
                self.catalog = Catalog(self.store, self.terms)
                return
            import pyoxigraph as ox

            await self.runner.close()
            self.store.close()
            path = snapshot_dir(Path(self.location))  # type: ignore[arg-type]

            def apply() -> None:
                writable = ox.Store(str(path))
                try:
                    change(writable)
                finally:
                    writable.flush()
                    del writable

            try:
                await asyncio.to_thread(apply)
            finally:
                await self.start()
