"""Pages of 智能派单: the proposal at intake (JSON for the form), the models page (retrain,
compare, switch on), hot spots with their alerts."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.areas.models import Area
from gongzhi.cases.models import Category
from gongzhi.core import access, audit
from gongzhi.insight import routing, store
from gongzhi.insight.models import HotspotAlert, ModelStatus, TextModel
from gongzhi.insight.services import visible_hot_spots
from gongzhi.insight.training import retrain_in_background

MAX_DAYS = 366


@login_required
def suggest(request: HttpRequest) -> JsonResponse:
    """The proposal for the text typed so far: {shown, category, unit, confidence, alternatives}."""
    if not access.scope_roots(request.user, access.VIEW, "case"):
        raise PermissionDenied
    title = request.GET.get("title", "")[:200]
    description = request.GET.get("description", "")[:5000]
    area = request.GET.get("area", "")[:18]
    if area and not access.can(request.user, access.VIEW, "case", area):
        area = ""
    return JsonResponse(routing.suggest(title, description, area).as_dict(), json_dumps_params={"ensure_ascii": False})


def _live(model_ids: list[int]) -> dict[int, dict[str, Any]]:
    """How each version did at intake: proposals made, shown, and accepted among those decided."""
    rows = (TextModel.objects.filter(pk__in=model_ids).annotate(
        made=Count("proposals"), shown=Count("proposals", filter=Q(proposals__shown=True)),
        decided=Count("proposals", filter=Q(proposals__shown=True, proposals__accepted__isnull=False)),
        accepted=Count("proposals", filter=Q(proposals__accepted=True))).values("pk", "made", "shown", "decided", "accepted"))
    return {r["pk"]: {**r, "rate": (r["accepted"] / r["decided"]) if r["decided"] else None} for r in rows}


@login_required
def models_page(request: HttpRequest) -> HttpResponse:
    if not access.scope_roots(request.user, access.VIEW, "classifier"):
        raise PermissionDenied(_("您的岗位不能查看分类模型。"))
    rows = list(TextModel.objects.filter(name=store.INTAKE_MODEL).defer("blob").order_by("-version")[:30])
    live = _live([m.pk for m in rows])
    current = next((m for m in rows if m.status == ModelStatus.ACTIVE), None)
    for m in rows:
        m.live = live.get(m.pk, {})  # type: ignore[attr-defined]
        m.delta = (m.macro_f1 - current.macro_f1) if (current and m.macro_f1 is not None  # type: ignore[attr-defined]
                                                       and current.macro_f1 is not None and m is not current) else None
    names = dict(Category.objects.values_list("code", "name"))
    per_class = [{**r, "name": names.get(r["label"], r["label"])} for r in (current.metrics.get("per_class", [])
                                                                         if current else [])]
    return render(request, "insight/models.html", {
        "models": rows, "current": current, "per_class": per_class, "training": any(m.status == ModelStatus.TRAINING for m in rows),
        "can_change": bool(access.scope_roots(request.user, access.CHANGE, "classifier")),
    })


def _check_change(request: HttpRequest) -> None:
    if not access.scope_roots(request.user, access.CHANGE, "classifier"):
        raise PermissionDenied(_("您的岗位不能训练或启用分类模型。"))


@require_POST
@login_required
def retrain(request: HttpRequest) -> HttpResponse:
    _check_change(request)
    if TextModel.objects.filter(name=store.INTAKE_MODEL, status=ModelStatus.TRAINING).exists():
        messages.error(request, _("已有模型在训练中，请稍候。"))
    else:
        row = retrain_in_background(request.user, name=store.INTAKE_MODEL)
        audit.record("insight.retrain", actor=request.user, data={"version": row.version})
        messages.success(request, _("已开始用已派单案件训练新版本 v%(v)s，完成后显示在下方。") % {"v": row.version})
    return redirect("insight-models")


@require_POST
@login_required
def activate(request: HttpRequest, pk: int) -> HttpResponse:
    _check_change(request)
    row = get_object_or_404(TextModel, pk=pk)
    try:
        store.activate(row, request.user)
    except ValueError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("v%(v)s 已启用，受理时的建议即刻改用此版本。") % {"v": row.version})
    return redirect("insight-models")


@login_required
def hotspots_page(request: HttpRequest) -> HttpResponse:
    roots = access.scope_roots(request.user, access.VIEW, "hotspot")
    if not roots:
        raise PermissionDenied(_("您的岗位不能查看热点。"))
    path = request.GET.get("area") or min(roots, key=len)
    try:
        days = min(max(int(request.GET.get("days", "30")), 1), MAX_DAYS)
    except ValueError:
        days = 30
    if not access.can(request.user, access.VIEW, "hotspot", path):
        raise PermissionDenied(_("不能查看该区域的热点。"))
    area = Area.objects.filter(path=path).first()
    groups = visible_hot_spots(request.user, path, days=days)
    alerts = list(access.restrict(HotspotAlert.objects.filter(handled_at__isnull=True), request.user,
                                  access.VIEW, "hotspot")[:20])
    return render(request, "insight/hotspots.html", {
        "groups": groups, "area": area, "path": path, "days": days, "alerts": alerts,
        "areas": Area.objects.filter(path__in=roots).order_by("path"),
        "can_handle": access.can(request.user, access.CHANGE, "hotspot", path),
    })


@require_POST
@login_required
def alert_handled(request: HttpRequest, pk: int) -> HttpResponse:
    alert = get_object_or_404(HotspotAlert, pk=pk)
    access.check(request.user, access.CHANGE, "hotspot", alert.area_path)
    HotspotAlert.objects.filter(pk=pk, handled_at__isnull=True).update(handled_by=request.user, handled_at=timezone.now())
    audit.record("insight.alert_handled", actor=request.user, area_path=alert.area_path,
                 data={"alert": alert.pk, "title": alert.title})
    messages.success(request, _("已标记为处理：%(t)s") % {"t": alert.title})
    # Back to the page the form was on, and only to a page of this site.
    back = request.POST.get("next", "")
    if not back.startswith("/") or not url_has_allowed_host_and_scheme(
            back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = "/insight/hotspots/"
    return redirect(back)
