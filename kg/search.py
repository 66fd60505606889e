"""Ontology-aware dataset search: strict matches and near matches with reasons.

Each constraint (``--anatomy abdomen``) is resolved to a term, then answered by the named query
``facet_match`` on the materialized closure, so "abdomen" finds liver datasets, "glioma" finds
glioblastoma datasets and "MRI" finds "CT/MR" datasets (a multi-modal dataset has each of its
modalities). A dataset meeting every constraint is *strict*; one missing exactly one is *near*,
with the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

from pydantic import BaseModel, Field

from medfuse.kg.catalog import Catalog, DatasetSummary, run_named
from medfuse.kg.namespaces import MF, compress, term
from medfuse.kg.terms import Resolution

__all__ = ["FACET_PROPERTY", "Constraint", "Hit", "Match", "NearMatch", "SearchHits", "SearchResult",
           "is_cheap", "resolve_constraints", "search", "search_hits"]

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
#: Facet → DatasetSummary field holding the dataset's terms of that facet (named in reasons).
_FACET_FIELD = {"modality": "modalities", "disease": "diseases", "task": "tasks"}
#: Resolved (text, facet) pairs kept per graph; the oldest go first past this many.
_RESOLUTIONS_KEPT = 4096


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


class Hit(NamedTuple):
    """A dataset found by a search, by id: which of its terms met each constraint and, for a near
    match, the constraint it misses and why. With the dataset's summary it makes a :class:`Match`
    (or :class:`NearMatch`)."""

    id: str
    matched: dict[str, list[str]]
    missing: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class SearchHits:
    """A search answer before the datasets' summaries are joined in (see :func:`search_hits`)."""

    query: dict[str, Constraint]
    strict: list[Hit]
    near: list[Hit]
    total_strict: int
    total_near: int

    def result(self, catalog: Catalog) -> SearchResult:
        """Join each hit with its dataset's summary: the models :func:`search` returns."""
        summaries = catalog.summaries
        # ``vars``, not ``dict(model)``: pydantic's field iterator is slow in Python.
        return SearchResult(
            query=self.query,
            strict=[Match(**vars(summaries[h.id]), matched=h.matched) for h in self.strict],
            near=[NearMatch(**vars(summaries[h.id]), matched=h.matched, missing=h.missing, reason=h.reason)
                  for h in self.near],
            total_strict=self.total_strict, total_near=self.total_near,
        )


def resolve_constraints(catalog: Catalog, **options: str | bool | None) -> dict[str, Constraint]:
    """Resolve each given search option to a term (``labelled`` stays a boolean).

    :raises UnknownTermError: for a term that matches nothing, with close spellings.
    """
    return _constraints(catalog, options, _resolve)


def is_cheap(catalog: Catalog, **options: str | bool | None) -> bool:
    """Whether a search for ``options`` is a few set operations on what the catalog keeps.

    It is when the datasets meeting each constraint were read from the store before (by an
    earlier search of the same term) and every term is known: then the search runs no query and
    cannot end in an unknown term's suggestions (a fuzzy match over every label), so a server
    can answer it on its event loop rather than in a thread. Terms not seen before are resolved
    (and kept) on the way; a compound phrase not seen before counts as not cheap.
    """
    kept: dict[tuple[str, str], Resolution] = catalog.cache.get("resolve", {})

    def resolve(catalog: Catalog, text: str, facet: str) -> Resolution:
        if (text, facet) not in kept and not catalog.terms.lookup(text, facet):
            raise _NotCheap
        return _resolve(catalog, text, facet)

    try:
        constraints = _constraints(catalog, options, resolve)
    except _NotCheap:
        return False
    matches = catalog.cache.get("facet_match", {})
    return all(_match_key(c) in matches for c in constraints.values())


class _NotCheap(Exception):
    """A term may be unknown (see :func:`is_cheap`)."""


def _constraints(catalog: Catalog, options: dict[str, str | bool | None],
                 resolve: Callable[[Catalog, str, str], Resolution]) -> dict[str, Constraint]:
    out = {}
    for option, text in options.items():
        if text is None:
            continue
        if option == "labelled":
            out[option] = Constraint(option=option, input=str(bool(text)).lower())
            continue
        resolution = resolve(catalog, str(text), _RESOLVE_FACET.get(option, option))
        out[option] = Constraint(option=option, facet=option, input=str(text), id=resolution.curie,
                                 label=resolution.label, via=resolution.via)
        for facet, curie in resolution.implies:
            key = facet if facet not in options or options.get(facet) is None else f"{facet} (from {option})"
            out[key] = Constraint(option=key, facet=facet, input=str(text), id=curie, label=catalog.terms.label(curie),
                                  via="implied by a compound phrase", implied_by=str(text))
    return out


def _resolve(catalog: Catalog, text: str, facet: str) -> Resolution:
    """Resolve text to a term of a facet (kept per graph: searches repeat their terms)."""
    cache: dict[tuple[str, str], Resolution] = catalog.cache.setdefault("resolve", {})
    found = cache.get((text, facet))
    if found is None:
        found = catalog.terms.resolve(text, facet)  # an unknown term raises, and is not kept
        if len(cache) >= _RESOLUTIONS_KEPT:
            cache.pop(next(iter(cache)), None)
        cache[text, facet] = found
    return found


