"""The residents' page: follow one's case by its number and phone, and rate the result."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from gongzhi.cases.models import Case
from gongzhi.cases.services import (
    RATEABLE_STATES,
    CaseInputError,
    do_resident_rating,
    find_for_reporter,
)
from gongzhi.cases.workflow import get_workflow

PUBLIC_STEPS = {"intake": "已受理", "dispatch": "已派单", "accept": "已签收", "reply": "已答复", "feed_back": "已处置",
                "close": "已办结", "check_pass": "已结案", "verify_pass": "已结案", "approve_extension": "已延期",
                "merge": "已与相同诉求合并办理", "closed_with": "已办结", "resident_rating": "已评价"}


@require_http_methods(["GET", "POST"])
def track(request: HttpRequest) -> HttpResponse:
    number = request.POST.get("number", request.GET.get("number", "")).strip()
    tail = request.POST.get("phone", "").strip()
    context: dict[str, object] = {"number": number}
    if request.method == "POST":
        case = find_for_reporter(number, tail)
        if case is None:
            context["error"] = "编号或电话不匹配，请核对后重试。"
            return render(request, "cases/track.html", context, status=404)
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
