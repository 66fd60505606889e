"""The unified label space of a set of datasets, built on the ontology.

Given the label maps of the chosen datasets (each local value mapped to a term), choose the
granularity — ``finest`` (every term any dataset annotates), ``coarsest`` (each term replaced by
its broadest ancestor that some chosen dataset annotates: left + right kidney → kidney), or an
explicit list of target terms — and compute for every dataset how its local values map to the
unified values, which unified values it never annotates (partial labels: its background is
*unknown* there, not negative), the conflicts, and the labels dropped with the reason.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from medfuse.kg.catalog import Catalog, run_named
from medfuse.kg.errors import RulesError
from medfuse.kg.namespaces import MFD, compress
from medfuse.kg.plan_model import Conflict, Granularity, LabelMapping, PartialLabel, UnifiedLabel
from medfuse.kg.terms import TermIndex

__all__ = ["LocalLabel", "LabelSpace", "label_maps", "unify"]


@dataclass(frozen=True)
class LocalLabel:
    """One local label value of one dataset (and variant) with its mapping."""

    dataset: str
    variant: str | None
    value: int
    name: str
    term: str | None
    predicate: str | None
    site: str | None
    reason: str | None


@dataclass
class LabelSpace:
    """The unified labels and, per dataset, how its labels map into them."""

    labels: list[UnifiedLabel]
    mappings: list[LabelMapping]
    partial: list[PartialLabel]
    conflicts: list[Conflict]


def label_maps(catalog: Catalog, datasets: list[str]) -> dict[tuple[str, str | None], list[LocalLabel]]:
    """Return (dataset, variant) → its local labels, for the given dataset ids."""
    wanted = set(datasets)
    out: dict[tuple[str, str | None], list[LocalLabel]] = defaultdict(list)
    for row in run_named(catalog.store, "label_maps").values():
        dataset = str(row["dataset"]).removeprefix(str(MFD))
        if dataset not in wanted:
            continue
        label = LocalLabel(
            dataset=dataset, variant=row["variant"], value=int(row["value"]), name=row["name"],
            term=compress(row["term"]) if row["term"] else None,
            predicate=compress(row["predicate"]) if row["predicate"] else None,
            site=compress(row["site"]) if row["site"] else None, reason=row["reason"],
        )
        out[(dataset, label.variant)].append(label)
    return {key: sorted(labels, key=lambda x: x.value) for key, labels in sorted(out.items(), key=lambda kv: (kv[0][0], kv[0][1] or ""))}


def _target(term: str, targets: list[str], terms: TermIndex) -> str | None:
    """Return the target at or above ``term`` (the most specific one when several are)."""
    hits = [t for t in targets if t == term or t in terms.ancestors(term)]
    if not hits:
        return None
    return max(hits, key=lambda t: len(terms.ancestors(t)))


def unify(
    maps: dict[tuple[str, str | None], list[LocalLabel]],
    terms: TermIndex,
    *,
    granularity: Granularity = "coarsest",
    targets: list[str] | None = None,
) -> LabelSpace:
    """Build the unified label space of some label maps.

    :param granularity: ``finest``, ``coarsest`` or ``explicit`` (with ``targets``).
    :param targets: CURIEs of the target terms for ``explicit``.
    :raises RulesError: for ``explicit`` without targets, or targets given with another granularity.
    """
    if granularity == "explicit" and not targets:
        raise RulesError("granularity 'explicit' needs a list of target terms")
    if targets and granularity != "explicit":
        raise RulesError(f"target terms were given but granularity is {granularity!r}; use 'explicit'")
    used = sorted({label.term for labels in maps.values() for label in labels if label.term})
    annotated_by: dict[str, set[str]] = defaultdict(set)
    for (dataset, _), labels in maps.items():
        for label in labels:
            if label.term:
                annotated_by[label.term].add(dataset)
    # ---- choose the unified terms
    if granularity == "explicit":
        chosen = list(dict.fromkeys(targets or []))
    elif granularity == "finest":
        chosen = used
    else:  # coarsest: drop every term that has a used ancestor
        chosen = [t for t in used if not (terms.ancestors(t) & set(used))]
    order = sorted(chosen, key=lambda t: (-len(annotated_by.get(t, ())), terms.label(t).casefold(), t))
    unified = [UnifiedLabel(value=i, name=terms.label(t), term=t) for i, t in enumerate(order, start=1)]
    value_of = {u.term: u.value for u in unified}
    # ---- map every local label
    mappings: list[LabelMapping] = []
    covered: dict[tuple[str, str | None], set[int]] = defaultdict(set)
    conflicts: list[Conflict] = []
    for (dataset, variant), labels in maps.items():
        for label in labels:
            base = dict(dataset=dataset, variant=variant, source_value=label.value, source_name=label.name)
            if label.value == 0:
                mappings.append(LabelMapping(**base, target_value=0, relation="background"))
                continue
            if label.term is None:
                mappings.append(LabelMapping(**base, target_value=None, relation="dropped",
                                             reason=f"no ontology term: {label.reason or 'unmapped'}"))
                continue
            if granularity == "finest":
                target = label.term
            else:
                target = _target(label.term, chosen, terms)
            if target is None:
                mappings.append(LabelMapping(**base, target_value=None, target_term=label.term, predicate=label.predicate,
                                             relation="dropped", reason=f"{terms.label(label.term)} is under none of the target terms"))
                continue
            relation = "exact" if target == label.term else "coarsened"
            if granularity == "finest" and any(label.term in terms.ancestors(o) for o in chosen if o != label.term):
                relation = "kept-split"
            mappings.append(LabelMapping(**base, target_value=value_of[target], target_term=target,
                                         predicate=label.predicate, relation=relation))
            covered[(dataset, variant)].add(value_of[target])
            if label.predicate == "skos:broadMatch":
                conflicts.append(Conflict(kind="broad-match-only", datasets=(dataset,), terms=(label.term,),
                                          detail=f"{dataset} label {label.value} {label.name!r} is narrower than "
                                                 f"{terms.label(label.term)}: merged with it only by skos:broadMatch"))
    # ---- finest: a coarse term kept beside its finer terms
    if granularity == "finest":
        for coarse in chosen:
            finer = [t for t in chosen if coarse in terms.ancestors(t)]
            if finer:
                conflicts.append(Conflict(
                    kind="granularity", datasets=tuple(sorted(annotated_by[coarse] | {d for t in finer for d in annotated_by[t]})),
                    terms=(coarse, *finer),
                    detail=f"{terms.label(coarse)} is kept whole by {', '.join(sorted(annotated_by[coarse]))} while "
                           f"{', '.join(sorted({d for t in finer for d in annotated_by[t]}))} split it into "
                           f"{', '.join(terms.label(t) for t in finer)}"))
    # ---- an organ labelled whole by one dataset and with separate lesions by another
    lesion_sites: dict[str, set[str]] = defaultdict(set)
    for (dataset, _), labels in maps.items():
        for label in labels:
            if label.site:
                lesion_sites[label.site].add(dataset)
    for (dataset, variant), labels in maps.items():
        own_sites = {label.site for label in labels if label.site}
        for label in labels:
            if not label.term or label.site:
                continue
            overlapping = {site for site in lesion_sites if _overlap(site, label.term, terms)}
            others = {d for site in overlapping for d in lesion_sites[site]} - {dataset}
            if others and not (own_sites & overlapping):
                conflicts.append(Conflict(
                    kind="lesion-inside-organ", datasets=(dataset, *sorted(others)), terms=(label.term,),
                    detail=f"{dataset}'s {label.name!r} may include lesions that {', '.join(sorted(others))} "
                           f"label separately; its {terms.label(label.term)} mask is not comparable voxel for voxel"))
    # ---- partial labels
    all_values = {u.value for u in unified}
    partial = [PartialLabel(dataset=d, variant=v, unannotated=tuple(sorted(all_values - covered.get((d, v), set()))))
               for (d, v) in maps if all_values - covered.get((d, v), set())]
    return LabelSpace(labels=unified, mappings=mappings, partial=partial, conflicts=_dedupe(conflicts))


def _overlap(a: str, b: str, terms: TermIndex) -> bool:
    """Whether two terms overlap: one is the other or lies within it."""
    return a == b or a in terms.ancestors(b) or b in terms.ancestors(a)


def _dedupe(conflicts: list[Conflict]) -> list[Conflict]:
    seen, out = set(), []
    for conflict in conflicts:
        key = (conflict.kind, conflict.datasets, conflict.terms)
        if key not in seen:
            seen.add(key)
            out.append(conflict)
    return out
