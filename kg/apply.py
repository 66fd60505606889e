"""Execute a merge plan on data on disk: one nnU-Net v2 raw dataset with relabelled masks.

:func:`apply_plan` finds each dataset of a :class:`~medfuse.kg.plan_model.MergePlan` under a
data folder, in nnU-Net v2 raw layout (``imagesTr/<case>_<XXXX>.nii.gz``) or Medical
Segmentation Decathlon layout (``imagesTr/<case>.nii.gz``, 4D when multi-channel), and checks
everything before writing a byte: one :class:`~medfuse.kg.errors.ApplyError` lists every
problem (missing folders and files, label values the plan does not map, shape and affine
mismatches, unreadable or non-integer masks, channels the datasets disagree on). Then it writes
``OUT`` case by case:

- ``imagesTr/<dataset>__<case>_<XXXX>.nii.gz``: symlinks to the inputs (copies with
  ``link=False``); MSD 4D images are split into one file per channel, voxel-exactly;
- ``labelsTr/<dataset>__<case>.nii.gz``: the mask relabelled through a lookup table into the
  unified values (dropped labels become 0), with the source mask's affine and header;
- ``provenance.tsv``, ``partial_labels.tsv`` / ``.json``, ``apply-report.json`` and, last of
  all, ``dataset.json``: a folder without ``dataset.json`` is visibly incomplete.

Every file is written under a temporary name and moved into place. ``.medfuse-apply.json``
records the plan and the cases done with their output checksums, so running the same command
again skips finished cases and completes the rest. The inputs are only ever read.

>>> relabel(np.array([0, 2, 3, 1, 4]), {0: 0, 1: None, 2: 1, 3: 1, 4: 2})
array([0, 1, 1, 0, 2], dtype=uint8)
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import os
import re
import shutil
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nibabel as nib
import numpy as np
from pydantic import BaseModel, ConfigDict

from medfuse.kg.errors import ApplyError, suggest
from medfuse.kg.plan_io import nnunet_channel_name, nnunet_dataset_json
from medfuse.kg.plan_model import MergePlan, PlanDataset, variant_key

__all__ = [
    "ApplyReport",
    "ProgressCallback",
    "AFFINE_ATOL",
    "STATE_FILE",
    "apply_plan",
    "dataset_key",
    "relabel",
    "lookup_table",
]

#: Called as ``progress(phase, done, total, case)`` with phase ``"validate"`` or ``"write"``,
#: after each case (skipped, resumed cases included). An exception raised here stops the run;
#: what was finished stays recorded, so the same command resumes.
ProgressCallback = Callable[[str, int, int, str], None]

#: Largest difference (mm, per affine entry) tolerated between an image's and its mask's affine.
#: Image and mask written by different tools, or qform vs sform, differ by float32 rounding.
AFFINE_ATOL = 1e-3
#: The state file of a run inside ``OUT``.
STATE_FILE = ".medfuse-apply.json"
#: Files whose presence in ``OUT`` means "written by apply": everything else is someone else's.
_OUTPUT_NAMES = ("imagesTr", "labelsTr", STATE_FILE, "provenance.tsv", "partial_labels.tsv",
                 "partial_labels.json", "apply-report.json", "dataset.json")
#: Seconds between two rewrites of the state file (and always when the run ends or stops).
_STATE_FLUSH_SECONDS = 2.0
#: zlib level of written ``.nii.gz`` files: nibabel's default; masks compress well at any level.
_GZIP_LEVEL = 1
#: Version of the state file format.
_STATE_VERSION = 1
#: ``DatasetNNN_`` (nnU-Net) and ``TaskNN_`` (MSD) folder prefixes.
_FOLDER_PREFIX = re.compile(r"^(?:dataset\d{3}|task\d{2,4})_", re.IGNORECASE)
#: nnU-Net channel suffix of an image file name (without the file ending).
_CHANNEL = re.compile(r"^(?P<case>.+)_(?P<channel>\d{4})$")
#: File endings this module reads; the output is always ``.nii.gz``.
_NIFTI_ENDINGS = (".nii.gz", ".nii")


class ApplyReport(BaseModel):
    """What a run of :func:`apply_plan` did."""

    model_config = ConfigDict(frozen=True)

    plan: str
    output: str
    #: Cases in the output, per dataset key and in total.
    datasets: dict[str, int]
    cases: int
    #: Cases written by this run and cases found finished by an earlier, interrupted run.
    written: int
    skipped: int
    #: Mask voxels relabelled by this run, and how many of them changed value.
    voxels: int
    voxels_changed: int
    seconds: float
    validate_seconds: float
    voxels_per_second: float
    link: bool
    #: Licence obligations and attribution the user must honour when sharing the output.
    obligations: tuple[str, ...] = ()


def dataset_key(dataset: PlanDataset) -> str:
    """Return how the command line names a plan dataset: its id, or ``id.variant``.

    >>> dataset_key(PlanDataset(id="amos22", name="AMOS", variant="ct"))
    'amos22.ct'
    """
    return variant_key(dataset.id, dataset.variant)


def _prefix(dataset: PlanDataset) -> str:
    """Return the output case prefix of a dataset (no dots, which some tools split names on)."""
    return dataset.id if dataset.variant is None else f"{dataset.id}-{dataset.variant}"


def lookup_table(table: Mapping[int, int | None], *, dtype: type | np.dtype = np.uint8) -> np.ndarray:
    """Return the array ``lut`` with ``lut[source] == target`` (dropped and unlisted values → 0).

    >>> lookup_table({0: 0, 2: 1, 3: None})
    array([0, 0, 1, 0], dtype=uint8)
    """
    if any(source < 0 for source in table):
        raise ValueError(f"negative source values cannot index a lookup table: {sorted(s for s in table if s < 0)}")
    lut = np.zeros(max(table, default=0) + 1, dtype=dtype)
    for source, target in table.items():
        lut[source] = target or 0
    return lut


def relabel(labels: np.ndarray, table: Mapping[int, int | None], *, dtype: type | np.dtype = np.uint8) -> np.ndarray:
    """Return ``labels`` with every value replaced by its unified value, voxel by voxel.

    Every value of ``labels`` must be a non-negative integer listed in ``table``;
    :func:`apply_plan` checks that before it relabels anything.

    >>> relabel(np.array([[2, 3], [1, 0]]), {0: 0, 1: 2, 2: 1, 3: 1})
    array([[1, 1],
           [2, 0]], dtype=uint8)
    """
    order = _order(labels)
    flat = _as_index(labels).ravel(order=order)
    return lookup_table(table, dtype=dtype).take(flat).reshape(labels.shape, order=order)


def _order(array: np.ndarray) -> str:
    """Return the memory order of ``array``: NIfTI voxels are Fortran-ordered, and a C-order pass
    over them (``reshape(-1)``, fancy indexing) is a strided copy several times slower than a
    pass in memory order.
    """
    return "F" if array.flags.f_contiguous and not array.flags.c_contiguous else "C"


# ------------------------------------------------------------------------------ finding data


@dataclass(frozen=True)
class _Case:
    """One training case of a source dataset."""

    key: str
    prefix: str
    name: str
    root: Path
    images: tuple[Path, ...]
    label: Path
    #: MSD layout: one image file holding every channel (3D or 4D).
    packed: bool

    @property
    def out_id(self) -> str:
        return f"{self.prefix}__{self.name}"


@dataclass
class _Source:
    """A plan dataset found on disk."""

    dataset: PlanDataset
    root: Path
    layout: str
    #: Channel names of the dataset's own dataset.json, if it names them.
    channel_names: tuple[str, ...] | None
    cases: list[_Case] = field(default_factory=list)


@dataclass(frozen=True)
class _Facts:
    """What validation learnt about a case: channel count, 4D image to split, mask value → voxel count."""

    channels: int
    split: bool
    counts: dict[int, int]


def _slug(text: str) -> str:
    """Return ``text`` lowercased with every run of non-alphanumerics removed (``BraTS-2021`` → ``brats2021``)."""
    return re.sub(r"[^0-9a-z]+", "", text.casefold())


def _folder_keys(name: str) -> set[str]:
    return {_slug(name), _slug(_FOLDER_PREFIX.sub("", name))} - {""}


def _wanted(dataset: PlanDataset) -> tuple[set[str], set[str]]:
    """Return (variant-specific, generic) slugs a folder of this dataset may be named by."""
    generic = {_slug(dataset.id), _slug(dataset.name)} - {""}
    if dataset.variant is None:
        return generic, set()
    return {g + _slug(dataset.variant) for g in generic}, generic


def _locate(plan: MergePlan, data: Path, overrides: Mapping[str, Path]) -> tuple[dict[str, Path], list[str]]:
    """Return dataset key → folder, and the problems of finding them."""
    problems: list[str] = []
    keys = {dataset_key(d): d for d in plan.datasets}
    ids = {d.id for d in plan.datasets}
    for given in overrides:
        if given not in keys and given not in ids:
            problems.append(f"--dataset-dir {given}: the plan has no dataset {given!r}"
                            + _hint(suggest(given, list(keys) + sorted(ids))))
    children: list[Path] = []
    if not data.is_dir():
        if len(overrides) < len(keys):
            problems.append(f"{data}: the data folder does not exist")
    else:
        children = sorted(p for p in data.iterdir() if p.is_dir() and not p.name.startswith("."))
    found: dict[str, Path] = {}
    for key, dataset in keys.items():
        folder = _find_folder(dataset, data, children, overrides, problems)
        if folder is not None:
            found[key] = folder
    by_folder: dict[Path, list[str]] = {}
    for key, folder in found.items():
        by_folder.setdefault(folder.resolve(), []).append(key)
    for folder, shared in by_folder.items():
        if len(shared) > 1:
            problems.append(f"{folder}: {', '.join(shared)} all resolve to this folder, but a folder holds one "
                            f"dataset variant; pass " + " ".join(f"--dataset-dir {k}=PATH" for k in shared))
    return found, problems


def _find_folder(dataset: PlanDataset, data: Path, children: list[Path], overrides: Mapping[str, Path],
                 problems: list[str]) -> Path | None:
    key = dataset_key(dataset)
    for given in (key, dataset.id):
        if given in overrides:
            folder = Path(overrides[given])
            if not folder.is_dir():
                problems.append(f"{folder}: dataset folder of {key} (from --dataset-dir) does not exist")
                return None
            return folder
    if not data.is_dir():
        return None
    for exact in dict.fromkeys((key, dataset.id)):
        if (data / exact).is_dir():
            return data / exact
    for wanted in _wanted(dataset):
        matches = [c for c in children if _folder_keys(c.name) & wanted]
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            problems.append(f"dataset {key} ({dataset.name}): several folders under {data} match: "
                            f"{', '.join(m.name for m in matches)}; pass --dataset-dir {key}=PATH")
            return None
    problems.append(f"dataset {key} ({dataset.name}) is missing: no folder {key!r}, DatasetNNN_<Name> or TaskNN_<Name> "
                    f"under {data} matches it; pass --dataset-dir {key}=PATH"
                    + _hint(suggest(dataset.id, [c.name for c in children])))
    return None


def _hint(suggestions: list[str]) -> str:
    return f" (did you mean {', '.join(repr(s) for s in suggestions)}?)" if suggestions else ""


def _nifti_files(folder: Path, ending: str) -> dict[str, Path]:
    """Return case-or-file stem → path of the files in ``folder`` with ``ending``.

    Names starting with ``.`` or ``_`` are skipped, as nnU-Net's MSD converter does (the MSD
    archives carry macOS ``._`` resource files next to the images).
    """
    if not folder.is_dir():
        return {}
    return {p.name[: -len(ending)]: p for p in sorted(folder.iterdir())
            if p.name.endswith(ending) and not p.name.startswith((".", "_")) and p.is_file()}


def _read_meta(root: Path, problems: list[str]) -> dict[str, Any]:
    path = root / "dataset.json"
    if not path.is_file():
        return {}
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        problems.append(f"{path}: unreadable dataset.json ({error})")
        return {}
    if not isinstance(meta, dict):
        problems.append(f"{path}: dataset.json is not a JSON object")
        return {}
    return meta


def _channel_names(meta: Mapping[str, Any]) -> tuple[str, ...] | None:
    """Return the names of ``channel_names`` (nnU-Net v2) or ``modality`` (MSD, nnU-Net v1), in channel order."""
    names = meta.get("channel_names", meta.get("modality"))
    if not isinstance(names, dict):
        return None
    try:
        return tuple(str(names[k]) for k in sorted(names, key=int))
    except ValueError:
        return None


def _scan_nnunet(root: Path, meta: Mapping[str, Any], source: _Source, problems: list[str]) -> None:
    """Enumerate the cases of an nnU-Net v2 raw dataset: ``imagesTr/<case>_<XXXX><ending>``."""
    ending = str(meta.get("file_ending", ".nii.gz"))
    if ending not in _NIFTI_ENDINGS:
        problems.append(f"{root / 'dataset.json'}: file_ending {ending!r} is not NIfTI; "
                        "medfuse apply reads .nii.gz and .nii")
        return
    images: dict[str, dict[int, Path]] = {}
    for stem, path in _nifti_files(root / "imagesTr", ending).items():
        match = _CHANNEL.match(stem)
        if match is None:
            problems.append(f"{path}: image name lacks the 4-digit channel suffix (<case>_0000{ending})")
            continue
        images.setdefault(match["case"], {})[int(match["channel"])] = path
    labels = _nifti_files(root / "labelsTr", ending)
    count = len(source.channel_names) if source.channel_names else max((max(c) + 1 for c in images.values()), default=1)
    dataset = source.dataset
    for name in sorted(images.keys() | labels.keys()):
        channels = images.get(name, {})
        if name not in labels:
            problems.append(f"{root / 'imagesTr' / name}_*: case {name!r} of {dataset_key(dataset)} has images but "
                            f"no label file labelsTr/{name}{ending}")
            continue
        if not channels:
            problems.append(f"{labels[name]}: case {name!r} of {dataset_key(dataset)} has a label but no image "
                            f"imagesTr/{name}_0000{ending}")
            continue
        missing = [f"{c:04d}" for c in range(count) if c not in channels]
        extra = [f"{c:04d}" for c in channels if c >= count]
        if missing or extra:
            present = ", ".join(f"{c:04d}" for c in sorted(channels))
            problems.append(f"{root / 'imagesTr'}: case {name!r} has channels {present} "
                            f"but the dataset has {count} (0000..{count - 1:04d})")
            continue
        source.cases.append(_Case(dataset_key(dataset), _prefix(dataset), name, root,
                                  tuple(channels[c] for c in range(count)), labels[name], packed=False))


def _scan_msd(root: Path, meta: Mapping[str, Any], source: _Source, problems: list[str]) -> None:
    """Enumerate the cases of an MSD dataset: ``imagesTr/<case>.nii.gz`` (4D if multi-channel)."""
    images = _nifti_files(root / "imagesTr", ".nii.gz")
    labels = _nifti_files(root / "labelsTr", ".nii.gz")
    listed = [entry.get("image") for entry in meta.get("training") or () if isinstance(entry, dict)]
    for image in listed:
        name = Path(str(image)).name.removesuffix(".nii.gz")
        if name not in images and name not in labels:
            problems.append(f"{root / 'dataset.json'}: training case {image!r} has neither image nor label file")
    key = dataset_key(source.dataset)
    for name in sorted(images.keys() | labels.keys()):
        if name not in labels:
            problems.append(f"{images[name]}: case {name!r} of {key} has an image but no label file "
                            f"labelsTr/{name}.nii.gz")
        elif name not in images:
            problems.append(f"{labels[name]}: case {name!r} of {key} has a label but no image imagesTr/{name}.nii.gz")
        else:
            source.cases.append(_Case(key, _prefix(source.dataset), name, root, (images[name],), labels[name],
                                      packed=True))


#: Layout name → function enumerating a dataset's cases (appending to the source and to the problems).
_LAYOUTS: dict[str, Callable[[Path, Mapping[str, Any], _Source, list[str]], None]] = {
    "nnunet-v2-raw": _scan_nnunet,
    "msd": _scan_msd,
}


def _detect_layout(root: Path, meta: Mapping[str, Any]) -> str:
    """Return the layout of a dataset folder: from its dataset.json keys, else from its file names."""
    if "channel_names" in meta or "file_ending" in meta:
        return "nnunet-v2-raw"
    if "training" in meta or "modality" in meta:
        return "msd"
    images = _nifti_files(root / "imagesTr", ".nii.gz")
    if images and all(_CHANNEL.match(stem) for stem in images):
        return "nnunet-v2-raw"
    return "msd"


def _scan(dataset: PlanDataset, root: Path, problems: list[str]) -> _Source | None:
    missing = [sub for sub in ("imagesTr", "labelsTr") if not (root / sub).is_dir()]
    if missing:
        problems.append(f"{root}: dataset {dataset_key(dataset)} has no {' or '.join(missing)} folder "
                        "(expected nnU-Net v2 raw or Medical Segmentation Decathlon layout)")
        return None
    before = len(problems)
    meta = _read_meta(root, problems)
    layout = _detect_layout(root, meta)
    source = _Source(dataset, root, layout, _channel_names(meta))
    _LAYOUTS[layout](root, meta, source, problems)
    if not source.cases and len(problems) == before:
        problems.append(f"{root}: dataset {dataset_key(dataset)} has no training cases in imagesTr/ and labelsTr/")
    return source


# ------------------------------------------------------------------------------ validation


def _load(path: Path, problems: list[str]) -> nib.Nifti1Image | None:
    """Load a NIfTI header (data stays on disk), or record why it cannot be read."""
    try:
        image = nib.load(path)
    except Exception as error:  # noqa: BLE001 - nibabel raises many kinds on a bad file
        problems.append(f"{path}: unreadable NIfTI ({type(error).__name__}: {error})")
        return None
    if not isinstance(image, nib.Nifti1Image):
        problems.append(f"{path}: not a NIfTI image ({type(image).__name__})")
        return None
    return image


def _as_index(labels: np.ndarray) -> np.ndarray:
    """Return integer label data usable as an index (bool and integral floats become integers)."""
    if labels.dtype.kind in "iu":
        return labels
    return labels.astype(np.int64)


def _value_counts(labels: np.ndarray) -> dict[int, int]:
    """Return value → voxel count of an integer array, by bincount when the value range is small."""
    if labels.size == 0:
        return {}
    low, high = int(labels.min()), int(labels.max())
    if high - low > 1 << 20:
        values, counts = np.unique(labels, return_counts=True)
        return {int(v): int(c) for v, c in zip(values, counts)}
    flat = labels.ravel(order=_order(labels))
    total = np.zeros(high - low + 1, dtype=np.int64)
    step = 1 << 24  # bincount copies its input to intp: bound that copy to 128 MiB
    widen = low != 0 or flat.dtype == np.uint64  # no overflow in `- low`, no unsafe uint64 → intp cast
    for start in range(0, flat.size, step):
        chunk = flat[start:start + step]
        total += np.bincount(chunk.astype(np.int64) - low if widen else chunk, minlength=total.size)
    return {low + int(v): int(total[v]) for v in np.flatnonzero(total)}


def _mask_data(image: nib.Nifti1Image, path: Path, problems: list[str]) -> np.ndarray | None:
    """Read a mask's voxels as integers, or record why they are not a label map."""
    try:
        data = np.asanyarray(image.dataobj)
    except Exception as error:  # noqa: BLE001 - truncated gzip, short file, bad dtype, ...
        problems.append(f"{path}: unreadable NIfTI data ({type(error).__name__}: {error})")
        return None
    kind = data.dtype.kind
    if kind == "b":
        return data.astype(np.uint8)
    if kind in "iu":
        return data
    if kind == "f":
        finite = np.isfinite(data)
        if not finite.all():
            problems.append(f"{path}: not an integer label map ({int(data.size - finite.sum())} NaN or infinite voxels)")
            return None
        fractional = data != np.round(data)
        if fractional.any():
            example = float(data[fractional].flat[0])
            problems.append(f"{path}: not an integer label map ({int(fractional.sum())} voxels with fractional "
                            f"values, e.g. {example:g})")
            return None
        return data.astype(np.int64)
    problems.append(f"{path}: not an integer label map (voxel type {data.dtype})")
    return None


