"""Who may open which registry page and API endpoint, generated from the URL conf: every route
under /registry/ and /api/registry/ must have an entry in ROUTES, so a new URL without a rule
fails here. Each entry builds a request at an object inside the grid worker's grid (G1) and one
in another district (G5), and says what kind of action it is; EXPECTED says who gets what.

    grid worker (G1)          reads, reveals and changes in G1; nothing in G5
    data reader (岳麓街道)      reads G1 (masked), no reveal, no change, no link
    department handler        nothing of the registry (403), even for its own district
    system administrator      nothing (三员分立: configuration is not reading residents' data)
    resident                  nothing
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from gongzhi.accounts.models import User
from gongzhi.core.access import Role
from gongzhi.registry.models import Person
from tests.registry.pages_builders import G1, G5, City

pytestmark = pytest.mark.django_db

Request = tuple[str, str, dict[str, Any]]  # method, url, data
Build = Callable[[City, bool], Request]


def g(url: str) -> tuple[str, str, dict[str, Any]]:
    return ("get", url, {})


def area(inside: bool) -> str:
    return G1 if inside else G5


def left(person: Person) -> Person:
    """Only a person who has left may be deleted: mark them so the route is reached."""
    Person.objects.filter(pk=person.pk).update(left_at=date(2026, 1, 1))
    return person


ROUTES: dict[str, tuple[str, Build]] = {
    "registry/area/<str:path>/": ("read", lambda c, i: g(f"/registry/area/{area(i)}/")),
    "registry/search/": ("read", lambda c, i: g(f"/registry/search/?area={area(i)}&q=张")),
    "registry/houses/": ("read", lambda c, i: g(f"/registry/houses/?area={area(i)}")),
    "registry/organisations/": ("read", lambda c, i: g(f"/registry/organisations/?area={area(i)}")),
    "registry/building/<int:pk>/": ("read", lambda c, i: g(f"/registry/building/{(c.b1 if i else c.b5).pk}/")),
    "registry/house/<int:pk>/": ("read", lambda c, i: g(f"/registry/house/{(c.h101 if i else c.h501).pk}/")),
    "registry/person/<int:pk>/": ("read", lambda c, i: g(f"/registry/person/{(c.zhang if i else c.zhao).pk}/")),
    "registry/person/<int:pk>/reveal/": ("reveal", lambda c, i: (
        "post", f"/registry/person/{(c.zhang if i else c.zhao).pk}/reveal/", {"field": "id_number", "reason": "核实身份信息"})),
    "registry/person/<int:pk>/copy/": ("reveal", lambda c, i: (
        "post", f"/registry/person/{(c.zhang if i else c.zhao).pk}/copy/", {"reason": "本人申请查阅"})),
    "registry/person/<int:pk>/correct/": ("change", lambda c, i: g(f"/registry/person/{(c.zhang if i else c.zhao).pk}/correct/")),
    "registry/person/<int:pk>/delete/": ("change", lambda c, i: (
        "post", f"/registry/person/{left(c.li if i else c.zhao).pk}/delete/", {"reason": "迁出后本人申请删除"})),
    "registry/export/<str:kind>/": ("read", lambda c, i: g(f"/registry/export/people/?area={area(i)}")),
    "registry/visit/": ("change", lambda c, i: g("/registry/visit/?building=麓山" if i else "/registry/visit/")),
    "registry/visit/house/<int:pk>/": ("change", lambda c, i: g(f"/registry/visit/house/{(c.h101 if i else c.h501).pk}/")),
    "registry/visit/house/<int:pk>/moved-out/": ("change", lambda c, i: (
        "post", f"/registry/visit/house/{(c.h102 if i else c.h501).pk}/moved-out/", {"person": (c.li if i else c.zhao).pk})),
    "registry/case/<str:number>/link/": ("link", lambda c, i: (
        "post", f"/registry/case/{c.case.number}/link/", {"kind": "person", "pk": (c.li if i else c.zhao).pk})),
    "registry/stats/<str:path>/": ("read", lambda c, i: g(f"/registry/stats/{area(i)}/")),
    "api/registry/people": ("read", lambda c, i: g(f"/api/registry/people?area={area(i)}")),
    "api/registry/people/<person_id>": ("read", lambda c, i: g(f"/api/registry/people/{(c.zhang if i else c.zhao).pk}")),
}
# Extra requests of a route that the one above does not cover (the unmasked export is a POST).
EXTRA: list[tuple[str, Build]] = [
    ("reveal", lambda c, i: ("post", f"/registry/export/people/?area={area(i)}", {"reason": "民政核对名单"})),
    ("link", lambda c, i: g(f"/registry/case/{(c.case if i else c.case5).number}/link/?kind=person&q=李")),
]
# The visit search is not tied to an object: outside one's grids it lists nothing rather than refusing.
OUT_OF_SCOPE_OK = {"/registry/visit/"}

OK = {200, 302}
EXPECTED: dict[str, dict[str, tuple[set[int], set[int]]]] = {
    # kind → role → (statuses inside G1, statuses in G5)
    "read": {Role.GRID_WORKER: (OK, {403}), Role.DATA_READER: (OK, {403})},
    "reveal": {Role.GRID_WORKER: (OK, {403}), Role.DATA_READER: ({403}, {403})},
    "change": {Role.GRID_WORKER: (OK, {403}), Role.DATA_READER: ({403}, {403})},
    "link": {Role.GRID_WORKER: (OK, {403}), Role.DATA_READER: ({403}, {403})},
}
NOBODY = (Role.DEPT_HANDLER, Role.SYS_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN, Role.RESIDENT)


def walk(patterns: list[URLPattern | URLResolver], prefix: str = "") -> Iterator[str]:
    for p in patterns:
        if isinstance(p, URLResolver):
            if not str(p.pattern).startswith("admin/"):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
        else:
            yield prefix + str(p.pattern)


REGISTRY_ROUTES = sorted(r for r in walk(get_resolver().url_patterns)
                         if r.startswith(("registry/", "api/registry/")))
IMPORT_PREFIX = "registry/import/"  # the import pages' own tests hold their matrix; here: outsiders refused


def test_every_registry_route_has_an_access_rule() -> None:
    missing = [r for r in REGISTRY_ROUTES if r not in ROUTES and not r.startswith(IMPORT_PREFIX)]
    assert missing == [], f"add these routes to ROUTES with their kind of action: {missing}"
    assert set(ROUTES) <= set(REGISTRY_ROUTES), "ROUTES lists a route that no longer exists"


def send(user: User, req: Request) -> int:
    c = Client()
    c.force_login(user)
    method, url, data = req
    return int(getattr(c, method)(url, data).status_code)


CASES = [(route, kind, b) for route, (kind, b) in ROUTES.items()] + [(f"extra:{kind}", kind, b) for kind, b in EXTRA]


@pytest.mark.parametrize(("route", "kind", "make"), CASES, ids=[c[0] for c in CASES])
def test_scoped_roles(city: City, route: str, kind: str, make: Build) -> None:
    for role, (inside, outside) in EXPECTED[kind].items():
        user = city.users[role]
        req_in, req_out = make(city, True), make(city, False)
        assert send(user, req_in) in inside, (role, req_in)
        if req_out[1] not in OUT_OF_SCOPE_OK:
            assert send(user, req_out) in outside, (role, req_out)


@pytest.mark.parametrize(("route", "kind", "make"), CASES, ids=[c[0] for c in CASES])
def test_outsiders_see_nothing(city: City, route: str, kind: str, make: Build) -> None:
    for role in NOBODY:
        for inside in (True, False):
            req = make(city, inside)
            assert send(city.users[role], req) == 403, (role, req)


@pytest.mark.parametrize("route", [r for r in REGISTRY_ROUTES if r.startswith(IMPORT_PREFIX)] or ["(none yet)"])
def test_import_routes_refuse_outsiders(city: City, route: str) -> None:
    if route == "(none yet)":
        pytest.skip("no import routes yet")
    import re

    url = "/" + re.sub(r"<(?:(\w+):)?\w+>", lambda m: {"int": "1"}.get(m.group(1) or "str", G1), route)
    for role in (Role.DEPT_HANDLER, Role.RESIDENT):
        for method in ("get", "post"):
            c = Client()
            c.force_login(city.users[role])
            assert getattr(c, method)(url).status_code in {403, 404, 405}, (role, method, url)


def test_community_worker_sees_the_community_but_not_the_next(city: City) -> None:
    user = city.users[Role.COMMUNITY_WORKER]
    assert send(user, g(f"/registry/building/{city.b2.pk}/")) == 200  # grid 2 of the same community
    assert send(user, g("/registry/area/430104002001/")) == 403  # 枇杷塘社区, same street
    assert send(user, g(f"/registry/person/{city.zhao.pk}/")) == 403


def test_a_department_handler_with_a_data_reader_post_reads_masked(city: City) -> None:
    from gongzhi.accounts.models import Post

    dept = city.users[Role.DEPT_HANDLER]
    assert send(dept, g(f"/registry/person/{city.zhang.pk}/")) == 403
    Post.objects.create(user=dept, role=Role.DATA_READER, area=city.tree["430104002014"])
    dept = User.objects.get(pk=dept.pk)  # a fresh object: posts are cached per user object
    assert send(dept, g(f"/registry/person/{city.zhang.pk}/")) == 200
    assert send(dept, ("post", f"/registry/person/{city.zhang.pk}/reveal/",
                       {"field": "id_number", "reason": "核实身份信息"})) == 403
    assert send(dept, g(f"/registry/visit/house/{city.h101.pk}/")) == 403
    assert send(dept, g(f"/api/registry/people/{city.zhang.pk}")) == 200
    assert send(dept, g(f"/registry/person/{city.zhao.pk}/")) == 403  # only over the granted area
