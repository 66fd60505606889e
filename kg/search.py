"""Ontology-aware dataset search: strict matches and near matches with reasons.

Each constraint (``--anatomy abdomen``) is resolved to a term, then answered by the named query
``facet_match`` on the materialized closure, so "abdomen" finds liver datasets, "glioma" finds
glioblastoma datasets and "MRI" finds "CT/MR" datasets (a multi-modal dataset has each of its
modalities). A dataset meeting every constraint is *strict*; one missing exactly one is *near*,
with the reason.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from medfuse.kg.catalog import Catalog, DatasetSummary, run_named
from medfuse.kg.namespaces import MF, compress, term
from medfuse.kg.terms import Resolution

__all__ = ["FACET_PROPERTY", "Constraint", "Match", "NearMatch", "SearchResult", "search", "resolve_constraints"]

#: Search option → facet property of the graph.
FACET_PROPERTY = {
    "modality": MF.modality,
    "anatomy": MF.anatomy,
    "disease": MF.disease,
    "task": MF.task,
    "dim": MF.dimensionality,
    "access": MF.access,
    "annotation": MF.annotationType,
}
#: Search option → the facet of the term index used to resolve its text.
_RESOLVE_FACET = {"dim": "dim", "annotation": "annotation"}


class Constraint(BaseModel):
    """One resolved search constraint (``implied_by`` names the phrase that carried it)."""

    option: str
    facet: str = ""
    implied_by: str | None = None
    input: str
    id: str | None = None
    label: str | None = None
    via: str | None = None


class Match(DatasetSummary):
    """A dataset that meets the constraints, with which of its terms met each."""

    matched: dict[str, list[str]] = Field(default_factory=dict)


class NearMatch(Match):
    """A dataset that misses exactly one constraint."""

    missing: str
    reason: str


class SearchResult(BaseModel):
    """What ``medfuse search --format json`` prints."""

    query: dict[str, Constraint]
    strict: list[Match]
    near: list[NearMatch]
    total_strict: int = 0
    total_near: int = 0


def resolve_constraints(catalog: Catalog, **options: str | bool | None) -> dict[str, Constraint]:
    """Resolve each given search option to a term (``labelled`` stays a boolean).

    :raises UnknownTermError: for a term that matches nothing, with close spellings.
    """
    out = {}
    for option, text in options.items():
        if text is None:
            continue
        if option == "labelled":
            out[option] = Constraint(option=option, input=str(bool(text)).lower())
            continue
        resolution: Resolution = catalog.terms.resolve(str(text), _RESOLVE_FACET.get(option, option))
        out[option] = Constraint(option=option, facet=option, input=str(text), id=resolution.curie,
                                 label=resolution.label, via=resolution.via)
        for facet, curie in resolution.implies:
            key = facet if facet not in options or options.get(facet) is None else f"{facet} (from {option})"
            out[key] = Constraint(option=key, facet=facet, input=str(text), id=curie, label=catalog.terms.label(curie),
                                  via="implied by a compound phrase", implied_by=str(text))
    return out


def _matching(catalog: Catalog, constraint: Constraint) -> dict[str, list[str]]:
    """Return dataset id → the dataset's own terms that met the constraint (cached per graph)."""
    key = (constraint.facet or constraint.option, constraint.id, constraint.input if constraint.option == "labelled" else None)
    cache = catalog.cache.setdefault("facet_match", {})
    if key not in cache:
        cache[key] = _match_uncached(catalog, constraint)
    return cache[key]


def _match_uncached(catalog: Catalog, constraint: Constraint) -> dict[str, list[str]]:
    if constraint.option == "labelled":
        rows = run_named(catalog.store, "labelled_datasets", labelled=constraint.input == "true").values()
        return {compress(r["dataset"]).removeprefix("mfd:"): [] for r in rows}
    found: dict[str, list[str]] = {}
    rows = run_named(catalog.store, "facet_match", facet=FACET_PROPERTY[constraint.facet or constraint.option],
                     term=term(constraint.id)).values()
    for row in rows:
        found.setdefault(compress(row["dataset"]).removeprefix("mfd:"), []).append(compress(row["matched"]))
    return {dataset: sorted(terms) for dataset, terms in found.items()}  # engines return rows in any order


