"""JSON API of 智能派单: the proposal for a text, hot spots of an area, model versions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from gongzhi.core import access
from gongzhi.core.api_common import errors
from gongzhi.insight import routing, store
from gongzhi.insight.models import TextModel
from gongzhi.insight.services import visible_hot_spots

router = Router(tags=["insight"])


class SuggestIn(Schema):
    title: str = Field(..., max_length=200)
    description: str = Field("", max_length=5000)
    area: str = Field("", max_length=18)


class Choice(Schema):
    id: int
    code: str
    name: str
    confidence: float


class Named(Schema):
    id: int
    name: str
    code: str = ""


class SuggestOut(Schema):
    shown: bool
    confidence: float
    model: int | None
    category: Named | None
    unit: Named | None
    alternatives: list[Choice]


@router.post("/insight/suggest", response={200: SuggestOut, **errors(400, 413, 422)})
def suggest(request: HttpRequest, payload: SuggestIn) -> dict[str, Any]:
    """The category and unit proposed for a message; `shown` is false when the model is unsure."""
    user = request.auth  # type: ignore[attr-defined]
    if not access.scope_roots(user, access.VIEW, "case"):
        raise PermissionDenied("您的岗位不能受理诉求")
    area = payload.area if payload.area and access.can(user, access.VIEW, "case", payload.area) else ""
    return routing.suggest(payload.title, payload.description, area).as_dict()


class HotspotOut(Schema):
    title: str
    place: str
    count: int
    support: int
    heat: float
    first_at: datetime
    last_at: datetime
    area_path: str
    cases: list[str]


@router.get("/insight/hotspots", response={200: list[HotspotOut], **errors(400, 422)})
def hotspots(request: HttpRequest, area: str,
             days: int = Query(30, ge=1, le=366)) -> list[dict[str, Any]]:  # type: ignore[type-arg]
    """Groups of messages about the same problem in ``area`` over the last ``days``, hottest first."""
    groups = visible_hot_spots(request.auth, area, days=days)  # type: ignore[attr-defined]
    return [{"title": g.title, "place": g.place, "count": g.count, "support": g.support, "heat": round(g.heat, 3),
             "first_at": g.first_at, "last_at": g.last_at, "area_path": g.area_path, "cases": g.keys} for g in groups]


class ModelOut(Schema):
    version: int
    status: str
    recipe: str
    trained_on: int
    macro_f1: float | None
    created_at: datetime


@router.get("/insight/models", response={200: list[ModelOut], **errors()})
def models(request: HttpRequest) -> list[TextModel]:
    if not access.scope_roots(request.auth, access.VIEW, "classifier"):  # type: ignore[attr-defined]
        raise PermissionDenied("您的岗位不能查看分类模型")
    return list(TextModel.objects.filter(name=store.INTAKE_MODEL).defer("blob").order_by("-version")[:50])
