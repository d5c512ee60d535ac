"""The residents' page: follow one's case by its number and phone, and rate the result."""

from __future__ import annotations

import math

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from gongzhi.accounts import throttle
from gongzhi.areas.models import Area, Level
from gongzhi.cases.attachments import attach
from gongzhi.cases.forms import ResidentReportForm
from gongzhi.cases.models import Case
from gongzhi.cases.services import (
    RATEABLE_STATES,
    CaseInputError,
    do_intake,
    do_resident_rating,
    find_for_reporter,
)
from gongzhi.cases.workflow import get_workflow
from gongzhi.core.middleware import client_ip

PUBLIC_STEPS = {"intake": "已受理", "dispatch": "已派单", "accept": "已签收", "reply": "已答复", "feed_back": "已处置",
                "close": "已办结", "check_pass": "已结案", "verify_pass": "已结案", "approve_extension": "已延期",
                "merge": "已与相同诉求合并办理", "closed_with": "已办结", "resident_rating": "已评价"}


@require_http_methods(["GET", "POST"])
def track(request: HttpRequest) -> HttpResponse:
    number = request.POST.get("number", request.GET.get("number", "")).strip()
    tail = request.POST.get("phone", "").strip()
    context: dict[str, object] = {"number": number}
    if request.method == "POST":
        # The phone's last four digits are a small secret: guesses are throttled per case number
        # and per address, like passwords (accounts.throttle).
        ip = client_ip(request)
        until = throttle.locked_until(number, ip, kind="case")
        if until is not None:
            minutes = max(1, math.ceil((until - timezone.now()).total_seconds() / 60))
            context["error"] = _("查询失败次数过多，已暂时锁定，请 %(m)s 分钟后再试。") % {"m": minutes}
            return render(request, "cases/track.html", context, status=429)
        case = find_for_reporter(number, tail)
        if case is None:
            throttle.record_failure(number, ip, kind="case")
            context["error"] = "编号或电话不匹配，请核对后重试。"
            return render(request, "cases/track.html", context, status=404)
        throttle.record_success(number, kind="case")
        if "satisfaction" in request.POST:
            try:
                case = do_resident_rating(case, request.POST["satisfaction"])
                context["thanks"] = True
            except CaseInputError as exc:
                context["error"] = str(exc)
        context.update(public_view(case, tail))
    return render(request, "cases/track.html", context)


def public_view(case: Case, tail: str) -> dict[str, object]:
    workflow = get_workflow(case.workflow)
    reply = case.steps.filter(action__in=["reply", "feed_back", "self_handle"]).order_by("-seq").first()
    return {
        "case": case, "state": workflow.states[case.state], "phone": tail,
        "steps": [(s.at, PUBLIC_STEPS[s.action]) for s in case.steps.order_by("seq") if s.action in PUBLIC_STEPS],
        "reply": reply.note if reply else "",
        "can_rate": case.state in RATEABLE_STATES and not case.resident_rating,
    }


def street_choices() -> list[tuple[str, str]]:
    streets = Area.objects.filter(level=Level.STREET, is_active=True).select_related("parent").order_by("path")
    return [(a.path, f"{a.parent.name if a.parent else ''} {a.name}") for a in streets]


@require_http_methods(["GET", "POST"])
def report(request: HttpRequest) -> HttpResponse:
    """A resident reports a problem (12345 web channel); no account needed, the phone is the key."""
    form = ResidentReportForm(request.POST or None, request.FILES or None, streets=street_choices())
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        street = Area.objects.filter(path=d["street"]).first() if d["street"] else None
        user = request.user if getattr(request.user, "is_authenticated", False) else None
        try:
            result = do_intake(workflow="hotline", channel="web", kind="", title=d["title"], description=d["description"],
                               category=d["category"], lon=d["lon"], lat=d["lat"], datum=d["datum"] or "wgs84",
                               area=street, address=d["address"], reporter_name=d["reporter_name"],
                               reporter_phone=d["reporter_phone"], client_key=d["client_key"] or None, actor=user)
            if d["photo"] and result.created:
                attach(result.case, d["photo"])
        except CaseInputError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        else:
            return render(request, "cases/report_done.html", {"case": result.case})
    return render(request, "cases/resident_report.html", {"form": form}, status=400 if form.errors else 200)
