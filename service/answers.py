"""Answers of one graph snapshot, kept as the JSON bytes that were sent.

A built graph is immutable: the same search, detail or compatibility question gets the same
answer until the graph changes (a write through the service, or a restart on a new snapshot).
So the service keeps answers in a bounded LRU, keyed by the route and its validated parameters,
and sends the stored bytes again without building or validating models. The cache belongs to
one graph: :class:`~medfuse.service.runtime.Runtime` starts a fresh one whenever it reopens the
graph, so no answer outlives the graph it came from.

>>> cache = AnswerCache(max_bytes=10)
>>> cache.put(("detail", "a"), b"123456")
>>> cache.put(("detail", "b"), b"7890")
>>> cache.get(("detail", "a")), len(cache)
(b'123456', 2)
>>> cache.put(("detail", "c"), b"xyz")     # over 10 bytes: the least recently used goes
>>> cache.get(("detail", "b")), len(cache)
(None, 2)
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable

from fastapi.responses import Response

__all__ = ["CACHE_HEADER", "AnswerCache", "json_answer"]

#: Response header saying whether the answer came from the cache (``hit``) or was computed (``miss``).
CACHE_HEADER = "X-Cache"


class AnswerCache:
    """A least-recently-used map of answer bytes, bounded by their total size.

    Only the event loop touches it (handlers look up and store around their worker-thread
    call), so it needs no lock.
    """

    def __init__(self, *, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self.hits = self.misses = 0
        self._answers: OrderedDict[Hashable, bytes] = OrderedDict()

    def __len__(self) -> int:
        return len(self._answers)

    def get(self, key: Hashable) -> bytes | None:
        """Return the answer stored under ``key`` (and mark it recently used), or ``None``."""
        body = self._answers.get(key)
        if body is None:
            self.misses += 1
            return None
        self.hits += 1
        self._answers.move_to_end(key)
        return body

    def put(self, key: Hashable, body: bytes) -> None:
        """Store an answer, dropping the least recently used ones past ``max_bytes``.

        An answer larger than the whole cache is not stored.
        """
        if len(body) > self.max_bytes:
            return
        old = self._answers.pop(key, None)
        if old is not None:
            self.size -= len(old)
        self._answers[key] = body
        self.size += len(body)
        while self.size > self.max_bytes:
            _, dropped = self._answers.popitem(last=False)
            self.size -= len(dropped)


def json_answer(body: bytes, *, hit: bool) -> Response:
    """Wrap serialized JSON in a response that says whether it came from the cache."""
    return Response(body, media_type="application/json", headers={CACHE_HEADER: "hit" if hit else "miss"})
