"""Checks on the hand-curated licence and derivation facts.

Three shipped files are covered:

- ``ontology/licenses.tsv``: the obligations of each licence that medical imaging datasets use;
- ``loaders/data/dataset-licenses.yaml``: which licence each dataset is under, with its source;
- ``loaders/data/derivations.yaml``: which datasets reuse the images of which others.

Every dataset id must be known to medfuse (a catalog slug, a literature id or a label file's new
dataset), every licence id must be a row of the table, and every fact must name its source. The
tests read only repository files, so they run the same locally and in CI.
"""

from __future__ import annotations

import csv
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

__all__: list[str] = []

ROOT = Path(__file__).parents[1]
LICENSES_TSV = ROOT / "ontology/licenses.tsv"
SPDX_TSV = ROOT / "ontology/terms/spdx-licenses.tsv"
DATASET_LICENSES = ROOT / "loaders/data/dataset-licenses.yaml"
DERIVATIONS = ROOT / "loaders/data/derivations.yaml"
CATALOG = ROOT / "loaders/data/imaging-x/datasets.json"
LITERATURE = ROOT / "loaders/data/literature/datasets.yaml"
LABELS = ROOT / "loaders/data/labels"

COLUMNS = [
    "id",
    "name",
    "open",
    "attribution",
    "share_alike",
    "non_commercial",
    "no_derivatives",
    "research_only",
    "url",
    "note",
]
FLAGS = COLUMNS[2:8]
BOOLEANS = {"true": True, "false": False}
#: SPDX licences the table must always describe (the ones open imaging datasets use most).
REQUIRED_SPDX = {
    "CC0-1.0",
    "PDDL-1.0",
    "CC-BY-3.0",
    "CC-BY-4.0",
    "CC-BY-SA-3.0",
    "CC-BY-SA-4.0",
    "CC-BY-NC-3.0",
    "CC-BY-NC-4.0",
    "CC-BY-NC-SA-3.0",
    "CC-BY-NC-SA-4.0",
    "CC-BY-NC-ND-3.0",
    "CC-BY-NC-ND-4.0",
    "CC-BY-ND-4.0",
    "ODbL-1.0",
    "ODC-By-1.0",
    "CDLA-Permissive-2.0",
    "MIT",
    "Apache-2.0",
    "BSD-3-Clause",
    "GPL-3.0-only",
}
LICENSE_REF = re.compile(r"^LicenseRef-[A-Za-z0-9.\-]+$")
#: Creative Commons id tokens and the flag each one implies.
CC_TOKENS = {"BY": "attribution", "SA": "share_alike", "NC": "non_commercial", "ND": "no_derivatives"}
RELATIONS = {"contains", "same-images", "subset-of", "derived"}
#: Relations that say one dataset holds (part of) the other's images; they must not form a cycle.
NESTING = {"contains", "subset-of"}
LICENSE_KEYS = {"dataset", "license", "source", "note", "disagreement"}
LINK_KEYS = {"dataset", "built_from", "relation", "cases", "source", "note"}


def slug(name: str) -> str:
    """Return the medfuse dataset id of a catalog name.

    >>> slug("MSD03-Liver")
    'msd03-liver'
    """
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


@cache
def known_dataset_ids() -> frozenset[str]:
    """Return every dataset id medfuse knows: catalog slugs, literature ids, label new datasets."""
    ids = {slug(record["name"]) for record in json.loads(CATALOG.read_text())}
    ids |= {entry["id"] for entry in yaml.safe_load(LITERATURE.read_text())["datasets"]}
    for path in LABELS.glob("*.yaml"):
        doc = yaml.safe_load(path.read_text())
        if doc.get("new_dataset"):
            ids.add(doc["dataset"])
    return frozenset(ids)


@cache
def spdx_ids() -> frozenset[str]:
    lines = [line for line in SPDX_TSV.read_text().splitlines() if not line.startswith("#")]
    return frozenset(row["id"] for row in csv.DictReader(lines, delimiter="\t"))


