"""Loader for catalogs in the Project Imaging-X ``datasets.json`` format.

Source: Project Imaging-X dataset catalog (MIT licence; copy shipped in
``loaders/data/imaging-x/`` with its LICENSE), 1,151 records with free-text fields ``modality``,
``structure``, ``task``, ``dim``, ``diseases``, ``samples``, ``access``. Every raw value is split
(:func:`~medfuse.loaders.tokens.split_values`) and looked up in the SSSOM tables of
``ontology/mappings/imaging-x-*.sssom.tsv``; values without a row are reported, never guessed.
Records with the same name become one dataset that keeps each record as provenance. Access
``unknown`` is inferred from the landing page's host with ``access_rules.json`` and marked as
inferred. Left out: ``download_method`` and ``auth_instructions`` (prose, not facts).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from functools import cache
from importlib.resources import files
from pathlib import Path
from urllib.parse import urlparse

from pydantic import BaseModel, ConfigDict, ValidationError

from medfuse.kg.errors import CatalogError, suggest
from medfuse.kg.terms import TermIndex, facet_of
from medfuse.loaders.mappings import CATALOG_FACETS, NO_TERM, facet_table
from medfuse.loaders.model import (
    DatasetFacts,
    FacetReport,
    LoadResult,
    QualityIssue,
    SourceRecord,
    slugify,
)
from medfuse.loaders.tokens import normalize, split_values

__all__ = ["CATALOG", "DEFAULT_PATH", "ImagingXRecord", "clean_url", "dataset_names", "load", "parse_samples", "read_records"]

#: Name of this catalog in source records and graph names.
CATALOG = "imaging-x"
#: The shipped copy of the upstream catalog.
DEFAULT_PATH = files("medfuse.loaders").joinpath("data", "imaging-x", "datasets.json")

#: Raw values that mean "not stated".
_NULLS = {"", "na", "n/a", "none", "-", "unknown"}
#: Catalog field → DatasetFacts field it fills.
_TARGET = {
    "modality": "modalities",
    "structure": "anatomy",
    "diseases": "diseases",
    "task": "tasks",
    "dim": "dims",
}
_NUMBER = re.compile(r"(\d[\d,]*(?:\.\d+)?)\s*([kKmMbB])?\b")
_SCALE = {"k": 1_000, "m": 1_000_000, "b": 1_000_000_000}


class ImagingXRecord(BaseModel):
    """One record of ``datasets.json`` as upstream writes it."""

    model_config = ConfigDict(extra="allow", frozen=True)

    section: str = ""
    name: str
    url: str = ""
    year: str | int | None = None
    dim: str = ""
    modality: str = ""
    structure: str = ""
    samples: str | int | None = None
    label: bool | None = None
    task: str = ""
    diseases: str = ""
    access: str = ""


def dataset_names(path: Path | object = DEFAULT_PATH) -> list[str]:
    """The datasets' names as the catalog writes them ("FLARE22", "FeTA 2022"), unvalidated."""
    return [str(r.get("name") or "") for r in json.loads(path.read_text(encoding="utf-8"))]  # type: ignore[attr-defined]


def read_records(path: Path | object) -> list[ImagingXRecord]:
    """Read and validate the records of a catalog file.

    :raises CatalogError: naming the file, record and field of the first bad value.
    """
    try:
        with open(path, "rb") if isinstance(path, (str, Path)) else path.open("rb") as handle:  # type: ignore[union-attr]
            data = json.load(handle)
    except OSError as error:
        raise CatalogError(path, f"cannot read the catalog: {error.strerror or error}") from error
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise CatalogError(path, f"not valid JSON: {error}") from error
    if not isinstance(data, list):
        raise CatalogError(path, "expected a JSON list of dataset records")
    records = []
    for index, item in enumerate(data):
        if not isinstance(item, dict):
            raise CatalogError(path, "a record must be a JSON object", row=index)
        try:
            record = ImagingXRecord.model_validate(item)
        except ValidationError as error:
            first = error.errors()[0]
            field = ".".join(str(p) for p in first["loc"])
            known = list(ImagingXRecord.model_fields)
            raise CatalogError(
                path, first["msg"], row=index, field=field, value=item.get(field),
                suggestions=suggest(field, known) if first["type"] == "missing" else None,
            ) from error
        if not record.name.strip():
            raise CatalogError(path, "the dataset name is empty", row=index, field="name")
        records.append(record)
    return records


