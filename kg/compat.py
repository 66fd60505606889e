"""Which datasets can be fused: axis-by-axis compatibility, ranked.

Candidates come from the graph (``queries/compat_candidates.rq``: datasets sharing a modality or
a modality family through the materialized closure); Python only scores them, one axis at a
time, from the dataset summaries, label maps and the term hierarchy:

modality (same term, or same family such as CR and DX under X-ray), anatomy (same term,
ancestor/descendant, siblings, distance through the nearest informative common ancestor), task,
dimensionality (3D usable as 2D slices when allowed), annotation type, label overlap (which
ontology terms both annotate, at which granularity), licence, access, and shared images.
"""

from __future__ import annotations

from collections import defaultdict
from functools import cached_property
from typing import NamedTuple

import networkx as nx
from pydantic import BaseModel, Field

from medfuse.kg.catalog import Catalog, DatasetSummary, run_named
from medfuse.kg.licenses import license_verdict
from medfuse.kg.namespaces import MFD, compress
from medfuse.kg.terms import TermIndex

__all__ = ["Axis", "Compatibility", "CompatReport", "Compat", "WEIGHTS"]

#: Weight of each axis in the overall score (they sum to 1).
WEIGHTS = {"modality": 0.25, "anatomy": 0.25, "task": 0.15, "dim": 0.1, "labels": 0.1,
           "annotation": 0.05, "license": 0.05, "access": 0.05}
#: An ancestor with more descendants than this says nothing about closeness ("anatomical entity").
_UNINFORMATIVE = 2000
#: Score of an axis whose facts are not recorded for one of the two datasets.
_UNKNOWN = 0.5
_ACCESS_SCORE = {"open": 1.0, "registration": 0.8, "application": 0.5, "restricted": 0.4, "unknown": 0.5}


class Axis(BaseModel):
    """One axis of a compatibility answer: a score in [0, 1] (``None`` = not known) and why."""

    score: float | None
    relation: str
    detail: str
    shared: list[str] = Field(default_factory=list)


class _Axis(NamedTuple):
    # The cheap internal form: a ranking scores every candidate, only the top ones become models.
    score: float | None
    relation: str
    detail: str
    shared: list[str] = []


def _axis(score: float | None, relation: str, detail: str, shared: list[str] | None = None) -> _Axis:
    return _Axis(score, relation, detail, shared or [])


class Compatibility(BaseModel):
    """Whether two datasets can be fused, axis by axis."""

    dataset: str
    other: str
    other_name: str
    verdict: str  # compatible | partially compatible | incompatible
    score: float
    axes: dict[str, Axis]
    warnings: list[str] = Field(default_factory=list)


class CompatReport(BaseModel):
    """The answer of ``medfuse compat``."""

    dataset: str
    name: str
    candidates: int
    results: list[Compatibility]