@cache
def license_lines() -> tuple[str, ...]:
    return tuple(LICENSES_TSV.read_text(encoding="utf-8").splitlines())


@cache
def license_rows() -> tuple[dict[str, str], ...]:
    body = [line for line in license_lines() if not line.startswith("#")]
    return tuple(csv.DictReader(body, delimiter="\t", quoting=csv.QUOTE_NONE))


@cache
def license_table() -> dict[str, dict[str, Any]]:
    """Return {licence id: row with the flags parsed to booleans}."""
    return {
        row["id"]: {**row, **{flag: BOOLEANS.get(row[flag]) for flag in FLAGS}}
        for row in license_rows()
    }


@cache
def dataset_licenses() -> dict[str, Any]:
    return yaml.safe_load(DATASET_LICENSES.read_text(encoding="utf-8"))


@cache
def derivations() -> dict[str, Any]:
    return yaml.safe_load(DERIVATIONS.read_text(encoding="utf-8"))


def restrictions(license_id: str) -> tuple[bool, ...]:
    """Return the obligations of a licence as a tuple where True means "more restrictive"."""
    row = license_table()[license_id]
    return (not row["open"], *(row[flag] for flag in FLAGS[1:]))


def _entry_id(entry: dict[str, Any]) -> str:
    return str(entry.get("dataset"))


def _link_id(link: dict[str, Any]) -> str:
    return f"{link.get('dataset')}<-{link.get('built_from')}"


# --- ontology/licenses.tsv ---------------------------------------------------------------------


def test_licenses_header() -> None:
    lines = license_lines()
    assert lines[0].startswith("# ") and "source" in lines[0], "first line: a comment naming the sources"
    assert lines[1].split("\t") == COLUMNS


def test_licenses_sorted_and_unique() -> None:
    ids = [row["id"] for row in license_rows()]
    assert ids == sorted(ids), "rows must be sorted by id"
    assert len(ids) == len(set(ids)), "duplicate licence ids"


def test_licenses_cover_required_spdx() -> None:
    assert REQUIRED_SPDX <= set(license_table()), REQUIRED_SPDX - set(license_table())


def test_licenses_have_license_refs() -> None:
    refs = [lid for lid in license_table() if lid.startswith("LicenseRef-")]
    assert len(refs) >= 5, "the non-SPDX access terms (TCIA, PhysioNet, Kaggle, challenges...) need rows"


@pytest.mark.parametrize("line", license_lines()[2:], ids=lambda line: line.split("\t")[0])
def test_license_row(line: str) -> None:
    fields = line.split("\t")
    assert len(fields) == len(COLUMNS), f"{len(fields)} fields"
    row = dict(zip(COLUMNS, fields))
    assert row["name"].strip(), "name is empty"
    for flag in FLAGS:
        assert row[flag] in BOOLEANS, f"{flag}={row[flag]!r} is not true/false"
    if row["id"].startswith("LicenseRef-"):
        assert LICENSE_REF.match(row["id"]), row["id"]
        assert row["note"].strip(), "a LicenseRef row must explain its terms"
    else:
        assert row["id"] in spdx_ids(), f"{row['id']} is not an SPDX id"
    assert not row["url"] or row["url"].startswith("https://"), row["url"]


@pytest.mark.parametrize("license_id", sorted(lid for lid in REQUIRED_SPDX if lid.startswith("CC-")))
def test_creative_commons_flags_match_id(license_id: str) -> None:
    row = license_table()[license_id]
    tokens = set(license_id.split("-")[1:-1])
    for token, flag in CC_TOKENS.items():
        assert row[flag] is (token in tokens), f"{flag} disagrees with the id"
    assert row["open"] and not row["research_only"]


# --- loaders/data/dataset-licenses.yaml -----------------------------------------------------------


