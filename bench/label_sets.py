"""The benchmark sets of raw label names: which there are, which may be read, and their rows.

One home for the list (``bench/data/label-sets.yaml``) and the reader of the sets, used by
``bench/label_normalizer.py`` and by the tests that keep the rules and curated tables from copying
the development sets (``pythonpath = ["bench"]`` in ``pyproject.toml``). Tests only ever ask for
:func:`development_sets`: a fresh set is never opened by them.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import yaml

__all__ = ["COLUMNS", "DATA", "LabelSet", "development_sets", "label_sets", "read_rows"]

DATA = Path(__file__).resolve().parent / "data"
MANIFEST = DATA / "label-sets.yaml"
#: The columns of every set, in order.
COLUMNS = ["raw", "modality", "expected", "expected_label", "site", "note"]
STATUSES = ("development", "fresh")


@dataclass(frozen=True)
class LabelSet:
    """One benchmark set, as the manifest lists it."""

    path: Path
    title: str
    status: str
    first_blind: str | None = None

    @property
    def fresh(self) -> bool:
        return self.status == "fresh"


class ManifestError(ValueError):
    """The manifest of label sets is malformed (says which entry and what to fix)."""


def label_sets(manifest: Path = MANIFEST) -> list[LabelSet]:
    """Return every set the manifest lists, in the order they were written.

    :raises ManifestError: for an unknown status or a missing key.
    """
    document = yaml.safe_load(manifest.read_text(encoding="utf-8"))
    out = []
    for i, entry in enumerate(document.get("sets") or [], start=1):
        missing = {"file", "title", "status"} - set(entry)
        if missing:
            raise ManifestError(f"{manifest}: set {i} lacks {sorted(missing)}")
        if entry["status"] not in STATUSES:
            raise ManifestError(
                f"{manifest}: set {i} ({entry['file']}): status {entry['status']!r} is not one of {STATUSES}"
            )
        out.append(
            LabelSet(manifest.parent / entry["file"], entry["title"], entry["status"],
                     entry.get("first_blind"))
        )
    return out


def development_sets() -> list[LabelSet]:
    """Return the sets whose misses have been read (the only ones tests may open)."""
    return [s for s in label_sets() if not s.fresh]


def read_rows(path: Path) -> list[dict[str, str]]:
    """Read a set: one dict per row, keyed by :data:`COLUMNS`.

    :raises ValueError: when the header is not :data:`COLUMNS`.
    """
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        if reader.fieldnames != COLUMNS:
            raise ValueError(f"{path}: header {reader.fieldnames} is not {COLUMNS}")
        return list(reader)
