"""The Imaging-X loader on a tiny catalog written for these tests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from medfuse.kg.errors import CatalogError
from medfuse.kg.terms import TermIndex
from medfuse.loaders import imaging_x
from medfuse.loaders.model import DatasetFacts

SMALL = Path(__file__).parent / "data" / "imaging-x-small.json"


@pytest.fixture(scope="module")
def datasets(terms: TermIndex) -> dict[str, DatasetFacts]:
    return {d.id: d for d in imaging_x.load(SMALL, terms=terms).datasets}


def test_multi_valued_fields_split_into_terms(datasets: dict[str, DatasetFacts]) -> None:
    multi = datasets["multimodal-demo"]
    assert set(multi.modalities) == {"DCM:CT", "DCM:MR", "DCM:PT"}
    assert set(multi.dims) == {"mfdim:2d", "mfdim:3d"}
    assert "mftask:registration" in multi.tasks and len(multi.tasks) == 2
    assert datasets["gbm-demo"].tasks == ["mftask:segmentation", "mftask:classification"]


def test_sample_counts_and_years(datasets: dict[str, DatasetFacts]) -> None:
    assert datasets["liverseg-demo"].samples == 2700
    assert datasets["multimodal-demo"].samples == 1_300_000
    assert datasets["fundus-demo"].samples == 1993
    assert datasets["multimodal-demo"].year is None


def test_duplicates_merge_and_keep_every_record(datasets: dict[str, DatasetFacts]) -> None:
    liver = datasets["liverseg-demo"]
    assert [(s.index, s.section, s.year) for s in liver.sources] == [(0, "3D CT Datasets", "2021"), (6, "CT Datasets", "2022")]
    assert liver.year == 2021
    conflict = [i for i in liver.issues if i.kind == "conflicting-sources"]
    assert [i.field for i in conflict] == ["year"]
    assert len(datasets) == 7


def test_unknown_access_is_inferred_from_the_host(datasets: dict[str, DatasetFacts]) -> None:
    liver = datasets["liverseg-demo"]
    assert (liver.access, liver.access_inferred, liver.access_rule) == ("mfacc:open", True, "zenodo.org")
    gbm = datasets["gbm-demo"]
    assert (gbm.access, gbm.access_inferred) == ("mfacc:registration", True)
    kidney = datasets["kidneydemo"]
    assert (kidney.access, kidney.access_inferred) == ("mfacc:open", False)
    skin = datasets["skindemo"]  # isic-archive.com is in no rule: stays unknown
    assert (skin.access, skin.access_inferred) == ("mfacc:unknown", False)


def test_anatomy_in_the_disease_field_is_flagged(datasets: dict[str, DatasetFacts]) -> None:
    skin = datasets["skindemo"]
    kinds = {i.kind: i for i in skin.issues}
    assert set(kinds) == {"field-holds-anatomy", "anatomy-contradiction"}
    assert kinds["anatomy-contradiction"].term == "UBERON:0000955"
    assert skin.diseases == []  # the anatomical word is not kept as a disease


def test_hierarchy_terms(datasets: dict[str, DatasetFacts]) -> None:
    assert datasets["gbm-demo"].diseases == ["MONDO:0018177"]
    assert datasets["liverseg-demo"].anatomy == ["UBERON:0002107"]


def test_report_counts_unmapped_values(terms: TermIndex, tmp_path: Path) -> None:
    records = json.loads(SMALL.read_text())
    records[0]["modality"] = "CT/ Quantum Brainwave Scanner"
    path = tmp_path / "datasets.json"
    path.write_text(json.dumps(records))
    report = imaging_x.load(path, terms=terms).report["modality"]
    assert report.unmapped == {"Quantum Brainwave Scanner": 1}
    assert report.mapped == report.distinct - 1


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("[{", "not valid JSON"),
        ('{"name": "x"}', "expected a JSON list"),
        ('[{"name": "ok"}, {"section": "x"}]', "record 1, field 'name'"),
        ('[{"name": "ok", "label": "maybe"}]', "record 0, field 'label'"),
        ('[{"name": "  "}]', "the dataset name is empty"),
    ],
)
def test_malformed_catalogs_name_file_record_and_field(terms: TermIndex, tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(CatalogError) as error:
        imaging_x.load(path, terms=terms)
    assert str(path) in str(error.value) and expected in str(error.value)


def test_missing_file(terms: TermIndex, tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="cannot read"):
        imaging_x.load(tmp_path / "absent.json", terms=terms)
