"""``/api/v1/compat``, ``/api/v1/fusion-groups`` and ``/api/v1/plans``."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from medfuse.kg.catalog import Catalog
from medfuse.kg.compat import Compatibility, CompatReport
from medfuse.kg.errors import PlanError, UnknownPlanError
from medfuse.kg.fusion import FusionResult, fuse, parse_rules
from medfuse.kg.plan import datasets_from_rules, make_plan
from medfuse.kg.plan_io import nnunet_dataset_json, plan_context, to_jsonld
from medfuse.service.deps import RuntimeDep

__all__ = ["router"]

router = APIRouter(tags=["fusion"])
JSONLD = "application/ld+json"


@router.get("/compat/{dataset}", response_model=CompatReport | Compatibility, summary="Compatibility lookup")
async def compat(runtime: RuntimeDep, dataset: str,
                 other: Annotated[str | None, Query(alias="with", max_length=200)] = None,
                 top: Annotated[int, Query(ge=1, le=500)] = 20) -> Response:
    """With ``with``: a verdict for the pair. Without: the ranked datasets ``dataset`` can be fused with."""

    def answer(catalog: Catalog) -> CompatReport | Compatibility:
        engine = runtime.compat_of(catalog)
        return engine.pair(dataset, other) if other else engine.ranked(dataset, top=top)

    return await runtime.answer(("compat", dataset, other, None if other else top), answer)


@router.post("/fusion-groups", response_model=FusionResult, summary="Fusion groups from rules")
def fusion_groups(runtime: RuntimeDep, rules: dict[str, Any]) -> FusionResult:
    """Group datasets by rules (``modalities``, ``anatomy``, ``task_types``, ``license_allowlist``, ...)."""
    return fuse(runtime.catalog, parse_rules(rules, source="request body"))


class PlanRequest(BaseModel):
    """What to plan: dataset ids (``id:variant`` allowed) or rules, and the granularity."""

    datasets: list[Annotated[str, Field(max_length=200)]] | None = Field(None, max_length=500)
    rules: dict[str, Any] | None = None
    granularity: Literal["coarsest", "finest", "explicit"] = "coarsest"
    targets: list[Annotated[str, Field(max_length=200)]] = Field(default_factory=list, max_length=500)
    name: str | None = Field(None, max_length=300)


@router.post("/plans", summary="Create a merge plan (JSON-LD)", status_code=201,
             responses={201: {"content": {JSONLD: {}}}})
def create_plan(runtime: RuntimeDep, body: PlanRequest, request: Request) -> JSONResponse:
    """Plan the fusion of datasets; answers the JSON-LD plan, retrievable later by its id."""
    rules = parse_rules(body.rules, source="rules") if body.rules else None
    if body.datasets:
        chosen = body.datasets
    elif rules is not None:
        chosen = datasets_from_rules(runtime.catalog, rules)
    else:
        raise PlanError("give `datasets` or `rules`")
    plan = make_plan(runtime.catalog, chosen, granularity=body.granularity, targets=body.targets, rules=rules,
                     name=body.name)
    document = to_jsonld(plan)
    runtime.remember_plan(plan.id, document)
    location = f"{request.url_for('get_plan', plan_id=plan.id.removeprefix('mfplan:'))}"
    return JSONResponse(document, status_code=201, media_type=JSONLD, headers={"Location": location})


@router.get("/plans/{plan_id}", summary="A merge plan by id", responses={200: {"content": {JSONLD: {}}}})
def get_plan(runtime: RuntimeDep, plan_id: str) -> JSONResponse:
    """The JSON-LD plan made earlier by this service (``mfplan:`` prefix optional)."""
    return JSONResponse(get_plan_document(runtime, plan_id), media_type=JSONLD)


@router.get("/plans/{plan_id}/nnunet", summary="The plan's labels as nnU-Net dataset.json")
def plan_nnunet(runtime: RuntimeDep, plan_id: str) -> dict[str, Any]:
    """The unified label set of a plan as an nnU-Net v2 ``dataset.json``."""
    from medfuse.kg.plan_io import from_jsonld

    return nnunet_dataset_json(from_jsonld(get_plan_document(runtime, plan_id)))


def get_plan_document(runtime: RuntimeDep, plan_id: str) -> dict[str, Any]:
    """Return a remembered plan document or raise :class:`PlanError`."""
    document = runtime.plans.get(plan_id.removeprefix("mfplan:"))
    if document is None:
        raise UnknownPlanError(f"no plan {plan_id!r} on this server; create it with POST /api/v1/plans")
    return document


@router.get("/context/plan.jsonld", summary="The published JSON-LD context of merge plans")
def context() -> JSONResponse:
    """The ``@context`` every plan embeds."""
    return JSONResponse({"@context": plan_context()}, media_type=JSONLD)
