"""The JSON of a search page, joined from per-dataset JSON kept for each graph.

A search page lists up to 500 datasets, each with its whole summary (facets as terms, sources).
Building a :class:`~medfuse.kg.search.Match` model per dataset and serializing it cost more than
the search itself, yet a summary never changes while the graph does not. So each summary is
serialized once per graph (kept in the catalog's per-graph cache, so it goes with the graph),
and a page is joined from those bytes and the few fields a search adds (``matched``, and
``missing`` and ``reason`` for a near match). The bytes are the ones pydantic writes for the
page model (:class:`~medfuse.service.routers.datasets.SearchPage`); ``tests/test_service.py``
compares the two.

>>> from medfuse.kg.search import Hit
>>> _item(b'{"id":"a","name":"A"}'[:-1], Hit("a", {"anatomy": ["UBERON:0002113"]}))
b'{"id":"a","name":"A","matched":{"anatomy":["UBERON:0002113"]}}'
"""

from __future__ import annotations

from pydantic import TypeAdapter
from pydantic_core import to_json

from medfuse.kg.catalog import Catalog
from medfuse.kg.search import Constraint, Hit, SearchHits

__all__ = ["search_page_json", "summaries_json"]

_QUERY = TypeAdapter(dict[str, Constraint])


def search_page_json(catalog: Catalog, hits: SearchHits, *, page: int, per_page: int) -> bytes:
    """Return the JSON of a search page: the fields of ``SearchPage``, in its order."""
    return b"".join((
        b'{"query":', _QUERY.dump_json(hits.query),
        b',"page":', to_json(page), b',"per_page":', to_json(per_page),
        b',"strict":{"total":', to_json(hits.total_strict), b',"items":', _items(catalog, hits.strict),
        b'},"near":{"total":', to_json(hits.total_near), b',"items":', _items(catalog, hits.near), b"}}",
    ))


def summaries_json(catalog: Catalog) -> dict[str, bytes]:
    """Return dataset id → the JSON of its summary without the closing brace (made once per graph).

    The service calls it when it opens a graph, so that no request pays for it.
    """
    kept = catalog.cache.get("summary_json")
    if kept is None:
        kept = catalog.cache["summary_json"] = {
            dataset_id: summary.__pydantic_serializer__.to_json(summary)[:-1]
            for dataset_id, summary in catalog.summaries.items()
        }
    return kept


def _items(catalog: Catalog, hits: list[Hit]) -> bytes:
    summaries = summaries_json(catalog)
    return b"[" + b",".join(_item(summaries[h.id], h) for h in hits) + b"]"


def _item(summary: bytes, hit: Hit) -> bytes:
    """Join a summary's JSON (without its closing brace) with the fields the search adds."""
    added = {"matched": hit.matched} if hit.missing is None else \
        {"matched": hit.matched, "missing": hit.missing, "reason": hit.reason}
    return summary + b"," + to_json(added)[1:]
