"""Run user SPARQL in worker processes that can be killed: a per-query time limit that holds.

pyoxigraph has no query timeout and, on two cores, threads cannot stop a runaway query. So each
worker is a process that opens the snapshot with :meth:`pyoxigraph.Store.read_only` and answers
one query at a time; when a query outlives the limit its worker is killed and replaced, and the
other workers keep serving. Answers are serialized inside the worker by pyoxigraph's own
writers into a buffer that refuses to grow past the result-size cap.

>>> choose(["text/csv", "application/json"], RESULT_TYPES)
'text/csv'
"""

from __future__ import annotations

import asyncio
import io
import multiprocessing as mp
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

__all__ = [
    "RESULT_TYPES",
    "GRAPH_TYPES",
    "Request",
    "Answer",
    "choose",
    "execute",
    "QueryPool",
    "InlineRunner",
    "ResultTooLarge",
]

#: Media types a SELECT/ASK answer can be written in, preferred first.
RESULT_TYPES = (
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
)
#: Media types a CONSTRUCT/DESCRIBE answer can be written in, preferred first.
GRAPH_TYPES = ("text/turtle", "application/n-triples", "application/rdf+xml", "application/ld+json")
#: Aliases clients send for the types above.
_ALIASES = {
    "application/json": "application/sparql-results+json",
    "application/xml": "application/sparql-results+xml",
    "text/xml": "application/sparql-results+xml",
    "text/plain": "application/n-triples",
    "application/x-turtle": "text/turtle",
    "application/json-ld": "application/ld+json",
}


def choose(accepted: Sequence[str], offered: Sequence[str]) -> str | None:
    """Return the first offered type the client accepts (``accepted`` is in preference order)."""
    for media in accepted:
        media = _ALIASES.get(media, media)
        if media in ("*/*", "") and offered:
            return offered[0]
        if media.endswith("/*") and (hits := [o for o in offered if o.startswith(media[:-1])]):
            return hits[0]
        if media in offered:
            return media
    return None


class ResultTooLarge(Exception):
    """The serialized answer passed the size cap."""


class _CappedBuffer(io.RawIOBase):
    def __init__(self, limit: int) -> None:
        self.limit, self.buffer = limit, bytearray()

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self.buffer += data
        if len(self.buffer) > self.limit:
            raise ResultTooLarge(f"the answer is larger than {self.limit:,} bytes; add a LIMIT")
        return len(data)


@dataclass(frozen=True)
class Request:
    """One query for a worker."""

    text: str
    accept: tuple[str, ...] = ("*/*",)
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    max_bytes: int = 16 * 2**20


@dataclass(frozen=True)
class Answer:
    """A worker's answer: a body and its media type, or an error kind and message."""

    body: bytes = b""
    media_type: str = ""
    error: str | None = None  # "syntax" | "not-acceptable" | "too-large" | "store"
    message: str = ""


def execute(store: object, request: Request) -> Answer:
    """Run one request on a pyoxigraph store and serialize the answer (used in and out of workers)."""
    import pyoxigraph as ox

    from medfuse.kg.backends.oxigraph import GRAPH_FORMATS, RESULT_FORMATS
    from medfuse.kg.queries import has_dataset_clause

    options: dict = {}
    if request.default_graphs or request.named_graphs:
        options["default_graph"] = [ox.NamedNode(g) for g in request.default_graphs] or ox.DefaultGraph()
        options["named_graphs"] = [ox.NamedNode(g) for g in request.named_graphs]
    elif not has_dataset_clause(request.text):
        options["use_default_graph_as_union"] = True
    try:
        answer = store.query(request.text, **options)  # type: ignore[attr-defined]
        if isinstance(answer, ox.QueryTriples):
            media = choose(request.accept, GRAPH_TYPES)
            fmt = GRAPH_FORMATS.get(media or "")
        else:
            media = choose(request.accept, RESULT_TYPES)
            fmt = RESULT_FORMATS.get(media or "")
        if fmt is None:
            kind = "CONSTRUCT/DESCRIBE" if isinstance(answer, ox.QueryTriples) else "SELECT/ASK"
            offered = GRAPH_TYPES if isinstance(answer, ox.QueryTriples) else RESULT_TYPES
            return Answer(error="not-acceptable",
                          message=f"a {kind} answer can be sent as {', '.join(offered)}; Accept asked for {', '.join(request.accept)}")
        buffer = _CappedBuffer(request.max_bytes)
        answer.serialize(output=buffer, format=fmt)
        return Answer(body=bytes(buffer.buffer), media_type=media or "")
    except SyntaxError as error:
        return Answer(error="syntax", message=str(error))
    except ResultTooLarge as error:
        return Answer(error="too-large", message=str(error))
    except OSError as error:
        if isinstance(error.__context__, ResultTooLarge) or "larger than" in str(error):
            return Answer(error="too-large", message=f"the answer is larger than {request.max_bytes:,} bytes; add a LIMIT")
        return Answer(error="store", message=str(error))


