from __future__ import annotations

import io
from datetime import datetime
from typing import Any

import xlsxwriter
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from gongzhi.accounts.models import Unit
from gongzhi.areas.models import Area, Level
from gongzhi.cases import deadlines, selectors
from gongzhi.cases.attachments import attach
from gongzhi.cases.catalog import handling_unit
from gongzhi.cases.duplicates import possible_duplicates
from gongzhi.cases.forms import ActionForm, GridReportForm, HotlineForm, leaf_categories
from gongzhi.cases.models import Case
from gongzhi.cases.rates import chart as rate_chart
from gongzhi.cases.rates import indicators_overview, rates_overview
from gongzhi.cases.services import (
    MERGERS,
    CaseInputError,
    TransitionRefusedError,
    available_actions,
    do_intake,
    do_merge,
    do_transition,
    standing,
)
from gongzhi.cases.workflow import Workflow, all_workflows, get_workflow
from gongzhi.cases.workflows import CENTRE
from gongzhi.core import access
from gongzhi.core.access import Role
from gongzhi.core.paths import subtree_q


def rows(cases: list[Case], now: datetime) -> list[dict[str, Any]]:
    """What a list shows of each case, worked out once per page (not looked up by a template
    through the objects, which cost more than the rest of a 50-row page)."""
    out = []
    leads = selectors.lead_units([c.pk for c in cases])
    state_labels = {wf.code: {k: str(v) for k, v in wf.states.items()} for wf in all_workflows()}
    tz = timezone.get_current_timezone()
    for c in cases:
        lead = leads.get(c.pk)
        out.append({
            "case": c, "light": deadlines.light(c, now), "state": state_labels[c.workflow][c.state], "lead": lead,
            "category": c.category.name if c.category else "",
            "due": c.due_at.astimezone(tz).strftime("%m-%d %H:%M") if c.due_at else "—",
        })
    return out


def row_html(r: dict[str, Any], detail_prefix: str, escalated: str) -> SafeString:
    """One case list row; format_html escapes every value (a title is whatever a caller said)."""
    c = r["case"]
    badge = format_html(' <span class="badge warn">{} {}</span>', escalated, c.escalation_level) \
        if c.escalation_level else ""
    return format_html(
        '<tr data-light="{0}"><td><span class="light {0}" title="{0}"></span></td><td><a href="{1}{2}/">{2}</a></td>'
        "<td>{3}</td><td>{4}</td><td>{5}</td><td>{6}{7}</td><td>{8}</td></tr>",
        r["light"], detail_prefix, c.number, c.title, r["category"], r["state"], r["due"], badge,
        r["lead"].name if r["lead"] else "",
    )


# Text stays text: a title that starts with "=" must not become a formula, nor "http://…" a link.
TEXT_ONLY = {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}


def export_xlsx(cases: list[Case], now: datetime, name: str) -> HttpResponse:
    """The list as Excel; reporters' names and phones stay masked."""
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, TEXT_ONLY)
    sheet = book.add_worksheet(name[:31])
    head = ["编号", "标题", "类别", "状态", "灯", "办理时限", "主办单位", "区域路径", "反映人", "联系电话"]
    sheet.write_row(0, 0, head)
    for i, r in enumerate(rows(cases, now), start=1):
        c = r["case"]
        due = timezone.localtime(c.due_at).strftime("%Y-%m-%d %H:%M") if c.due_at else ""
        sheet.write_row(i, 0, [c.number, c.title, c.category.name if c.category else "", r["state"], r["light"].value,
                               due, str(r["lead"] or ""), c.area_path, str(c.reporter_name), str(c.reporter_phone)])
    book.close()
    return xlsx_response(buf, name)


def xlsx_response(buf: io.BytesIO, name: str) -> HttpResponse:
    response = HttpResponse(buf.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response


def rates_xlsx(overview: dict[str, Any]) -> HttpResponse:
    """The rates page's three tables, one sheet each, rates as fractions (Excel formats them)."""
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, TEXT_ONLY)
    pct = book.add_format({"num_format": "0.0%"})
    head = ["名称", "本月有效回访", "本月响应率", "本月解决率", "本月满意率", "本月综合",
            "上月有效回访", "上月响应率", "上月解决率", "上月满意率", "上月综合"]
    for title, key in (("按区域", "areas"), ("按主办部门", "departments"), ("按类别", "categories")):
        sheet = book.add_worksheet(title)
        sheet.write_row(0, 0, head)
        for i, r in enumerate(overview[key], start=1):
            sheet.write(i, 0, r.name)
            for j, rates in enumerate((r.this_month, r.last_month)):
                sheet.write(i, 1 + 5 * j, rates.valid)
                for k, value in enumerate((rates.response, rates.solve, rates.satisfaction, rates.composite)):
                    sheet.write(i, 2 + 5 * j + k, value if value is not None else "—", pct)
    book.close()
    return xlsx_response(buf, "rates")


