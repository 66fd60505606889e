"""Merge plans as files: JSON-LD 1.1 with the published context, SHACL validation, read back,
load into a graph, and the two exports trainers and mappers use (nnU-Net ``dataset.json``, SSSOM).

The JSON-LD document is the plan's JSON with the context ``ontology/context/plan.jsonld``
embedded, so standard tools (pyld, rdflib) expand it without any network access. Reading a plan
validates it against ``ontology/shapes/merge-plan.ttl`` (pyshacl) and against its own
consistency (mapped values exist, values unique) before anything uses it.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from rdflib import Graph, URIRef

from medfuse.kg.errors import PlanError
from medfuse.kg.namespaces import PREFIXES
from medfuse.kg.plan_model import MergePlan
from medfuse.kg.store import Store
from medfuse.loaders.mappings import COLUMNS

__all__ = [
    "CONTEXT_URL",
    "plan_context",
    "to_jsonld",
    "from_jsonld",
    "plan_graph",
    "validate_shacl",
    "read_plan",
    "write_plan",
    "register_plan",
    "nnunet_channel_name",
    "nnunet_dataset_json",
    "plan_sssom",
]

#: Where the context is published (and served by ``/api/v1/context/plan.jsonld``).
CONTEXT_URL = "https://w3id.org/medfuse/context/plan.jsonld"
#: Object types of the nested parts of a plan, for the JSON-LD ``type`` key.
_TYPES = {"datasets": "PlanDataset", "labels": "UnifiedLabel", "mappings": "LabelMapping", "partial": "PartialLabel",
          "conflicts": "Conflict", "overlaps": "Overlap"}


@cache
def plan_context() -> dict[str, Any]:
    """Return the published JSON-LD context of merge plans (the ``@context`` object)."""
    return json.loads(files("medfuse.ontology").joinpath("context", "plan.jsonld").read_text("utf-8"))["@context"]


def to_jsonld(plan: MergePlan) -> dict[str, Any]:
    """Return the JSON-LD document of a plan (context embedded)."""
    data = plan.model_dump(mode="json", by_alias=True, exclude_none=True)
    for key, type_name in _TYPES.items():
        data[key] = [{"type": type_name, **item} for item in data.get(key, [])]
    data["license"] = {"type": "LicenseVerdict", **data["license"]}
    data["totals"] = {"type": "Totals", **data["totals"]}
    data["provenance"] = {"type": "Provenance", **data["provenance"]}
    return {"@context": plan_context(), "type": "MergePlan", **data}


def from_jsonld(document: dict[str, Any], *, source: str = "plan") -> MergePlan:
    """Return the plan of a JSON-LD document (without SHACL; see :func:`read_plan`).

    :raises PlanError: when the document does not have the shape of a plan.
    """
    if not isinstance(document, dict) or document.get("type") != "MergePlan":
        raise PlanError(f"{source}: not a medfuse merge plan (expected \"type\": \"MergePlan\")")

    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in ("type", "@context", "@type")}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    try:
        plan = MergePlan.model_validate(strip(document))
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise PlanError(f"{source}: {where}: {first['msg']} ({error.error_count()} problem(s) in all)") from error
    _check_consistency(plan, source)
    return plan


def _check_consistency(plan: MergePlan, source: str) -> None:
    problems = []
    values = [label.value for label in plan.labels]
    if len(values) != len(set(values)):
        problems.append("unified label values are not unique")
    known = set(values) | {0}
    datasets = {(d.id, d.variant) for d in plan.datasets}
    for mapping in plan.mappings:
        if (mapping.dataset, mapping.variant) not in datasets:
            problems.append(f"mapping of {mapping.dataset} value {mapping.source_value} names a dataset not in the plan")
        if mapping.target_value is not None and mapping.target_value not in known:
            problems.append(f"{mapping.dataset} value {mapping.source_value} maps to {mapping.target_value}, "
                            "which is not a unified label value")
    seen = set()
    for mapping in plan.mappings:
        key = (mapping.dataset, mapping.variant, mapping.source_value)
        if key in seen:
            problems.append(f"{mapping.dataset} value {mapping.source_value} is mapped twice")
        seen.add(key)
    if problems:
        raise PlanError(f"{source}: the plan is inconsistent: " + "; ".join(problems[:10]))


def plan_graph(document: dict[str, Any]) -> Graph:
    """Convert a plan's JSON-LD to RDF with rdflib's JSON-LD parser."""
    return Graph().parse(data=json.dumps(document), format="json-ld")


@cache
def _shapes() -> Graph:
    return Graph().parse(data=files("medfuse.ontology").joinpath("shapes", "merge-plan.ttl").read_text("utf-8"),
                         format="turtle")


def validate_shacl(document: dict[str, Any]) -> list[str]:
    """Return the SHACL violations of a plan document (empty when it conforms)."""
    from pyshacl import validate

    conforms, report, _ = validate(plan_graph(document), shacl_graph=_shapes(), inference="none", advanced=True)
    if conforms:
        return []
    sh = "http://www.w3.org/ns/shacl#"
    messages = []
    for result in report.subjects(predicate=None, object=None):
        message = report.value(result, predicate=URIRef(sh + "resultMessage"))
        path = report.value(result, predicate=URIRef(sh + "resultPath"))
        if message is not None:
            messages.append(f"{path.n3() if path is not None else ''}: {message}".strip(": "))
    return sorted(set(messages)) or ["the plan does not conform to the merge-plan shapes"]


def read_plan(path: Path) -> MergePlan:
    """Read a plan file, check it against the SHACL shapes and itself, and return it.

    :raises PlanError: naming the file and each problem.
    """
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError, UnicodeDecodeError) as error:
        raise PlanError(f"{path}: cannot read the plan: {error}") from error
    if not isinstance(document, dict) or document.get("type") != "MergePlan":
        raise PlanError(f"{path}: not a medfuse merge plan (expected \"type\": \"MergePlan\")")
    violations = validate_shacl(document)
    if violations:
        raise PlanError(f"{path}: fails the merge-plan shapes: " + "; ".join(violations[:8]))
    return from_jsonld(document, source=str(path))


def register_plan(store: Store, plan: MergePlan) -> str:
    """Load a plan's RDF into its own named graph of a store; return the graph IRI."""
    name = f"https://w3id.org/medfuse/graph/plan/{plan.id.removeprefix('mfplan:')}"
    store.replace_graph(name, list(plan_graph(to_jsonld(plan))))
    return name


