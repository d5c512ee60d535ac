"""Reads of the registry for pages, exports and the API — every one scoped through core.access."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.areas.models import Area, Level
from gongzhi.cases.models import Case
from gongzhi.cases.selectors import visible_cases
from gongzhi.cases.workflow import get_workflow
from gongzhi.core import access
from gongzhi.core.idcard import normalise_id_number
from gongzhi.core.paths import subtree_q
from gongzhi.core.pii import hash_field_value
from gongzhi.registry.models import (
    Building,
    CaseSubject,
    House,
    Household,
    Organisation,
    Person,
    PersonTag,
    Residence,
    ResidenceRole,
    TagType,
)
from gongzhi.registry.tags import decode_values

_M = TypeVar("_M", bound=models.Model)


def _under(model: type[_M], user: Any, area_path: str, resource: str = "registry") -> QuerySet[_M]:
    """Rows of ``model`` in grids under ``area_path`` that ``user`` may see."""
    return access.restrict(model._default_manager.filter(subtree_q("area_path", area_path)), user, access.VIEW, resource)


def buildings_in(user: Any, area_path: str) -> QuerySet[Building]:
    return _under(Building, user, area_path, "building")


def houses_in(user: Any, area_path: str) -> QuerySet[House]:
    return _under(House, user, area_path)


def households_in(user: Any, area_path: str) -> QuerySet[Household]:
    return _under(Household, user, area_path)


def people_in(user: Any, area_path: str) -> QuerySet[Person]:
    """People living in grids under ``area_path`` whom ``user`` may see (moved-out ones too)."""
    return _under(Person, user, area_path)


def organisations_in(user: Any, area_path: str) -> QuerySet[Organisation]:
    return _under(Organisation, user, area_path)


def tagged_in(user: Any, area_path: str, tag_code: str) -> QuerySet[Person]:
    """People of one key group (独居老人 …) under ``area_path``: the one-click list."""
    tags = PersonTag.objects.filter(subtree_q("area_path", area_path), tag_type__code=tag_code)
    return people_in(user, area_path).filter(pk__in=tags.values("person_id"))


def search_people(user: Any, area_path: str, text: str) -> QuerySet[Person]:
    """By ID number or phone (exact, through the keyed hash) or by name (prefix)."""
    text = "".join((text or "").split())
    qs = people_in(user, area_path)
    if not text:
        return qs.none()
    digits = normalise_id_number(text)
    if len(digits) == 18 and digits[:17].isdigit():
        return qs.filter(id_number_hash=hash_field_value("id_number", digits))
    if text.isdigit() and len(text) >= 7:
        return qs.filter(phone_hash=hash_field_value("phone", text))
    return qs.filter(Q(name__startswith=text))


# --- Pages, exports and the API: lookups that authorise, list filters, the person card. ---


def access_registry_area(user: Any, path: str) -> Area:
    """The area at ``path`` if its registry is within ``user``'s scope: 404 if none, 403 if not."""
    area = Area.objects.defer("boundary").filter(path=path, is_active=True).first()
    if area is None:
        raise Http404(path)
    if not access.can(user, access.VIEW, "registry", area.path):
        raise PermissionDenied(_("您无权查看此区域的人口台账。"))
    return area


def default_area_path(user: Any) -> str:
    """Where a registry list starts when no area is given: the user's first registry scope."""
    roots = access.scope_roots(user, access.VIEW, "registry")
    if not roots:
        raise PermissionDenied(_("您的岗位不能查看人口台账。"))
    return roots[0]




def _access(qs: QuerySet[_M], user: Any, pk: int) -> _M:
    obj = qs.filter(pk=pk).first()
    if obj is None:
        raise Http404(str(pk))
    if not access.can(user, access.VIEW, "registry", obj.area_path):  # type: ignore[attr-defined]
        raise PermissionDenied(_("您无权查看此台账记录。"))
    return obj


def access_person(user: Any, pk: int) -> Person:
    return _access(Person.objects.select_related("household"), user, pk)


def access_house(user: Any, pk: int) -> House:
    return _access(House.objects.select_related("building"), user, pk)


def access_building(user: Any, pk: int) -> Building:
    return _access(Building.objects.all(), user, pk)


def access_organisation(user: Any, pk: int) -> Organisation:
    return _access(Organisation.objects.select_related("building"), user, pk)


def grid_names(area_path: str) -> dict[str, str]:
    """Names of the grids under ``area_path``, for lists that show each row's grid."""
    rows = Area.objects.filter(subtree_q("path", area_path), level__gte=Level.GRID).values_list("path", "name")
    return dict(rows)


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year - years, day=28)