def _check_case(case: _Case, table: Mapping[int, int | None], atol: float) -> tuple[_Facts | None, list[str]]:
    """Check one case: readable files, geometry of images vs mask, and mask values vs the plan."""
    problems: list[str] = []
    images = [_load(path, problems) for path in case.images]
    mask = _load(case.label, problems)
    channels, split = 0, False
    if mask is not None and len(mask.shape) != 3:
        problems.append(f"{case.label}: mask has shape {mask.shape}, expected a 3D label map")
        mask = None
    shapes: dict[tuple[int, ...], list[str]] = {}
    affines: list[tuple[str, float]] = []
    for path, image in zip(case.images, images):
        if image is None:
            continue
        ndim = len(image.shape)
        if ndim == 3 or (ndim == 4 and case.packed):
            channels += 1 if ndim == 3 else image.shape[3]
            split = ndim == 4
        else:
            expected = "3D or 4D (x, y, z, channel)" if case.packed else "3D"
            problems.append(f"{path}: image has shape {image.shape}, expected {expected}")
            continue
        if mask is None:
            continue
        if image.shape[:3] != mask.shape:
            shapes.setdefault(image.shape[:3], []).append(path.name)
        elif not np.allclose(image.affine, mask.affine, rtol=0, atol=atol):
            affines.append((path.name, float(np.abs(image.affine - mask.affine).max())))
    for shape, names in shapes.items():
        problems.append(f"{case.label}: mask shape {mask.shape} differs from image shape {shape} of {', '.join(names)}")
    if affines:
        names = ", ".join(name for name, _ in affines)
        problems.append(f"{case.label}: mask affine differs from the affine of {names} by up to "
                        f"{max(d for _, d in affines):.4g} (tolerance {atol:g})")
    if mask is None:
        return None, problems
    data = _mask_data(mask, case.label, problems)
    if data is None:
        return None, problems
    counts = _value_counts(data)
    unlisted = sorted(set(counts) - set(table))
    if unlisted:
        problems.append(f"{case.label}: label value(s) {', '.join(map(str, unlisted))} not in the plan's mapping for "
                        f"{case.key} (it lists {', '.join(map(str, sorted(table))) or 'nothing'})")
    if problems:
        return None, problems
    return _Facts(channels=channels, split=split, counts=counts), problems


