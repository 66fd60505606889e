"""The label layer in the graph: label lists, mappings, SSSOM export, related labels, bad files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from medfuse.kg.build import build
from medfuse.kg.catalog import Catalog
from medfuse.kg.errors import LabelDataError
from medfuse.kg.labels import dataset_labels, export_sssom, label_stats, related_labels
from medfuse.kg.namespaces import PREFIXES
from medfuse.kg.store import snapshot_dir
from medfuse.loaders.mappings import COLUMNS, NO_TERM, parse_sssom
from tests.conftest import DATA, SMALL_SOURCES

KIDNEY, LEFT_KIDNEY = "UBERON:0002113", "UBERON:0004538"


def test_label_lists_of_at_least_sixty_datasets_all_accounted_for(catalog: Catalog) -> None:
    counts = label_stats(catalog)
    assert counts["datasets"] >= 60
    assert counts["labels"] == counts["mapped"] + counts["unmappable"]
    assert counts["mapped"] / counts["labels"] > 0.8


def test_a_dataset_lists_its_labels_with_terms(catalog: Catalog) -> None:
    labels = {(label.variant, label.value): label for label in dataset_labels(catalog, "amos22")}
    left = labels[("ct", 3)]
    assert left.name == "left kidney" and left.term.id == LEFT_KIDNEY
    assert labels[("ct", 0)].term is None and labels[("ct", 0)].reason


def test_generic_lesion_names_take_the_site_of_their_dataset(catalog: Catalog) -> None:
    # MSD Task03 says "cancer": the file's only organ (liver) is its site; Task06 has no organ
    # label and names its site in the file; "Vessel" is the blood vessel, and gets nothing from
    # the site (not a lesion)
    liver = {label.value: label for label in dataset_labels(catalog, "msd03-liver")}
    assert liver[2].site is not None and liver[2].site.id == "UBERON:0002107"
    assert liver[2].term is not None and liver[2].term.id == "mfles:liver-tumour"  # the lesion, as Task08's
    pancreas = {label.value: label for label in dataset_labels(catalog, "msd07-pancreas")}
    assert pancreas[2].term is not None and pancreas[2].term.id == "mfles:pancreatic-tumour"
    lung = {label.value: label for label in dataset_labels(catalog, "msd06-lung")}
    assert lung[1].site is not None and lung[1].site.id == "UBERON:0002048"
    vessels = {label.value: label for label in dataset_labels(catalog, "msd08-hepaticvessel")}
    assert vessels[1].term is not None and vessels[1].term.id == "UBERON:0001981"
    assert vessels[1].site is None
    assert vessels[2].term is not None and vessels[2].term.id == "mfles:liver-tumour"
    # a generic lesion term yields to the file's site: MyoPS "scar" and "edema" are the myocardium's
    myops = {label.value: label for label in dataset_labels(catalog, "myops2020")}
    assert myops[2221].term is not None and myops[2221].term.id == "mfles:myocardial-scar"
    assert myops[1220].term is not None and myops[1220].term.id == "mfles:myocardial-oedema"
    # a multi-organ file gives no site: AMOS's sex-dependent class stays unmapped
    amos = {(label.variant, label.value): label for label in dataset_labels(catalog, "amos22")}
    assert amos[("ct", 15)].term is None


def test_find_by_anatomy_says_which_relation_holds(catalog: Catalog) -> None:
    asked, rows = related_labels(catalog, "kidney")
    assert asked.id == KIDNEY
    relations = {(row.term.id, row.relation) for row in rows}
    assert (KIDNEY, "same") in relations
    assert (LEFT_KIDNEY, "narrower") in relations
    assert any(row.relation == "lesion-in" and row.dataset == "kits23" for row in rows)


def test_a_merged_label_stays_unmapped_and_is_found_by_what_it_merges(catalog: Catalog) -> None:
    """Hammers' "left middle and inferior temporal gyrus" merges two gyri: no single term, so no
    mapping a fusion would join on, but a search for either gyrus finds it, as merged."""
    hammers = {label.value: label for label in dataset_labels(catalog, "hammers-brain-atlas")}
    assert hammers[13].term is None and "merges" in (hammers[13].reason or "")
    _, rows = related_labels(catalog, "middle temporal gyrus")
    merged = {(row.dataset, row.value) for row in rows if row.relation == "merged"}
    assert {("hammers-brain-atlas", 13), ("hammers-brain-atlas", 14)} <= merged
    assert all(row.relation != "merged" or row.dataset == "hammers-brain-atlas" or row.term for row in rows)


def test_sssom_export_validates_and_round_trips(catalog: Catalog) -> None:
    text = export_sssom(catalog, version="test")
    parsed = parse_sssom(text, source="export")
    for key in ("curie_map", "mapping_set_id", "license"):
        assert parsed.metadata[key], key
    assert text.splitlines()[len([line for line in text.splitlines() if line.startswith("#")])].split("\t") == list(COLUMNS)
    assert len(parsed.rows) == label_stats(catalog)["labels"]
    curie_map = parsed.metadata["curie_map"]
    for row in parsed.rows:
        for curie in (row.subject_id, row.predicate_id, row.object_id, row.mapping_justification):
            prefix = curie.split(":", 1)[0]
            assert prefix in curie_map and curie_map[prefix] == PREFIXES[prefix], curie
        assert (row.object_id == NO_TERM) == (row.object_label == "")
    again = parse_sssom(text, source="again")
    assert again == parsed


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("labels:\n  - {value: 1, name: liver}\n  - {value: 1, name: kidney}\n", "duplicate label value"),
        ("labels:\n  - {value: one, name: liver}\n", "label values must be integers"),
        ("labels:\n  - {value: 1.5, name: liver}\n", "label values must be integers"),
        ("site: UBERON:9999999\nlabels:\n  - {value: 1, name: tumour}\n", "site must be the CURIE of an UBERON term"),
    ],
)
def test_bad_label_files_name_file_and_entry_and_load_nothing(tmp_path: Path, content: str, expected: str) -> None:
    folder = tmp_path / "labels"
    shutil.copytree(DATA / "labels-small", folder)
    bad = folder / "zz-bad.yaml"
    bad.write_text("dataset: kidneydemo\nkind: segmentation\n" + content)
    location = tmp_path / "store"
    with pytest.raises(LabelDataError) as error:
        build(location, sources={**SMALL_SOURCES, "labels": folder})
    assert str(bad) in str(error.value) and expected in str(error.value)
    assert not (location / "current").exists()


def test_unknown_dataset_in_a_label_file(tmp_path: Path) -> None:
    folder = tmp_path / "labels"
    folder.mkdir()
    (folder / "x.yaml").write_text("dataset: kidnydemo\nkind: segmentation\nlabels:\n  - {value: 1, name: kidney}\n")
    location = tmp_path / "store"
    build(location, sources=SMALL_SOURCES)
    before = snapshot_dir(location)
    with pytest.raises(LabelDataError, match="unknown dataset.*kidneydemo"):
        build(location, sources={**SMALL_SOURCES, "labels": folder})
    assert snapshot_dir(location) == before