def test_dataset_licenses_document() -> None:
    doc = dataset_licenses()
    assert set(doc) == {"source", "licenses"}
    assert doc["source"]["description"].strip()
    assert len(doc["licenses"]) >= 30


def test_dataset_licenses_sorted_and_unique() -> None:
    datasets = [entry["dataset"] for entry in dataset_licenses()["licenses"]]
    assert datasets == sorted(datasets), "entries must be sorted by dataset"
    assert len(datasets) == len(set(datasets)), "one entry per dataset"


@pytest.mark.parametrize("entry", dataset_licenses()["licenses"], ids=_entry_id)
def test_dataset_license_entry(entry: dict[str, Any]) -> None:
    assert {"dataset", "license", "source", "note"} <= set(entry) <= LICENSE_KEYS, set(entry)
    assert entry["dataset"] in known_dataset_ids(), f"unknown dataset id {entry['dataset']}"
    assert entry["license"] in license_table(), f"{entry['license']} is not in licenses.tsv"
    assert isinstance(entry["source"], str) and entry["source"].strip(), "source is empty"
    assert entry["note"] is None or entry["note"].strip()


@pytest.mark.parametrize(
    "entry",
    [entry for entry in dataset_licenses()["licenses"] if "disagreement" in entry],
    ids=_entry_id,
)
def test_dataset_license_disagreement(entry: dict[str, Any]) -> None:
    claims = entry["disagreement"]
    assert isinstance(claims, list) and len(claims) >= 2, "a disagreement lists at least two claims"
    assert len({claim["license"] for claim in claims}) >= 2, "the claims must actually differ"
    chosen = restrictions(entry["license"])
    for claim in claims:
        assert set(claim) == {"license", "source"}
        assert claim["license"] in license_table(), claim["license"]
        assert claim["source"].strip()
        other = restrictions(claim["license"])
        weaker = all(c <= o for c, o in zip(chosen, other)) and chosen != other
        assert not weaker, f"{entry['license']} is less restrictive than {claim['license']}"


# --- loaders/data/derivations.yaml ------------------------------------------------------------------


def test_derivations_document() -> None:
    doc = derivations()
    assert set(doc) == {"source", "links"}
    assert doc["source"]["description"].strip()
    assert len(doc["links"]) >= 40


def test_derivations_sorted_and_unique() -> None:
    links = derivations()["links"]
    keys = [(link["dataset"], link["built_from"]) for link in links]
    assert keys == sorted(keys), "links must be sorted by (dataset, built_from)"
    assert len(keys) == len(set(keys)), "duplicate links"
    pairs = [frozenset(key) for key in keys]
    assert len(pairs) == len(set(pairs)), "the same pair is linked in both directions"


@pytest.mark.parametrize("link", derivations()["links"], ids=_link_id)
def test_derivation_link(link: dict[str, Any]) -> None:
    assert set(link) == LINK_KEYS, set(link)
    for key in ("dataset", "built_from"):
        assert link[key] in known_dataset_ids(), f"unknown dataset id {link[key]}"
    assert link["dataset"] != link["built_from"], "self-link"
    assert link["relation"] in RELATIONS, link["relation"]
    cases = link["cases"]
    assert cases is None or (isinstance(cases, int) and not isinstance(cases, bool) and cases > 0)
    assert isinstance(link["source"], str) and link["source"].strip(), "source is empty"
    assert link["note"] is None or link["note"].strip()


def test_nesting_has_no_cycle() -> None:
    graph: dict[str, set[str]] = {}
    for link in derivations()["links"]:
        if link["relation"] in NESTING:
            graph.setdefault(link["dataset"], set()).add(link["built_from"])
    state: dict[str, int] = {}  # 1 = on the current path, 2 = finished

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                pytest.fail("cycle: " + " -> ".join([*path, node, nxt]))
            if nxt not in state:
                visit(nxt, [*path, node])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [])