def _plan_problems(plan: MergePlan) -> list[str]:
    """Return what is wrong with the plan itself for nnU-Net: label values, names, mappings."""
    problems: list[str] = []
    values = sorted(label.value for label in plan.labels if label.value != 0)
    if values != list(range(1, len(values) + 1)):
        problems.append(f"plan {plan.id}: unified label values must be 1..N without gaps for nnU-Net, got {values}")
    if values and values[-1] > 65535:
        problems.append(f"plan {plan.id}: unified label value {values[-1]} does not fit a uint16 mask")
    names = [label.name for label in plan.labels if label.value != 0]
    for name in sorted({n for n in names if names.count(n) > 1 or n == "background"}):
        problems.append(f"plan {plan.id}: unified label name {name!r} is used twice (or clashes with background 0)")
    known = set(values) | {0}
    for mapping in plan.mappings:
        if mapping.target_value is not None and mapping.target_value not in known:
            problems.append(f"plan {plan.id}: {mapping.dataset} value {mapping.source_value} maps to "
                            f"{mapping.target_value}, which is not a unified label value")
    prefixes: dict[str, str] = {}
    for dataset in plan.datasets:
        key = dataset_key(dataset)
        if "/" in key or key.startswith("."):
            problems.append(f"plan {plan.id}: dataset id {key!r} cannot name output files")
        if _prefix(dataset) in prefixes:
            problems.append(f"plan {plan.id}: datasets {prefixes[_prefix(dataset)]} and {key} would share the output "
                            f"prefix {_prefix(dataset)!r}")
        prefixes[_prefix(dataset)] = key
        table = plan.mapping_table(dataset.id, dataset.variant)
        if not table:
            problems.append(f"plan {plan.id}: no label mappings for dataset {key}")
        if any(source < 0 for source in table):
            problems.append(f"plan {plan.id}: dataset {key} maps negative source values, which masks cannot index")
    return problems


