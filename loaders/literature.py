"""Loader for the curated datasets of the literature (``loaders/data/literature/datasets.yaml``).

Source: facts (names, years, sizes, modalities, targets, components, paper titles) extracted by
hand from ~80 paper abstracts on large medical imaging datasets; no text of the abstracts is
kept. Term fields hold CURIEs or names the term index resolves (``DCM:CT``, ``segmentation``,
``2D``); ``built_from`` names the datasets each one reuses images from.
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib.resources import files
from pathlib import Path

import yaml

from medfuse.kg.errors import CatalogError, UnknownTermError
from medfuse.kg.terms import TermIndex
from medfuse.loaders.model import DatasetFacts, FacetReport, LoadResult, SourceRecord
from medfuse.loaders.tokens import yaml_load as _yaml_load

__all__ = ["CATALOG", "DEFAULT_PATH", "load"]

#: Name of this source in source records and graph names.
CATALOG = "literature"
#: The shipped curated file.
DEFAULT_PATH = files("medfuse.loaders").joinpath("data", "literature", "datasets.yaml")

#: YAML key → (DatasetFacts field, facet used to resolve its values).
_TERM_FIELDS = {
    "modalities": ("modalities", "modality"),
    "anatomy": ("anatomy", "anatomy"),
    "diseases": ("diseases", "disease"),
    "tasks": ("tasks", "task"),
    "dim": ("dims", "dim"),
}
_ACCESS = {"open", "registration", "application", "unknown"}


def load(path: Path | object = DEFAULT_PATH, *, terms: TermIndex, known: Iterable[str] = ()) -> LoadResult:
    """Load the curated literature datasets.

    :raises CatalogError: naming the entry and field of a value that does not resolve.
    """
    try:
        text = path.read_text(encoding="utf-8")  # type: ignore[union-attr]
        data = _yaml_load(text)
    except (OSError, yaml.YAMLError) as error:
        raise CatalogError(path, f"cannot read the curated file: {error}") from error
    entries = (data or {}).get("datasets") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise CatalogError(path, "expected a mapping with a `datasets` list")
    report = {field: FacetReport(field=field) for field in _TERM_FIELDS}
    datasets = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict) or not entry.get("id") or not entry.get("name"):
            raise CatalogError(path, "each entry needs `id` and `name`", row=index)
        facts = DatasetFacts(
            id=str(entry["id"]), name=str(entry["name"]), year=entry.get("year"),
            samples=entry.get("samples"), sample_unit=entry.get("sample_unit"),
            labelled=entry.get("labelled"), url=entry.get("url"), paper=entry.get("paper"),
            license=f"spdx:{entry['license']}" if entry.get("license") else None,
            built_from=list(entry.get("built_from") or []),
            built_from_note=entry.get("built_from_note"),
        )
        access = entry.get("access") or "unknown"
        if access not in _ACCESS:
            raise CatalogError(path, f"access must be one of {sorted(_ACCESS)}", row=index, field="access", value=access)
        facts.access = f"mfacc:{access}"
        for key, (target, facet) in _TERM_FIELDS.items():
            for value in entry.get(key) or []:
                report[key].values += 1
                try:
                    curie = terms.resolve(str(value), facet).curie
                except UnknownTermError as error:
                    raise CatalogError(path, str(error), row=index, field=key, value=value,
                                       suggestions=error.suggestions) from error
                report[key].values_mapped += 1
                if curie not in getattr(facts, target):
                    getattr(facts, target).append(curie)
        facts.sources.append(SourceRecord(
            catalog=CATALOG, index=index, name=facts.name,
            year=None if facts.year is None else str(facts.year), section=entry.get("paper"),
        ))
        datasets.append(facts)
    for field_report in report.values():
        field_report.distinct = field_report.mapped = field_report.values
    return LoadResult(source=CATALOG, graph=f"https://w3id.org/medfuse/graph/{CATALOG}",
                      datasets=datasets, report=report, records=len(entries))