def _worker(conn: Connection, snapshot: str) -> None:  # pragma: no cover - runs in a child process
    import pyoxigraph as ox

    store = ox.Store.read_only(snapshot)
    while True:
        try:
            request = conn.recv()
        except EOFError:
            return
        conn.send(execute(store, request))


class _Worker:
    def __init__(self, context: mp.context.BaseContext, snapshot: Path) -> None:
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_worker, args=(child, str(snapshot)), daemon=True)
        self.process.start()
        child.close()

    def kill(self) -> None:
        self.process.kill()
        self.process.join(timeout=5)
        self.conn.close()


class QueryPool:
    """A fixed number of worker processes over one on-disk snapshot, each query time-limited."""

    def __init__(self, snapshot: Path, *, size: int = 2, timeout: float = 30.0) -> None:
        self.snapshot, self.size, self.timeout = snapshot, size, timeout
        self._context = mp.get_context("spawn")
        self._idle: asyncio.Queue[_Worker] | None = None
        self._all: list[_Worker] = []
        self.killed = 0

    async def start(self) -> None:
        """Start the workers (each takes a fraction of a second to import pyoxigraph)."""
        self._idle = asyncio.Queue()
        workers = await asyncio.gather(*(asyncio.to_thread(_Worker, self._context, self.snapshot) for _ in range(self.size)))
        for worker in workers:
            self._all.append(worker)
            self._idle.put_nowait(worker)

    async def run(self, request: Request, *, timeout: float | None = None) -> Answer:
        """Answer a request, or kill its worker when it runs past the time limit.

        :raises TimeoutError: when the limit passed (the worker was replaced).
        """
        assert self._idle is not None, "QueryPool.start() was not awaited"
        limit = self.timeout if timeout is None else timeout
        worker = await self._idle.get()
        try:
            worker.conn.send(request)
            ready = await asyncio.to_thread(worker.conn.poll, limit)
            if ready:
                answer = worker.conn.recv()
                self._idle.put_nowait(worker)
                return answer
        except (EOFError, OSError, BrokenPipeError):
            pass
        await self._replace(worker)
        raise TimeoutError(limit)

    async def _replace(self, worker: _Worker) -> None:
        self.killed += 1
        await asyncio.to_thread(worker.kill)
        self._all.remove(worker)
        fresh = await asyncio.to_thread(_Worker, self._context, self.snapshot)
        self._all.append(fresh)
        assert self._idle is not None
        self._idle.put_nowait(fresh)

    async def close(self) -> None:
        """Stop every worker."""
        for worker in self._all:
            await asyncio.to_thread(worker.kill)
        self._all.clear()


class InlineRunner:
    """Runs queries in a thread on an in-process store (memory stores, tests): no kill possible."""

    def __init__(self, store: object) -> None:
        self.store = store
        self._lock = threading.Lock()
        self.killed = 0

    async def start(self) -> None:
        """Nothing to start."""

    async def run(self, request: Request, *, timeout: float | None = None) -> Answer:
        """Answer a request in a worker thread."""
        return await asyncio.to_thread(execute, self.store, request)

    async def close(self) -> None:
        """Nothing to stop."""
