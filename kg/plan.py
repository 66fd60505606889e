"""Make a merge plan: datasets → unified label space, conflicts, licence verdict, totals.

Datasets come from ids (``amos22`` or ``amos22:ct`` for one label variant), from fusion rules,
or from search constraints. Only datasets whose label lists are in the graph can be relabelled;
the others are left out and named in the plan's conflicts. The plan id is a hash of its content
(not of the time it was made), so the same inputs on the same graph give the same id.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone

from medfuse.kg.build import medfuse_version
from medfuse.kg.catalog import Catalog, run_named
from medfuse.kg.compat import Compat
from medfuse.kg.errors import RulesError
from medfuse.kg.fusion import Rules, fuse, totals_of
from medfuse.kg.labelspace import label_maps, unify
from medfuse.kg.licenses import license_verdict
from medfuse.kg.plan_model import (
    Conflict,
    Granularity,
    MergePlan,
    Overlap,
    PlanDataset,
    Provenance,
    Totals,
)
from medfuse.kg.search import search

__all__ = ["make_plan", "datasets_from_rules", "datasets_from_search"]


def datasets_from_rules(catalog: Catalog, rules: Rules) -> list[str]:
    """Return the ids of every dataset the rules put into a fusion group."""
    result = fuse(catalog, rules)
    return sorted({d for group in result.blueprint for d in group.datasets})


def datasets_from_search(catalog: Catalog, **options: str | bool | None) -> list[str]:
    """Return the ids of the datasets meeting every search constraint."""
    return [m.id for m in search(catalog, near=False, **options).strict]


def _split(item: str) -> tuple[str, str | None]:
    dataset, _, variant = item.partition(":") if not item.startswith("mfd:") else item[4:].partition(":")
    return dataset, variant or None


def make_plan(
    catalog: Catalog,
    datasets: list[str],
    *,
    granularity: Granularity = "coarsest",
    targets: list[str] | None = None,
    rules: Rules | None = None,
    name: str | None = None,
    modality: str | None = None,
) -> MergePlan:
    """Plan the fusion of ``datasets`` (ids or names, ``id:variant`` for one label variant).

    :param granularity: ``finest``, ``coarsest`` or ``explicit`` (with ``targets``, free text or CURIEs).
    :param modality: keep only label variants of this modality (e.g. AMOS's CT labels); without it,
        the ``modalities`` of ``rules`` do the same.
    :raises UnknownDatasetError: for an id that names no dataset.
    :raises RulesError: when no chosen dataset has a label list, or targets do not resolve.
    """
    terms = catalog.terms
    wanted: dict[str, set[str | None]] = {}
    for item in datasets:
        dataset, variant = _split(item)
        dataset_id = catalog.resolve_id(dataset)
        wanted.setdefault(dataset_id, set()).add(variant)
    maps = label_maps(catalog, list(wanted))
    modality_terms = [terms.resolve(m, "modality").curie
                      for m in ([modality] if modality else rules.modalities if rules else ())]
    chosen = {}
    for (dataset, variant), labels in maps.items():
        variants = wanted[dataset]
        if None not in variants and variant not in variants:
            continue
        if modality_terms and not any(_variant_has_modality(catalog, dataset, variant, m) for m in modality_terms):
            continue
        chosen[(dataset, variant)] = labels
    missing = sorted(d for d in wanted if not any(key[0] == d for key in chosen))
    if not chosen:
        raise RulesError(f"none of the chosen datasets has a label list in the graph ({', '.join(missing)}); "
                         "see `medfuse labels stats` for the datasets that do")
    target_terms = [terms.resolve(t, "anatomy").curie if not terms.lookup(t) else terms.lookup(t)[0][0] for t in targets or []]
    space = unify(chosen, terms, granularity=granularity, targets=target_terms or None)
    summaries = catalog.summaries
    included = sorted({d for d, _ in chosen})
    plan_datasets = tuple(
        PlanDataset(id=d, name=summaries[d].name, variant=v, url=summaries[d].url, license=summaries[d].license,
                    access=summaries[d].access, samples=summaries[d].samples,
                    modalities=tuple(t.id for t in summaries[d].modalities))
        for d, v in chosen)
    conflicts = list(space.conflicts) + [
        Conflict(kind="no-label-list", datasets=(d,), detail=f"{summaries[d].name} has no label list in the graph; left out")
        for d in missing]
    compat = Compat(catalog)
    overlaps = []
    for n, a in enumerate(included):
        for b in included[n + 1:]:
            shared = compat.shared_images(a, b)
            if shared:
                overlaps.append(Overlap(datasets=(a, b), relation="shared-images", source="mf:builtFrom", detail=shared))
    verdict = license_verdict({d: summaries[d].license for d in included},
                              allowlist=list(rules.license_allowlist) if rules and rules.license_allowlist else None,
                              names={d: summaries[d].name for d in included}, urls={d: summaries[d].url for d in included},
                              upstream=compat.upstream_licenses(set(included)))
    totals = _totals(included, summaries, compat, len(space.labels))
    meta = run_named(catalog.store, "graph_meta").values()
    provenance = Provenance(medfuse_version=medfuse_version(), graph_snapshot=meta[0]["snapshot"] if meta else None,
                            created=datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
                            rules=(rules.model_dump(mode="json", exclude_defaults=True) if rules else {}) | {
                                "datasets": sorted(datasets), "granularity": granularity, "targets": target_terms,
                                **({"modality": modality_terms[0]} if modality else {})})
    body = dict(
        name=name or f"fusion of {len(included)} datasets", granularity=granularity, datasets=plan_datasets,
        labels=tuple(space.labels), mappings=tuple(space.mappings), partial=tuple(space.partial),
        conflicts=tuple(conflicts), overlaps=tuple(overlaps), license=verdict, totals=totals,
    )
    digest = _content_hash(body, provenance)
    return MergePlan(id=f"mfplan:{digest}", provenance=provenance, **body)


def _variant_has_modality(catalog: Catalog, dataset: str, variant: str | None, modality: str) -> bool:
    """Whether a label variant is of ``modality``: by the variant's name when it names a modality
    (AMOS's ``ct``/``mr``), else by the dataset's modalities (a ``btcv`` part is CT like its dataset)."""
    found = catalog.terms.lookup(variant, "modality") if variant else None
    ids = [found[0][0]] if found else [t.id for t in catalog.summaries[dataset].modalities]
    return any(i == modality or modality in catalog.terms.ancestors(i) for i in ids)


def _totals(included: list[str], summaries: dict, compat: Compat, labels: int) -> Totals:
    return Totals(labels=labels, **totals_of([summaries[d] for d in included], compat))


def _content_hash(body: dict, provenance: Provenance) -> str:
    content = {k: (v.model_dump(mode="json") if hasattr(v, "model_dump") else
                   [x.model_dump(mode="json") for x in v] if isinstance(v, tuple) else v) for k, v in body.items()}
    content["graph_snapshot"] = provenance.graph_snapshot
    content["rules"] = provenance.rules
    text = json.dumps(content, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]