def _reason(catalog: Catalog, summary: DatasetSummary, constraint: Constraint) -> str:
    if constraint.option == "labelled":
        return f"labelled is {summary.labelled}, not {constraint.input}"
    facet = constraint.facet or constraint.option
    field = {"modality": "modalities", "disease": "diseases", "task": "tasks"}.get(facet, facet)
    has = getattr(summary, field, None)
    if facet == "access":
        return f"access is {summary.access}, not {constraint.label}"
    shown = ", ".join(t.label for t in has) if has else "none recorded"
    return f"no {facet} at or under {constraint.label!r} ({constraint.id}); has: {shown}"


def search(
    catalog: Catalog,
    *,
    limit: int | None = None,
    offset: int = 0,
    near: bool = True,
    **options: str | bool | None,
) -> SearchResult:
    """Search datasets by facet terms (free text or CURIEs), hierarchy-aware.

    :param options: any of ``modality, anatomy, disease, task, dim, access, annotation`` (text)
        and ``labelled`` (bool).
    :param limit: return at most this many of each of ``strict`` and ``near`` (no cap by default).
    :param offset: skip this many of each first (pagination); ``total_strict``/``total_near`` count all.
    :param near: also list datasets that miss exactly one constraint (needs two or more).
    """
    constraints = resolve_constraints(catalog, **options)
    summaries = catalog.summaries
    matches = {option: _matching(catalog, c) for option, c in constraints.items()}
    strict_ids, near_ids = _partition(catalog, matches, near=near)
    window = slice(offset, None if limit is None else offset + limit)

    def matched(dataset_id: str) -> dict[str, list[str]]:
        return {option: matches[option][dataset_id] for option in constraints if dataset_id in matches[option]}

    # Models are built only for the page asked for: a broad search matches hundreds of datasets.
    # (``vars``, not ``dict(model)``: pydantic's field iterator is slow in Python.)
    strict = [Match(**vars(summaries[d]), matched=matched(d)) for d in strict_ids[window]]
    nearby = [NearMatch(**vars(summaries[d]), matched=matched(d), missing=option,
                        reason=_reason(catalog, summaries[d], constraints[option])) for d, option in near_ids[window]]
    return SearchResult(query=constraints, strict=strict, near=nearby, total_strict=len(strict_ids),
                        total_near=len(near_ids))


def _partition(catalog: Catalog, matches: dict[str, dict[str, list[str]]], *,
               near: bool) -> tuple[list[str], list[tuple[str, str]]]:
    """Split datasets into those meeting every constraint and those missing exactly one (with which).

    Set algebra on the matches, then the catalog's order (by name): a search touches the datasets
    that match, not all of them.
    """
    order = _order(catalog)
    if not matches:
        return list(order), []
    met = {option: found.keys() & order.keys() for option, found in matches.items()}
    strict = set.intersection(*met.values())
    missing: dict[str, str] = {}
    if near and len(met) > 1:
        for option, found in met.items():
            others = set.intersection(*(m for o, m in met.items() if o != option))
            missing.update(dict.fromkeys(others - found, option))
    return sorted(strict, key=order.__getitem__), [(d, missing[d]) for d in sorted(missing, key=order.__getitem__)]


def _order(catalog: Catalog) -> dict[str, int]:
    """Return dataset id → its position in the catalog (cached per graph)."""
    if "order" not in catalog.cache:
        catalog.cache["order"] = {dataset_id: i for i, dataset_id in enumerate(catalog.summaries)}
    return catalog.cache["order"]
