"""Hierarchy-aware search over the graph built from the shipped catalogs."""

from __future__ import annotations

import pytest

from medfuse.kg.catalog import Catalog
from medfuse.kg.errors import UnknownTermError
from medfuse.kg.search import is_cheap, search, search_hits

LIVER, KIDNEY, PANCREAS = "UBERON:0002107", "UBERON:0002113", "UBERON:0001264"
GLIOBLASTOMA = "MONDO:0018177"


def _ids(result) -> set[str]:  # noqa: ANN001
    return {m.id for m in result.strict}


def test_abdomen_finds_liver_kidney_and_pancreas_datasets(catalog: Catalog) -> None:
    result = search(catalog, anatomy="abdomen")
    assert result.query["anatomy"].id == "UBERON:0000916"
    found = {t for m in result.strict for t in m.matched["anatomy"]}
    assert {LIVER, KIDNEY, PANCREAS} <= found
    assert {"lits", "kits19"} <= _ids(result)


def test_glioma_finds_glioblastoma_datasets(catalog: Catalog) -> None:
    result = search(catalog, disease="glioma")
    assert result.query["disease"].id == "MONDO:0021042"
    with_gbm = {m.id for m in result.strict if GLIOBLASTOMA in m.matched["disease"]}
    assert with_gbm, "no dataset annotated with glioblastoma was found under glioma"
    assert with_gbm <= _ids(result)


def test_mri_finds_multimodal_ct_mr_datasets(catalog: Catalog) -> None:
    result = search(catalog, modality="MRI")
    assert result.query["modality"].id == "DCM:MR"
    multimodal = [m for m in result.strict if {"DCM:CT", "DCM:MR"} <= {t.id for t in m.modalities}]
    assert len(multimodal) >= 20  # Imaging-X writes these "CT/MR", "CT/ MR/ PET", ...


def test_chest_xray_finds_cxr_classification_sets(catalog: Catalog) -> None:
    result = search(catalog, modality="chest X-ray", task="classification")
    assert result.query["modality"].id == "mfmod:xray"
    assert result.query["anatomy"].id == "UBERON:0000915" and result.query["anatomy"].implied_by == "chest X-ray"
    ids = _ids(result)
    assert {"chexpert", "nih-chest-x-ray-14"} <= ids, sorted(ids)
    assert all("mftask:classification" in m.matched["task"] for m in result.strict)
    assert ids == _ids(search(catalog, modality="X-ray", anatomy="chest", task="classification"))


def test_strict_and_near_matches_with_reasons(catalog: Catalog) -> None:
    result = search(catalog, modality="CT", anatomy="liver", task="segmentation", dim="3D")
    assert result.strict and result.near
    strict_ids = _ids(result)
    for near in result.near:
        assert near.id not in strict_ids
        assert near.missing in {"modality", "anatomy", "task", "dim"}
        assert near.reason
        assert set(near.matched) == {"modality", "anatomy", "task", "dim"} - {near.missing}


def test_one_constraint_gives_no_near_list(catalog: Catalog) -> None:
    assert search(catalog, anatomy="kidney").near == []


def test_labelled_and_access_filters(catalog: Catalog) -> None:
    labelled = search(catalog, anatomy="retina", labelled=True)
    unlabelled = search(catalog, anatomy="retina", labelled=False)
    assert _ids(labelled).isdisjoint(_ids(unlabelled))
    assert all(m.labelled for m in labelled.strict)
    opened = search(catalog, access="open")
    assert opened.strict and all(m.access == "open" for m in opened.strict)


def test_sources_are_kept_as_upstream_wrote_them(catalog: Catalog) -> None:
    merged = [s for s in catalog.summaries.values() if len(s.sources) > 1]
    assert len(merged) >= 50
    record = merged[0].sources[0]
    assert record.catalog == "imaging-x" and record.name and record.section


def test_unknown_term_suggests_close_spellings(catalog: Catalog) -> None:
    for _ in range(2):  # resolved terms are kept per graph; a term that failed is not
        with pytest.raises(UnknownTermError) as error:
            search(catalog, anatomy="kidnye")
        assert "kidney" in str(error.value)


def test_curie_input_is_accepted(catalog: Catalog) -> None:
    assert _ids(search(catalog, anatomy=LIVER)) == _ids(search(catalog, anatomy="liver"))


@pytest.mark.parametrize("options", [
    {},
    {"modality": "CT"},
    {"modality": "CT", "anatomy": "abdomen"},
    {"modality": "MRI", "anatomy": "brain", "disease": "glioma", "labelled": True},
    {"modality": "CT", "anatomy": "liver", "task": "segmentation", "dim": "3D", "access": "open"},
])
def test_strict_and_near_follow_their_definition_in_catalog_order(catalog: Catalog, options: dict) -> None:
    result = search(catalog, **options)
    met = {option: {m.id for m in search(catalog, near=False, **{option: text}).strict} for option, text in options.items()}
    order = list(catalog.summaries)
    missed = {d: [o for o in met if d not in met[o]] for d in order}
    assert [m.id for m in result.strict] == [d for d in order if not missed[d]]
    expected_near = [(d, m[0]) for d, m in missed.items() if len(m) == 1] if len(options) > 1 else []
    assert [(m.id, m.missing) for m in result.near] == expected_near
    assert (result.total_strict, result.total_near) == (len(result.strict), len(result.near))


@pytest.mark.parametrize(("options", "limit", "offset"), [
    ({}, 5, 1000),
    ({"modality": "CT", "anatomy": "liver", "task": "segmentation", "dim": "3D"}, 4, 2),
    ({"modality": "chest X-ray", "labelled": False, "access": "open"}, None, 0),
])
def test_search_is_its_hits_joined_with_the_summaries(catalog: Catalog, options: dict, limit: int | None,
                                                      offset: int) -> None:
    hits = search_hits(catalog, limit=limit, offset=offset, **options)
    result = search(catalog, limit=limit, offset=offset, **options)
    assert result == hits.result(catalog)
    assert [h.id for h in hits.near] == [m.id for m in result.near]
    assert all(h.missing and h.reason for h in hits.near) and not any(h.missing or h.reason for h in hits.strict)


def test_is_cheap_once_the_matches_of_every_term_were_read(catalog: Catalog) -> None:
    fresh = Catalog(catalog.store, catalog.terms)
    options = {"modality": "chest X-ray", "labelled": True}  # a compound phrase implies an anatomy
    assert not is_cheap(fresh, **options)
    search(fresh, modality="chest X-ray")
    assert is_cheap(fresh, modality="chest X-ray") and not is_cheap(fresh, **options)
    search(fresh, **options)
    assert is_cheap(fresh, **options) and is_cheap(fresh, labelled=True, modality="chest X-ray")
    assert not is_cheap(fresh, anatomy=KIDNEY)
    search(fresh, anatomy="kidney")
    assert is_cheap(fresh, anatomy=KIDNEY)  # another name of a term whose matches were read
    assert not is_cheap(fresh, anatomy="kidnye")  # an unknown term's suggestions take long
