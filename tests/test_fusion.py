"""Compatibility, fusion groups, the unified label space, licences and merge plans."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pyld import jsonld

from medfuse.kg.catalog import Catalog, run_named
from medfuse.kg.compat import Compat
from medfuse.kg.errors import PlanError, RulesError
from medfuse.kg.fusion import fuse, parse_rules
from medfuse.kg.labelspace import label_maps, unify
from medfuse.kg.licenses import license_verdict
from medfuse.kg.plan import make_plan
from medfuse.kg.plan_io import (
    from_jsonld,
    nnunet_dataset_json,
    plan_graph,
    plan_sssom,
    read_plan,
    register_plan,
    to_jsonld,
    validate_shacl,
    write_plan,
)
from medfuse.kg.store import open_store
from medfuse.loaders.mappings import parse_sssom

KIDNEY, LEFT_KIDNEY, RIGHT_KIDNEY = "UBERON:0002113", "UBERON:0004538", "UBERON:0004539"


@pytest.fixture(scope="module")
def compat(catalog: Catalog) -> Compat:
    return Compat(catalog)


# ------------------------------------------------------------------------------ compatibility


def test_pair_is_explained_axis_by_axis(compat: Compat) -> None:
    result = compat.pair("kits23", "amos22")
    assert set(result.axes) == {"modality", "anatomy", "task", "dim", "annotation", "labels", "license", "access"}
    assert result.axes["modality"].relation == "same"
    assert KIDNEY in result.axes["labels"].shared or result.axes["labels"].relation == "granularity"
    assert result.verdict in {"compatible", "partially compatible"}


def test_shared_images_are_warned(compat: Compat) -> None:
    result = compat.pair("abdomenct-1k", "kits19")
    assert any("shared images" in w and "kits19" in w for w in result.warnings)


def test_common_source_names_both_datasets(compat: Compat) -> None:
    # KiTS21 and KiTS23 both extend KiTS19; FLARE22 reuses KiTS19 through AbdomenCT-1K
    assert compat.shared_images("kits21", "flare22") == "kits21 and flare22 both reuse images of kits19"
    assert compat.shared_images("flare22", "kits19") == "flare22 reuses images of kits19"


def test_ranking_is_sorted_and_drops_incompatible(compat: Compat) -> None:
    report = compat.ranked("kits23", top=30)
    scores = [r.score for r in report.results]
    assert scores == sorted(scores, reverse=True) and report.candidates >= len(report.results)
    assert all(r.verdict != "incompatible" for r in report.results)
    assert all(r.axes["modality"].score and r.axes["modality"].score > 0 for r in report.results)


def test_anatomy_axis_uses_the_ontology(compat: Compat) -> None:
    axis = compat.pair("kits19", "lits").axes["anatomy"]
    assert axis.relation == "siblings" and 0 < axis.score < 1  # kidney and liver: both abdominal


def test_no_derivatives_licence_blocks_the_pair(compat: Compat, catalog: Catalog) -> None:
    assert catalog.get("lits").license == "CC-BY-NC-ND-4.0"
    result = compat.pair("lits", "amos22")
    assert result.axes["license"].relation == "blocked" and result.verdict == "incompatible"


# ------------------------------------------------------------------------------ fusion groups


def test_fusion_groups_show_the_four_phases(catalog: Catalog) -> None:
    rules = parse_rules({"modalities": ["CT"], "anatomy": ["abdomen"], "task_types": ["segmentation"],
                         "dimensions": ["3D"], "include_unlabeled": False, "min_datasets_per_modality": 2})
    result = fuse(catalog, rules)
    assert result.harmonisation["anatomy"][0]["id"] == "UBERON:0000916"
    rejected = {r["id"]: r["rule"] for r in result.alignment["rejected"]}
    assert rejected["kits19"] if "kits19" in rejected else True
    assert rejected.get("brats-2021") in {"modalities", "anatomy"}
    group = result.blueprint[0]
    assert "kits23" in group.datasets and group.totals["samples_deduplicated"] <= group.totals["samples"]
    assert group.totals["distinct_sources"] < group.totals["datasets"]  # AbdomenCT-1K, FLARE, KiTS share images
    assert result.indexing["datasets"] == len({d for g in result.blueprint for d in g.datasets})


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ({"license_allowlist": []}, "empty licence allowlist"),
        ({"release_date_min": 2999}, "in the future"),
        ({"task_type": ["segmentation"]}, "did you mean task_types"),
        ({"anatomy": ["kidnye"]}, "unknown anatomy term"),
        ({"modalities": ["CT"], "dimensions": ["video"], "anatomy": ["kidney"]}, "select no dataset"),
    ],
)
def test_bad_or_contradictory_rules_are_errors(catalog: Catalog, rules: dict, message: str) -> None:
    with pytest.raises(RulesError, match=message):
        fuse(catalog, parse_rules(rules))


# ------------------------------------------------------------------------------ unified label space


def test_coarsening_merges_left_and_right_kidney(catalog: Catalog) -> None:
    space = unify(label_maps(catalog, ["amos22", "kits23"]), catalog.terms, granularity="coarsest")
    kidney = next(label for label in space.labels if label.term == KIDNEY)
    amos = {m.source_name: m for m in space.mappings if m.dataset == "amos22" and m.variant == "ct"}
    assert amos["left kidney"].target_value == amos["right kidney"].target_value == kidney.value
    assert amos["left kidney"].relation == "coarsened"
    assert LEFT_KIDNEY not in {label.term for label in space.labels}


def test_finest_keeps_kidney_and_flags_the_split(catalog: Catalog) -> None:
    space = unify(label_maps(catalog, ["amos22", "kits23"]), catalog.terms, granularity="finest")
    terms = {label.term for label in space.labels}
    assert {KIDNEY, LEFT_KIDNEY, RIGHT_KIDNEY} <= terms
    assert any(c.kind == "granularity" and c.terms[0] == KIDNEY for c in space.conflicts)


def test_partial_labels_and_lesions_inside_organs(catalog: Catalog) -> None:
    space = unify(label_maps(catalog, ["amos22", "kits23"]), catalog.terms, granularity="coarsest")
    values = {label.term: label.value for label in space.labels}
    kits = next(p for p in space.partial if p.dataset == "kits23")
    assert values["UBERON:0002107"] in kits.unannotated  # KiTS never annotates the liver: unknown, not negative
    assert values[KIDNEY] not in kits.unannotated
    assert any(c.kind == "lesion-inside-organ" and c.datasets[0] == "amos22" for c in space.conflicts)


def test_explicit_targets_drop_the_rest_with_reasons(catalog: Catalog) -> None:
    space = unify(label_maps(catalog, ["amos22"]), catalog.terms, granularity="explicit", targets=[KIDNEY])
    assert [label.term for label in space.labels] == [KIDNEY]
    dropped = [m for m in space.mappings if m.relation == "dropped"]
    assert dropped and all(m.reason for m in dropped)


# ------------------------------------------------------------------------------ licences


def test_licence_verdicts() -> None:
    assert license_verdict({"a": "CC-BY-4.0", "b": "CC0-1.0"}).status == "ok"
    unknown = license_verdict({"a": "CC-BY-4.0", "b": None})
    assert unknown.status == "warning" and unknown.unknown == ("b",)
    nd = license_verdict({"a": "CC-BY-NC-ND-4.0"})
    assert nd.status == "blocked" and "derivative" in nd.blockers[0]
    sa = license_verdict({"a": "CC-BY-SA-4.0", "b": "CC-BY-NC-SA-4.0"})
    assert sa.status == "blocked" and "share-alike" in sa.blockers[0]
    nc = license_verdict({"a": "CC-BY-NC-4.0"})
    assert any("non-commercial" in o for o in nc.obligations) and nc.restricted_use
    assert not license_verdict({"a": "CC-BY-4.0", "b": "CC0-1.0"}).restricted_use
    assert license_verdict({"a": "MIT"}, allowlist=["CC-BY-4.0"]).status == "blocked"


def test_reused_images_keep_their_licence() -> None:
    inherited = license_verdict({"a": "CC-BY-4.0"}, upstream={"a": {"b": "CC-BY-NC-4.0"}})
    assert inherited.status == "ok" and any("images of b reused by a" in o and "non-commercial" in o
                                            for o in inherited.obligations)
    assert inherited.restricted_use  # compat's licence axis reads this flag
    outside = license_verdict({"a": "CC-BY-4.0"}, allowlist=["CC-BY-4.0"], upstream={"a": {"b": "CC-BY-NC-4.0"}})
    assert outside.status == "blocked" and "a reuses images of b" in outside.blockers[0]
    unknown = license_verdict({"a": "CC-BY-4.0"}, upstream={"a": {"b": None}})
    assert unknown.status == "warning" and unknown.unknown == ("b (images reused by a)",)


def test_allowlist_looks_through_derivations(catalog: Catalog, compat: Compat) -> None:
    # a dataset whose own licence is allowed but which reuses images under another licence
    summaries = catalog.summaries
    dataset, licence = next((d.id, d.license) for d in summaries.values() if d.license and any(
        summaries[s].license != d.license for s in compat.derived.get(d.id, ()) if s in summaries))
    rules = parse_rules({"license_allowlist": [licence], "include_unlabeled": True})
    rejection = next(r for r in fuse(catalog, rules).alignment["rejected"] if r["id"] == dataset)
    assert rejection["rule"] == "license_allowlist" and "reuses images of" in rejection["reason"]
    upstream = sorted({summaries[s].license or "unknown" for s in compat.derived[dataset] if s in summaries})
    allowed = fuse(catalog, parse_rules({"license_allowlist": [licence, *upstream], "include_unlabeled": True}))
    if "unknown" not in upstream:
        assert dataset in {d for group in allowed.blueprint for d in group.datasets}


# ------------------------------------------------------------------------------ plans


@pytest.fixture(scope="module")
def plan(catalog: Catalog):  # noqa: ANN201
    return make_plan(catalog, ["amos22:ct", "word", "kits23", "3d-ircadb"], granularity="coarsest")


def test_rules_modalities_pick_label_variants(catalog: Catalog) -> None:
    # AMOS has CT and MR label lists; a CT fusion takes only the CT one, while a dataset whose
    # variants are parts (btcv, tcia), not modalities, keeps both
    dataset = "multi-organ-abdominal-ct-reference-standard-segmentations"
    plan = make_plan(catalog, ["amos22", dataset], rules=parse_rules({"modalities": ["CT"]}))
    assert {(d.id, d.variant) for d in plan.datasets} == {("amos22", "ct"), (dataset, "btcv"), (dataset, "tcia")}
    both = make_plan(catalog, ["amos22"])
    assert {d.variant for d in both.datasets} == {"ct", "mr"}


def test_plan_content(plan) -> None:  # noqa: ANN001
    assert plan.id.startswith("mfplan:") and plan.provenance.graph_snapshot
    assert {d.id for d in plan.datasets} == {"amos22", "word", "kits23"}
    assert any(c.kind == "no-label-list" and c.datasets == ("3d-ircadb",) for c in plan.conflicts)
    assert [label.value for label in plan.labels] == list(range(1, len(plan.labels) + 1))
    # KiTS23 (CC BY-NC-SA) and WORD (research only) bind the fused set; KiTS23's reused KiTS19
    # images carry their own licence too
    assert any(o.startswith("non-commercial use only") for o in plan.license.obligations)
    assert any("images of kits19 reused by kits23" in o for o in plan.license.obligations)


def test_plan_id_is_a_content_hash(catalog: Catalog, plan) -> None:  # noqa: ANN001
    again = make_plan(catalog, ["word", "kits23", "amos22:ct", "3d-ircadb"], granularity="coarsest")
    assert again.id == plan.id
    assert make_plan(catalog, ["amos22:ct", "word"], granularity="finest").id != plan.id


def test_plan_is_standard_json_ld_that_passes_shacl(plan) -> None:  # noqa: ANN001
    document = json.loads(json.dumps(to_jsonld(plan)))
    expanded = jsonld.expand(document)
    assert expanded[0]["@type"] == ["https://w3id.org/medfuse/vocab#MergePlan"]
    graph = plan_graph(document)
    rows = graph.query("SELECT (COUNT(?l) AS ?n) WHERE { ?p <https://w3id.org/medfuse/vocab#unifiedLabel> ?l }")
    assert int(next(iter(rows))[0]) == len(plan.labels)
    assert validate_shacl(document) == []
    assert from_jsonld(document) == plan


def test_hand_edited_plans_are_refused(plan, tmp_path: Path) -> None:  # noqa: ANN001
    path = tmp_path / "plan.jsonld"
    write_plan(plan, path)
    assert read_plan(path) == plan
    document = json.loads(path.read_text())
    document["granularity"] = "medium"
    path.write_text(json.dumps(document))
    with pytest.raises(PlanError, match="granularity"):
        read_plan(path)
    document = to_jsonld(plan)
    document["mappings"][1]["targetValue"] = 999
    path.write_text(json.dumps(document))
    with pytest.raises(PlanError, match="not a unified label value"):
        read_plan(path)


def test_plan_loads_back_into_a_graph(plan, catalog: Catalog) -> None:  # noqa: ANN001
    store = open_store(None)
    name = register_plan(store, plan)
    assert name in store.graphs()
    answer = store.query("SELECT ?p WHERE { ?p a <https://w3id.org/medfuse/vocab#MergePlan> }")
    assert len(answer.rows) == 1


def test_nnunet_and_sssom_exports(plan) -> None:  # noqa: ANN001
    dataset_json = nnunet_dataset_json(plan)
    assert dataset_json["labels"]["background"] == 0 and dataset_json["channel_names"] == {"0": "CT"}
    assert len(dataset_json["labels"]) == len(plan.labels) + 1
    mappings = parse_sssom(plan_sssom(plan))
    assert mappings.metadata["mapping_set_id"].endswith("mappings.sssom.tsv")
    assert len(mappings.rows) == sum(1 for m in plan.mappings if m.relation != "background")


def test_plan_graph_meta_names_the_snapshot(plan, catalog: Catalog) -> None:  # noqa: ANN001
    meta = run_named(catalog.store, "graph_meta").values()
    assert plan.provenance.graph_snapshot == meta[0]["snapshot"]
