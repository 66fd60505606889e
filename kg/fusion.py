"""Fusion groups by rules, in the four phases of metadata-driven fusion (MDFP).

1. **harmonisation** — the rules' free-text terms resolved to ontology terms;
2. **alignment** — each dataset checked against every rule; a rejected dataset keeps the first
   rule that rejected it and the reason;
3. **blueprint** — the selected datasets grouped by modality and dimensionality; groups with
   fewer than ``min_datasets_per_modality`` datasets are dropped, with the rule named;
4. **indexing** — per group the totals: datasets, samples (shared images counted once),
   labelled share, and distinct sources (datasets linked by derivation count as one source).

The rule keys follow the Project Imaging-X portal (``task_types``, ``license_allowlist``,
``include_unlabeled``, ``prefer_labeled``, ``min_valid_image_n_per_dataset``,
``anatomy_whitelist``, ``release_date_min``, ``allow_3d_as_2d_sources``,
``min_datasets_per_modality``) plus ``modalities``, ``anatomy``, ``dimensions``, ``diseases``
and ``access``.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from medfuse.kg.catalog import Catalog, DatasetSummary
from medfuse.kg.compat import Compat
from medfuse.kg.errors import RulesError, UnknownTermError, suggest

__all__ = ["Rules", "read_rules", "parse_rules", "Rejection", "FusionGroup", "FusionResult", "fuse", "totals_of"]


class Rules(BaseModel):
    """Fusion rules. Term lists take free text or CURIEs; empty means no constraint."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    modalities: tuple[str, ...] = ()
    anatomy: tuple[str, ...] = ()
    anatomy_whitelist: tuple[str, ...] = ()
    task_types: tuple[str, ...] = ()
    dimensions: tuple[str, ...] = ()
    diseases: tuple[str, ...] = ()
    access: tuple[str, ...] = ()
    license_allowlist: tuple[str, ...] | None = None
    include_unlabeled: bool = True
    prefer_labeled: bool = False
    min_valid_image_n_per_dataset: int = Field(0, ge=0)
    release_date_min: int | None = Field(None, ge=1900)
    allow_3d_as_2d_sources: bool = False
    min_datasets_per_modality: int = Field(1, ge=1)

    @field_validator("license_allowlist")
    @classmethod
    def _allowlist(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if value is not None and not value:
            raise ValueError("an empty licence allowlist admits no dataset; leave it out to allow every licence")
        return value

    @field_validator("release_date_min")
    @classmethod
    def _year(cls, value: int | None) -> int | None:
        if value is not None and value > date.today().year:
            raise ValueError(f"release_date_min {value} is in the future: no dataset can meet it")
        return value

    def anatomy_terms(self) -> tuple[str, ...]:
        """``anatomy`` and ``anatomy_whitelist`` together (the portal's name and ours)."""
        return tuple(dict.fromkeys(self.anatomy + self.anatomy_whitelist))


def read_rules(path: Path) -> Rules:
    """Read rules from a JSON or YAML file.

    :raises RulesError: naming the file and the bad key, with close key names.
    """
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (OSError, json.JSONDecodeError, yaml.YAMLError) as error:
        raise RulesError(f"{path}: cannot read the rules: {error}") from error
    if not isinstance(data, dict):
        raise RulesError(f"{path}: rules must be a mapping of rule names to values")
    return parse_rules(data, source=str(path))


def parse_rules(data: dict, *, source: str = "rules") -> Rules:
    """Validate a rules mapping (from a file, CLI flags or an API body)."""
    cleaned = {k: (tuple(v) if isinstance(v, list) else (v,) if isinstance(v, str) and k not in ("license_allowlist",) and k in Rules.model_fields and Rules.model_fields[k].annotation in (tuple[str, ...],) else v)
               for k, v in data.items()}
    if isinstance(cleaned.get("license_allowlist"), str):
        cleaned["license_allowlist"] = (cleaned["license_allowlist"],)
    try:
        return Rules.model_validate(cleaned)
    except ValidationError as error:
        first = error.errors()[0]
        key = str(first["loc"][0]) if first["loc"] else "?"
        hint = suggest(key, list(Rules.model_fields)) if first["type"] == "extra_forbidden" else []
        tail = f"; did you mean {', '.join(hint)}?" if hint else ""
        raise RulesError(f"{source}: rule {key!r}: {first['msg']}{tail}") from error


class Rejection(BaseModel):
    """A dataset left out, with the rule that left it out."""

    id: str
    name: str
    rule: str
    reason: str


class FusionGroup(BaseModel):
    """One fusion group: datasets of one modality and dimensionality, with totals."""

    key: str
    modality: str
    dimensionality: str
    datasets: list[str]
    totals: dict[str, float | int]
    overlaps: list[str] = Field(default_factory=list)


class FusionResult(BaseModel):
    """The four phases of a fusion, as data."""

    harmonisation: dict[str, list[dict[str, str]]]
    alignment: dict[str, object]
    blueprint: list[FusionGroup]
    rejected_groups: list[Rejection]
    indexing: dict[str, float | int]


def _resolve(catalog: Catalog, values: tuple[str, ...], facet: str, rule: str) -> list[dict[str, str]]:
    out = []
    for value in values:
        try:
            found = catalog.terms.resolve(value, facet)
        except UnknownTermError as error:
            raise RulesError(f"rule {rule!r}: {error}") from error
        out.append({"input": value, "id": found.curie, "label": found.label})
    return out


def _under(terms: list[str], wanted: list[dict[str, str]], index) -> list[str]:  # noqa: ANN001
    ids = {w["id"] for w in wanted}
    return [t for t in terms if t in ids or index.ancestors(t) & ids]


def fuse(catalog: Catalog, rules: Rules) -> FusionResult:
    """Select and group datasets by rules; every rejection names its rule.

    :raises RulesError: for terms that resolve to nothing, or rules that select nothing because
        they contradict each other (e.g. ``dimensions: [2D]`` with only 3D datasets allowed).
    """
    terms = catalog.terms
    harmonised = {
        "modalities": _resolve(catalog, rules.modalities, "modality", "modalities"),
        "anatomy": _resolve(catalog, rules.anatomy_terms(), "anatomy", "anatomy"),
        "task_types": _resolve(catalog, rules.task_types, "task", "task_types"),
        "dimensions": _resolve(catalog, rules.dimensions, "dim", "dimensions"),
        "diseases": _resolve(catalog, rules.diseases, "disease", "diseases"),
        "access": _resolve(catalog, rules.access, "access", "access"),
    }
    wanted_dims = {d["id"] for d in harmonised["dimensions"]}
    if rules.allow_3d_as_2d_sources and wanted_dims and "mfdim:2d" in wanted_dims:
        wanted_dims.add("mfdim:3d")
    compat = Compat(catalog, allow_3d_as_2d=rules.allow_3d_as_2d_sources)
    selected: list[tuple[DatasetSummary, list[str], list[str]]] = []
    rejected: list[Rejection] = []
    for summary in catalog.summaries.values():
        reason = _first_failure(summary, rules, harmonised, wanted_dims, terms) or _upstream_failure(summary, rules, compat)
        if reason:
            rejected.append(Rejection(id=summary.id, name=summary.name, rule=reason[0], reason=reason[1]))
            continue
        modalities = _under([t.id for t in summary.modalities], harmonised["modalities"], terms) if harmonised["modalities"] else [t.id for t in summary.modalities]
        dims = [t.id for t in summary.dim if not wanted_dims or t.id in wanted_dims] or ["unknown"]
        selected.append((summary, modalities or ["unknown"], dims))
    # ---- blueprint
    members: dict[tuple[str, str], list[DatasetSummary]] = defaultdict(list)
    for summary, modalities, dims in selected:
        for modality in modalities:
            for dim in dims:
                as_2d = "mfdim:2d" if rules.allow_3d_as_2d_sources and dim == "mfdim:3d" and "mfdim:2d" in wanted_dims else dim
                if summary not in members[(modality, as_2d)]:
                    members[(modality, as_2d)].append(summary)
    groups, dropped = [], []
    for (modality, dim), datasets in sorted(members.items()):
        key = f"{terms.label(modality)} / {terms.label(dim) if dim != 'unknown' else 'unknown dim'}"
        if len(datasets) < rules.min_datasets_per_modality:
            for d in datasets:
                dropped.append(Rejection(id=d.id, name=d.name, rule="min_datasets_per_modality",
                                         reason=f"group {key} has {len(datasets)} dataset(s), fewer than {rules.min_datasets_per_modality}"))
            continue
        if rules.prefer_labeled:
            datasets = sorted(datasets, key=lambda d: (not d.labelled, d.name.casefold()))
        groups.append(FusionGroup(key=key, modality=modality, dimensionality=dim, datasets=[d.id for d in datasets],
                                  totals=totals_of(datasets, compat), overlaps=_overlaps(datasets, compat)))
    if not groups:
        raise RulesError("the rules select no dataset: " + _why_empty(rejected + dropped))
    everything = {d for g in groups for d in g.datasets}
    chosen = [catalog.summaries[d] for d in sorted(everything)]
    by_rule: dict[str, int] = defaultdict(int)
    for r in rejected + dropped:
        by_rule[r.rule] += 1
    return FusionResult(
        harmonisation=harmonised,
        alignment={"selected": len(selected), "rejected": [r.model_dump() for r in rejected],
                   "rejected_by_rule": dict(sorted(by_rule.items()))},
        blueprint=groups, rejected_groups=dropped, indexing={"groups": len(groups), **totals_of(chosen, compat)},
    )


def _first_failure(summary: DatasetSummary, rules: Rules, harmonised: dict, wanted_dims: set[str], terms) -> tuple[str, str] | None:  # noqa: ANN001
    checks = (
        ("modalities", [t.id for t in summary.modalities]),
        ("anatomy", [t.id for t in summary.anatomy]),
        ("task_types", [t.id for t in summary.tasks]),
        ("diseases", [t.id for t in summary.diseases]),
    )
    for rule, have in checks:
        wanted = harmonised[rule]
        if wanted and not _under(have, wanted, terms):
            shown = ", ".join(terms.label(t) for t in have) or "none recorded"
            return rule, f"has {shown}; wants {', '.join(w['label'] for w in wanted)} or narrower"
    if wanted_dims and not {t.id for t in summary.dim} & wanted_dims:
        shown = ", ".join(t.label for t in summary.dim) or "none recorded"
        hint = " (allow_3d_as_2d_sources would admit 3D)" if "mfdim:3d" in {t.id for t in summary.dim} else ""
        return "dimensions", f"is {shown}{hint}"
    if harmonised["access"] and f"mfacc:{summary.access}" not in {a["id"] for a in harmonised["access"]}:
        return "access", f"access is {summary.access}"
    if rules.license_allowlist is not None and summary.license not in rules.license_allowlist:
        return "license_allowlist", f"licence {summary.license or 'unknown'} is not in the allowlist"
    if not rules.include_unlabeled and not summary.labelled:
        return "include_unlabeled", "has no labels"
    if rules.min_valid_image_n_per_dataset and (summary.samples or 0) < rules.min_valid_image_n_per_dataset:
        return "min_valid_image_n_per_dataset", f"has {summary.samples if summary.samples is not None else 'no stated'} samples"
    if rules.release_date_min and (summary.year is None or summary.year < rules.release_date_min):
        return "release_date_min", f"released {summary.year or 'in an unknown year'}"
    return None


def _upstream_failure(summary: DatasetSummary, rules: Rules, compat: Compat) -> tuple[str, str] | None:
    """A dataset passes a licence allowlist only when the datasets whose images it reuses do too."""
    if rules.license_allowlist is None:
        return None
    for source, licence in compat.upstream_licenses({summary.id}).get(summary.id, {}).items():
        if licence not in rules.license_allowlist:
            return "license_allowlist", f"reuses images of {source}, whose licence {licence or 'unknown'} is not in the allowlist"
    return None


def totals_of(datasets: list[DatasetSummary], compat: Compat) -> dict[str, float | int]:
    """Count a fused set: datasets, samples (shared images once), labelled share, distinct sources."""
    ids = {d.id for d in datasets}
    samples = sum(d.samples or 0 for d in datasets)
    # A dataset built from another selected one adds only what the other lacks: count the larger.
    covered = {d.id for d in datasets if compat.derived.get(d.id, set()) & ids}
    inner = {x for d in covered for x in compat.derived.get(d, set()) & ids}
    deduplicated = sum(d.samples or 0 for d in datasets if d.id not in inner)
    components = _components(ids, compat)
    labelled = sum(1 for d in datasets if d.labelled)
    return {"datasets": len(datasets), "samples": samples, "samples_deduplicated": deduplicated,
            "labelled_share": round(labelled / len(datasets), 3) if datasets else 0.0, "distinct_sources": components}


def _components(ids: set[str], compat: Compat) -> int:
    parent = {i: i for i in ids}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i in ids:
        for j in compat.derived.get(i, set()) & ids:
            parent[find(i)] = find(j)
    return len({find(i) for i in ids})


def _overlaps(datasets: list[DatasetSummary], compat: Compat) -> list[str]:
    ids = sorted(d.id for d in datasets)
    out = []
    for n, a in enumerate(ids):
        for b in ids[n + 1:]:
            shared = compat.shared_images(a, b)
            if shared:
                out.append(shared)
    return out


def _why_empty(rejections: list[Rejection]) -> str:
    counts: dict[str, int] = defaultdict(int)
    for r in rejections:
        counts[r.rule] += 1
    return ", ".join(f"{rule} rejected {n}" for rule, n in sorted(counts.items(), key=lambda kv: -kv[1]))
