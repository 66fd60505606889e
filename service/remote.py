"""Answer user SPARQL by forwarding it to a remote engine (``medfuse serve --store URL``).

The engine runs the query; the time limit is the HTTP timeout of the forwarded request (the
engine's own limit, e.g. Virtuoso's ``MaxQueryExecutionTime``, stops its side). Answers are
checked for the size cap after they arrive.
"""

from __future__ import annotations

import asyncio

from medfuse.kg.errors import QueryError, QueryTimeoutError, StoreError
from medfuse.kg.store import Store
from medfuse.service.workers import GRAPH_TYPES, RESULT_TYPES, Answer, Request, choose

__all__ = ["RemoteRunner"]


class RemoteRunner:
    """Forwards protocol queries to the store's engine."""

    def __init__(self, store: Store, *, timeout: float) -> None:
        self.store, self.timeout = store, timeout
        self.killed = 0

    async def start(self) -> None:
        """Nothing to start."""

    async def close(self) -> None:
        """Nothing to stop (the store is closed by the runtime)."""

    async def run(self, request: Request, *, timeout: float | None = None) -> Answer:
        """Forward one request; raises ``TimeoutError`` when the engine does not answer in time."""
        from medfuse.kg.backends.sparql_http import query_form

        if request.default_graphs or request.named_graphs:
            return Answer(error="syntax", message="default-graph-uri / named-graph-uri are not forwarded to a remote "
                                                  "engine; use FROM / FROM NAMED in the query")
        try:
            form = query_form(request.text)
        except QueryError as error:
            return Answer(error="syntax", message=str(error))
        offered = GRAPH_TYPES if form in ("construct", "describe") else RESULT_TYPES
        media = choose(request.accept, offered)
        if media is None:
            return Answer(error="not-acceptable", message=f"this answer can be sent as {', '.join(offered)}")
        limit = self.timeout if timeout is None else timeout
        try:
            body = await asyncio.to_thread(self.store.query, request.text, format=media, timeout=limit)
        except QueryTimeoutError as error:
            raise TimeoutError(limit) from error
        except QueryError as error:
            return Answer(error="syntax", message=str(error))
        except StoreError as error:
            return Answer(error="store", message=str(error))
        assert isinstance(body, bytes)
        if len(body) > request.max_bytes:
            return Answer(error="too-large", message=f"the answer is larger than {request.max_bytes:,} bytes; add a LIMIT")
        return Answer(body=body, media_type=media)