def _licence_problems(plan: MergePlan) -> list[str]:
    if plan.license.status != "blocked":
        return []
    blockers = plan.license.blockers or ("the licence verdict is 'blocked'",)
    return [f"licence: {blocker}; relabelling masks makes a derivative work, so medfuse apply refuses this plan "
            "(remove the dataset from the plan, or record the owner's permission and plan again)" for blocker in blockers]


def _channels(sources: list[_Source], facts: Mapping[str, _Facts], problems: list[str]) -> tuple[str, ...]:
    """Return the output channel names, recording datasets that have other channels than the rest."""
    per_dataset: dict[str, tuple[str, ...]] = {}
    for source in sources:
        key = dataset_key(source.dataset)
        counts = sorted({facts[c.out_id].channels for c in source.cases if c.out_id in facts})
        if len(counts) > 1:
            problems.append(f"{source.root}: cases of {key} have different channel counts ({', '.join(map(str, counts))})")
            continue
        if not counts:
            continue
        count = counts[0]
        if len(source.dataset.modalities) == count:
            per_dataset[key] = tuple(nnunet_channel_name(m) for m in source.dataset.modalities)
        elif source.channel_names and len(source.channel_names) == count:
            per_dataset[key] = tuple(nnunet_channel_name(m) for m in source.channel_names)
        else:
            problems.append(f"{source.root}: cannot name the {count} channel(s) of {key}: the plan lists modalities "
                            f"{list(source.dataset.modalities)} and the dataset.json names no channels")
    distinct = {tuple(n.casefold() for n in names) for names in per_dataset.values()}
    if len(distinct) > 1:
        problems.append("datasets disagree on input channels, which one nnU-Net dataset cannot mix: "
                        + "; ".join(f"{key} has ({', '.join(names)})" for key, names in sorted(per_dataset.items())))
    return next(iter(per_dataset.values()), ())