class _Found(NamedTuple):
    """The datasets that meet one constraint."""

    #: Dataset id → the dataset's own terms that met the constraint.
    terms: dict[str, list[str]]
    #: The datasets' positions in the catalog's order (see :func:`_order`).
    at: frozenset[int]


def _match_key(constraint: Constraint) -> tuple[str, str | None, str | None]:
    """Return what the datasets meeting a constraint depend on."""
    return constraint.facet or constraint.option, constraint.id, constraint.input if constraint.option == "labelled" else None


def _matching(catalog: Catalog, constraint: Constraint) -> _Found:
    """Return the datasets that meet a constraint (cached per graph)."""
    key = _match_key(constraint)
    cache = catalog.cache.setdefault("facet_match", {})
    found = cache.get(key)
    if found is None:
        terms = _match_uncached(catalog, constraint)
        order = _order(catalog)
        found = cache[key] = _Found(terms, frozenset(order[d] for d in terms if d in order))
    return found


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
    if facet == "access":
        return f"access is {summary.access}, not {constraint.label}"
    return f"no {facet} at or under {constraint.label!r} ({constraint.id}); has: {_has(catalog, summary, facet)}"


def _has(catalog: Catalog, summary: DatasetSummary, facet: str) -> str:
    """Return the labels of a dataset's terms of a facet, as a reason shows them (cached per graph)."""
    cache: dict[tuple[str, str], str] = catalog.cache.setdefault("has", {})
    shown = cache.get((summary.id, facet))
    if shown is None:
        has = getattr(summary, _FACET_FIELD.get(facet, facet), None)
        shown = cache[summary.id, facet] = ", ".join(t.label for t in has) if has else "none recorded"
    return shown


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
    return search_hits(catalog, limit=limit, offset=offset, near=near, **options).result(catalog)


def search_hits(
    catalog: Catalog,
    *,
    limit: int | None = None,
    offset: int = 0,
    near: bool = True,
    **options: str | bool | None,
) -> SearchHits:
    """Search as :func:`search` does, answering with dataset ids instead of summaries.

    The search itself (resolution, matching, strict and near, reasons, the page) happens here;
    :meth:`SearchHits.result` only joins in the summaries. The service sends the summaries as
    JSON it keeps per graph, so it builds no model per dataset.
    """
    constraints = resolve_constraints(catalog, **options)
    summaries = catalog.summaries
    found = {option: _matching(catalog, c) for option, c in constraints.items()}
    ids, window = _ids(catalog), slice(offset, None if limit is None else offset + limit)
    strict_at, near_at, missing = _partition(found, len(ids), near=near)

    def matched(dataset_id: str) -> dict[str, list[str]]:
        return {option: f.terms[dataset_id] for option, f in found.items() if dataset_id in f.terms}

    # Only the page asked for is explained: a broad search matches hundreds of datasets.
    strict = [Hit(ids[i], matched(ids[i])) for i in strict_at[window]]
    nearby = [Hit(ids[i], matched(ids[i]), missing[i], _reason(catalog, summaries[ids[i]], constraints[missing[i]]))
              for i in near_at[window]]
    return SearchHits(query=constraints, strict=strict, near=nearby, total_strict=len(strict_at),
                      total_near=len(near_at))


def _partition(found: dict[str, _Found], size: int, *,
               near: bool) -> tuple[list[int] | range, list[int], dict[int, str]]:
    """Split datasets into those meeting every constraint and those missing exactly one.

    Set algebra on the datasets' positions in the catalog's order (by name), then a sort of those
    positions: a search touches the datasets that match, not all of them.

    :param found: the datasets meeting each constraint; none means every dataset is strict.
    :param size: how many datasets the catalog has.
    :returns: the positions of the strict and of the near matches, in order, and for each near
        match the constraint it misses.
    """
    if not found:
        return range(size), [], {}
    met = [f.at for f in found.values()]
    strict = frozenset.intersection(*met)
    missing: dict[int, str] = {}
    if near and len(met) > 1:
        for option, this in found.items():
            others = frozenset.intersection(*(f.at for o, f in found.items() if o != option))
            missing.update(dict.fromkeys(others - this.at, option))
    return sorted(strict), sorted(missing), missing


def _order(catalog: Catalog) -> dict[str, int]:
    """Return dataset id → its position in the catalog (cached per graph)."""
    if "order" not in catalog.cache:
        catalog.cache["order"] = {dataset_id: i for i, dataset_id in enumerate(catalog.summaries)}
    return catalog.cache["order"]


def _ids(catalog: Catalog) -> list[str]:
    """Return the dataset ids in the catalog's order (cached per graph)."""
    if "ids" not in catalog.cache:
        catalog.cache["ids"] = list(catalog.summaries)
    return catalog.cache["ids"]
