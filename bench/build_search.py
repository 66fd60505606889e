"""Benchmark: `medfuse build` and a hierarchy-aware search, each against a baseline of the same run.

Run: ``python bench/build_search.py [--repeat 3]``

- build: the full build (loaders, closure, on-disk snapshot, swap) vs. the floor cost of only
  bulk-loading the finished graph (its N-Quads dump) into a fresh on-disk pyoxigraph store.
- search: ``search(anatomy="abdomen", modality="CT", task="segmentation")`` on the built store
  vs. the same question in rdflib's own SPARQL engine with ``skos:broader*`` property paths over
  the same graph (the naive approach the materialized closure replaces).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset

from medfuse.kg.build import build
from medfuse.kg.catalog import Catalog
from medfuse.kg.search import search
from medfuse.kg.store import open_store, snapshot_dir
from medfuse.kg.terms import load_terms

NAIVE = """
PREFIX mf: <https://w3id.org/medfuse/vocab#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT DISTINCT ?d WHERE {
  ?d mf:anatomy ?a . ?a skos:broader* <http://purl.obolibrary.org/obo/UBERON_0000916> .
  ?d mf:modality ?m . ?m skos:broader* <http://dicom.nema.org/resources/ontology/DCM/CT> .
  ?d mf:task ?t . ?t skos:broader* <https://w3id.org/medfuse/task/segmentation> .
}"""


def _time(function, repeat: int) -> list[float]:  # noqa: ANN001
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        out.append(time.perf_counter() - started)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        load_terms()  # both sides pay for the term files once, outside the timings
        builds = _time(lambda: build(root / "store"), args.repeat)
        cli = _time(lambda: subprocess.run([sys.executable, "-m", "medfuse.service.cli", "build", "--store",
                                            str(root / "cli-store")], check=True, capture_output=True), 1)
        dump = root / "graph.nq"
        source = ox.Store.read_only(str(snapshot_dir(root / "store")))
        source.dump(output=str(dump), format=ox.RdfFormat.N_QUADS)
        triples = sum(1 for _ in source)

        def floor() -> None:
            target = root / f"floor-{time.perf_counter_ns()}"
            store = ox.Store(str(target))
            store.bulk_load(path=str(dump), format=ox.RdfFormat.N_QUADS)
            store.flush()

        floors = _time(floor, args.repeat)
        catalog = Catalog(open_store(root / "store"), load_terms())
        catalog.summaries  # noqa: B018 - warm the cache as a server would
        query = dict(anatomy="abdomen", modality="CT", task="segmentation")
        searches = _time(lambda: search(catalog, **query), max(args.repeat, 10))
        strict = len(search(catalog, **query).strict)
        graph = Dataset(default_union=True)
        graph.parse(str(dump), format="nquads")
        naive_rows: list = []
        naive = _time(lambda: naive_rows.extend(graph.query(NAIVE)), 1)
        build_s, floor_s = statistics.median(builds), statistics.median(floors)
        search_s, naive_s = statistics.median(searches), naive[0]
        print(f"graph: {triples:,} quads; search answer: {strict} strict datasets (rdflib naive: {len(naive_rows)} rows)")
        print(f"build (in-process, median of {args.repeat}): {build_s:.2f} s")
        print(f"build (`medfuse build` CLI, incl. start-up): {cli[0]:.2f} s")
        print(f"baseline bulk-load of the same quads:        {floor_s:.2f} s   ratio build/baseline = {build_s / floor_s:.1f}x")
        print(f"search (median of {len(searches)}):                   {search_s * 1000:.1f} ms")
        print(f"baseline rdflib with skos:broader* paths:    {naive_s * 1000:.1f} ms   ratio baseline/search = {naive_s / search_s:.0f}x")


if __name__ == "__main__":
    main()
