"""Role × area × action over every page and API operation (issue 6, item 7c).

Generated from the URL conf and the OpenAPI document: a route or operation without an entry in
tests/proof/endpoint_rules.py fails test_every_endpoint_has_a_rule, an entry without a route
fails it too (stale), and a role of core.access.Role without a column in its MATRIX fails every
check. Each check sends the probe's request at the object inside G1 and the one outside (G5) as
every role (posted at tests.builders.ROLE_POSTS) and as an anonymous visitor, and compares the
answer with the hand-written MATRIX:

    allowed   a status of probe.ok (a redirect not to a login page); for a list, the object's
              marker in the answer
    refused   signed in: 403/404 (or probe.refused), never 200 with the object, never a 500;
              anonymous: a redirect to the login page, 401 from the API; a refused write leaves
              its object unchanged (probe.state)

API operations are asked twice, with the user's API key and with the browser session.
The city is built once per module (one transaction, rolled back at the end); every test runs in
a savepoint of its own, so a write that is allowed does not leak into the next test.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.http import HttpResponse
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from gongzhi.accounts.models import LoginThrottle, Post, UnitKind
from gongzhi.accounts.tokens import create_token
from gongzhi.api import api
from gongzhi.areas import locate
from gongzhi.cases.attachments import attach
from gongzhi.cases.models import Assignment, AssignmentRole, Case, Category, LimitUnit
from gongzhi.cases.services import do_intake
from gongzhi.core import access, workcal
from gongzhi.core.access import Role
from gongzhi.insight import store
from gongzhi.insight.models import HotspotAlert, ModelStatus, TextModel
from gongzhi.registry.models import ImportJob, ImportStatus, Organisation
from tests import conftest
from tests.builders import ROLE_POSTS, make_role_users, make_tree, make_unit, make_user
from tests.proof.endpoint_rules import ANONYMOUS, CHECKS, COLUMNS, EXPECT, ROUTES, Check, Req, World
from tests.registry.pages_builders import G5, build

NEXT_DOOR = "430104002001001"  # 枇杷塘社区第1网格
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32

# --- what exists: the URL conf and the OpenAPI document ---


def walk(patterns: list[URLPattern | URLResolver], prefix: str = "") -> Iterator[tuple[str, bool]]:
    """(route, served by django-ninja) for every route; the Django admin is one entry."""
    for p in patterns:
        route = prefix + str(p.pattern)
        if isinstance(p, URLResolver):
            if route == "admin/":
                yield route, False
            else:
                yield from walk(p.url_patterns, route)
        else:
            yield route, getattr(p.callback, "__module__", "") == "ninja.operation"


def api_operations() -> dict[str, dict[str, Any]]:
    """"METHOD /api/path" → its OpenAPI entry."""
    schema = api.get_openapi_schema()
    return {f"{method.upper()} {path}": op for path, ops in schema["paths"].items() for method, op in ops.items()}


def found_endpoints() -> set[str]:
    routes = list(walk(get_resolver().url_patterns))
    return {r for r, ninja in routes if not ninja} | set(api_operations())


def test_the_walk_finds_pages_operations_and_open311() -> None:
    found = found_endpoints()
    assert {"", "audit/", "cases/<str:number>/", "admin/", "GET /api/cases/{number}", "POST /api/cases"} <= found
    assert any(r.startswith("open311/v2/") for r in found)


def test_every_endpoint_has_a_rule() -> None:
    found = found_endpoints()
    missing = sorted(found - set(ROUTES))
    stale = sorted(set(ROUTES) - found)
    assert not missing, "\n".join(f"new endpoint {r!r} has no access rule in tests/proof/endpoint_rules.py"
                                  for r in missing)
    assert not stale, "\n".join(f"tests/proof/endpoint_rules.py has a rule for {r!r}, which no longer exists"
                                for r in stale)


def test_every_api_path_is_in_the_openapi_document() -> None:
    """An operation left out of the schema would escape the table: its URL must still be one."""
    documented = {key.split(" ", 1)[1] for key in api_operations()}
    served = {"/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", r) for r, ninja in walk(get_resolver().url_patterns) if ninja}
    assert served == documented


def test_unauthenticated_operations_are_the_public_ones() -> None:
    for key, op in api_operations().items():
        if not op.get("security"):
            assert all(p.rule == "public" for p in ROUTES[key]), f"{key} needs no authentication but is not public"


def test_every_role_has_a_column_and_every_rule_a_row() -> None:
    missing = sorted({str(r) for r in Role} - set(COLUMNS.values()))
    assert not missing, f"roles without a column in tests/proof/endpoint_rules.py COLUMNS/MATRIX: {missing}"
    assert not sorted(set(Role) - set(ROLE_POSTS)), "every role needs a post in tests.builders.ROLE_POSTS"
    for rule, row in EXPECT.items():
        assert set(row) == set(COLUMNS.values()), f"MATRIX row {rule!r} lacks columns"
    used = {c.probe.rule for c in CHECKS} | {c.probe.sees for c in CHECKS if c.probe.sees}
    assert used <= set(EXPECT), f"probes name rules not in MATRIX: {sorted(used - set(EXPECT))}"
    assert set(EXPECT) <= used, f"MATRIX rows no probe uses: {sorted(set(EXPECT) - used)}"


# --- the city, once per module ---


def build_world(media: Path) -> World:
    tree = make_tree()
    users = make_role_users(tree)
    city = build(tree, users)
    category = Category.objects.create(code="garbage", name="暴露垃圾", workflow="hotline",
                                       limit_amount=Decimal(5), limit_unit=LimitUnit.WORK_DAYS)
    # The department handler's post belongs to 城管局, and the G1 case is dispatched to it.
    chengguan = make_unit("dept-430104-chengguan", UnitKind.DEPARTMENT, tree["430104"], "岳麓区城管局")
    Post.objects.filter(user=users[Role.DEPT_HANDLER]).update(unit=chengguan)
    Assignment.objects.create(case=city.case, unit=chengguan, role=AssignmentRole.LEAD, assigned_at=timezone.now())
    for key, case in (("ext-in", city.case), ("ext-out", city.case5)):
        Case.objects.filter(pk=case.pk).update(client_key=key)
        case.refresh_from_db()
    outsider = make_user("u_g5_worker", Role.GRID_WORKER, tree[G5])
    now = timezone.now()

    def alert(key: str, path: str) -> HotspotAlert:
        return HotspotAlert.objects.create(key=key, area_path=path, title=f"热点{key}", count=5, score=1.0,
                                           first_at=now - timedelta(days=1), last_at=now, cases=[])

    def job(owner: Any, name: str) -> ImportJob:
        report = media / f"{name}-report.xlsx"
        report.write_bytes(b"report")
        return ImportJob.objects.create(kind="people", file_name=f"{name}.xlsx", file_path=str(media / f"{name}.xlsx"),
                                        uploaded_by=owner, status=ImportStatus.VALIDATING, headers=["姓名"],
                                        mapping={}, report_path=str(report))

    return World(
        city=city, users=users,
        tokens={role: create_token(user, "proof")[1] for role, user in users.items()},
        outsider=outsider, category=category,
        org5=Organisation.objects.create(grid=tree[G5], name="识字里书店", kind="shop", address="识字里5号",
                                         building=city.b5),
        att_in=attach(city.case, SimpleUploadedFile("in.png", PNG)),
        att_out=attach(city.case5, SimpleUploadedFile("out.png", PNG)),
        alert_in=alert("in", city.case.area_path), alert_out=alert("out", city.case5.area_path),
        job_in=job(users[Role.GRID_WORKER], "in"), job_out=job(outsider, "out"),
        model=TextModel.objects.create(name=store.INTAKE_MODEL, version=1, recipe="ours", status=ModelStatus.TRAINING),
        post_in=Post.objects.get(user=users[Role.GRID_WORKER]), post_out=Post.objects.get(user=outsider),
        next_door=do_intake(workflow="hotline", title=city.case.title, channel="hotline",
                            area=tree[NEXT_DOOR]).case,
        lock=LoginThrottle.objects.create(key="user:locked-out", failures=10, window_start=now,
                                          locked_until=now + timedelta(hours=1)),
    )


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    media = tmp_path_factory.mktemp("proof-media")
    keys = override_settings(PII_KEYS=[conftest._KEY], PII_HASH_KEY="test-hash-key", MEDIA_ROOT=str(media),
                             PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with django_db_blocker.unblock(), keys:
        locate.forget()
        workcal.forget_overrides()
        with transaction.atomic():
            yield build_world(media)
            transaction.set_rollback(True)
        locate.forget()


@pytest.fixture
def w(world: World, db: None) -> Iterator[World]:
    """The module's city, inside this test's own savepoint (pytest-django's ``db``)."""
    yield world
    for user in world.users.values():
        access.forget_posts(user)


# --- sending and judging ---


def is_api(req: Req) -> bool:
    return req.url.startswith("/api/") and not req.url.startswith(("/api/docs", "/api/openapi.json")) \
        and req.url != "/api/"


# One client for every request: a new one loads the middleware again, and WhiteNoise's scan of the
# static files on loading costs more than the request. Its cookies are set before each request.
_CLIENT = Client()


class Sessions:
    """One signed-in session per user and test (the test's savepoint holds it)."""

    def __init__(self, w: World) -> None:
        self.w = w
        self.cookies: dict[str, SimpleCookie] = {}

    def __getitem__(self, who: str) -> SimpleCookie:
        if who not in self.cookies:
            _CLIENT.cookies = SimpleCookie()
            _CLIENT.force_login(self.w.users[who])
            self.cookies[who] = _CLIENT.cookies
        return self.cookies[who]


def send(w: World, sessions: Sessions, who: str, req: Req, *, via: str, api_key: bool) -> HttpResponse:
    c = _CLIENT
    c.cookies = SimpleCookie()
    headers: dict[str, str] = {}
    data = dict(req.data or {})
    if who != ANONYMOUS:
        if via == "token":
            headers["Authorization"] = f"Bearer {w.tokens[who]}"
        else:
            c.cookies = SimpleCookie(sessions[who])
        if api_key:
            data["api_key"] = w.tokens[who]
    if req.method == "get":
        return c.get(req.url, headers=headers)  # type: ignore[return-value]
    if is_api(req):
        return c.post(req.url, data, content_type="application/json", headers=headers)  # type: ignore[return-value]
    return c.post(req.url, data, headers=headers)  # type: ignore[return-value]


def body_of(resp: HttpResponse) -> str:
    # Not resp.close(): the test client closed it already, and closing again fires request_finished,
    # whose close_old_connections would close the connection and the module's transaction with it.
    raw = resp.getvalue()
    return raw.decode("utf-8", errors="replace")


def judge(check: Check, w: World, sessions: Sessions, who: str, inside: bool, via: str) -> list[str]:
    probe = check.probe
    req = probe.build(w, inside)
    expected = EXPECT[probe.rule][who][0 if inside else 1]
    sees = EXPECT[probe.sees or probe.rule][who][0 if inside else 1]
    before = probe.state(w, inside) if probe.state else None
    resp = send(w, sessions, who, req, via=via, api_key=probe.api_key)
    after = probe.state(w, inside) if probe.state else None
    status, body = resp.status_code, body_of(resp)
    location = resp.get("Location", "")
    where = f"{who} {'inside' if inside else 'outside'} ({via}) {req.method.upper()} {req.url}"
    wanted = "allowed" if expected else "refused"
    errors = []
    if status >= 500:
        return [f"{where}: {status} (a server error)"]
    has_marker = bool(req.marker) and req.marker in body
    if expected:
        if status not in probe.ok or (status == 302 and location.startswith(probe.login_url)):
            errors.append(f"{where}: expected allowed {sorted(probe.ok)}, got {status} {location}")
        elif probe.listing and req.marker and sees and not has_marker:
            errors.append(f"{where}: expected the list to show {req.marker!r}")
    else:
        if who == ANONYMOUS:
            refused = probe.anon_refused or (frozenset({401}) if is_api(req) else frozenset({302}))
        else:
            refused = probe.refused
        empty_list = probe.listing and status == 200 and not has_marker
        if not empty_list and status not in refused:
            errors.append(f"{where}: expected refused {sorted(refused)}, got {status}")
        elif status == 302 and not empty_list and not location.startswith(probe.login_url):
            errors.append(f"{where}: refused by a redirect to {location!r}, not to {probe.login_url}")
        if before != after:
            errors.append(f"{where}: refused, yet it changed {before!r} → {after!r}")
    if has_marker and not sees:
        errors.append(f"{where}: the answer ({status}) shows {req.marker!r}, which this user may not see")
    if errors:
        errors = [f"[{wanted}] {e}" for e in errors]
    return errors


WHO = [str(r) for r in Role] + [ANONYMOUS]


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("check", CHECKS, ids=[c.id for c in CHECKS])
def test_role_area_action(w: World, check: Check, who: str) -> None:
    row = EXPECT[check.probe.rule]
    if who not in row:
        pytest.fail(f"role {who!r} has no expectation: add its column to MATRIX in tests/proof/endpoint_rules.py")
    if who != ANONYMOUS and who not in w.users:
        pytest.fail(f"role {who!r} has no user: add its post to tests.builders.ROLE_POSTS")
    vias = ["token", "session"] if is_api(check.probe.build(w, True)) and who != ANONYMOUS else ["session"]
    sessions = Sessions(w)
    sides: tuple[bool, ...] = (True, False)
    if check.probe.build(w, True) == check.probe.build(w, False):  # not tied to an object: ask once
        rows = [EXPECT[r][who] for r in {check.probe.rule, check.probe.sees or check.probe.rule}]
        assert all(inside == outside for inside, outside in rows), \
            f"{check.id}: the same request inside and outside, but MATRIX tells them apart for {who}"
        sides = (True,)
    errors = [e for via in vias for inside in sides for e in judge(check, w, sessions, who, inside, via)]
    assert not errors, "\n".join(errors)


# --- the Django admin: staff only, and scoped like everything else ---


def test_admin_needs_a_staff_account(w: World) -> None:
    for user in w.users.values():
        assert not user.is_staff
    resp = Client().get("/admin/")
    assert resp.status_code == 302
    assert resp["Location"].startswith("/admin/login/")


TRAIL = "core.auditevent"  # the audit trail names the objects it records, by design


@pytest.mark.parametrize("who", [str(r) for r in Role])
def test_the_admin_as_staff_is_scoped_like_the_pages(w: World, who: str) -> None:
    """Made staff, every role opens the admin, and each of its lists either refuses (403) or
    shows residents only where the registry row of MATRIX lets this role read them (三员分立:
    the superuser flag and staff status grant nothing)."""
    if who not in w.users:
        pytest.fail(f"role {who!r} has no user: add its post to tests.builders.ROLE_POSTS")
    user = w.users[who]
    user.is_staff = user.is_superuser = True
    user.save()
    c = Client()
    c.force_login(user)
    assert c.get("/admin/").status_code == 200
    may_read = dict(zip((w.city.zhang.name, w.city.zhao.name), EXPECT["registry"][who], strict=True))
    failures = []
    for model in admin.site._registry:
        label = f"{model._meta.app_label}.{model._meta.model_name}"
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        resp = c.get(url)
        if resp.status_code not in (200, 403):
            failures.append(f"{url}: {resp.status_code}")
        elif resp.status_code == 200 and label != TRAIL:
            body = resp.content.decode()
            failures += [f"{url} shows {name}" for name, ok in may_read.items() if name in body and not ok]
    assert not failures, f"{who}: {failures}"
