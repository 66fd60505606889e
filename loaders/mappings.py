"""Read the SSSOM mapping tables shipped in ``ontology/mappings/``.

SSSOM TSV (https://mapping-commons.github.io/sssom/) is a TSV file whose first lines, each
starting with ``#``, hold a YAML header (``curie_map``, ``mapping_set_id``, ``license``). Each row
maps a ``subject_id`` (here often a raw catalog value) to an ``object_id`` with a
``predicate_id``, a ``mapping_justification`` and a ``confidence``. ``sssom:NoTermFound`` as the
object records a value that deliberately maps to nothing.

>>> table = read_sssom("imaging-x-access.sssom.tsv")
>>> sorted({row.object_id for row in table.rows})[:2]
['mfacc:application', 'mfacc:open']
"""

from __future__ import annotations

import csv
import io
from functools import cache
from importlib.resources import files
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict

from medfuse.kg.errors import CatalogError
from medfuse.loaders.tokens import normalize

__all__ = [
    "COLUMNS",
    "NO_TERM",
    "CATALOG_FACETS",
    "MappingRow",
    "MappingSet",
    "read_sssom",
    "parse_sssom",
    "facet_table",
    "curated_lookup",
]

#: The columns every medfuse SSSOM table has, in this order.
COLUMNS = (
    "subject_id",
    "subject_label",
    "predicate_id",
    "object_id",
    "object_label",
    "mapping_justification",
    "confidence",
    "comment",
)

#: The SSSOM object of a value that deliberately maps to no term.
NO_TERM = "sssom:NoTermFound"

#: Catalog field → (mapping table, facet of its terms).
CATALOG_FACETS: dict[str, tuple[str, str]] = {
    "modality": ("imaging-x-modality.sssom.tsv", "modality"),
    "structure": ("imaging-x-structure.sssom.tsv", "anatomy"),
    "diseases": ("imaging-x-diseases.sssom.tsv", "disease"),
    "task": ("imaging-x-task.sssom.tsv", "task"),
    "dim": ("imaging-x-dim.sssom.tsv", "dim"),
    "access": ("imaging-x-access.sssom.tsv", "access"),
}


class MappingRow(BaseModel):
    """One SSSOM mapping row."""

    model_config = ConfigDict(frozen=True)

    subject_id: str
    subject_label: str
    predicate_id: str
    object_id: str
    object_label: str = ""
    mapping_justification: str
    confidence: float | None = None
    comment: str = ""


class MappingSet(BaseModel):
    """An SSSOM mapping set: its YAML header and its rows."""

    model_config = ConfigDict(frozen=True)

    metadata: dict
    rows: tuple[MappingRow, ...]


def parse_sssom(text: str, *, source: str = "<sssom>") -> MappingSet:
    """Parse SSSOM TSV text.

    :raises CatalogError: naming the line when the header or a row is malformed.
    """
    header_lines, body_lines = [], []
    for line in text.splitlines():
        (header_lines if line.startswith("#") and not body_lines else body_lines).append(line)
    try:
        metadata = yaml.safe_load("\n".join(line[1:].removeprefix(" ") for line in header_lines)) or {}
    except yaml.YAMLError as error:
        raise CatalogError(source, f"the SSSOM header is not valid YAML: {error}") from error
    reader = csv.DictReader(io.StringIO("\n".join(body_lines)), delimiter="\t")
    missing = [c for c in COLUMNS[:4] + ("mapping_justification",) if c not in (reader.fieldnames or ())]
    if missing:
        raise CatalogError(source, f"missing SSSOM columns {missing}")
    rows = []
    for number, record in enumerate(reader, start=len(header_lines) + 2):
        try:
            confidence = record.get("confidence") or None
            rows.append(MappingRow(**{**{k: v or "" for k, v in record.items() if k in COLUMNS},
                                      "confidence": float(confidence) if confidence else None}))
        except (ValueError, TypeError) as error:
            raise CatalogError(source, f"invalid row: {error}", row=number) from error
    return MappingSet(metadata=metadata, rows=tuple(rows))


@cache
def read_sssom(name: str | Path) -> MappingSet:
    """Read a shipped table by file name (or any SSSOM file by path)."""
    if isinstance(name, Path):
        return parse_sssom(name.read_text(encoding="utf-8"), source=str(name))
    resource = files("medfuse.ontology").joinpath("mappings", name)
    if not resource.is_file():
        return MappingSet(metadata={}, rows=())
    return parse_sssom(resource.read_text(encoding="utf-8"), source=f"ontology/mappings/{name}")


@cache
def facet_table(field: str) -> dict[str, tuple[MappingRow, ...]]:
    """Return normalized raw value → mapping rows for one catalog field (``modality``, ...)."""
    table: dict[str, list[MappingRow]] = {}
    for row in read_sssom(CATALOG_FACETS[field][0]).rows:
        table.setdefault(normalize(row.subject_label), []).append(row)
    return {key: tuple(rows) for key, rows in table.items()}


def curated_lookup() -> dict[str, dict[str, list[str]]]:
    """Return facet → normalized raw value → CURIEs, from every catalog mapping table.

    The term resolver consults it first, so that "chest" means what imaging catalogs mean by it.
    """
    out: dict[str, dict[str, list[str]]] = {}
    for field, (_, facet) in CATALOG_FACETS.items():
        for key, rows in facet_table(field).items():
            curies = [r.object_id for r in rows if r.object_id != NO_TERM]
            if curies:
                out.setdefault(facet, {}).setdefault(key, []).extend(curies)
    return out