PAGE_SIZE = 50


EXPORT_LIMIT = 10_000


def _list(request: HttpRequest, cases: QuerySet[Case], title: str, export_name: str) -> HttpResponse:
    now = timezone.now()
    if request.GET.get("format") == "xlsx":
        # Exports carry the reporter columns (masked), which lists leave unread.
        return export_xlsx(list(cases.defer(None)[:EXPORT_LIMIT]), now, export_name)
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    prefix = reverse("case-inbox")  # a case's page is the inbox's path + its number (cases/urls.py)
    html = [row_html(r, prefix, _("升级")) for r in rows(list(page), now)]
    return render(request, "cases/list.html", {"rows": html, "page": page, "total": page.paginator.count,
                                               "title": title})


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    return _list(request, selectors.inbox(request.user), _("待办"), "inbox")


@login_required
def supervision(request: HttpRequest) -> HttpResponse:
    return _list(request, selectors.supervision_queue(request.user), _("督办"), "supervision")


SYSTEM_STEPS = {"intake": gettext_lazy("受理"), "remind": gettext_lazy("临期提醒"), "escalate": gettext_lazy("超期升级"),
                "merge": gettext_lazy("并入他案"), "absorb": gettext_lazy("并入重复件"),
                "closed_with": gettext_lazy("随主案办结")}


def step_label(workflow: Workflow, action: str) -> str:
    if action in SYSTEM_STEPS:
        return str(SYSTEM_STEPS[action])
    try:
        return str(workflow.transition(action).label)
    except LookupError:
        return action


def dispatch_units(case: Case) -> list[Unit]:
    """Units whose jurisdiction contains the case: its departments, street office, community."""
    paths = [case.area_path[:n] for n in (4, 6, 9, 12) if n <= len(case.area_path)]
    return list(Unit.objects.filter(area_path__in=paths, is_active=True).order_by("-area_path", "kind", "name"))


def dispatch_routing(case: Case) -> dict[str, Any]:
    """For the dispatch form: the leaf categories, the one to start from (the case's, else the
    model's proposal when it was sure enough) and the unit the 派单目录 gives it here."""
    # insight.Proposal, when a model proposed one (the missing reverse one-to-one is an AttributeError)
    proposal = getattr(case, "proposal", None)
    category = case.category or (proposal.category if proposal and proposal.shown else None)
    return {"categories": list(leaf_categories().queryset or []), "start_category": category, "proposal": proposal,
            "proposed_unit": handling_unit(category, case.area_path) if category else None}


def reply_checks(steps: list[dict[str, Any]], user: Any, case: Case) -> dict[int, dict[str, Any]]:
    """The reply check kept on each reply step, shown to the centre's reviewers."""
    if not set(standing(user, case).by_role) & (CENTRE | {Role.STREET_DISPATCHER}):
        return {}
    return {e["step"].pk: e["step"].data["reply_check"] for e in steps if "reply_check" in (e["step"].data or {})}


def can_merge(user: Any, case: Case) -> bool:
    return case.merged_into_id is None and case.closed_at is None and bool(set(standing(user, case).by_role) & MERGERS)


@require_POST
@login_required
def merge(request: HttpRequest, number: str) -> HttpResponse:
    case = selectors.access_case(request.user, number)
    into = selectors.access_case(request.user, request.POST.get("into", ""))
    try:
        do_merge(request.user, case.pk, into.pk, note=request.POST.get("note", ""))
    except TransitionRefusedError as exc:
        messages.error(request, str(exc))
        return redirect("case-detail", number=number)
    messages.success(request, f"已并入 {into.number}")
    return redirect("case-detail", number=into.number)


@login_required
def detail(request: HttpRequest, number: str) -> HttpResponse:
    case = selectors.access_case(request.user, number)
    workflow = get_workflow(case.workflow)
    actions = available_actions(request.user, case)
    steps = [
        {"step": st, "label": step_label(workflow, st.action),
         "from": workflow.states.get(st.from_state, ""), "to": workflow.states.get(st.to_state, "")}
        for st in case.steps.select_related("actor", "unit").order_by("seq")
    ]
    dispatching = any(t.effect == "dispatch" for t in actions)
    routing = dispatch_routing(case) if dispatching else {}
    return render(request, "cases/detail.html", {
        **routing, "reply_checks": reply_checks(steps, request.user, case),
        "case": case, "state": workflow.states[case.state], "workflow": workflow,
        "light": deadlines.light(case, timezone.now()), "steps": steps, "actions": actions,
        "units": dispatch_units(case) if any(t.effect in ("dispatch", "summon") for t in actions) else [],
        "assignments": [a for a in case.assignments.all() if a.active],
        "attachments": list(case.attachments.all()),
        "duplicates": possible_duplicates(case, user=request.user) if can_merge(request.user, case) else [],
        "point": {"lon": case.lon, "lat": case.lat, "title": case.title} if case.lon is not None else None,
    })


