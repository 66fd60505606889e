"""What a running service holds: the store, the catalog, the term index and the query runner.

One :class:`Runtime` lives on ``app.state`` from start-up to shutdown (FastAPI lifespan). Writes
(SPARQL Update, Graph Store PUT/POST/DELETE, only with a token) on the embedded on-disk store
happen in a maintenance window: the query workers are stopped, a writable store is opened, the
change is applied, and everything is reopened read-only, so no reader ever sees a store that
another process is writing (pyoxigraph leaves that undefined).

Answers of search, detail and compat are kept per graph (:mod:`medfuse.service.answers`): every
time the runtime (re)opens the graph it starts a new catalog and a new, empty answer cache
together, so a write never leaves an answer of the old graph behind.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from fastapi.responses import Response
from pydantic import BaseModel

from medfuse.kg.catalog import Catalog
from medfuse.kg.compat import Compat
from medfuse.kg.store import Store, is_remote, open_store, snapshot_dir
from medfuse.kg.terms import TermIndex, load_terms
from medfuse.service.answers import AnswerCache, json_answer
from medfuse.service.pages import summaries_json
from medfuse.service.settings import Settings
from medfuse.service.workers import Answer, InlineRunner, QueryPool, Request

__all__ = ["Runtime"]

#: Threads that compute answers over an in-process store: the work holds the GIL, so more
#: threads only queue behind one another and stretch the latency of every request.
_LOCAL_THREADS = 1
#: Threads that compute answers over a remote engine: much of their time is spent waiting on it.
_REMOTE_THREADS = 4


class Runtime:
    """The service's handle on the graph."""

    def __init__(self, settings: Settings, *, location: str | None = None, store: Store | None = None) -> None:
        self.settings = settings
        self.location = location
        self._given_store = store
        self.terms: TermIndex = load_terms()
        self.store: Store
        self.catalog: Catalog
        #: Answers of the current graph; replaced together with ``catalog``.
        self.answers: AnswerCache
        self.runner: QueryPool | InlineRunner
        self._compat: Compat | None = None
        self._compute: ThreadPoolExecutor | None = None
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
        return self.compat_of(self.catalog)

    def compat_of(self, catalog: Catalog) -> Compat:
        """The compatibility engine of ``catalog`` (kept while that catalog is the current one)."""
        engine = self._compat
        if engine is None or engine.catalog is not catalog:
            engine = self._compat = Compat(catalog)
        return engine

    async def answer(self, key: Hashable, compute: Callable[[Catalog], BaseModel | bytes], *,
                     inline: Callable[[Catalog], bool] | None = None) -> Response:
        """Answer JSON from the current graph's cache, or compute it and keep it.

        A hit is answered on the event loop. A miss runs in a small thread pool of its own (one
        thread over an in-process store), not in the pool every sync route shares: with the GIL,
        a dozen threads computing at once answer no sooner and make the slowest wait far longer.
        A miss that ``inline`` says is cheap (nothing to read from the store) is computed on the
        event loop: handing it to a thread and back would cost more CPU than computing it.

        :param key: the route and its validated parameters.
        :param compute: builds the answer (a model, or its JSON) from a catalog; exceptions
            propagate (nothing is kept).
        :param inline: says whether ``compute`` is cheap on a catalog.
        """
        catalog, answers = self.catalog, self.answers  # read together: one graph, never mixed
        body = answers.get(key)
        if body is not None:
            return json_answer(body, hit=True)
        if inline is not None and inline(catalog):
            body = _serialize(compute, catalog)
        else:
            assert self._compute is not None, "Runtime.start() was not awaited"
            body = await asyncio.get_running_loop().run_in_executor(self._compute, _serialize, compute, catalog)
        answers.put(key, body)
        return json_answer(body, hit=False)

    async def _open_graph(self) -> None:
        # The summaries (and their JSON) are what nearly every request needs: make them before serving.
        catalog = Catalog(self.store, self.terms)
        await asyncio.to_thread(summaries_json, catalog)
        self.catalog, self.answers = catalog, AnswerCache(max_bytes=self.settings.answer_cache_bytes)

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
        if self._compute is None:
            local = hasattr(self.store, "native")  # an in-process pyoxigraph store
            self._compute = ThreadPoolExecutor(_LOCAL_THREADS if local else _REMOTE_THREADS,
                                               thread_name_prefix="medfuse-answer")
        await self._open_graph()
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
        if self._compute is not None:
            self._compute.shutdown(wait=False, cancel_futures=True)
            self._compute = None
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
                await self._open_graph()
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


def _serialize(compute: Callable[[Catalog], BaseModel | bytes], catalog: Catalog) -> bytes:
    # The models are built (and so validated) by kg; serializing them directly skips FastAPI's
    # second validation through the route's response_model, which documents the same schema.
    answer = compute(catalog)
    return answer if isinstance(answer, bytes) else answer.__pydantic_serializer__.to_json(answer)
