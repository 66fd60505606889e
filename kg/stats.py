"""Counts over a built graph: datasets, records, triples per graph, issues, top terms per facet."""

from __future__ import annotations

from typing import Any

from medfuse.kg.catalog import Catalog, run_named
from medfuse.kg.namespaces import compress

__all__ = ["graph_stats"]


def graph_stats(catalog: Catalog, *, top: int = 8) -> dict[str, Any]:
    """Return a JSON-ready summary of the graph behind ``catalog``."""
    meta = run_named(catalog.store, "graph_meta").values()
    sizes = {compress(r["graph"]): int(r["triples"]) for r in run_named(catalog.store, "graph_sizes").values()}
    facets: dict[str, list[dict[str, Any]]] = {}
    for row in run_named(catalog.store, "stats_facets").values():
        rows = facets.setdefault(compress(row["facet"]).removeprefix("mf:"), [])
        if len(rows) < top:
            curie = compress(row["term"])
            rows.append({"id": curie, "label": row["label"] or catalog.terms.label(curie), "datasets": int(row["datasets"])})
    summaries = catalog.summaries
    return {
        "snapshot": meta[0]["snapshot"] if meta else None,
        "created": str(meta[0]["created"]) if meta else None,
        "version": meta[0]["version"] if meta else None,
        "datasets": len(summaries),
        "records": sum(len(s.sources) for s in summaries.values()),
        "merged_duplicates": sum(1 for s in summaries.values() if len(s.sources) > 1),
        "labelled": sum(1 for s in summaries.values() if s.labelled),
        "triples": sum(sizes.values()),
        "graphs": sizes,
        "issues": {r["kind"]: int(r["issues"]) for r in run_named(catalog.store, "issue_counts").values()},
        "facets": facets,
    }
