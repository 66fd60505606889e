"""Benchmark: `compat` for every dataset of the catalog and `plan` for a 20-dataset fusion.

Run: ``python bench/compat_plan.py [--store DIR]`` (builds a store in a temp dir when none is given)

Baselines measured in the same run:
- compat: reading the summaries of all datasets once (the floor of touching every dataset);
  printed as the ratio of one ranking to that floor, and as rankings per second;
- plan: fetching the label maps of the same 20 datasets (the data a plan needs), so the ratio
  shows what unifying, checking licences and overlaps and hashing add on top.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from medfuse.kg.build import build
from medfuse.kg.catalog import Catalog
from medfuse.kg.compat import Compat
from medfuse.kg.labelspace import label_maps
from medfuse.kg.plan import make_plan
from medfuse.kg.store import open_store
from medfuse.kg.terms import load_terms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = args.store or Path(tmp) / "store"
        if args.store is None:
            build(store)
        terms = load_terms()
        started = time.perf_counter()
        catalog = Catalog(open_store(store), terms)
        summaries = catalog.summaries
        floor = time.perf_counter() - started
        engine = Compat(catalog)
        engine.label_terms, engine.derived  # noqa: B018 - graph facts every ranking shares, read once
        times = []
        candidates = 0
        for dataset in summaries:
            t0 = time.perf_counter()
            report = engine.ranked(dataset, top=20)
            times.append(time.perf_counter() - t0)
            candidates += report.candidates
        total = sum(times)
        cached = time.perf_counter()
        for dataset in list(summaries)[:200]:
            engine.ranked(dataset, top=20)
        cached = (time.perf_counter() - cached) / 200
        labelled = sorted({d for d, _ in label_maps(catalog, list(summaries))})[:20]
        t0 = time.perf_counter()
        label_maps(catalog, labelled)
        maps_s = time.perf_counter() - t0
        plans = []
        for _ in range(3):
            t0 = time.perf_counter()
            plan = make_plan(Catalog(catalog.store, terms), labelled, granularity="coarsest")
            plans.append(time.perf_counter() - t0)
        plan_s = statistics.median(plans)
        print(f"catalog: {len(summaries)} datasets; summaries read in {floor * 1000:.0f} ms (baseline)")
        print(f"compat, every dataset ranked: {total:.1f} s in all, {len(summaries) / total:.1f} rankings/s, "
              f"p50 {statistics.median(times) * 1000:.1f} ms, p99 {sorted(times)[int(len(times) * 0.99)] * 1000:.1f} ms, "
              f"{candidates / len(summaries):.0f} candidates per dataset on average")
        print(f"  one ranking / baseline = {statistics.median(times) / floor:.2f}x; cached ranking: {cached * 1e6:.0f} µs")
        print(f"plan of 20 labelled datasets ({plan.totals.labels} unified labels, {len(plan.mappings)} mappings): "
              f"median {plan_s * 1000:.0f} ms of 3 (each on a fresh catalog)")
        print(f"  baseline label-map fetch {maps_s * 1000:.0f} ms; plan / baseline = {plan_s / maps_s:.1f}x")


if __name__ == "__main__":
    main()
