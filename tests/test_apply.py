"""``medfuse apply``: relabelling real NIfTI files, on tiny synthetic datasets made here.

Two datasets of two input channels each: ``kidney-a`` in nnU-Net v2 raw layout (left kidney 2 and
right kidney 3 coarsened to unified kidney 1, spleen 4 dropped) and ``liver-b`` in MSD layout with
4D two-channel images (liver only: kidney is unknown for it).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import nibabel as nib
import numpy as np
import pytest
from click.testing import CliRunner

from medfuse.kg.apply import STATE_FILE, apply_plan, lookup_table, relabel
from medfuse.kg.errors import ApplyError
from medfuse.kg.plan_model import (
    LabelMapping,
    LicenseVerdict,
    MergePlan,
    PartialLabel,
    PlanDataset,
    Provenance,
    Totals,
    UnifiedLabel,
)

SHAPE = (16, 16, 8)
#: Source value → unified value of kidney-a, written out by hand (not through the code under test).
A_EXPECTED = {0: 0, 1: 2, 2: 1, 3: 1, 4: 0}
A_CASES = ("kid_000", "kid_001", "kid_002")
B_CASES = ("liver_0", "liver_1")
KIDNEY, LIVER = 1, 2


def _affine(shift: float = 0.0) -> np.ndarray:
    affine = np.diag([0.8, 0.8, 2.5, 1.0])
    affine[:3, 3] = (-6.0 + shift, 4.0, 10.0)
    return affine


def _save(path: Path, array: np.ndarray, affine: np.ndarray | None = None, dtype: type | None = None) -> None:
    affine = _affine() if affine is None else affine
    image = nib.Nifti1Image(array, affine)
    if dtype is not None:
        image.set_data_dtype(dtype)
    image.header.set_qform(affine, 1)
    image.header.set_sform(affine, 1)
    path.parent.mkdir(parents=True, exist_ok=True)
    nib.save(image, path)


def _write_json(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data), encoding="utf-8")


@pytest.fixture()
def data(tmp_path: Path) -> Path:
    """A data folder with kidney-a (nnU-Net v2 raw) and liver-b (MSD, 4D two-channel images)."""
    rng = np.random.default_rng(7)
    root = tmp_path / "data"
    a = root / "Dataset501_KidneyA"
    _write_json(a / "dataset.json", {"channel_names": {"0": "T1", "1": "T2"}, "numTraining": 3, "file_ending": ".nii.gz",
                                     "labels": {"background": 0, "liver": 1, "kidney_left": 2, "kidney_right": 3, "spleen": 4}})
    for case in A_CASES:
        for channel in (0, 1):
            _save(a / "imagesTr" / f"{case}_{channel:04d}.nii.gz", rng.normal(size=SHAPE).astype(np.float32))
        _save(a / "labelsTr" / f"{case}.nii.gz", rng.integers(0, 5, size=SHAPE).astype(np.uint8))
    b = root / "Task09_LiverB"
    _write_json(b / "dataset.json", {"modality": {"0": "T1", "1": "T2"}, "labels": {"0": "background", "1": "liver"},
                                     "training": [{"image": f"./imagesTr/{c}.nii.gz", "label": f"./labelsTr/{c}.nii.gz"}
                                                  for c in B_CASES]})
    for case in B_CASES:
        # int16 on disk with a scale factor: the channel split must keep the exact scaled values.
        _save(b / "imagesTr" / f"{case}.nii.gz", rng.normal(100, 30, size=(*SHAPE, 2)).astype(np.float32), dtype=np.int16)
        _save(b / "labelsTr" / f"{case}.nii.gz", rng.integers(0, 2, size=SHAPE).astype(np.float32))
    (b / "imagesTr" / "._liver_0.nii.gz").write_bytes(b"macOS resource fork, not an image")
    return root


def _mapping(dataset: str, value: int, name: str, target: int | None, relation: str) -> LabelMapping:
    return LabelMapping(dataset=dataset, source_value=value, source_name=name, target_value=target, relation=relation,
                        reason="not in the unified label space" if target is None else None)


def make_plan(*, status: str = "ok", blockers: tuple[str, ...] = (), extra: tuple[PlanDataset, ...] = (),
              plan_id: str = "plan-kidney-liver", b_modalities: tuple[str, ...] = ("T1", "T2")) -> MergePlan:
    """The plan: kidney-a coarsened, liver-b partial."""
    datasets = (PlanDataset(id="kidney-a", name="Kidney A", modalities=("T1", "T2")),
                PlanDataset(id="liver-b", name="Liver B", modalities=b_modalities), *extra)
    mappings = [
        _mapping("kidney-a", 0, "background", 0, "background"),
        _mapping("kidney-a", 1, "liver", LIVER, "exact"),
        _mapping("kidney-a", 2, "kidney_left", KIDNEY, "coarsened"),
        _mapping("kidney-a", 3, "kidney_right", KIDNEY, "coarsened"),
        _mapping("kidney-a", 4, "spleen", None, "dropped"),
        _mapping("liver-b", 0, "background", 0, "background"),
        _mapping("liver-b", 1, "liver", LIVER, "exact"),
    ] + [_mapping(d.id, 0, "background", 0, "background") for d in extra]
    return MergePlan(
        id=plan_id, name="kidney and liver", granularity="coarsest", datasets=datasets,
        labels=(UnifiedLabel(value=KIDNEY, name="kidney", term="UBERON:0002113"),
                UnifiedLabel(value=LIVER, name="liver", term="UBERON:0002107")),
        mappings=tuple(mappings),
        partial=(PartialLabel(dataset="liver-b", unannotated=(KIDNEY,)),),
        license=LicenseVerdict(status=status, blockers=blockers, licenses={"kidney-a": "CC-BY-4.0", "liver-b": None}),
        totals=Totals(datasets=len(datasets), samples=5, samples_deduplicated=5, labels=2, labelled_share=1.0,
                      distinct_sources=len(datasets)),
        provenance=Provenance(medfuse_version="0.1.0", graph_snapshot="test-snapshot", created="2025-01-01T00:00:00Z"),
    )


def _tree_hashes(root: Path) -> dict[str, str]:
    """Relative path → sha256 of every file under ``root`` (symlinks by their target)."""
    out = {}
    for path in sorted(root.rglob("*")):
        key = path.relative_to(root).as_posix()
        if path.is_symlink():
            out[key] = "link:" + os.readlink(path)
        elif path.is_file():
            out[key] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def _mask(path: Path) -> np.ndarray:
    return np.asanyarray(nib.load(path).dataobj)


# ------------------------------------------------------------------------------ relabelling


def test_relabel_is_a_lookup_with_dropped_values_as_background() -> None:
    labels = np.array([[0, 1, 2], [3, 4, 2]], dtype=np.int16)
    assert relabel(labels, {0: 0, 1: 2, 2: 1, 3: 1, 4: None}).tolist() == [[0, 2, 1], [1, 0, 1]]
    assert lookup_table({0: 0, 300: 1}, dtype=np.uint16).shape == (301,)
    with pytest.raises(ValueError, match="negative"):
        lookup_table({-1: 0})


def test_coarsening_is_voxel_exact(data: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    report = apply_plan(make_plan(), data, out)
    assert report.cases == 5 and report.written == 5 and report.skipped == 0
    assert report.voxels == 5 * int(np.prod(SHAPE))
    changed = 0
    for case in A_CASES:
        source = nib.load(data / "Dataset501_KidneyA" / "labelsTr" / f"{case}.nii.gz")
        before = np.asanyarray(source.dataobj)
        written = nib.load(out / "labelsTr" / f"kidney-a__{case}.nii.gz")
        after = np.asanyarray(written.dataobj)
        assert after.dtype == np.uint8 and after.shape == before.shape
        assert np.all(after[(before == 2) | (before == 3)] == KIDNEY)
        for source_value, target in A_EXPECTED.items():
            assert np.all(after[before == source_value] == target), source_value
        assert {2, 3} <= set(np.unique(before).tolist())
        np.testing.assert_array_equal(written.affine, source.affine)
        assert written.header["sform_code"] == source.header["sform_code"] == 1
        assert written.header["qform_code"] == source.header["qform_code"] == 1
        assert np.array_equal(written.header.get_zooms(), source.header.get_zooms())
        changed += int(np.count_nonzero(after != before))
    for case in B_CASES:
        before = np.asanyarray(nib.load(data / "Task09_LiverB" / "labelsTr" / f"{case}.nii.gz").dataobj)
        after = _mask(out / "labelsTr" / f"liver-b__{case}.nii.gz")
        np.testing.assert_array_equal(after, np.where(before == 1, LIVER, 0))
        changed += int(np.count_nonzero(after != before))
    assert report.voxels_changed == changed


def test_partial_labels_list_kidney_as_unknown_for_liver_only_cases(data: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    apply_plan(make_plan(), data, out)
    lines = (out / "partial_labels.tsv").read_text(encoding="utf-8").splitlines()
    assert lines[0].split("\t") == ["case", "dataset", "variant", "unknown", "unknown_names"]
    rows = {line.split("\t")[0]: line.split("\t") for line in lines[1:]}
    assert set(rows) == {f"kidney-a__{c}" for c in A_CASES} | {f"liver-b__{c}" for c in B_CASES}
    for case in B_CASES:
        assert rows[f"liver-b__{case}"][3:] == [str(KIDNEY), "kidney"]
    for case in A_CASES:
        assert rows[f"kidney-a__{case}"][3:] == ["", ""]
    document = json.loads((out / "partial_labels.json").read_text(encoding="utf-8"))
    assert document["cases"]["liver-b__liver_0"]["unknown"] == [KIDNEY]
    assert document["cases"]["liver-b__liver_0"]["present"] == [LIVER]
    assert document["cases"]["kidney-a__kid_000"]["unknown"] == []
    assert document["labels"] == {"1": "kidney", "2": "liver"}


# ------------------------------------------------------------------------------ layouts and outputs


def test_both_layouts_make_one_nnunet_dataset(data: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    apply_plan(make_plan(), data, out)
    meta = json.loads((out / "dataset.json").read_text(encoding="utf-8"))
    assert meta == {"channel_names": {"0": "T1", "1": "T2"}, "labels": {"background": 0, "kidney": 1, "liver": 2},
                    "numTraining": 5, "file_ending": ".nii.gz", "name": "kidney and liver",
                    "medfuse_plan": "plan-kidney-liver", "licence": "kidney-a: CC-BY-4.0; liver-b: unknown"}
    # nnU-Net raw: symlinks to the source channel files.
    for case in A_CASES:
        for channel in (0, 1):
            link = out / "imagesTr" / f"kidney-a__{case}_{channel:04d}.nii.gz"
            assert link.is_symlink()
            assert Path(os.readlink(link)) == (data / "Dataset501_KidneyA" / "imagesTr" / f"{case}_{channel:04d}.nii.gz").absolute()
    # MSD: the 4D image split into two 3D channel files with exactly the source values.
    for case in B_CASES:
        source = nib.load(data / "Task09_LiverB" / "imagesTr" / f"{case}.nii.gz")
        assert source.dataobj.slope != 1.0  # the scaled path is the one under test
        for channel in (0, 1):
            split = nib.load(out / "imagesTr" / f"liver-b__{case}_{channel:04d}.nii.gz")
            assert not (out / "imagesTr" / f"liver-b__{case}_{channel:04d}.nii.gz").is_symlink()
            assert split.shape == SHAPE and split.get_data_dtype() == source.get_data_dtype()
            np.testing.assert_array_equal(split.get_fdata(), source.get_fdata()[..., channel])
            np.testing.assert_array_equal(split.affine, source.affine)
    names = sorted(p.name for p in (out / "imagesTr").iterdir())
    assert len(names) == 10 and not any(n.startswith(".") for n in names)
    assert len(list((out / "labelsTr").iterdir())) == 5


def test_provenance_names_sources_and_their_checksums(data: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    apply_plan(make_plan(), data, out)
    lines = (out / "provenance.tsv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split("\t")
    assert header == ["case", "dataset", "variant", "source_case", "source_dir", "images", "label", "image_sha256", "label_sha256"]
    rows = {r["case"]: r for r in (dict(zip(header, line.split("\t"))) for line in lines[1:])}
    assert len(rows) == 5
    row = rows["kidney-a__kid_001"]
    root = Path(row["source_dir"])
    assert root == (data / "Dataset501_KidneyA").resolve() and row["source_case"] == "kid_001"
    assert row["images"] == "imagesTr/kid_001_0000.nii.gz;imagesTr/kid_001_0001.nii.gz"
    assert row["image_sha256"].split(";") == [hashlib.sha256((root / i).read_bytes()).hexdigest() for i in row["images"].split(";")]
    assert row["label_sha256"] == hashlib.sha256((root / row["label"]).read_bytes()).hexdigest()
    assert rows["liver-b__liver_1"]["images"] == "imagesTr/liver_1.nii.gz"
    report = json.loads((out / "apply-report.json").read_text(encoding="utf-8"))
    assert report["cases"] == 5 and report["datasets"] == {"kidney-a": 3, "liver-b": 2}


@pytest.mark.parametrize("link", [True, False], ids=["link", "copy"])
def test_inputs_are_byte_identical_after_apply(data: Path, tmp_path: Path, link: bool) -> None:
    before = _tree_hashes(data)
    apply_plan(make_plan(), data, tmp_path / "out", link=link)
    assert _tree_hashes(data) == before


def test_copy_mode_writes_regular_files_identical_to_the_sources(data: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    apply_plan(make_plan(), data, out, link=False)
    copy = out / "imagesTr" / "kidney-a__kid_000_0001.nii.gz"
    assert not copy.is_symlink()
    assert copy.read_bytes() == (data / "Dataset501_KidneyA" / "imagesTr" / "kid_000_0001.nii.gz").read_bytes()


def test_dataset_dir_overrides_the_search(data: Path, tmp_path: Path) -> None:
    moved = tmp_path / "elsewhere" / "liver"
    moved.parent.mkdir()
    (data / "Task09_LiverB").rename(moved)
    with pytest.raises(ApplyError, match="liver-b"):
        apply_plan(make_plan(), data, tmp_path / "out")
    report = apply_plan(make_plan(), data, tmp_path / "out", dataset_dirs={"liver-b": moved})
    assert report.datasets == {"kidney-a": 3, "liver-b": 2}


# ------------------------------------------------------------------------------ refusing


def test_no_derivatives_licence_is_refused_before_writing(data: Path, tmp_path: Path) -> None:
    plan = make_plan(status="blocked", blockers=("liver-b is CC-BY-NC-ND-4.0: no derivatives (ND) may be shared",))
    out = tmp_path / "out"
    with pytest.raises(ApplyError, match=r"ND\)") as caught:
        apply_plan(plan, data, out)
    assert "derivative" in str(caught.value)
    assert not out.exists()


def test_every_validation_problem_is_reported_together_and_nothing_written(data: Path, tmp_path: Path) -> None:
    a = data / "Dataset501_KidneyA"
    rng = np.random.default_rng(1)
    unmapped = rng.integers(0, 5, size=SHAPE).astype(np.uint8)
    unmapped[0, 0, 0] = 7
    _save(a / "labelsTr" / "kid_000.nii.gz", unmapped)
    _save(a / "labelsTr" / "kid_001.nii.gz", rng.integers(0, 5, size=(16, 16, 9)).astype(np.uint8))
    _save(a / "labelsTr" / "kid_002.nii.gz", rng.integers(0, 5, size=SHAPE).astype(np.uint8), affine=_affine(shift=1.5))
    plan = make_plan(extra=(PlanDataset(id="brain-c", name="Brain C", modalities=("T1", "T2")),))
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(ApplyError) as caught:
        apply_plan(plan, data, out)
    problems = caught.value.problems
    text = "\n".join(problems)
    assert len(problems) == 4, text
    assert any("kid_000.nii.gz" in p and "7" in p and "not in the plan's mapping" in p for p in problems)
    assert any("kid_001.nii.gz" in p and "(16, 16, 9)" in p and "kid_001_0001.nii.gz" in p for p in problems)
    assert any("kid_002.nii.gz" in p and "affine" in p and "kid_002_0000.nii.gz" in p for p in problems)
    assert any("brain-c" in p and "missing" in p for p in problems)
    assert list(out.iterdir()) == []


def test_unreadable_and_non_integer_masks_and_orphans_are_problems(data: Path, tmp_path: Path) -> None:
    a, b = data / "Dataset501_KidneyA", data / "Task09_LiverB"
    (a / "labelsTr" / "kid_000.nii.gz").write_bytes(b"not a nifti file")
    _save(b / "labelsTr" / "liver_0.nii.gz", np.full(SHAPE, 0.5, dtype=np.float32))
    (a / "imagesTr" / "kid_001_0001.nii.gz").unlink()
    (a / "labelsTr" / "kid_002.nii.gz").unlink()
    with pytest.raises(ApplyError) as caught:
        apply_plan(make_plan(), data, tmp_path / "out")
    text = "\n".join(caught.value.problems)
    assert "kid_000.nii.gz: unreadable NIfTI" in text
    assert "liver_0.nii.gz: not an integer label map" in text
    assert "case 'kid_001' has channels 0000" in text
    assert "case 'kid_002' of kidney-a has images but no label file" in text
    assert not (tmp_path / "out").exists()


def test_datasets_disagreeing_on_channels_is_a_problem(data: Path, tmp_path: Path) -> None:
    with pytest.raises(ApplyError, match="disagree on input channels"):
        apply_plan(make_plan(b_modalities=("CT", "PT")), data, tmp_path / "out")


@pytest.mark.parametrize("previous", ["foreign", "other-plan"])
def test_non_empty_out_of_something_else_is_refused(data: Path, tmp_path: Path, previous: str) -> None:
    out = tmp_path / "out"
    if previous == "foreign":
        out.mkdir()
        (out / "notes.txt").write_text("mine", encoding="utf-8")
        match = "not empty"
    else:
        apply_plan(make_plan(plan_id="plan-other"), data, out)
        match = "plan-other"
    before = _tree_hashes(out)
    with pytest.raises(ApplyError, match=match):
        apply_plan(make_plan(), data, out)
    assert _tree_hashes(out) == before


# ------------------------------------------------------------------------------ resuming


class Interrupt(Exception):
    pass


def test_interrupted_run_resumes_to_the_same_output(data: Path, tmp_path: Path) -> None:
    clean, resumed = tmp_path / "clean", tmp_path / "resumed"
    apply_plan(make_plan(), data, clean)

    def stop_after_two(phase: str, done: int, total: int, case: str) -> None:
        if phase == "write" and done == 2:
            raise Interrupt

    with pytest.raises(Interrupt):
        apply_plan(make_plan(), data, resumed, progress=stop_after_two)
    assert not (resumed / "dataset.json").exists()
    state = json.loads((resumed / STATE_FILE).read_text(encoding="utf-8"))
    assert state["plan"] == "plan-kidney-liver" and len(state["cases"]) == 2

    report = apply_plan(make_plan(), data, resumed)
    assert report.skipped == 2 and report.written == 3
    expected = {k: v for k, v in _tree_hashes(clean).items() if k != "apply-report.json"}
    assert {k: v for k, v in _tree_hashes(resumed).items() if k != "apply-report.json"} == expected

    again = apply_plan(make_plan(), data, resumed)
    assert again.skipped == 5 and again.written == 0 and again.voxels == 0


def test_a_damaged_output_is_rewritten_on_resume(data: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    apply_plan(make_plan(), data, out)
    expected = _tree_hashes(out)
    (out / "labelsTr" / "kidney-a__kid_001.nii.gz").write_bytes(b"truncated")
    report = apply_plan(make_plan(), data, out)
    assert report.written == 1 and report.skipped == 4
    assert {k: v for k, v in _tree_hashes(out).items() if k != "apply-report.json"} == \
        {k: v for k, v in expected.items() if k != "apply-report.json"}


# ------------------------------------------------------------------------------ command line


@pytest.fixture()
def plan_file(tmp_path: Path):  # noqa: ANN201
    """Write a plan as the JSON-LD file ``medfuse apply`` reads."""
    from medfuse.kg.plan_io import write_plan

    def write(plan: MergePlan) -> Path:
        path = tmp_path / "plan.jsonld"
        write_plan(plan, path)
        return path

    return write


def test_cli_applies_a_plan(data: Path, tmp_path: Path, plan_file) -> None:  # noqa: ANN001
    from medfuse.service.apply_cmd import apply

    out = tmp_path / "out"
    result = CliRunner().invoke(apply, [str(plan_file(make_plan())), "--data", str(data), "--out", str(out),
                                        "--copy", "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["cases"] == 5 and report["link"] is False
    assert (out / "dataset.json").is_file()
    assert not (out / "imagesTr" / "kidney-a__kid_000_0000.nii.gz").is_symlink()


def test_cli_refuses_a_blocked_licence_without_writing(data: Path, tmp_path: Path, plan_file) -> None:  # noqa: ANN001
    from medfuse.service.apply_cmd import apply

    plan = make_plan(status="blocked", blockers=("liver-b is CC-BY-NC-ND-4.0: no derivatives (ND)",))
    out = tmp_path / "out"
    result = CliRunner().invoke(apply, [str(plan_file(plan)), "--data", str(data), "--out", str(out)])
    assert result.exit_code == 2
    assert "error:" in result.stderr and "ND" in result.stderr and "derivative" in result.stderr
    assert not out.exists()


def test_cli_rejects_a_malformed_dataset_dir(data: Path, tmp_path: Path, plan_file) -> None:  # noqa: ANN001
    from medfuse.service.apply_cmd import apply

    result = CliRunner().invoke(apply, [str(plan_file(make_plan())), "--data", str(data), "--out", str(tmp_path / "o"),
                                        "--dataset-dir", "liver-b"])
    assert result.exit_code == 2 and "ID=PATH" in result.stderr


def test_variants_of_one_dataset_need_a_folder_each(data: Path, tmp_path: Path) -> None:
    plan = make_plan()
    variants = tuple(PlanDataset(id="kidney-a", name="Kidney A", variant=v, modalities=("T1", "T2")) for v in ("ct", "mr"))
    mappings = tuple(m.model_copy(update={"variant": v}) for m in plan.mappings if m.dataset == "kidney-a" for v in ("ct", "mr"))
    plan = plan.model_copy(update={"datasets": (*variants, plan.datasets[1]),
                                   "mappings": mappings + tuple(m for m in plan.mappings if m.dataset != "kidney-a")})
    with pytest.raises(ApplyError, match=r"kidney-a\.ct, kidney-a\.mr all resolve to this folder"):
        apply_plan(plan, data, tmp_path / "out")
    mr = tmp_path / "mr"
    (data / "Dataset501_KidneyA").rename(mr)
    (data / "Dataset502_KidneyA-CT").mkdir()
    for sub in ("imagesTr", "labelsTr"):
        (mr / sub).rename(data / "Dataset502_KidneyA-CT" / sub)
        (mr / sub).mkdir()
    for case in A_CASES[:1]:
        for path in (data / "Dataset502_KidneyA-CT").rglob(f"{case}*"):
            (mr / path.parent.name / path.name).write_bytes(path.read_bytes())
    report = apply_plan(plan, data, tmp_path / "out", dataset_dirs={"kidney-a.mr": mr})
    assert report.datasets == {"kidney-a.ct": 3, "kidney-a.mr": 1, "liver-b": 2}
    assert (tmp_path / "out" / "labelsTr" / "kidney-a-mr__kid_000.nii.gz").is_file()
