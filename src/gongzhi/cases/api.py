"""JSON API for cases: intake, queries, transitions (session or Bearer token)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import ConfigDict

from gongzhi.accounts.models import Unit
from gongzhi.areas.models import Area
from gongzhi.cases import deadlines, selectors
from gongzhi.cases.models import Case, Category
from gongzhi.cases.services import (
    MAX_EXTENSION,
    CaseInputError,
    available_actions,
    do_intake,
    do_transition,
)
from gongzhi.cases.workflow import get_workflow
from gongzhi.core.api_common import Mapped, Pages, errors
from gongzhi.core.middleware import api_caller

router = Router(tags=["cases"])


class IntakeIn(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"workflow": "hotline", "title": "麓山南路路灯不亮", "category": "street-lights", "kind": "投诉",
         "lon": 112.905, "lat": 28.205, "reporter_phone": "13800138000", "client_key": "hl-0001"},
    ]})

    workflow: str = "hotline"
    title: str
    description: str = ""
    kind: str = ""
    category: str | None = None
    lon: float | None = None
    lat: float | None = None
    datum: str = "wgs84"
    area: str | None = None
    address: str = ""
    reporter_name: str = ""
    reporter_phone: str = ""
    client_key: str | None = Field(None, max_length=64)  # the column is 64 characters


class CaseOut(Schema):
    number: str
    workflow: str
    state: str
    state_label: str
    title: str
    category: str | None
    area_path: str
    grid: str | None
    received_at: datetime
    due_at: datetime | None
    light: str
    version: int
    reporter_phone: str


class StepOut(Schema):
    seq: int
    action: str
    from_state: str
    to_state: str
    at: datetime
    note: str
    unit: str | None


class CaseDetailOut(CaseOut):
    description: str
    steps: list[StepOut]
    actions: list[str]
    units: list[str]


class TransitionIn(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"action": "dispatch", "units": ["dept-430104-chengguan"], "note": "请城管局处理"},
    ]})

    action: str
    note: str = ""
    expected_version: int | None = None
    # Retry-safe: the same key again on this case gives the case back instead of a refusal or a second step.
    client_key: str | None = Field(None, min_length=1, max_length=64)
    units: list[str] = []
    extend_amount: float | None = Field(None, gt=0, le=MAX_EXTENSION)
    extend_unit: str = "work_days"
    contacted: bool | None = None
    solved: bool | None = None
    satisfaction: str | None = None


def case_out(case: Case) -> dict[str, Any]:
    return {
        "number": case.number, "workflow": case.workflow, "state": case.state,
        "state_label": str(get_workflow(case.workflow).states[case.state]), "title": case.title,
        "category": case.category.code if case.category else None, "area_path": case.area_path,
        "grid": case.grid.path if case.grid else None, "received_at": case.received_at, "due_at": case.due_at,
        "light": deadlines.light(case, timezone.now()).value, "version": case.version,
        "reporter_phone": str(case.reporter_phone),
    }


@router.post("/cases", response={200: CaseOut, 201: CaseOut, **errors(400, 413, 422)}, summary="Register a case (idempotent by client_key)")
def intake(request: HttpRequest, payload: IntakeIn) -> Any:
    category = None
    if payload.category:
        category = Category.objects.filter(code=payload.category, is_active=True).first()
        if category is None:
            raise CaseInputError("category", f"没有启用的类别 {payload.category}")
    area = Area.objects.filter(path=payload.area).first() if payload.area else None
    if payload.area and area is None:
        raise CaseInputError("area", f"没有区域 {payload.area}")
    result = do_intake(workflow=payload.workflow, title=payload.title, description=payload.description,
                       channel="api", kind=payload.kind, category=category, lon=payload.lon, lat=payload.lat,
                       datum=payload.datum, area=area, address=payload.address, reporter_name=payload.reporter_name,
                       reporter_phone=payload.reporter_phone, client_key=payload.client_key, actor=api_caller(request))
    # A retry answers with the case its key made: not when the key made someone else's case that
    # the caller may not see (tests/proof/test_endpoint_access.py).
    if not result.created and result.case.reporter_user_id != getattr(api_caller(request), "pk", None) \
            and not selectors.visible_cases(api_caller(request)).filter(pk=result.case.pk).exists():
        raise PermissionDenied("client_key 已用于一件您无权查看的案件 (client_key already used)")
    return Status(201 if result.created else 200, case_out(result.case))


@router.get("/cases", response={200: list[CaseOut], **errors(400, 422)}, summary="Cases the caller may see, by deadline")
@paginate(Pages, page_size=50)
def list_cases(request: HttpRequest, state: str | None = None, workflow: str | None = None) -> Any:
    qs = selectors.with_assignments(selectors.visible_cases(api_caller(request))).order_by("due_at", "id")
    if state:
        qs = qs.filter(state=state)
    if workflow:
        qs = qs.filter(workflow=workflow)
    return Mapped(qs, case_out)


@router.get("/cases/{number}", response={200: CaseDetailOut, **errors(400, 404)}, summary="One case with its steps and the caller's actions")
def get_case(request: HttpRequest, number: str) -> dict[str, Any]:
    case = selectors.access_case(api_caller(request), number)
    return {
        **case_out(case), "description": case.description,
        "steps": [{"seq": s.seq, "action": s.action, "from_state": s.from_state, "to_state": s.to_state, "at": s.at,
                   "note": s.note, "unit": s.unit.code if s.unit else None}
                  for s in case.steps.select_related("unit").order_by("seq")],
        "actions": [t.action for t in available_actions(api_caller(request), case)],
        "units": [a.unit.code for a in case.assignments.all() if a.active],
    }


@router.post("/cases/{number}/transitions", response={200: CaseOut, **errors(400, 404, 409, 413, 422)}, summary="Take one workflow action")
def transition(request: HttpRequest, number: str, payload: TransitionIn) -> dict[str, Any]:
    case = selectors.access_case(api_caller(request), number)
    units = list(Unit.objects.filter(code__in=payload.units))
    missing = set(payload.units) - {u.code for u in units}
    if missing:
        raise CaseInputError("units", f"没有单位 {', '.join(sorted(missing))}")
    units.sort(key=lambda u: payload.units.index(u.code))
    follow_up = None
    if payload.action == "follow_up":
        follow_up = {"contacted": bool(payload.contacted), "solved": bool(payload.solved),
                     "satisfaction": payload.satisfaction or ""}
    extend = (payload.extend_amount, payload.extend_unit) if payload.extend_amount else None
    updated = do_transition(api_caller(request), case.pk, payload.action, note=payload.note,
                            expected_version=payload.expected_version, units=units, extend=extend, follow_up=follow_up,
                            client_key=payload.client_key)
    return case_out(updated)
