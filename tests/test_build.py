"""Building the graph: completeness, the normalization target, idempotence and atomicity."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from medfuse.kg.build import build
from medfuse.kg.catalog import Catalog, run_named
from medfuse.kg.errors import CatalogError, StoreNotBuiltError
from medfuse.kg.store import open_store, snapshot_dir
from medfuse.kg.terms import TermIndex
from tests.conftest import SMALL_SOURCES


def test_full_build_loads_every_record_and_meets_the_mapping_target(tmp_path: Path) -> None:
    report = build(tmp_path / "store")
    assert report.records["imaging-x"] == 1151
    assert report.datasets >= 1000
    for field, facet in report.normalization["imaging-x"].items():
        assert facet.share >= 0.98, (field, facet.unmapped)
    assert report.triples["mfg:closure"] > 0
    again = build(tmp_path / "store")
    assert again.snapshot == report.snapshot  # same inputs, same graph


def test_a_failed_build_leaves_the_previous_graph(tmp_path: Path, terms: TermIndex) -> None:
    location = tmp_path / "store"
    first = build(location, sources=SMALL_SOURCES)
    before = snapshot_dir(location)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{"name": "x", "label": "perhaps"}]))
    with pytest.raises(CatalogError):
        build(location, sources={**SMALL_SOURCES, "imaging-x": bad})
    assert snapshot_dir(location) == before
    catalog = Catalog(open_store(location), terms)
    assert "liverseg-demo" in catalog.summaries
    meta = run_named(catalog.store, "graph_meta").values()
    assert meta[0]["snapshot"] == first.snapshot


def test_every_source_has_its_own_named_graph(catalog: Catalog) -> None:
    graphs = set(catalog.store.graphs())
    expected = {f"https://w3id.org/medfuse/graph/{g}" for g in ("imaging-x", "literature", "ontology", "closure", "vocab", "meta")}
    assert expected <= graphs


def test_literature_datasets_and_derivations_are_in_the_graph(catalog: Catalog) -> None:
    radgenome = catalog.get("radgenome-chest-ct")
    assert radgenome.built_from == ["ct-rate"]
    assert radgenome.sources[0].catalog == "literature"
    for name in ("SA-Med2D-20M", "MedTrinity-25M", "Harvard-FairSeg", "AeroPath", "BIOMEDICA"):
        assert catalog.get(name).id


def test_quality_issues_are_queryable(catalog: Catalog) -> None:
    rows = run_named(catalog.store, "quality_issues", kind="anatomy-contradiction").values()
    assert rows and all(r["kind"] == "anatomy-contradiction" for r in rows)


def test_an_unbuilt_store_says_how_to_build_it(tmp_path: Path) -> None:
    with pytest.raises(StoreNotBuiltError, match="medfuse build --store"):
        open_store(tmp_path / "nothing-here")