class Compat:
    """Compatibility scoring over one catalog (caches label terms and derivation links)."""

    def __init__(self, catalog: Catalog, *, allow_3d_as_2d: bool = True) -> None:
        self.catalog = catalog
        self.terms: TermIndex = catalog.terms
        self.allow_3d_as_2d = allow_3d_as_2d
        self._up_cache: dict[str, dict[str, int]] = {}
        self._size_cache: dict[str, int] = {}
        self._ranked: dict[tuple[str, int | None], CompatReport] = {}

    def _informative(self, curie: str) -> bool:
        if curie not in self._size_cache:
            self._size_cache[curie] = len(self.terms.descendants(curie))
        return self._size_cache[curie] <= _UNINFORMATIVE

    # ------------------------------------------------------------------ cached graph facts

    @cached_property
    def label_terms(self) -> dict[str, set[str]]:
        """Dataset id → the ontology terms its labels are mapped to."""
        out: dict[str, set[str]] = defaultdict(set)
        for row in run_named(self.catalog.store, "label_maps").values():
            if row["term"]:
                out[compress(row["dataset"]).removeprefix("mfd:")].add(compress(row["term"]))
        return dict(out)

    @cached_property
    def derived(self) -> dict[str, set[str]]:
        """Dataset id → every dataset whose images it reuses, directly or transitively."""
        built_from = nx.DiGraph()
        for summary in self.catalog.summaries.values():
            built_from.add_node(summary.id)
            built_from.add_edges_from((summary.id, source) for source in summary.built_from)
        return {node: nx.descendants(built_from, node) for node in built_from}

    def upstream_licenses(self, ids: set[str]) -> dict[str, dict[str, str | None]]:
        """Dataset of ``ids`` → {dataset outside ``ids`` whose images it reuses → that one's licence}.

        Reused images keep their own licence (``None``: unknown, or not in the catalog); datasets
        that reuse nothing from outside ``ids`` are left out.
        """
        summaries = self.catalog.summaries
        return {d: {s: summaries[s].license if s in summaries else None for s in sorted(outside)}
                for d in sorted(ids) if (outside := self.derived.get(d, set()) - ids)}

    def shared_images(self, a: str, b: str) -> str | None:
        """Say how two datasets share images, or ``None``."""
        if b in self.derived.get(a, ()):
            return f"{a} reuses images of {b}"
        if a in self.derived.get(b, ()):
            return f"{b} reuses images of {a}"
        common = self.derived.get(a, set()) & self.derived.get(b, set())
        if common:
            return f"{a} and {b} both reuse images of {', '.join(sorted(common))}"
        return None

    # ------------------------------------------------------------------ hierarchy helpers

    def _distance(self, a: str, b: str) -> tuple[int, str] | None:
        """Return (steps, common ancestor) through the nearest informative common ancestor."""
        up_a, up_b = self._up(a), self._up(b)
        best: tuple[int, str] | None = None
        for ancestor in up_a.keys() & up_b.keys():
            if not self._informative(ancestor):
                continue
            steps = up_a[ancestor] + up_b[ancestor]
            if best is None or steps < best[0]:
                best = (steps, ancestor)
        return best

    def _up(self, curie: str) -> dict[str, int]:
        if curie in self._up_cache:
            return self._up_cache[curie]
        distances, frontier = {curie: 0}, [curie]
        while frontier:
            nxt = []
            for node in frontier:
                entry = self.terms.get(node)
                for parent in entry.parents if entry else ():
                    if parent not in distances:
                        distances[parent] = distances[node] + 1
                        nxt.append(parent)
            frontier = nxt
        self._up_cache[curie] = distances
        return distances

    def _term_axis(self, mine: list[str], theirs: list[str], noun: str) -> _Axis:
        if not mine or not theirs:
            return _axis(score=None, relation="unknown", detail=f"{noun} not recorded for one of the datasets")
        label = self.terms.label
        same = sorted(set(mine) & set(theirs))
        if same:
            return _axis(score=1.0, relation="same", detail=f"both {', '.join(label(t) for t in same)}", shared=same)
        best: _Axis | None = None
        for x in mine:
            for y in theirs:
                if y in self.terms.ancestors(x) or x in self.terms.ancestors(y):
                    broad, narrow = (y, x) if y in self.terms.ancestors(x) else (x, y)
                    candidate = _axis(score=0.8, relation="ancestor/descendant",
                                     detail=f"{label(narrow)} lies within {label(broad)}", shared=[broad])
                else:
                    found = self._distance(x, y)
                    if found is None:
                        continue
                    steps, common = found
                    relation = "siblings" if steps == 2 else f"related ({steps} steps)"
                    candidate = _axis(score=round(max(0.2, 0.7 - 0.1 * (steps - 2)), 2), relation=relation,
                                     detail=f"{label(x)} and {label(y)} both lie within {label(common)}", shared=[common])
                if best is None or (candidate.score or 0) > (best.score or 0):
                    best = candidate
        return best or _axis(score=0.0, relation="unrelated",
                            detail=f"{', '.join(label(t) for t in mine)} vs {', '.join(label(t) for t in theirs)}")

    # ------------------------------------------------------------------ axes

    def _dim(self, a: DatasetSummary, b: DatasetSummary) -> _Axis:
        mine, theirs = {t.id for t in a.dim}, {t.id for t in b.dim}
        if not mine or not theirs:
            return _axis(score=None, relation="unknown", detail="dimensionality not recorded for one of the datasets")
        if mine & theirs:
            return _axis(score=1.0, relation="same", detail=", ".join(sorted(self.terms.label(t) for t in mine & theirs)),
                        shared=sorted(mine & theirs))
        if self.allow_3d_as_2d and {"mfdim:2d", "mfdim:3d"} <= (mine | theirs):
            return _axis(score=0.7, relation="3D as 2D", detail="3D volumes usable as 2D slices")
        return _axis(score=0.0, relation="different", detail=f"{sorted(mine)} vs {sorted(theirs)}")

    def _annotation(self, a: DatasetSummary, b: DatasetSummary) -> _Axis:
        mine, theirs = {t.id for t in a.annotation_types}, {t.id for t in b.annotation_types}
        if not mine or not theirs:
            return _axis(score=None, relation="unknown", detail="annotation type known for one side only" if mine or theirs else "not recorded")
        shared = mine & theirs
        return _axis(score=1.0 if shared else 0.0, relation="same" if shared else "different",
                    detail=", ".join(self.terms.label(t) for t in sorted(shared or mine | theirs)), shared=sorted(shared))

    def _labels(self, a: str, b: str) -> _Axis:
        mine, theirs = self.label_terms.get(a, set()), self.label_terms.get(b, set())
        if not mine or not theirs:
            return _axis(score=None, relation="unknown", detail="no label list in the graph for one of the datasets")
        exact = mine & theirs
        coarser = {y for x in mine - exact for y in theirs - exact if y in self.terms.ancestors(x) or x in self.terms.ancestors(y)}
        union = mine | theirs
        score = round((len(exact) + 0.5 * len(coarser)) / len(union), 3)
        label = self.terms.label
        detail = f"{len(exact)} terms in common ({', '.join(sorted(label(t) for t in exact))})" if exact else "no term in common"
        if coarser:
            detail += f"; {len(coarser)} at another granularity ({', '.join(sorted(label(t) for t in coarser))})"
        return _axis(score=score, relation="overlap" if exact else ("granularity" if coarser else "disjoint"),
                    detail=detail, shared=sorted(exact))

    def _license(self, a: DatasetSummary, b: DatasetSummary) -> _Axis:
        """The pair's licence verdict (:func:`~medfuse.kg.licenses.license_verdict`, reused images included)."""
        verdict = license_verdict({a.id: a.license, b.id: b.license}, upstream=self.upstream_licenses({a.id, b.id}))
        if verdict.blockers:
            return _axis(score=0.0, relation="blocked", detail="; ".join(verdict.blockers))
        if verdict.unknown:
            return _axis(score=0.5, relation="unknown", detail=f"licence unknown for {', '.join(verdict.unknown)} (never assumed open)")
        nc = verdict.restricted_use
        return _axis(score=0.8 if nc else 1.0, relation="non-commercial" if nc else "compatible",
                     detail=f"{a.license} + {b.license}" + (": non-commercial or research use only" if nc else ""))

    def _access(self, a: DatasetSummary, b: DatasetSummary) -> _Axis:
        scores = [_ACCESS_SCORE.get(x.access or "unknown", 0.5) for x in (a, b)]
        return _axis(score=min(scores), relation=f"{a.access} + {b.access}", detail="the harder access of the two counts")

    # ------------------------------------------------------------------ answers

    def pair(self, a_id: str, b_id: str) -> Compatibility:
        """Judge two datasets (ids or names)."""
        return self._model(self._evaluate(self.catalog.resolve_id(a_id), self.catalog.resolve_id(b_id)))

    @staticmethod
    def _model(evaluated: tuple) -> Compatibility:
        a, b, axes, score, verdict, warnings = evaluated
        return Compatibility(dataset=a.id, other=b.id, other_name=b.name, verdict=verdict, score=score,
                             axes={k: Axis(**v._asdict()) for k, v in axes.items()}, warnings=warnings)

    def _evaluate(self, a_id: str, b_id: str) -> tuple:
        summaries = self.catalog.summaries
        a, b = summaries[a_id], summaries[b_id]
        axes = {
            "modality": self._term_axis([t.id for t in a.modalities], [t.id for t in b.modalities], "modality"),
            "anatomy": self._term_axis([t.id for t in a.anatomy], [t.id for t in b.anatomy], "anatomy"),
            "task": self._term_axis([t.id for t in a.tasks], [t.id for t in b.tasks], "task"),
            "dim": self._dim(a, b),
            "annotation": self._annotation(a, b),
            "labels": self._labels(a.id, b.id),
            "license": self._license(a, b),
            "access": self._access(a, b),
        }
        # An axis nobody recorded counts half: known agreement must outrank missing facts.
        score = round(sum(WEIGHTS[k] * (_UNKNOWN if v.score is None else v.score) for k, v in axes.items()), 3)
        hard = [k for k in ("modality", "anatomy", "task", "dim") if axes[k].score == 0.0]
        if axes["license"].relation == "blocked":
            hard.append("license")
        verdict = "incompatible" if hard else ("compatible" if score >= 0.75 else "partially compatible")
        warnings = [f"incompatible on {', '.join(hard)}"] if hard else []
        overlap = self.shared_images(a.id, b.id)
        if overlap:
            warnings.append(f"shared images: {overlap}; count them once and keep them on one side of any split")
        return a, b, axes, score, verdict, warnings

    def ranked(self, dataset: str, *, top: int | None = 20) -> CompatReport:
        """Return the datasets ``dataset`` can be fused with, best first (incompatible ones left out).

        Answers are cached per (dataset, top) for the life of this object (one graph snapshot).
        """
        a_id = self.catalog.resolve_id(dataset)
        key = (a_id, top)
        if key not in self._ranked:
            self._ranked[key] = self._rank(a_id, top)
        return self._ranked[key]

    def _rank(self, a_id: str, top: int | None) -> CompatReport:
        rows = run_named(self.catalog.store, "compat_candidates", dataset=MFD[a_id]).values()
        candidates = sorted({str(r["other"]).removeprefix(str(MFD)) for r in rows})
        evaluated = [self._evaluate(a_id, other) for other in candidates]
        evaluated = [e for e in evaluated if e[4] != "incompatible"]
        evaluated.sort(key=lambda e: (-e[3], e[1].id))
        chosen = evaluated[:top] if top else evaluated
        return CompatReport(dataset=a_id, name=self.catalog.summaries[a_id].name, candidates=len(candidates),
                            results=[self._model(e) for e in chosen])
