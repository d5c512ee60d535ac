"""Registry pages: per-area drill-down (buildings → houses → people), the person card with
reveal-with-reason, search and filtered lists with Excel export, the grid worker's visit page,
case links and statistics. Every lookup goes through registry.selectors (core.access)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gongzhi.areas import selectors as area_selectors
from gongzhi.areas.models import Area
from gongzhi.cases.selectors import access_case
from gongzhi.core import access
from gongzhi.registry import export as exporting
from gongzhi.registry import selectors
from gongzhi.registry.forms import (
    BuildingFilterForm,
    HouseFilterForm,
    LinkForm,
    ListForm,
    MemberForm,
    OrganisationFilterForm,
    PeopleFilterForm,
    RevealForm,
    VisitSearchForm,
)
from gongzhi.registry.models import Building, House, HouseUse, Organisation, Person, TagType
from gongzhi.registry.services import (
    RegistryInputError,
    RevealRefusedError,
    check_person,
    do_end_residence,
    do_link_subject,
    do_reveal,
    do_visit_member,
)
from gongzhi.registry.stats import area_stats

PAGE_SIZE = 50


def paged(request: HttpRequest, qs: QuerySet[Any]) -> Page[Any]:
    return Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))


def as_id(raw: str | None) -> int:
    """A row id from a form; anything else finds nothing (404), never a 500."""
    return int(raw) if raw and raw.isdigit() and len(raw) < 12 else 0


def refused(request: HttpRequest, message: str, status: int = 400) -> HttpResponse:
    return render(request, "registry/refused.html", {"message": message}, status=status)


def list_area(request: HttpRequest, form: ListForm) -> Area:
    return selectors.access_registry_area(request.user, form.cleaned_data["area"] or selectors.default_area_path(request.user))


def list_context(request: HttpRequest, area: Area, kind: str, form: ListForm, page: Page[Any]) -> dict[str, Any]:
    return {"area": area, "form": form, "page": page, "total": page.paginator.count, "export_kind": kind,
            "can_unmask": access.can(request.user, access.REVEAL, "personal_data", area.path),
            "crumbs": crumbs(request.user, area)}


def crumbs(user: Any, area: Area) -> list[tuple[Area, bool]]:
    return [(a, access.can(user, access.VIEW, "registry", a.path)) for a in area_selectors.breadcrumb(area)]


@login_required
def area_page(request: HttpRequest, path: str) -> HttpResponse:
    area = selectors.access_registry_area(request.user, path)
    form = BuildingFilterForm(request.GET)
    form.is_valid()
    page = paged(request, selectors.find_buildings(request.user, area.path, form.cleaned_data.get("q", "")))
    counts = selectors.building_counts([b.pk for b in page])
    children = [(k.area, access.can(request.user, access.VIEW, "registry", k.area.path))
                for k in area_selectors.children(request.user, area)]
    return render(request, "registry/area.html", {
        **list_context(request, area, "buildings", form, page), "tags": selectors.tag_counts(request.user, area.path),
        "rows": [(b, counts[b.pk]) for b in page], "children": children,
        "can_import": access.can(request.user, access.CHANGE, "registry", area.path)})


@login_required
def people(request: HttpRequest) -> HttpResponse:
    form = PeopleFilterForm(request.GET)
    if not form.is_valid():
        return render(request, "registry/people.html", {"form": form, "page": None}, status=400)
    area = list_area(request, form)
    qs = selectors.find_people(request.user, area.path, form.people_filter())
    page = paged(request, selectors.with_current_home(qs))
    today = timezone.localdate()
    return render(request, "registry/people.html", {
        **list_context(request, area, "people", form, page),
        "rows": [(p, selectors.age_of(p.birth_date, today)) for p in page]})


@login_required
def houses(request: HttpRequest) -> HttpResponse:
    form = HouseFilterForm(request.GET)
    if not form.is_valid():
        return refused(request, form.error_text())
    area = list_area(request, form)
    d = form.cleaned_data
    page = paged(request, selectors.find_houses(request.user, area.path, d["q"], d["use"]))
    counts = selectors.living_counts([h.pk for h in page])
    return render(request, "registry/houses.html", {
        **list_context(request, area, "houses", form, page), "rows": [(h, counts.get(h.pk, 0)) for h in page]})


@login_required
def organisations(request: HttpRequest) -> HttpResponse:
    form = OrganisationFilterForm(request.GET)
    if not form.is_valid():
        return refused(request, form.error_text())
    area = list_area(request, form)
    page = paged(request, selectors.find_organisations(request.user, area.path, form.cleaned_data["q"],
                                                       form.cleaned_data["kind"]))
    return render(request, "registry/organisations.html", list_context(request, area, "organisations", form, page))


@login_required
def building(request: HttpRequest, pk: int) -> HttpResponse:
    b = selectors.access_building(request.user, pk)
    return render(request, "registry/building.html", {
        "building": b, "houses": selectors.houses_with_residents(b), "grid": b.grid,
        "organisations": list(b.organisations.order_by("name"))})


@login_required
def house(request: HttpRequest, pk: int) -> HttpResponse:
    h = selectors.access_house(request.user, pk)
    residences = list(h.residences.select_related("person").order_by(*selectors.CURRENT_FIRST))
    return render(request, "registry/house.html", {
        "house": h, "current": [r for r in residences if r.until is None],
        "history": [r for r in residences if r.until is not None],
        "households": list(h.households.prefetch_related("members").select_related("head")),
        "can_change": access.can(request.user, access.CHANGE, "registry", h.area_path)})


@login_required
def person(request: HttpRequest, pk: int) -> HttpResponse:
    p = selectors.access_person(request.user, pk)
    return render(request, "registry/person.html", person_context(request, p))


def person_context(request: HttpRequest, p: Person) -> dict[str, Any]:
    today = timezone.localdate()
    household = p.household
    return {"person": p, "age": selectors.age_of(p.birth_date, today), "tags": selectors.shown_tags(p),
            "residences": selectors.residences_of(p), "cases": selectors.cases_of(request.user, p),
            "household": household,
            "members": list(household.members.exclude(pk=p.pk).order_by("name")) if household else [],
            "can_reveal": access.can(request.user, access.REVEAL, "personal_data", p.area_path),
            "can_change": access.can(request.user, access.CHANGE, "registry", p.area_path)}


@require_POST
@login_required
def reveal(request: HttpRequest, pk: int) -> HttpResponse:
    p = selectors.access_person(request.user, pk)
    form = RevealForm(request.POST)
    form.is_valid()
    try:
        shown = do_reveal(request.user, p, form.cleaned_data.get("field", ""), form.cleaned_data.get("reason", ""))
    except RevealRefusedError as exc:
        return render(request, "registry/reveal.html", {"person": p, "error": str(exc)}, status=400)
    response = render(request, "registry/reveal.html", {"person": p, "shown": shown})
    response["Cache-Control"] = "no-store"
    return response


EXPORT_FORMS: dict[str, type[ListForm]] = {
    "people": PeopleFilterForm, "buildings": BuildingFilterForm, "houses": HouseFilterForm,
    "organisations": OrganisationFilterForm,
}


@login_required
def export(request: HttpRequest, kind: str) -> HttpResponse | FileResponse:
    """GET: the list as masked Excel. POST with ``reason``: unmasked, for those allowed."""
    if kind not in EXPORT_FORMS:
        raise Http404(kind)
    form = EXPORT_FORMS[kind](request.GET)
    if not form.is_valid():
        return refused(request, form.error_text())
    area = list_area(request, form)
    filters = {k: v for k, v in form.cleaned_data.items() if k != "area"}
    try:
        result = exporting.do_export(request.user, kind, area.path, filters, unmasked=request.method == "POST",
                                     reason=request.POST.get("reason", ""))
    except PermissionDenied:
        return refused(request, _("完整导出须在整个导出区域内具有查看个人信息的权限；您可以导出脱敏版本。"), 403)
    except RevealRefusedError as exc:
        return refused(request, str(exc))
    response = FileResponse(result.file, as_attachment=True, filename=result.filename,
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Cache-Control"] = "no-store"
    return response


def visit_roots(user: Any) -> list[str]:
    roots = access.scope_roots(user, access.CHANGE, "registry")
    if not roots:
        raise PermissionDenied(_("您的岗位不能登记人口信息。"))
    return roots


@login_required
def visit(request: HttpRequest) -> HttpResponse:
    visit_roots(request.user)
    form = VisitSearchForm(request.GET)
    form.is_valid()
    d = form.cleaned_data
    found = list(selectors.houses_to_visit(request.user, d.get("building", ""), d.get("room", ""))[:PAGE_SIZE]) \
        if d.get("building") or d.get("room") else []
    counts = selectors.living_counts([h.pk for h in found])
    return render(request, "registry/visit.html", {"form": form, "houses": [(h, counts.get(h.pk, 0)) for h in found]})


@login_required
def visit_house(request: HttpRequest, pk: int) -> HttpResponse:
    visit_roots(request.user)
    h = selectors.access_house(request.user, pk)
    if not access.can(request.user, access.CHANGE, "registry", h.area_path):
        raise PermissionDenied(_("您无权修改此房屋的住户。"))
    wanted = request.POST.get("person") or request.GET.get("person")
    editing = selectors.access_person(request.user, as_id(wanted)) if wanted else None
    tag_types = list(TagType.objects.filter(is_active=True))
    form = MemberForm(request.POST or None, tag_types=tag_types, person=editing)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            fields = check_person(name=d["name"], id_number=d["id_number"], phone=d["phone"], relation=d["relation"],
                                  residency=d["residency"])
            saved = do_visit_member(request.user, h, fields, form.tag_inputs(), person=editing)
        except RegistryInputError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        else:
            messages.success(request, _("已保存 %(name)s") % {"name": saved.name})
            return redirect("registry-visit-house", pk=h.pk)
    residents = list(h.residences.filter(until__isnull=True).select_related("person").order_by("person__name"))
    return render(request, "registry/visit_house.html", {
        "house": h, "form": form, "groups": form.group_fields(), "editing": editing, "residents": residents},
        status=400 if form.errors else 200)


@require_POST
@login_required
def visit_moved_out(request: HttpRequest, pk: int) -> HttpResponse:
    h = selectors.access_house(request.user, pk)
    p = selectors.access_person(request.user, as_id(request.POST.get("person")))
    try:
        do_end_residence(request.user, p, h)
    except RegistryInputError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("%(name)s 已迁出，居住记录已保留。") % {"name": p.name})
    return redirect("registry-visit-house", pk=h.pk)


LINK_KINDS = LinkForm.base_fields["kind"].choices  # type: ignore[attr-defined]
ACCESSORS: dict[str, Callable[[Any, int], Building | House | Organisation | Person]] = {"person": selectors.access_person, "house": selectors.access_house,
             "building": selectors.access_building, "organisation": selectors.access_organisation}


@login_required
def case_link(request: HttpRequest, number: str) -> HttpResponse:
    """GET: registry rows in the case's area matching a search; POST: link one to the case."""
    case = access_case(request.user, number)
    if not selectors.may_link(request.user, case):
        raise PermissionDenied(_("您的岗位不能为案件关联台账对象。"))
    form = LinkForm(request.POST if request.method == "POST" else request.GET)
    if not form.is_valid():
        return refused(request, "；".join(f"{k}: {' '.join(str(m) for m in v)}" for k, v in form.errors.items()))
    d = form.cleaned_data
    if request.method == "POST":
        if not d["pk"]:
            return refused(request, _("字段 pk：须选择要关联的对象。"))
        try:
            do_link_subject(request.user, case, ACCESSORS[d["kind"]](request.user, d["pk"]))
        except RegistryInputError as exc:
            return refused(request, str(exc), 403)
        messages.success(request, _("已关联"))
        return redirect("case-detail", number=case.number)
    found = selectors.subjects_matching(request.user, case.area_path, d["kind"], d["q"])
    return render(request, "registry/link.html", {"case": case, "found": found, "kind": d["kind"], "q": d["q"],
                                                  "link_kinds": LINK_KINDS})


@login_required
def stats(request: HttpRequest, path: str) -> HttpResponse:
    rows = area_stats(request.user, path)  # 404 / 403 by its own scope rule (a partial view is allowed)
    area = Area.objects.defer("boundary").get(path=path)
    return render(request, "registry/stats.html", {
        "area": area, "rows": rows[:-1], "total": rows[-1] if rows else None, "crumbs": crumbs(request.user, area),
        "tag_types": list(TagType.objects.filter(is_active=True)), "uses": HouseUse.choices})
