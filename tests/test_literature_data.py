"""Checks on ``loaders/data/literature/datasets.yaml``, the hand-curated literature datasets.

The file lists medical imaging datasets that papers in the literature collection introduce,
release or build on, and that the Imaging-X catalog lacks. These tests read only files in the
repository (never cellxgene-ontology-guide), so they run in CI as they do locally.
"""

from __future__ import annotations

import gzip
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from rdflib import Graph, Namespace
from rdflib.namespace import RDF

__all__: list[str] = []

ROOT = Path(__file__).parents[1]
LITERATURE = ROOT / "loaders/data/literature/datasets.yaml"
CATALOG = ROOT / "loaders/data/imaging-x/datasets.json"
TERMS = ROOT / "ontology/terms"
TERM_FILES = {"UBERON": "uberon.json.gz", "MONDO": "mondo.json.gz", "CL": "cl.json.gz"}
DICOM_TTL = TERMS / "dicom-modality.ttl"
SPDX_TSV = TERMS / "spdx-licenses.tsv"

DCM = Namespace("http://dicom.nema.org/resources/ontology/DCM/")
MF = Namespace("https://w3id.org/medfuse/vocab#")

REQUIRED_KEYS = {
    "id",
    "name",
    "year",
    "modalities",
    "anatomy",
    "diseases",
    "tasks",
    "dim",
    "samples",
    "sample_unit",
    "labelled",
    "access",
    "license",
    "url",
    "paper",
    "built_from",
    "built_from_note",
}
LIST_KEYS = ("modalities", "anatomy", "diseases", "tasks", "dim", "built_from")
TASKS = {
    "segmentation",
    "classification",
    "detection",
    "registration",
    "reconstruction",
    "tracking",
    "localization",
    "vqa",
    "report generation",
    "captioning",
    "retrieval",
    "generation",
    "pretraining",
}
DIMS = {"2D", "3D", "video"}
ACCESS = {"open", "registration", "application", "unknown"}
#: Plain modality words allowed where no DICOM code fits.
MODALITY_WORDS = {"X-ray", "histopathology", "microscopy", "fundus photography", "multimodal"}
DCM_CURIE = re.compile(r"^DCM:[A-Z0-9]+$")
CURIE = re.compile(r"^(UBERON|MONDO|CL):\d{7}$")
ANATOMY_PREFIXES = {"UBERON", "CL"}
DISEASE_PREFIXES = {"MONDO"}
YEARS = range(1990, 2027)

#: Ids that deliberately differ from ``slug(name)``, with the reason. Empty: every id is the
#: slug of its name. Add an entry here (never silently) if an id must dodge a catalog slug.
ID_VARIANTS: dict[str, str] = {}

#: Datasets the file must contain (from the task that created it), by name.
REQUIRED_NAMES = [
    "SA-Med2D-20M",
    "IMed-361M",
    "MedTrinity-25M",
    "Harvard-FairSeg",
    "RadGenome-Chest CT",
    "PreCT-160K",
    "AeroPath",
    "BIOMEDICA",
    "GMAI-VL-5.5M",
    "UniMed-5M",
    "MedImg",
]
#: Required names recorded under the name their paper uses. The task asked for "UniMed-5M",
#: meaning the 5.3M image-text dataset of the UniMed-CLIP paper, which calls it "UniMed" (the
#: later UniMedVL work released a different dataset under the name UniMed-5M).
NAME_ALIASES = {"UniMed-5M": "UniMed"}