def write_plan(plan: MergePlan, path: Path) -> None:
    """Write a plan's JSON-LD atomically (a temporary file renamed into place)."""
    text = json.dumps(to_jsonld(plan), indent=2, ensure_ascii=False) + "\n"
    temporary = path.with_name(f".{path.name}.partial")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(path)


def nnunet_channel_name(modality: str) -> str:
    """Return the channel name nnU-Net sees for a plan modality (``DCM:CT`` → ``CT``).

    nnU-Net normalizes a channel named exactly ``CT`` (case-sensitive) globally over the dataset's
    foreground and z-scores every other name per image (``MIC-DKFZ/nnUNet:
    nnunetv2/preprocessing/normalization/map_channel_name_to_normalization.py``).

    >>> nnunet_channel_name("DCM:CT"), nnunet_channel_name("ct"), nnunet_channel_name("DCM:MR")
    ('CT', 'CT', 'MR')
    """
    name = re.split(r"[:/#]", modality)[-1]
    return "CT" if name.casefold() == "ct" else name


def nnunet_dataset_json(plan: MergePlan, *, num_training: int = 0,
                        channel_names: tuple[str, ...] | None = None) -> dict[str, Any]:
    """Return the unified label set as an nnU-Net v2 ``dataset.json`` (one writer for plan and apply)."""
    if channel_names is None:
        modalities = sorted({m for d in plan.datasets for m in d.modalities[:1]})
        channel_names = tuple(nnunet_channel_name(m) for m in modalities[:1]) or ("image",)
    labels = {label.name: label.value for label in sorted(plan.labels, key=lambda lab: lab.value) if label.value != 0}
    return {
        "channel_names": {str(i): name for i, name in enumerate(channel_names)},
        "labels": {"background": 0, **labels},
        "numTraining": num_training,
        "file_ending": ".nii.gz",
        "name": plan.name,
        "medfuse_plan": plan.id,
        "licence": "; ".join(f"{k}: {v or 'unknown'}" for k, v in plan.license.licenses.items()),
    }


def plan_sssom(plan: MergePlan) -> str:
    """Return the plan's label mappings as SSSOM TSV (local labels → unified terms)."""
    from medfuse.kg.terms import load_terms

    terms = load_terms()
    header = {
        "curie_map": {p: PREFIXES[p] for p in ("mfd", "mfplan", "UBERON", "MONDO", "CL", "GO", "mfles", "mfanat",
                                               "skos", "semapv", "sssom")},
        "mapping_set_id": f"https://w3id.org/medfuse/plan/{plan.id.removeprefix('mfplan:')}/mappings.sssom.tsv",
        "mapping_set_description": f"Label mappings of merge plan {plan.id} ({plan.name}).",
        "license": "https://spdx.org/licenses/MIT",
        "mapping_date": date.today().isoformat(),
    }
    out = io.StringIO()
    for line in yaml.safe_dump(header, sort_keys=False).splitlines():
        out.write(f"# {line}\n")
    writer = csv.writer(out, delimiter="\t", lineterminator="\n")
    writer.writerow(COLUMNS)
    for m in plan.mappings:
        if m.relation == "background":
            continue
        subject = f"mfd:{m.dataset}/label/{m.variant + '/' if m.variant else ''}{m.source_value}"
        if m.target_term and m.target_value is not None:
            predicate = "skos:exactMatch" if m.relation == "exact" else "skos:broadMatch"
            writer.writerow([subject, m.source_name, m.predicate if m.relation == "exact" and m.predicate else predicate,
                             m.target_term, terms.label(m.target_term), "semapv:MappingChaining",
                             "", f"unified value {m.target_value} ({m.relation})"])
        else:
            writer.writerow([subject, m.source_name, "skos:exactMatch", "sssom:NoTermFound", "", "semapv:UnspecifiedMatching",
                             "", f"dropped: {m.reason}"])
    return out.getvalue()
