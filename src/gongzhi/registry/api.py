"""JSON API for the registry: people lists and cards, masked and scoped through core.access.

No ``from __future__ import annotations`` here: django-ninja resolves the query schema at import.

Protected values leave the API masked only; revealing one is a page action with a reason."""

from datetime import date
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema
from ninja.pagination import paginate

from gongzhi.core.api_common import Pages, errors
from gongzhi.core.middleware import api_caller
from gongzhi.registry import selectors
from gongzhi.registry.forms import PeopleFilterForm
from gongzhi.registry.models import Person
from gongzhi.registry.services import RegistryInputError

router = Router(tags=["registry"])


class PeopleQuery(Schema):
    area: str = ""
    q: str = ""
    tag: str = ""
    residency: str = ""
    gender: str = ""
    age_min: int | None = None
    age_max: int | None = None
    address: str = ""
    include_left: bool = False


class TagOut(Schema):
    code: str
    name: str
    sensitive: bool
    values: dict[str, Any] | None  # None for a sensitive key group: shown only after a reveal


class PersonOut(Schema):
    id: int
    name: str
    gender: str
    birth_date: date | None
    age: int | None
    id_number: str  # masked
    phone: str  # masked
    residency: str
    relation: str
    household: str | None
    area_path: str
    left_at: date | None
    tags: list[str]


class ResidenceOut(Schema):
    house: int
    address: str
    role: str
    since: date | None
    until: date | None


class PersonDetailOut(PersonOut):
    ethnicity: str
    registered_address: str
    purpose: str
    residences: list[ResidenceOut]
    key_groups: list[TagOut]


def person_out(p: Person, today: date) -> dict[str, Any]:
    return {
        "id": p.pk, "name": p.name, "gender": p.gender, "birth_date": p.birth_date,
        "age": selectors.age_of(p.birth_date, today), "id_number": str(p.id_number or ""),
        "phone": str(p.phone or ""), "residency": p.residency, "relation": p.relation,
        "household": (p.household.number or str(p.household.pk)) if p.household else None,
        "area_path": p.area_path, "left_at": p.left_at, "tags": [t.tag_type.code for t in p.tags.all()],
    }


def _filters(request: HttpRequest, query: PeopleQuery) -> tuple[str, selectors.PeopleFilter]:
    form = PeopleFilterForm({k: v for k, v in query.dict().items() if v not in (None, "", False)})
    if not form.is_valid():
        field, errors = next(iter(form.errors.items()))
        raise RegistryInputError(field, " ".join(str(e) for e in errors))
    user = api_caller(request)
    area = selectors.access_registry_area(user, form.cleaned_data["area"] or selectors.default_area_path(user))
    return area.path, form.people_filter()


@router.get("/registry/people", response={200: list[PersonOut], **errors(400, 404, 422)},
            summary="People the caller may see (masked), filtered like the people list page")
@paginate(Pages, page_size=50)
def list_people(request: HttpRequest, query: PeopleQuery = Query(...)) -> Any:  # type: ignore[type-arg]  # noqa: B008
    area_path, f = _filters(request, query)
    today = timezone.localdate()
    qs = selectors.with_current_home(selectors.find_people(api_caller(request), area_path, f, today=today))
    return _Rows(qs, today)


class _Rows:
    """A lazy page source: the paginator slices the queryset, rows are built for that slice only."""

    def __init__(self, qs: Any, today: date) -> None:
        self.qs, self.today = qs, today

    def __len__(self) -> int:
        return int(self.qs.count())

    def count(self) -> int:
        return len(self)

    def __getitem__(self, s: slice) -> list[dict[str, Any]]:
        return [person_out(p, self.today) for p in self.qs[s]]


@router.get("/registry/people/{person_id}", response={200: PersonDetailOut, **errors(404, 422)}, summary="One person's card (masked)")
def get_person(request: HttpRequest, person_id: int) -> dict[str, Any]:
    user = api_caller(request)
    p = selectors.access_person(user, person_id)
    today = timezone.localdate()
    return {
        **person_out(p, today), "ethnicity": p.ethnicity, "registered_address": p.registered_address,
        "purpose": p.purpose,
        "residences": [{"house": r.house_id, "address": f"{r.house.building.address} {r.house}", "role": r.role,
                        "since": r.since, "until": r.until} for r in selectors.residences_of(p)],
        "key_groups": [{"code": t.tag.tag_type.code, "name": t.tag.tag_type.name, "sensitive": t.tag.tag_type.sensitive,
                        "values": dict(t.values) if t.values is not None else None}
                       for t in selectors.shown_tags(p)],
    }
