"""Licence compatibility of a set of datasets: obligations, blockers, unknowns.

The obligations of each licence come from ``ontology/licenses.tsv`` (attribution, share-alike,
non-commercial, no-derivatives, research-only). A licence medfuse does not know, or a dataset
without a recorded licence, is flagged and never assumed open.

>>> verdict = license_verdict({"a": "CC-BY-4.0", "b": "CC-BY-NC-ND-4.0", "c": None})
>>> verdict.status, verdict.unknown
('blocked', ('c',))
"""

from __future__ import annotations

import csv
import io
from functools import cache
from importlib.resources import files

from pydantic import BaseModel, ConfigDict

from medfuse.kg.plan_model import LicenseVerdict

__all__ = ["LicenseTerms", "license_table", "license_verdict", "restrictiveness"]


class LicenseTerms(BaseModel):
    """What one licence obliges or forbids."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    open: bool
    attribution: bool
    share_alike: bool
    non_commercial: bool
    no_derivatives: bool
    research_only: bool
    url: str = ""


@cache
def license_table() -> dict[str, LicenseTerms]:
    """Return licence id → terms, from ``ontology/licenses.tsv``."""
    resource = files("medfuse.ontology").joinpath("licenses.tsv")
    if not resource.is_file():
        return {}
    lines = [line for line in resource.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    out = {}
    for row in csv.DictReader(io.StringIO("\n".join(lines)), delimiter="\t"):
        flags = {k: row[k].strip().lower() == "true" for k in
                 ("open", "attribution", "share_alike", "non_commercial", "no_derivatives", "research_only")}
        out[row["id"]] = LicenseTerms(id=row["id"], name=row["name"], url=row.get("url") or "", **flags)
    return out


def restrictiveness(license_id: str | None) -> int:
    """Rank a licence by how much it restricts (unknown ranks highest: never assumed open).

    >>> restrictiveness("CC-BY-4.0") < restrictiveness("CC-BY-NC-ND-4.0") < restrictiveness("nothing-known")
    True
    """
    terms = license_table().get(license_id or "")
    if terms is None:
        return 100
    return (16 * terms.no_derivatives + 8 * terms.research_only + 4 * terms.non_commercial + 2 * terms.share_alike
            + (not terms.open) * 10 + terms.attribution)


def license_verdict(licenses: dict[str, str | None], *, allowlist: list[str] | None = None,
                    names: dict[str, str] | None = None, urls: dict[str, str | None] | None = None,
                    upstream: dict[str, dict[str, str | None]] | None = None) -> LicenseVerdict:
    """Judge the licences of the datasets to be fused (dataset id → licence id or ``None``).

    - a no-derivatives licence blocks: relabelling masks is a derivative;
    - different share-alike licences block (the fused set cannot carry both);
    - a licence outside ``allowlist`` blocks;
    - unknown licences warn and are listed; they are never assumed open;
    - ``upstream`` (dataset → {dataset whose images it reuses → its licence}): reused images keep
      their own terms, so their licences add obligations, block outside ``allowlist`` and warn
      when unknown (images are reused unchanged: a no-derivatives source adds an obligation).
    """
    table = license_table()
    names, urls = names or {}, urls or {}
    blockers, obligations, unknown, attribution = [], set(), [], []
    restricted = False
    for dataset, sources in sorted((upstream or {}).items()):
        for source, license_id in sorted(sources.items()):
            terms = table.get(license_id or "")
            if terms is None:
                unknown.append(f"{source} (images reused by {dataset})")
                continue
            if allowlist is not None and license_id not in allowlist:
                blockers.append(f"{dataset} reuses images of {source}, whose licence {license_id} is not in the licence allowlist")
            restricted = restricted or terms.non_commercial or terms.research_only
            for flag, text in ((terms.non_commercial, "non-commercial use only"), (terms.research_only, "research use only"),
                               (terms.no_derivatives, "no derivatives of the images")):
                if flag:
                    obligations.add(f"{text} ({license_id}, images of {source} reused by {dataset})")
    share_alike: dict[str, list[str]] = {}
    for dataset, license_id in sorted(licenses.items()):
        terms = table.get(license_id or "")
        if terms is None:
            unknown.append(dataset)
            continue
        if allowlist is not None and license_id not in allowlist:
            blockers.append(f"{dataset}: {license_id} is not in the licence allowlist")
        if terms.no_derivatives:
            blockers.append(f"{dataset}: {license_id} forbids derivatives, and relabelling its masks is one")
        if terms.share_alike:
            share_alike.setdefault(license_id, []).append(dataset)  # type: ignore[arg-type]
        restricted = restricted or terms.non_commercial or terms.research_only
        if terms.non_commercial:
            obligations.add("non-commercial use only (" + license_id + ")")  # type: ignore[operator]
        if terms.research_only:
            obligations.add("research use only (" + license_id + ")")  # type: ignore[operator]
        if not terms.open:
            obligations.add(f"{license_id}: obtain the data under its own terms; do not redistribute it")
        if terms.attribution:
            label = names.get(dataset, dataset)
            attribution.append(f"{label} ({license_id}{', ' + urls[dataset] if urls.get(dataset) else ''})")
    if len(share_alike) > 1:
        blockers.append("share-alike licences that cannot be combined: " + "; ".join(
            f"{lic} ({', '.join(ds)})" for lic, ds in sorted(share_alike.items())))
    for lic, datasets in share_alike.items():
        obligations.add(f"share-alike: release the fused set under {lic} (because of {', '.join(datasets)})")
    if attribution:
        obligations.add("attribute every dataset in the attribution list")
    status = "blocked" if blockers else "warning" if unknown else "ok"
    return LicenseVerdict(status=status, licenses=dict(sorted(licenses.items())), obligations=tuple(sorted(obligations)),
                          blockers=tuple(blockers), unknown=tuple(unknown), attribution=tuple(attribution),
                          restricted_use=restricted)
