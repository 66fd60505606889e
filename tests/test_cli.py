"""The ``medfuse`` command line, run as a user would run it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from medfuse.service.cli import cli


@pytest.fixture()
def run(built_store: Path):  # noqa: ANN201
    runner = CliRunner()

    def invoke(*args: str) -> tuple[int, str, str]:
        result = runner.invoke(cli, [*args, "--store", str(built_store)])
        return result.exit_code, result.stdout, result.stderr

    return invoke


def test_search_json_has_query_strict_and_near(run) -> None:  # noqa: ANN001
    code, out, _ = run("search", "--modality", "MRI", "--anatomy", "brain", "--task", "segmentation", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["query"]["modality"]["id"] == "DCM:MR"
    assert data["query"]["anatomy"]["id"] == "UBERON:0000955"
    assert data["strict"] and data["near"]
    first = data["strict"][0]
    for key in ("id", "name", "year", "modalities", "anatomy", "tasks", "dim", "samples", "access", "url", "sources"):
        assert key in first
    assert set(first["sources"][0]) >= {"catalog", "name", "year", "section"}
    assert all(n["reason"] for n in data["near"])


def test_search_limit(run) -> None:  # noqa: ANN001
    code, out, _ = run("search", "--anatomy", "abdomen", "--limit", "3", "--format", "json")
    assert code == 0 and len(json.loads(out)["strict"]) == 3


def test_search_table_says_how_terms_resolved(run) -> None:  # noqa: ANN001
    code, out, err = run("search", "--disease", "glioma")
    assert code == 0
    assert "glioma (MONDO:0021042)" in err
    assert "datasets match every constraint" in out


def test_unknown_term_is_one_line_with_suggestions(run) -> None:  # noqa: ANN001
    code, _, err = run("search", "--anatomy", "livr")
    assert code == 2
    assert err.count("\n") == 1 and "unknown anatomy term 'livr'" in err and "liver" in err


def test_show_by_name_and_unknown_dataset(run) -> None:  # noqa: ANN001
    code, out, _ = run("show", "LiTS", "--format", "json")
    assert code == 0 and json.loads(out)["id"] == "lits"
    code, _, err = run("show", "LiTSS")
    assert code == 2 and "unknown dataset 'LiTSS'" in err and "LiTS" in err


def test_query_named_with_params_and_raw_text(run) -> None:  # noqa: ANN001
    code, out, _ = run("query", "facet_match", "--param", "facet=mf:anatomy", "--param", "term=UBERON:0002113", "--format", "json")
    assert code == 0
    assert json.loads(out)["results"]["bindings"]
    code, out, _ = run("query", "ASK { ?d a <https://w3id.org/medfuse/vocab#Dataset> }")
    assert code == 0 and out.strip() == "true"
    code, out, _ = run("query", "SELECT ?d WHERE { ?d a <https://w3id.org/medfuse/vocab#Dataset> } LIMIT 2", "--format", "csv")
    assert code == 0 and out.splitlines()[0].strip() == "d" and len(out.splitlines()) == 3


def test_broken_sparql_and_bad_param(run) -> None:  # noqa: ANN001
    code, _, err = run("query", "SELEKT nothing")
    assert code == 2 and "malformed SPARQL" in err
    code, _, err = run("query", "facet_match", "--param", "colour=blue")
    assert code == 2 and "no parameter 'colour'" in err


def test_stats(run) -> None:  # noqa: ANN001
    code, out, _ = run("stats", "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["datasets"] >= 1000 and data["records"] >= 1151
    assert set(data["facets"]) >= {"modality", "anatomy", "task"}


def test_build_failure_is_one_line_and_keeps_the_graph(tmp_path: Path, built_store: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("[{")
    result = CliRunner().invoke(cli, ["build", "--store", str(built_store), "--source", f"imaging-x={bad}"])
    assert result.exit_code == 2 and str(bad) in result.stderr and "not valid JSON" in result.stderr


def test_console_script_runs(built_store: Path) -> None:
    out = subprocess.run([sys.executable, "-m", "medfuse.service.cli", "--help"], capture_output=True, text=True, check=True)
    assert "medfuse build" in out.stdout


def test_compat_json_ranks_partners(run) -> None:  # noqa: ANN001
    code, out, _ = run("compat", "kits23", "--top", "3", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["dataset"] == "kits23" and 0 < len(data["results"]) <= 3
    assert all(r["other"] != "kits23" for r in data["results"])


def test_fuse_shows_the_four_phases(run) -> None:  # noqa: ANN001
    code, out, _ = run("fuse", "--modality", "CT", "--anatomy", "abdomen", "--task", "segmentation", "--dim", "3D",
                       "--labelled-only")
    assert code == 0
    for phase in ("1. harmonisation", "2. alignment", "3. blueprint", "4. indexing"):
        assert phase in out
    assert "kits23" in out and "rejected by rule" in out


def test_plan_writes_json_ld_and_prints_the_unified_label_table(run, tmp_path: Path) -> None:  # noqa: ANN001
    out_file = tmp_path / "plan.jsonld"
    code, out, err = run("plan", "--datasets", "kits23,amos22:ct", "--out", str(out_file))
    assert code == 0 and "unified labels" in out and str(out_file) in err
    plan = json.loads(out_file.read_text())
    kidney = next(label for label in plan["labels"] if label["term"] == "UBERON:0002113")
    row = next(line for line in out.splitlines() if "UBERON:0002113" in line)
    assert row.split("│")[1].strip() == str(kidney["value"])
    coarsened = [m for m in plan["mappings"] if m.get("relation") == "coarsened"]
    assert {m["sourceName"] for m in coarsened} == {"left kidney", "right kidney"}
    assert out.count("[coarsened]") == 2


def test_labels_normalize_json_names_a_merged_labels_parts() -> None:
    result = CliRunner().invoke(
        cli, ["labels", "normalize", "Liver & Spleen", "kidney_left", "--modality", "CT", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    merged, kidney = (json.loads(line) for line in result.stdout.splitlines())
    assert merged["term"] == "mfanat:multiple-sites" and merged["parts"] == ["UBERON:0002107", "UBERON:0002106"]
    assert "parts" not in kidney and kidney["term"] == "UBERON:0004538"