@require_POST
@login_required
def act(request: HttpRequest, number: str) -> HttpResponse:
    case = selectors.access_case(request.user, number)
    form = ActionForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "; ".join(f"{k}: {' '.join(str(m) for m in v)}" for k, v in form.errors.items()))
        return redirect("case-detail", number=number)
    data = form.cleaned_data
    unit_ids = [int(u) for u in data["units"].split(",") if u.strip().isdigit()]
    units = sorted(Unit.objects.filter(pk__in=unit_ids), key=lambda u: unit_ids.index(u.pk))
    extend = (data["extend_amount"], data["extend_unit"]) if data["extend_amount"] else None
    follow_up = ({"contacted": data["contacted"], "solved": data["solved"], "satisfaction": data["satisfaction"]}
                 if data["action"] == "follow_up" else None)
    try:
        updated = do_transition(request.user, case.pk, data["action"], note=data["note"], expected_version=data["version"],
                                units=units, extend=extend, follow_up=follow_up, category=data["category"])
        if data["photo"]:
            attach(updated, data["photo"], step=updated.steps.order_by("-seq").first())
    except (TransitionRefusedError, CaseInputError) as exc:
        messages.error(request, str(exc))
        return redirect("case-detail", number=number)
    messages.success(request, f"已{get_workflow(updated.workflow).transition(data['action']).label}")
    return redirect("case-detail", number=number)


def intake_areas(user: Any) -> list[tuple[str, str]]:
    roots = access.scope_roots(user, access.VIEW, "case")
    if not roots:
        return []
    q = Q(pk__in=[])
    for root in roots:
        q |= subtree_q("path", root)
    areas = Area.objects.filter(q, level__in=[Level.STREET, Level.COMMUNITY], is_active=True).order_by("path")[:2000]
    return [(a.path, ("　" if a.level == Level.COMMUNITY else "") + a.name) for a in areas]


@login_required
def hotline_new(request: HttpRequest) -> HttpResponse:
    areas = intake_areas(request.user)
    if not areas:
        raise PermissionDenied("您的岗位不能受理诉求。")
    form = HotlineForm(request.POST or None, areas=areas)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            result = do_intake(workflow="hotline", channel="hotline", title=d["title"], description=d["description"],
                               kind=d["kind"], category=d["category"], area=Area.objects.filter(path=d["area"]).first(),
                               address=d["address"], reporter_name=d["reporter_name"], reporter_phone=d["reporter_phone"],
                               client_key=d["client_key"] or None, actor=request.user)
        except CaseInputError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        else:
            messages.success(request, _("已受理，编号 %(number)s") % {"number": result.case.number})
            return redirect("case-detail", number=result.case.number)
    return render(request, "cases/hotline_form.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def grid_report(request: HttpRequest) -> HttpResponse:
    form = GridReportForm(request.POST or None, request.FILES or None)
    wants_json = request.headers.get("Accept", "").startswith("application/json")
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                result = do_intake(workflow="grid_event", channel="grid", title=d["title"], category=d["category"],
                                   lon=d["lon"], lat=d["lat"], datum=d["datum"] or "wgs84",
                                   client_key=d["client_key"] or None, actor=request.user)
                if d["photo"] and result.created:
                    attach(result.case, d["photo"])
            except CaseInputError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, str(exc))
            else:
                if wants_json:
                    return JsonResponse({"number": result.case.number, "created": result.created})
                messages.success(request, _("已上报，编号 %(number)s") % {"number": result.case.number})
                return redirect("case-detail", number=result.case.number)
        if wants_json:
            return JsonResponse({"errors": {k: [str(m) for m in v] for k, v in form.errors.items()}}, status=400)
    return render(request, "cases/grid_report.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def attachment(request: HttpRequest, number: str, pk: int) -> FileResponse:
    case = selectors.access_case(request.user, number)
    item = case.attachments.filter(pk=pk).first()
    if item is None:
        raise Http404
    return FileResponse(item.file.open("rb"), content_type=item.content_type)



@login_required
def rates(request: HttpRequest) -> HttpResponse:
    overview = rates_overview(request.user, timezone.now())
    if not overview:
        raise PermissionDenied("您的岗位不能查看考评数据。")
    if request.GET.get("format") == "xlsx":
        return rates_xlsx(overview)
    overview["area_chart"] = rate_chart(overview["areas"])
    overview["dept_chart"] = rate_chart(overview["departments"])
    return render(request, "cases/rates.html", overview)


@login_required
def indicators(request: HttpRequest) -> HttpResponse:
    overview = indicators_overview(request.user, timezone.now())
    if not overview:
        raise PermissionDenied("您的岗位不能查看考评数据。")
    return render(request, "cases/indicators.html", overview)