def parse_samples(raw: str | int | None) -> int | None:
    """Return the sample count a raw value states: "2.7k" → 2700, "1,993" → 1993, "NA" → None.

    >>> [parse_samples(v) for v in ("2.7k", "1.3M", "200+", "303,001 images & 450,724 VQA", "NA")]
    [2700, 1300000, 200, 303001, None]
    """
    if raw is None or isinstance(raw, int):
        return raw
    match = _NUMBER.search(raw)
    if not match:
        return None
    number = float(match.group(1).replace(",", ""))
    return round(number * _SCALE.get((match.group(2) or "").lower(), 1))


@cache
def _access_rules() -> list[tuple[str, str]]:
    text = files("medfuse.loaders").joinpath("data", "imaging-x", "access_rules.json").read_text("utf-8")
    return [(rule["pattern"], rule["access"]) for rule in json.loads(text)["rules"]]


def _infer_access(url: str) -> tuple[str, str] | None:
    host = (urlparse(url).hostname or "").lower()
    for pattern, access in _access_rules():
        if host == pattern or host.endswith("." + pattern) or pattern in host:
            return access, pattern
    return None


_MARKDOWN_ESCAPE = re.compile(r"\\(?=[#%_*()\[\]!])")
_IRI_FORBIDDEN = re.compile(r'[\x00-\x20<>"{}|\\^`]')


def clean_url(raw: str) -> str | None:
    r"""Return a landing page as a valid IRI: markdown escapes undone, spaces encoded; else ``None``.

    >>> clean_url("https://www.synapse.org/\\#!Synapse:syn1")
    'https://www.synapse.org/#!Synapse:syn1'
    >>> clean_url("http://example.org/Data Sets.htm")
    'http://example.org/Data%20Sets.htm'
    >>> clean_url("see website") is None
    True
    """
    url = _MARKDOWN_ESCAPE.sub("", raw.strip()).replace(" ", "%20")
    if not url.startswith(("http://", "https://")) or _IRI_FORBIDDEN.search(url):
        return None
    return url


def _year(raw: str | int | None) -> int | None:
    if isinstance(raw, int):
        return raw
    match = re.search(r"\b(19|20)\d{2}\b", raw or "")
    return int(match.group(0)) if match else None


class _Mapper:
    """Look raw values up in the facet tables and count what mapped."""

    def __init__(self) -> None:
        self.report = {field: FacetReport(field=field) for field in (*CATALOG_FACETS, "samples", "year")}
        self._seen: dict[str, dict[str, bool | None]] = {field: {} for field in self.report}

    def count(self, field: str, value: str, mapped: bool | None) -> None:
        report, key = self.report[field], normalize(value)
        if mapped is None:
            self._seen[field].setdefault(key, None)
            return
        report.values += 1
        report.values_mapped += int(mapped)
        if not mapped:
            report.unmapped[value] = report.unmapped.get(value, 0) + 1
        self._seen[field][key] = mapped

    def map(self, field: str, raw: str) -> list[tuple[str, str]]:
        """Return ``(raw value, CURIE)`` pairs for one raw field."""
        out = []
        table = facet_table(field)
        for value in split_values(raw):
            key = normalize(value)
            rows = table.get(key)
            if rows is None and key in _NULLS:
                self.count(field, value, None)
                continue
            if rows is None:
                self.count(field, value, False)
                continue
            curies = [row.object_id for row in rows if row.object_id != NO_TERM]
            self.count(field, value, True if curies else None)
            out += [(value, curie) for curie in curies]
        return out

    def finish(self) -> dict[str, FacetReport]:
        for field, seen in self._seen.items():
            report = self.report[field]
            report.null = sum(1 for v in seen.values() if v is None)
            report.distinct = sum(1 for v in seen.values() if v is not None)
            report.mapped = sum(1 for v in seen.values() if v)
        return self.report


