"""Benchmark: ``medfuse apply`` relabelling throughput against a plain nibabel load + save.

Run: ``python bench/apply_throughput.py [--cases 20] [--shape 128 128 64] [--repeat 3]``

Generates a synthetic nnU-Net v2 raw dataset in a temporary folder (one CT-like int16 channel,
uint8 masks with five labels drawn as ellipsoids), then applies a coarsening plan (left and right
kidney → kidney, liver → liver, spleen dropped) and prints mask voxels per second. The in-run
baseline is the floor cost of the same masks without any relabelling: ``nib.load``, read the
voxels, ``nib.save`` to ``.nii.gz``, one mask after the other. ``apply`` does more than that per
mask: it reads every mask twice (once to check its values before writing anything), relabels
through a lookup table, hashes source images and masks for provenance and links the images.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

import nibabel as nib
import numpy as np

from medfuse.kg.apply import apply_plan
from medfuse.kg.plan_model import (
    LabelMapping,
    LicenseVerdict,
    MergePlan,
    PlanDataset,
    Provenance,
    Totals,
    UnifiedLabel,
)

#: Source label → (name, unified value): the coarsening plan of the benchmark.
COARSENING = {0: ("background", 0), 1: ("liver", 2), 2: ("kidney_left", 1), 3: ("kidney_right", 1), 4: ("spleen", None)}


def make_dataset(root: Path, cases: int, shape: tuple[int, int, int], seed: int = 0) -> Path:
    """Write ``cases`` synthetic cases in nnU-Net v2 raw layout under ``root/Dataset900_Synth``."""
    rng = np.random.default_rng(seed)
    folder = root / "Dataset900_Synth"
    (folder / "imagesTr").mkdir(parents=True)
    (folder / "labelsTr").mkdir()
    affine = np.diag([0.8, 0.8, 2.5, 1.0])
    grid = np.stack(np.meshgrid(*(np.linspace(-1, 1, n) for n in shape), indexing="ij"))
    for index in range(cases):
        mask = np.zeros(shape, dtype=np.uint8)
        for value in range(1, 5):
            centre = rng.uniform(-0.5, 0.5, size=3)[:, None, None, None]
            radii = rng.uniform(0.15, 0.35, size=3)[:, None, None, None]
            mask[(((grid - centre) / radii) ** 2).sum(axis=0) <= 1] = value
        image = (rng.normal(40, 20, size=shape) + 60 * mask).astype(np.int16)
        nib.save(nib.Nifti1Image(image, affine), folder / "imagesTr" / f"case_{index:03d}_0000.nii.gz")
        nib.save(nib.Nifti1Image(mask, affine), folder / "labelsTr" / f"case_{index:03d}.nii.gz")
    (folder / "dataset.json").write_text(json.dumps({
        "channel_names": {"0": "CT"}, "file_ending": ".nii.gz", "numTraining": cases,
        "labels": {name: value for value, (name, _) in COARSENING.items()},
    }))
    return folder


def coarsening_plan(samples: int) -> MergePlan:
    """Return the benchmark's plan over the synthetic dataset ``synth``."""
    mappings = tuple(
        LabelMapping(dataset="synth", source_value=value, source_name=name, target_value=target,
                     relation="background" if value == 0 else "dropped" if target is None else "coarsened")
        for value, (name, target) in COARSENING.items())
    return MergePlan(
        id="bench-coarsening", name="bench", granularity="coarsest",
        datasets=(PlanDataset(id="synth", name="Synth", modalities=("CT",)),),
        labels=(UnifiedLabel(value=1, name="kidney", term="UBERON:0002113"),
                UnifiedLabel(value=2, name="liver", term="UBERON:0002107")),
        mappings=mappings, license=LicenseVerdict(status="ok"),
        totals=Totals(datasets=1, samples=samples, samples_deduplicated=samples, labels=2, labelled_share=1.0,
                      distinct_sources=1),
        provenance=Provenance(medfuse_version="bench", graph_snapshot=None, created="2025-01-01T00:00:00Z"),
    )


def baseline(masks: list[Path], out: Path) -> tuple[float, int]:
    """Load and save every mask with nibabel, unchanged; return (seconds, voxels)."""
    out.mkdir()
    started, voxels = time.perf_counter(), 0
    for path in masks:
        image = nib.load(path)
        data = np.asanyarray(image.dataobj)
        nib.save(nib.Nifti1Image(data, image.affine, image.header), out / path.name)
        voxels += data.size
    return time.perf_counter() - started, voxels


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=20)
    parser.add_argument("--shape", type=int, nargs=3, default=(128, 128, 64))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    shape = tuple(args.shape)
    with tempfile.TemporaryDirectory(prefix="medfuse-bench-") as temporary:
        root = Path(temporary)
        folder = make_dataset(root / "data", args.cases, shape)
        masks = sorted((folder / "labelsTr").glob("*.nii.gz"))
        plan = coarsening_plan(args.cases)
        print(f"{args.cases} cases of {shape[0]}×{shape[1]}×{shape[2]} "
              f"({args.cases * int(np.prod(shape)) / 1e6:.1f} M mask voxels), {os.cpu_count()} CPUs, "
              f"best of {args.repeat}")
        rates: dict[str, list[float]] = {"nibabel load+save (baseline)": []}
        for run in range(args.repeat):
            seconds, voxels = baseline(masks, root / f"baseline-{run}")
            rates["nibabel load+save (baseline)"].append(voxels / seconds)
            for workers in (1, None):
                label = f"medfuse apply, {workers or 'default'} worker(s)"
                report = apply_plan(plan, root / "data", root / f"out-{run}-{workers}", workers=workers)
                rates.setdefault(label, []).append(report.voxels_per_second)
                write = report.voxels / (report.seconds - report.validate_seconds)
                rates.setdefault(f"  of which the write phase, {workers or 'default'} worker(s)", []).append(write)
        floor = max(rates["nibabel load+save (baseline)"])
        for label, values in rates.items():
            best = max(values)
            print(f"{label:48s} {best / 1e6:8.1f} M voxels/s  (median {statistics.median(values) / 1e6:.1f})"
                  f"  ratio to baseline {best / floor:.2f}")


if __name__ == "__main__":
    main()
