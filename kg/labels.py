"""The label layer read back from the graph: a dataset's labels, labels related to an anatomy
term, counts, and the SSSOM export of every label mapping.

>>> RELATIONS["narrower"]
'the label is a part or kind of the term'
"""

from __future__ import annotations

import csv
import io
from datetime import date

import yaml
from pydantic import BaseModel

from medfuse.kg.catalog import Catalog, TermRef, run_named
from medfuse.kg.namespaces import MFD, PREFIXES, compress, term
from medfuse.loaders.mappings import COLUMNS, NO_TERM

__all__ = ["RELATIONS", "DatasetLabel", "RelatedLabel", "dataset_labels", "related_labels", "label_stats", "export_sssom"]

#: How a label relates to the anatomy term asked for.
RELATIONS = {
    "same": "the label is the term itself",
    "narrower": "the label is a part or kind of the term",
    "lesion-in": "the label is a lesion sited in the term",
    "broader": "the label covers the term and more",
    "merged": "the label merges the term, or a part or kind of it, with other structures",
}
_SSSOM_PREFIXES = ("mfd", "UBERON", "MONDO", "CL", "GO", "mfles", "mfanat", "skos", "semapv", "sssom")


class DatasetLabel(BaseModel):
    """One label value of a dataset with its mapping."""

    value: int
    name: str
    variant: str | None = None
    term: TermRef | None = None
    predicate: str | None = None
    confidence: float | None = None
    site: TermRef | None = None
    reason: str | None = None


class RelatedLabel(BaseModel):
    """A dataset label related to an anatomy term, with the relation."""

    dataset: str
    title: str
    value: int
    name: str
    term: TermRef
    site: TermRef | None = None
    relation: str
    explanation: str


def dataset_labels(catalog: Catalog, dataset: str) -> list[DatasetLabel]:
    """Return the labels of one dataset (by id or name) with their terms."""
    dataset_id = catalog.resolve_id(dataset)
    out = []
    for row in run_named(catalog.store, "dataset_labels", dataset=MFD[dataset_id]).values():
        ref = lambda iri: TermRef(id=compress(iri), label=catalog.terms.label(compress(iri))) if iri else None  # noqa: E731
        out.append(DatasetLabel(
            value=int(row["value"]), name=row["name"], variant=row["variant"], term=ref(row["term"]),
            predicate=compress(row["predicate"]) if row["predicate"] else None,
            confidence=float(row["confidence"]) if row["confidence"] is not None else None,
            site=ref(row["site"]), reason=row["reason"],
        ))
    return sorted(out, key=lambda label: (label.variant or "", label.value))


def related_labels(catalog: Catalog, anatomy: str) -> tuple[TermRef, list[RelatedLabel]]:
    """Return the anatomy term and every dataset label related to it, with the relation.

    :raises UnknownTermError: when ``anatomy`` resolves to no term.
    """
    resolution = catalog.terms.resolve(anatomy, "anatomy")
    asked = TermRef(id=resolution.curie, label=resolution.label)
    out = []
    for row in run_named(catalog.store, "labels_related", anatomy=term(resolution.curie)).values():
        curie = compress(row["term"])
        site = compress(row["site"]) if row["site"] else None
        out.append(RelatedLabel(
            dataset=compress(row["dataset"]).removeprefix("mfd:"), title=row["title"], value=int(row["value"]),
            name=row["name"], term=TermRef(id=curie, label=catalog.terms.label(curie)),
            site=TermRef(id=site, label=catalog.terms.label(site)) if site else None,
            relation=row["relation"], explanation=RELATIONS[row["relation"]],
        ))
    return asked, out


def label_stats(catalog: Catalog) -> dict[str, int]:
    """Return counts: datasets with label lists, labels, mapped and unmappable labels."""
    row = run_named(catalog.store, "label_stats").values()[0]
    return {key: int(value or 0) for key, value in row.items()}


def export_sssom(catalog: Catalog, *, version: str = "") -> str:
    """Return every label mapping of the graph as SSSOM TSV (unmappable labels as NoTermFound)."""
    header = {
        "curie_map": {prefix: PREFIXES[prefix] for prefix in _SSSOM_PREFIXES},
        "mapping_set_id": "https://w3id.org/medfuse/mappings/labels.sssom.tsv",
        "mapping_set_description": "Dataset label values of the medfuse graph mapped to UBERON, MONDO, CL and medfuse lesion terms.",
        "license": "https://spdx.org/licenses/MIT",
        "mapping_tool": f"medfuse {version}".strip(),
        "mapping_date": date.today().isoformat(),
    }
    out = io.StringIO()
    for line in yaml.safe_dump(header, sort_keys=False, allow_unicode=True).splitlines():
        out.write(f"# {line}\n")
    writer = csv.writer(out, delimiter="\t", lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in run_named(catalog.store, "label_mappings").values():
        mapped = row["term"] is not None
        writer.writerow([
            compress(row["label"]), row["name"],
            compress(row["predicate"]) if mapped else "skos:exactMatch",
            compress(row["term"]) if mapped else NO_TERM,
            (row["termLabel"] or catalog.terms.label(compress(row["term"]))) if mapped else "",
            compress(row["justification"]) if mapped else "semapv:UnspecifiedMatching",
            f"{float(row['confidence']):.3f}" if mapped else "",
            "" if mapped else f"unmappable: {row['reason']}",
        ])
    return out.getvalue()