# ------------------------------------------------------------------------------ output folder


def _sha256(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _plan_fingerprint(plan: MergePlan) -> str:
    return hashlib.sha256(plan.model_dump_json().encode("utf-8")).hexdigest()


def _read_state(out: Path) -> dict[str, Any] | None:
    try:
        state = json.loads((out / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return state if isinstance(state, dict) and isinstance(state.get("cases"), dict) else None


def _out_problems(plan: MergePlan, out: Path, roots: Iterable[Path],
                  case_ids: set[str]) -> tuple[dict[str, Any] | None, list[str]]:
    """Return the state of an earlier run of this plan in ``out`` (or None), and why ``out`` is unusable."""
    resolved = out.resolve()
    problems = []
    for root in roots:
        root = root.resolve()
        if resolved == root or root in resolved.parents or resolved in root.parents:
            problems.append(f"{out}: the output folder overlaps the input dataset folder {root}; choose another --out")
    if out.exists() and not out.is_dir():
        return None, problems + [f"{out}: exists and is not a folder"]
    if not out.is_dir() or not any(out.iterdir()):
        return None, problems
    state = _read_state(out)
    if state is None:
        return None, problems + [f"{out}: is not empty and holds no medfuse apply run; choose an empty or new --out"]
    if state.get("plan") != plan.id:
        return None, problems + [f"{out}: holds a run of plan {state.get('plan')!r}, not {plan.id!r}; "
                                 "choose another --out"]
    if state.get("plan_sha256") != _plan_fingerprint(plan):
        return None, problems + [f"{out}: holds a run of plan {plan.id!r} made from different plan content; "
                                 "choose another --out"]
    stale = sorted(set(state["cases"]) - case_ids)
    if stale:
        shown = ", ".join(stale[:5]) + (f" and {len(stale) - 5} more" if len(stale) > 5 else "")
        problems.append(f"{out}: holds cases the data no longer has ({shown}); choose another --out")
    return state, problems


def _write_bytes(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.partial")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def _write_json(path: Path, data: Any) -> None:
    _write_bytes(path, (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))


def _nifti_gz(header: nib.Nifti1Header, array: np.ndarray, slope: float, inter: float, *,
              extensions: bool = True) -> bytes:
    """Return a gzipped single-file NIfTI of ``array`` under a copy of ``header``, bytes exactly as given.

    Written by hand rather than by ``nib.save`` because nibabel resets the scaling of an image
    built from an array; here the raw voxels and their ``scl_slope``/``scl_inter`` are kept, so a
    split channel holds the very values of the 4D source. ``mtime=0`` makes output reproducible.
    """
    header = header.copy()
    if not extensions:
        header.extensions.clear()
    header.set_data_shape(array.shape)
    header.set_data_dtype(array.dtype)
    header.set_slope_inter(slope, inter)
    offset = int(header.sizeof_hdr) + 4 + int(header.extensions.get_sizeondisk())
    offset += -offset % 16
    header.set_data_offset(offset)
    buffer = io.BytesIO()
    header.write_to(buffer)
    buffer.write(b"\0" * (offset - buffer.tell()))
    buffer.write(array.astype(header.get_data_dtype(), copy=False).tobytes(order="F"))
    return gzip.compress(buffer.getvalue(), compresslevel=_GZIP_LEVEL, mtime=0)


def _file_record(path: Path, out: Path, data: bytes | None = None) -> tuple[str, dict[str, Any]]:
    digest = hashlib.sha256(data).hexdigest() if data is not None else _sha256(path)
    return path.relative_to(out).as_posix(), {"sha256": digest, "size": path.stat().st_size}


def _place_image(source: Path, target: Path, out: Path, *, link: bool) -> tuple[str, dict[str, Any]]:
    """Link or copy one channel file; an uncompressed ``.nii`` is gzipped, as OUT says ``.nii.gz``."""
    if source.name.endswith(".nii.gz") and link:
        temporary = target.with_name(f".{target.name}.partial")
        temporary.unlink(missing_ok=True)
        os.symlink(os.path.abspath(source), temporary)
        os.replace(temporary, target)
        return target.relative_to(out).as_posix(), {"link": os.path.abspath(source), "size": source.stat().st_size}
    temporary = target.with_name(f".{target.name}.partial")
    if source.name.endswith(".nii.gz"):
        shutil.copyfile(source, temporary)
    else:
        with open(source, "rb") as raw, gzip.GzipFile(temporary, "wb", compresslevel=_GZIP_LEVEL, mtime=0) as packed:
            shutil.copyfileobj(raw, packed, 1 << 20)
    os.replace(temporary, target)
    return _file_record(target, out)


def _write_case(case: _Case, facts: _Facts, table: Mapping[int, int | None], dtype: np.dtype, out: Path,
                *, link: bool) -> dict[str, Any]:
    """Write one case's images and relabelled mask; return its state record."""
    files: dict[str, dict[str, Any]] = {}
    images_dir, labels_dir = out / "imagesTr", out / "labelsTr"
    if facts.split:
        image = nib.load(case.images[0])
        raw = np.asanyarray(image.dataobj.get_unscaled())
        slope, inter = float(image.dataobj.slope), float(image.dataobj.inter)
        for channel in range(facts.channels):
            data = _nifti_gz(image.header, raw[..., channel], slope, inter)
            target = images_dir / f"{case.out_id}_{channel:04d}.nii.gz"
            _write_bytes(target, data)
            path, record = _file_record(target, out, data)
            files[path] = record
    else:
        for channel, source in enumerate(case.images):
            path, record = _place_image(source, images_dir / f"{case.out_id}_{channel:04d}.nii.gz", out, link=link)
            files[path] = record
    mask = nib.load(case.label)
    problems: list[str] = []
    labels = _mask_data(mask, case.label, problems)
    if labels is None:  # it passed the checks: the file changed during the run
        raise ApplyError([f"{problem} (changed since it was checked)" for problem in problems])
    header = mask.header.copy()
    header["cal_min"], header["cal_max"] = 0, 0
    # Extensions are dropped: some (AFNI, CIFTI/GIFTI label tables) name the old label values.
    data = _nifti_gz(header, relabel(labels, table, dtype=dtype), 1.0, 0.0, extensions=False)
    target = labels_dir / f"{case.out_id}.nii.gz"
    _write_bytes(target, data)
    path, record = _file_record(target, out, data)
    files[path] = record
    lut = lookup_table(table, dtype=np.int64)
    changed = sum(n for v, n in facts.counts.items() if lut[v] != v)
    present = sorted({int(lut[v]) for v in facts.counts} - {0})
    return {
        "link": link,
        "files": files,
        "voxels": int(labels.size),
        "changed": int(changed),
        "present": present,
        "provenance": {
            "case": case.out_id,
            "source_dir": str(case.root.resolve()),
            "source_case": case.name,
            "images": [p.relative_to(case.root).as_posix() for p in case.images],
            "label": case.label.relative_to(case.root).as_posix(),
            "image_sha256": [_sha256(p) for p in case.images],
            "label_sha256": _sha256(case.label),
        },
    }


def _is_done(record: Mapping[str, Any], out: Path, *, link: bool) -> bool:
    """Return whether a recorded case's outputs are all still there, unchanged, made in this mode."""
    if record.get("link") != link:
        return False
    for relative, expected in record.get("files", {}).items():
        path = out / relative
        if "link" in expected:
            if not path.is_symlink() or os.readlink(path) != expected["link"] or not path.exists():
                return False
            if path.stat().st_size != expected["size"]:
                return False
        elif path.is_symlink() or not path.is_file() or path.stat().st_size != expected["size"]:
            return False
        elif _sha256(path) != expected["sha256"]:
            return False
    return bool(record.get("files"))


def _tables(plan: MergePlan, cases: list[_Case], datasets: Mapping[str, PlanDataset],
            records: Mapping[str, Mapping[str, Any]]) -> tuple[str, str, dict[str, Any]]:
    """Return provenance.tsv, partial_labels.tsv and partial_labels.json."""
    names = {label.value: label.name for label in plan.labels}
    unknown_of = {(p.dataset, p.variant): tuple(sorted(p.unannotated)) for p in plan.partial}
    provenance, partial = io.StringIO(), io.StringIO()
    prov = csv.writer(provenance, delimiter="\t", lineterminator="\n")
    prov.writerow(["case", "dataset", "variant", "source_case", "source_dir", "images", "label", "image_sha256",
                   "label_sha256"])
    part = csv.writer(partial, delimiter="\t", lineterminator="\n")
    part.writerow(["case", "dataset", "variant", "unknown", "unknown_names"])
    document: dict[str, Any] = {"plan": plan.id, "labels": {str(v): n for v, n in sorted(names.items())}, "cases": {}}
    for case in sorted(cases, key=lambda c: c.out_id):
        dataset, record = datasets[case.key], records[case.out_id]
        row = record["provenance"]
        prov.writerow([case.out_id, dataset.id, dataset.variant or "", row["source_case"], row["source_dir"],
                       ";".join(row["images"]), row["label"], ";".join(row["image_sha256"]), row["label_sha256"]])
        unknown = unknown_of.get((dataset.id, dataset.variant), ())
        part.writerow([case.out_id, dataset.id, dataset.variant or "", ",".join(map(str, unknown)),
                       ",".join(names.get(v, str(v)) for v in unknown)])
        document["cases"][case.out_id] = {"dataset": dataset.id, "variant": dataset.variant,
                                          "unknown": list(unknown), "present": record["present"]}
    return provenance.getvalue(), partial.getvalue(), document


# ------------------------------------------------------------------------------ the run


def _validate(
    plan: MergePlan, data: Path, out: Path, overrides: Mapping[str, Path], atol: float, workers: int,
    progress: ProgressCallback,
) -> tuple[list[_Source], dict[str, _Facts], tuple[str, ...], dict[str, Any] | None]:
    """Check the plan, the data and OUT; raise :class:`ApplyError` with every problem found."""
    problems = _plan_problems(plan)
    folders, found = _locate(plan, data, overrides)
    problems += found
    sources = []
    for dataset in plan.datasets:
        folder = folders.get(dataset_key(dataset))
        source = _scan(dataset, folder, problems) if folder is not None else None
        if source is not None:
            sources.append(source)
    cases = [case for source in sources for case in source.cases]
    tables = {dataset_key(s.dataset): plan.mapping_table(s.dataset.id, s.dataset.variant) for s in sources}
    facts: dict[str, _Facts] = {}
    with ThreadPoolExecutor(max_workers=workers) as pool:
        checks = pool.map(lambda c: _check_case(c, tables[c.key], atol), cases)
        for done, (case, (fact, found)) in enumerate(zip(cases, checks), start=1):
            problems += found
            if fact is not None:
                facts[case.out_id] = fact
            progress("validate", done, len(cases), case.out_id)
    channel_names = _channels(sources, facts, problems)
    state, found = _out_problems(plan, out, (s.root for s in sources), {c.out_id for c in cases})
    problems += found
    if problems:
        raise ApplyError(problems)
    return sources, facts, channel_names, state


def apply_plan(
    plan: MergePlan,
    data: Path,
    out: Path,
    *,
    link: bool = True,
    progress: ProgressCallback | None = None,
    dataset_dirs: Mapping[str, Path] | None = None,
    affine_atol: float = AFFINE_ATOL,
    workers: int | None = None,
) -> ApplyReport:
    """Relabel the plan's datasets under ``data`` into one nnU-Net v2 raw dataset at ``out``.

    Nothing is written until the plan, every case and ``out`` have been checked; then cases are
    written one by one and recorded in ``out/.medfuse-apply.json``, and ``dataset.json`` comes
    last. Calling again with the same plan and ``out`` skips the cases already done.

    :param plan: the merge plan; a plan whose licence verdict is ``blocked`` is refused.
    :param data: folder holding one folder per dataset (its id, ``DatasetNNN_<Name>`` or ``TaskNN_<Name>``).
    :param out: the output folder: new, empty, or an earlier (interrupted) run of this plan.
    :param link: symlink the images (``False``: copy them). Split MSD channels are always written.
    :param progress: see :data:`ProgressCallback`.
    :param dataset_dirs: dataset key (``id`` or ``id.variant``) → folder, overriding the search.
    :param affine_atol: largest tolerated difference between an image's and its mask's affine.
    :param workers: threads reading and writing cases (zlib, hashing and I/O release the GIL).
    :returns: counts, timings and throughput of the run.
    :raises ApplyError: listing every problem found, before anything is written.

    >>> apply_plan.__name__
    'apply_plan'
    """
    started = time.perf_counter()
    report_progress: ProgressCallback = progress or (lambda phase, done, total, case: None)
    workers = workers or min(4, os.cpu_count() or 1)
    licence = _licence_problems(plan)
    if licence:
        raise ApplyError(licence)
    data, out = Path(data), Path(out)
    sources, facts, channel_names, state = _validate(plan, data, out, dataset_dirs or {}, affine_atol, workers,
                                                     report_progress)
    validated = time.perf_counter()

    cases = sorted((c for s in sources for c in s.cases), key=lambda c: c.out_id)
    datasets = {dataset_key(s.dataset): s.dataset for s in sources}
    tables = {key: plan.mapping_table(d.id, d.variant) for key, d in datasets.items()}
    dtype = np.dtype(np.uint8 if max((label.value for label in plan.labels), default=0) < 256 else np.uint16)
    previous = dict(state["cases"]) if state else {}
    records: dict[str, dict[str, Any]] = {}
    head = {"medfuse_apply": _STATE_VERSION, "plan": plan.id, "plan_sha256": _plan_fingerprint(plan)}

    def flush() -> None:
        _write_json(out / STATE_FILE, {**head, "cases": dict(sorted(records.items()))})

    out.mkdir(parents=True, exist_ok=True)
    if state is None:
        flush()  # claim OUT before anything else lands in it, so an interrupted run is resumable
    # From here until the end OUT is incomplete, also when a finished run is run again.
    (out / "dataset.json").unlink(missing_ok=True)
    for sub in ("imagesTr", "labelsTr"):
        (out / sub).mkdir(exist_ok=True)
    for stale in [*out.glob(".*.partial"), *out.glob("*/.*.partial")]:
        stale.unlink()

    pool, writing = ThreadPoolExecutor(max_workers=workers), False
    try:
        # Check earlier outputs before the first flush, so a run killed meanwhile keeps the old state.
        resumable = [c for c in cases if c.out_id in previous]
        finished_before = pool.map(lambda c: _is_done(previous[c.out_id], out, link=link), resumable)
        done_before = {c.out_id for c, ok in zip(resumable, finished_before) if ok}
        todo, skipped = [], 0
        for case in cases:
            if case.out_id in done_before:
                records[case.out_id] = previous[case.out_id]
                skipped += 1
                report_progress("write", skipped, len(cases), case.out_id)
            else:
                todo.append(case)
        flush()
        writing = True
        voxels = changed = 0
        last_flush = time.monotonic()
        pending: set[Future] = {pool.submit(_write_case, c, facts[c.out_id], tables[c.key], dtype, out, link=link)
                                for c in todo}
        done = skipped
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                record = future.result()
                case_id = record["provenance"]["case"]
                records[case_id] = record
                voxels += record["voxels"]
                changed += record["changed"]
                done += 1
                if time.monotonic() - last_flush >= _STATE_FLUSH_SECONDS:
                    flush()
                    last_flush = time.monotonic()
                report_progress("write", done, len(cases), case_id)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        if writing:
            flush()

    provenance, partial, partial_json = _tables(plan, cases, datasets, records)
    _write_bytes(out / "provenance.tsv", provenance.encode("utf-8"))
    _write_bytes(out / "partial_labels.tsv", partial.encode("utf-8"))
    _write_json(out / "partial_labels.json", partial_json)
    seconds = time.perf_counter() - started
    report = ApplyReport(
        plan=plan.id, output=str(out), cases=len(cases), written=len(todo), skipped=skipped,
        datasets={key: sum(1 for c in cases if c.key == key) for key in datasets},
        voxels=voxels, voxels_changed=changed, seconds=round(seconds, 3),
        validate_seconds=round(validated - started, 3),
        voxels_per_second=round(voxels / seconds if seconds else 0.0, 1),
        link=link, obligations=plan.license.obligations + plan.license.attribution,
    )
    _write_bytes(out / "apply-report.json", (report.model_dump_json(indent=2) + "\n").encode("utf-8"))
    _write_json(out / "dataset.json", nnunet_dataset_json(plan, num_training=len(cases), channel_names=channel_names))
    return report