def age_of(birth: date | None, today: date) -> int | None:
    if birth is None:
        return None
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


@dataclass(frozen=True)
class PeopleFilter:
    """A people list's filters, as the list page, the export and the API take them."""

    q: str = ""
    tag: str = ""
    residency: str = ""
    gender: str = ""
    age_min: int | None = None
    age_max: int | None = None
    address: str = ""
    include_left: bool = False

    def as_data(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v not in ("", None, False)}


def find_people(user: Any, area_path: str, f: PeopleFilter, *, today: date | None = None) -> QuerySet[Person]:
    today = today or timezone.localdate()
    qs = search_people(user, area_path, f.q) if f.q.strip() else people_in(user, area_path)
    if f.tag:
        tags = PersonTag.objects.filter(subtree_q("area_path", area_path), tag_type__code=f.tag)
        qs = qs.filter(pk__in=tags.values("person_id"))
    if f.residency:
        qs = qs.filter(residency=f.residency)
    if f.gender:
        qs = qs.filter(gender=f.gender)
    if f.age_min is not None:
        qs = qs.filter(birth_date__lte=years_before(today, f.age_min))
    if f.age_max is not None:
        qs = qs.filter(birth_date__gt=years_before(today, f.age_max + 1))
    if f.address.strip():
        living = Residence.objects.filter(subtree_q("area_path", area_path), until__isnull=True,
                                          house__building__address__contains=f.address.strip())
        qs = qs.filter(pk__in=living.values("person_id"))
    if not f.include_left:
        qs = qs.filter(left_at__isnull=True)
    return qs.order_by("area_path", "name", "id")


def with_current_home(qs: QuerySet[Person]) -> QuerySet[Person]:
    """People with their current home and tags prefetched (lists and exports show both)."""
    living = Residence.objects.filter(until__isnull=True, role=ResidenceRole.LIVES).select_related("house__building")
    return qs.select_related("household").prefetch_related(
        Prefetch("residences", queryset=living, to_attr="current_homes"),
        Prefetch("tags", queryset=PersonTag.objects.select_related("tag_type").defer("values")),
    )


def find_buildings(user: Any, area_path: str, q: str = "") -> QuerySet[Building]:
    qs = buildings_in(user, area_path).defer("address_key")
    if q.strip():
        qs = qs.filter(Q(name__contains=q.strip()) | Q(address__contains=q.strip()))
    return qs.order_by("area_path", "name", "id")


def find_houses(user: Any, area_path: str, q: str = "", use: str = "") -> QuerySet[House]:
    qs = houses_in(user, area_path).select_related("building")
    q = q.strip()
    if q:
        qs = qs.filter(Q(building__name__contains=q) | Q(building__address__contains=q) | Q(room=q))
    if use:
        qs = qs.filter(use=use)
    return qs.order_by("area_path", "building__name", "unit_no", "room", "id")


def find_organisations(user: Any, area_path: str, q: str = "", kind: str = "") -> QuerySet[Organisation]:
    qs = organisations_in(user, area_path)
    if q.strip():
        qs = qs.filter(Q(name__contains=q.strip()) | Q(address__contains=q.strip()))
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("area_path", "name", "id")


def living_counts(house_ids: list[int]) -> dict[int, int]:
    rows = (Residence.objects.filter(house_id__in=house_ids, until__isnull=True, role=ResidenceRole.LIVES)
            .values("house_id").annotate(n=Count("id")).values_list("house_id", "n"))
    return dict(rows)


@dataclass(frozen=True)
class BuildingCounts:
    houses: int
    people: int


def building_counts(building_ids: list[int]) -> dict[int, BuildingCounts]:
    """Houses and current residents per building, by two grouped queries (a page's worth)."""
    houses = dict(House.objects.filter(building_id__in=building_ids).values("building_id")
                  .annotate(n=Count("id")).values_list("building_id", "n"))
    people = dict(Residence.objects.filter(house__building_id__in=building_ids, until__isnull=True,
                                           role=ResidenceRole.LIVES)
                  .values("house__building_id").annotate(n=Count("person_id", distinct=True))
                  .values_list("house__building_id", "n"))
    return {b: BuildingCounts(houses.get(b, 0), people.get(b, 0)) for b in building_ids}


def houses_with_residents(building: Building) -> list[House]:
    living = Residence.objects.filter(until__isnull=True).select_related("person").order_by("person__name")
    return list(building.houses.prefetch_related(Prefetch("residences", queryset=living, to_attr="current"))
                .order_by("unit_no", "room", "id"))