def slug(name: str) -> str:
    """Lower case, runs of characters other than ``[a-z0-9]`` turned into ``-``, ends stripped."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


@cache
def document() -> dict[str, Any]:
    with LITERATURE.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    assert isinstance(data, dict), "the YAML document must be a mapping"
    return data


def entries() -> list[dict[str, Any]]:
    return document()["datasets"]


@cache
def catalog_slugs() -> frozenset[str]:
    records = json.loads(CATALOG.read_text(encoding="utf-8"))
    return frozenset(slug(record["name"]) for record in records)


@cache
def ontology_terms() -> dict[str, dict[str, Any]]:
    terms: dict[str, dict[str, Any]] = {}
    for filename in TERM_FILES.values():
        with gzip.open(TERMS / filename, "rt", encoding="utf-8") as handle:
            terms.update(json.load(handle)["terms"])
    return terms


@cache
def dicom_codes() -> frozenset[str]:
    graph = Graph().parse(DICOM_TTL, format="turtle")
    return frozenset(
        "DCM:" + str(subject)[len(str(DCM)) :]
        for subject in graph.subjects(RDF.type, MF.Modality)
        if str(subject).startswith(str(DCM))
    )


@cache
def spdx_ids() -> frozenset[str]:
    lines = SPDX_TSV.read_text(encoding="utf-8").splitlines()
    rows = [line.split("\t") for line in lines if line and not line.startswith("#")]
    return frozenset(row[0] for row in rows[1:])


def ids_of(key: str) -> list[tuple[str, Any]]:
    return [(entry["id"], entry[key]) for entry in entries()]


def test_header() -> None:
    data = document()
    assert set(data) == {"source", "datasets"}
    source = data["source"]
    assert source["file"] == "related-dataset-papers.txt"
    assert isinstance(source["description"], str) and source["description"].strip()
    assert isinstance(data["datasets"], list) and data["datasets"]


def test_required_keys_and_types() -> None:
    for entry in entries():
        missing = REQUIRED_KEYS - set(entry)
        assert not missing, f"{entry.get('id')}: missing keys {sorted(missing)}"
        extra = set(entry) - REQUIRED_KEYS
        assert not extra, f"{entry['id']}: unexpected keys {sorted(extra)}"
        for key in ("id", "name", "paper", "built_from_note", "access"):
            assert isinstance(entry[key], str) and entry[key].strip(), f"{entry['id']}: {key}"
        for key in LIST_KEYS:
            values = entry[key]
            assert isinstance(values, list), f"{entry['id']}: {key} must be a list"
            assert all(isinstance(value, str) for value in values), f"{entry['id']}: {key}"
            assert len(values) == len(set(values)), f"{entry['id']}: duplicate in {key}"
        assert entry["labelled"] is None or isinstance(entry["labelled"], bool), entry["id"]


def test_ids_unique_sorted_and_slugs_of_names() -> None:
    ids = [entry["id"] for entry in entries()]
    assert len(ids) == len(set(ids)), "duplicate ids"
    assert ids == sorted(ids), "entries must be sorted by id"
    names = [slug(entry["name"]) for entry in entries()]
    assert len(names) == len(set(names)), "two entries share a name slug"
    for entry in entries():
        if entry["id"] in ID_VARIANTS:
            assert entry["id"] != slug(entry["name"]), f"{entry['id']}: variant not needed"
        else:
            assert entry["id"] == slug(entry["name"]), f"{entry['id']} != slug({entry['name']!r})"


def test_no_id_collides_with_catalog() -> None:
    catalog = catalog_slugs()
    for entry in entries():
        assert entry["id"] not in catalog, f"{entry['id']} is already in the Imaging-X catalog"
        assert slug(entry["name"]) not in catalog, f"{entry['name']} is already in the catalog"


def test_built_from_resolves() -> None:
    own = {entry["id"] for entry in entries()}
    catalog = catalog_slugs()
    for entry in entries():
        for target in entry["built_from"]:
            assert target != entry["id"], f"{entry['id']} is built from itself"
            assert target in catalog or target in own, f"{entry['id']}: unknown target {target}"


def test_built_from_is_acyclic() -> None:
    edges = {entry["id"]: set(entry["built_from"]) for entry in entries()}

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        for nxt in edges.get(start, ()):
            if nxt == goal or (nxt not in seen and reaches(nxt, goal, seen | {nxt})):
                return True
        return False

    for node in edges:
        assert not reaches(node, node, {node}), f"derivation cycle through {node}"


def test_built_from_note_states_its_basis() -> None:
    for entry in entries():
        note = entry["built_from_note"]
        assert note.startswith(("abstract", "known:")), f"{entry['id']}: note basis {note!r}"
        assert len(note) <= 220, f"{entry['id']}: keep the note short"


@pytest.mark.parametrize("dataset_id,year", ids_of("year"))
def test_year_plausible(dataset_id: str, year: Any) -> None:
    assert year is None or (type(year) is int and year in YEARS), f"{dataset_id}: {year!r}"


@pytest.mark.parametrize("dataset_id,samples", ids_of("samples"))
def test_samples_positive_int_or_null(dataset_id: str, samples: Any) -> None:
    assert samples is None or (type(samples) is int and samples > 0), f"{dataset_id}: {samples!r}"


def test_sample_unit_given_with_samples() -> None:
    for entry in entries():
        if entry["samples"] is not None:
            unit = entry["sample_unit"]
            assert isinstance(unit, str) and unit.strip(), f"{entry['id']}: sample_unit missing"


def test_controlled_vocabularies() -> None:
    for entry in entries():
        assert set(entry["tasks"]) <= TASKS, f"{entry['id']}: {set(entry['tasks']) - TASKS}"
        assert set(entry["dim"]) <= DIMS, f"{entry['id']}: {set(entry['dim']) - DIMS}"
        assert entry["dim"], f"{entry['id']}: dim is empty"
        assert entry["access"] in ACCESS, f"{entry['id']}: access {entry['access']!r}"
        assert entry["modalities"], f"{entry['id']}: no modality"
        for modality in entry["modalities"]:
            assert DCM_CURIE.match(modality) or modality in MODALITY_WORDS, modality


def test_urls() -> None:
    for entry in entries():
        url = entry["url"]
        assert url is None or re.match(r"^https?://\S+$", url), f"{entry['id']}: {url!r}"


def test_curie_prefixes() -> None:
    for entry in entries():
        for field, prefixes in (("anatomy", ANATOMY_PREFIXES), ("diseases", DISEASE_PREFIXES)):
            for curie in entry[field]:
                assert CURIE.match(curie), f"{entry['id']}: malformed {curie!r}"
                assert curie.split(":")[0] in prefixes, f"{entry['id']}: {curie} in {field}"


def test_curies_exist_in_term_files() -> None:
    missing_files = [name for name in TERM_FILES.values() if not (TERMS / name).exists()]
    if missing_files:
        pytest.skip(f"ontology term files not generated yet: {', '.join(missing_files)}")
    terms = ontology_terms()
    for entry in entries():
        for curie in entry["anatomy"] + entry["diseases"]:
            assert curie in terms, f"{entry['id']}: {curie} not in ontology/terms"


def test_dicom_codes_exist() -> None:
    if not DICOM_TTL.exists():
        pytest.skip("ontology/terms/dicom-modality.ttl not generated yet")
    codes = dicom_codes()
    for entry in entries():
        for modality in entry["modalities"]:
            if modality.startswith("DCM:"):
                assert modality in codes, f"{entry['id']}: {modality} not a DICOM modality"


def test_licenses_are_spdx() -> None:
    licensed = [(entry["id"], entry["license"]) for entry in entries() if entry["license"]]
    if not SPDX_TSV.exists():
        pytest.skip("ontology/terms/spdx-licenses.tsv not generated yet")
    known = spdx_ids()
    for dataset_id, license_id in licensed:
        assert license_id in known, f"{dataset_id}: {license_id} is not an SPDX id"


def test_required_names_present() -> None:
    names = {slug(entry["name"]) for entry in entries()}
    for required in REQUIRED_NAMES:
        recorded = NAME_ALIASES.get(required, required)
        assert slug(recorded) in names, f"{required} missing"