def _facts_of(index: int, record: ImagingXRecord, mapper: _Mapper, terms: TermIndex) -> DatasetFacts:
    facts = DatasetFacts(id=slugify(record.name), name=record.name.strip())
    raw = {field: str(getattr(record, field)) for field in (*CATALOG_FACETS, "samples") if getattr(record, field) not in (None, "")}
    facts.sources.append(SourceRecord(
        catalog=CATALOG, index=index, name=record.name, year=None if record.year is None else str(record.year),
        section=record.section, raw=raw,
    ))
    for field, target in _TARGET.items():
        for value, curie in mapper.map(field, getattr(record, field)):
            if field == "diseases" and facet_of(curie) != "disease":
                what = facet_of(curie) or "other"
                facts.issues.append(QualityIssue(
                    kind=f"field-holds-{what}", field=field, value=value, term=curie,
                    message=f"the disease field holds {value!r}, which is the {what} term {terms.label(curie)!r} ({curie}), not a disease",
                ))
                continue
            if curie not in getattr(facts, target):
                getattr(facts, target).append(curie)
    facts.year = _year(record.year)
    mapper.count("year", str(record.year), None if str(record.year).strip().casefold() in _NULLS else facts.year is not None)
    facts.samples = parse_samples(record.samples)
    mapper.count("samples", str(record.samples), None if str(record.samples).strip().casefold() in _NULLS else facts.samples is not None)
    facts.labelled = record.label
    access = [curie for _, curie in mapper.map("access", record.access)]
    facts.access = access[0] if access else "mfacc:unknown"
    if facts.access == "mfacc:unknown" and record.url:
        inferred = _infer_access(clean_url(record.url) or "")
        if inferred:
            facts.access, facts.access_inferred, facts.access_rule = f"mfacc:{inferred[0]}", True, inferred[1]
    facts.url = clean_url(record.url) if record.url else None
    if record.url and facts.url is None:
        facts.issues.append(QualityIssue(kind="invalid-url", field="url", value=record.url,
                                         message=f"the landing page {record.url!r} is not a valid http(s) IRI"))
    return facts


def _contradictions(facts: DatasetFacts, terms: TermIndex) -> None:
    """Flag an organ named in the disease field when it is unrelated to the dataset's anatomy.

    Only UBERON terms are judged: cell types (CL) occur in many organs, so a cell named in the
    disease field contradicts nothing.
    """
    anatomy = set(facts.anatomy)
    for issue in list(facts.issues):
        if issue.kind != "field-holds-anatomy" or not anatomy or not (issue.term or "").startswith("UBERON:"):
            continue
        related = any(
            issue.term == a or issue.term in terms.ancestors(a) or a in terms.ancestors(issue.term)
            for a in anatomy
        )
        if not related:
            labels = ", ".join(sorted(terms.label(a) for a in anatomy))
            facts.issues.append(QualityIssue(
                kind="anatomy-contradiction", field=issue.field, value=issue.value, term=issue.term,
                message=f"the disease field says {issue.value!r} but the dataset's anatomy is {labels}",
            ))


def _merge(group: Sequence[DatasetFacts]) -> DatasetFacts:
    """Merge the records of one dataset: union of term facets, first value of scalars, conflicts flagged."""
    merged = group[0].model_copy(deep=True)
    for other in group[1:]:
        for field in ("modalities", "anatomy", "diseases", "tasks", "dims"):
            values = getattr(merged, field)
            values += [v for v in getattr(other, field) if v not in values]
        merged.sources += other.sources
        merged.issues += [i for i in other.issues if i not in merged.issues]
        for field in ("year", "samples", "labelled", "url", "access"):
            mine, theirs = getattr(merged, field), getattr(other, field)
            if mine is None:
                setattr(merged, field, theirs)
            elif theirs is not None and theirs != mine:
                issue = QualityIssue(
                    kind="conflicting-sources", field=field, value=f"{mine} | {theirs}",
                    message=f"records of {merged.name!r} disagree on {field}: {mine!r} vs {theirs!r}; kept the first",
                )
                if issue not in merged.issues:
                    merged.issues.append(issue)
    return merged


def load(path: Path | object = DEFAULT_PATH, *, terms: TermIndex, known: Iterable[str] = ()) -> LoadResult:
    """Load an Imaging-X catalog into dataset facts and a normalization report.

    :param path: the ``datasets.json`` to read (the shipped copy by default).
    :param terms: the term index used for quality checks.
    :param known: dataset ids defined by earlier sources (unused: this catalog comes first).
    :raises CatalogError: for an unreadable or malformed file.
    """
    records = read_records(path)
    mapper = _Mapper()
    by_id: dict[str, list[DatasetFacts]] = {}
    for index, record in enumerate(records):
        facts = _facts_of(index, record, mapper, terms)
        if not facts.id:
            raise CatalogError(path, "the dataset name has no letters or digits", row=index, field="name", value=record.name)
        by_id.setdefault(facts.id, []).append(facts)
    datasets = []
    for group in by_id.values():
        merged = _merge(group)
        _contradictions(merged, terms)
        datasets.append(merged)
    return LoadResult(
        source=CATALOG, graph=f"https://w3id.org/medfuse/graph/{CATALOG}",
        datasets=datasets, report=mapper.finish(), records=len(records),
    )