@dataclass(frozen=True)
class TagCount:
    tag_type: TagType
    count: int


def tag_counts(user: Any, area_path: str) -> list[TagCount]:
    """Each active key group with how many people (still living here) belong to it under the area."""
    tags = access.restrict(PersonTag.objects.filter(subtree_q("area_path", area_path),
                                                    person__left_at__isnull=True), user, access.VIEW, "registry")
    counts = dict(tags.values("tag_type_id").annotate(n=Count("id")).values_list("tag_type_id", "n"))
    return [TagCount(t, counts.get(t.pk, 0)) for t in TagType.objects.filter(is_active=True)]


@dataclass(frozen=True)
class TagShown:
    """A tag on the person card: the values of a sensitive type stay hidden until revealed."""

    tag: PersonTag
    values: list[tuple[str, Any]] | None


def tag_rows(tag_type: TagType, values: dict[str, Any]) -> list[tuple[str, Any]]:
    labels = {f["name"]: f["label"] for f in tag_type.fields}
    return [(labels.get(k, k), v) for k, v in values.items()]


def shown_tags(person: Person) -> list[TagShown]:
    out = []
    for tag in person.tags.select_related("tag_type").order_by("tag_type__order", "tag_type__code"):
        values = None if tag.tag_type.sensitive else tag_rows(tag.tag_type, decode_values(tag.values))
        out.append(TagShown(tag, values))
    return out


# Current rows (until is NULL) first, then the most recent: NULLs sort first on SQLite, last on
# PostgreSQL unless told.
CURRENT_FIRST = (F("until").desc(nulls_first=True), F("since").desc(nulls_last=True), "-id")


def residences_of(person: Person) -> list[Residence]:
    return list(person.residences.select_related("house__building").order_by(*CURRENT_FIRST))


@dataclass(frozen=True)
class LinkedCase:
    case: Case
    state: str


def cases_of(user: Any, person: Person) -> list[LinkedCase]:
    """The cases linked to ``person`` that ``user`` may see, newest first, with their state's name."""
    cases = (Case.objects.filter(pk__in=CaseSubject.objects.filter(person=person).values("case_id"))
             .filter(pk__in=visible_cases(user).values("pk")).order_by("-received_at"))
    return [LinkedCase(c, str(get_workflow(c.workflow).states.get(c.state, c.state))) for c in cases]


def subjects_of(user: Any, case: Case) -> tuple[list[CaseSubject], int]:
    """A case's linked registry rows that ``user`` may see, and how many others are hidden."""
    links = list(CaseSubject.objects.filter(case=case).select_related("person", "house__building", "building",
                                                                      "organisation").order_by("id"))
    shown = [s for s in links if access.can(user, access.VIEW, "registry", s.subject.area_path)]  # type: ignore[attr-defined]
    return shown, len(links) - len(shown)


def may_link(user: Any, case: Case) -> bool:
    """Whether ``user`` may link registry rows to the case: a frontline post over part of its area."""
    return any(r.startswith(case.area_path) or case.area_path.startswith(r)
               for r in access.scope_roots(user, access.VIEW, "personal_data"))


SUBJECT_KINDS = ("person", "house", "building", "organisation")
MAX_SUBJECT_MATCHES = 20


def subjects_matching(user: Any, area_path: str, kind: str, q: str) -> list[models.Model]:
    """Registry rows under ``area_path`` a case could be linked to, by name, number or address."""
    q = q.strip()
    if not q:
        return []
    if kind == "person":
        return list(search_people(user, area_path, q)[:MAX_SUBJECT_MATCHES])
    if kind == "house":
        return list(find_houses(user, area_path, q)[:MAX_SUBJECT_MATCHES])
    if kind == "building":
        return list(find_buildings(user, area_path, q)[:MAX_SUBJECT_MATCHES])
    if kind == "organisation":
        return list(find_organisations(user, area_path, q)[:MAX_SUBJECT_MATCHES])
    raise ValueError(f"kind: 应为 {'/'.join(SUBJECT_KINDS)} 之一")


def houses_to_visit(user: Any, building: str, room: str) -> QuerySet[House]:
    """Houses in the grids the user may change, by building name/address and room: the phone page."""
    qs = access.restrict(House.objects.select_related("building"), user, access.CHANGE, "registry")
    if building.strip():
        qs = qs.filter(Q(building__name__contains=building.strip()) | Q(building__address__contains=building.strip()))
    if room.strip():
        qs = qs.filter(room__startswith=room.strip())
    return qs.order_by("building__name", "unit_no", "room", "id")
