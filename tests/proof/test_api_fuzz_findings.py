"""What the API fuzzing (test_api_fuzz.py, bench/api_fuzz.py) and S9's garbage turned up, pinned one
by one. Each was a 500, a plain HTML page or minutes of CPU before its fix; each must stay a 4xx
whose body names the field and the rule."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.test import Client

from gongzhi.accounts.models import Unit, User
from gongzhi.cases.models import Case, Category
from gongzhi.cases.services import MAX_EXTENSION, CaseInputError, do_intake, do_transition
from gongzhi.core.access import Role
from gongzhi.core.api_common import MAX_PAGE
from tests.builders import make_user
from tests.proof.fuzzing import City, build_city

pytestmark = pytest.mark.django_db
BIG = 13 * 1024 * 1024  # over DATA_UPLOAD_MAX_MEMORY_SIZE (12 MB)


@pytest.fixture
def city() -> City:
    return build_city()


def api(city: City, method: str, url: str, body: bytes | None = None, **extra: Any) -> Any:
    auth = {"HTTP_AUTHORIZATION": city.callers["chief"]["Authorization"]}
    return Client().generic(method, url, body or b"", content_type="application/json", **auth, **extra)


@pytest.mark.parametrize(("method", "url", "body", "field"), [
    ("GET", "/api/areas/%00", None, "path"),
    ("GET", "/api/cases/%00", None, "number"),
    ("GET", "/api/cases?state=%00", None, "state"),
    ("GET", "/api/insight/hotspots?area=%00", None, "area"),
    ("POST", "/api/cases", rb'{"title": "a\u0000b", "area": "430104002"}', "title"),
    ("POST", "/api/cases", rb'{"title": "t", "area": "430104002", "kind": "\ud800"}', "kind"),
    ("POST", "/api/insight/suggest", rb'{"title": "\u0000"}', "title"),
    ("POST", "/api/cases/{number}/transitions", rb'{"action": "dispatch", "units": ["\u0000"]}', "units[0]"),
])
def test_text_no_column_can_hold_is_refused(city: City, method: str, url: str, body: bytes | None,
                                            field: str) -> None:
    # NUL: PostgreSQL text refuses it (DataError, a 500); a lone surrogate cannot be encoded at all.
    number = city.anchors["GET /api/cases/{number}"]["path_parameters"]["number"]
    before = Case.objects.count(), Case.objects.get(number=number).version
    resp = api(city, method, url.format(number=number), body)
    assert resp.status_code == 400, resp.content
    assert resp.json()["field"] == field
    assert "NUL" in resp.json()["detail"]
    assert (Case.objects.count(), Case.objects.get(number=number).version) == before


@pytest.mark.parametrize("url", ["/api/registry/people?area=430104002", "/api/cases?state=received"])
def test_page_numbers_stop_before_the_database_overflows(city: City, url: str) -> None:
    # 2**63 - 1 made an OFFSET past 64 bits: "bigint out of range" / "datatype mismatch", a 500.
    resp = api(city, "GET", f"{url}&page=9223372036854775807")
    assert resp.status_code == 422
    assert resp.json()["detail"][0]["loc"] == ["query", "page"]
    assert api(city, "GET", f"{url}&page={MAX_PAGE}").json()["items"] == []


def case_awaiting_extension() -> tuple[Case, User]:
    chengguan = Unit.objects.get(code="dept-430104-chengguan")
    chief = User.objects.get(posts__role=Role.CENTER_DUTY_CHIEF)
    handler = make_user("cg_handler", Role.DEPT_HANDLER, chengguan.area, unit=chengguan)
    case = do_intake(workflow="hotline", title="路灯不亮", channel="hotline", lon=112.905, lat=28.205,
                     category=Category.objects.get(code="street-lights")).case
    do_transition(chief, case.pk, "dispatch", units=[chengguan])
    do_transition(handler, case.pk, "accept")
    return do_transition(handler, case.pk, "request_extension", note="需要更多时间"), chief


@pytest.mark.parametrize("amount", [b"1e308", b"NaN", b"Infinity", b"-1", str(MAX_EXTENSION + 1).encode()])
def test_an_extension_is_bounded(city: City, amount: bytes) -> None:
    # 1e308 overflowed datetime (500); 1e6 work days walked the calendar for minutes.
    case, _chief = case_awaiting_extension()
    body = b'{"action": "approve_extension", "extend_unit": "work_days", "extend_amount": %s}' % amount
    resp = api(city, "POST", f"/api/cases/{case.number}/transitions", body)
    assert resp.status_code == 422, resp.content
    assert resp.json()["detail"][0]["loc"][-1] == "extend_amount"
    assert Case.objects.get(pk=case.pk).due_at == case.due_at


def test_the_service_bounds_an_extension_too(city: City) -> None:
    # The action form on the pages calls the same service, without the API's schema in front.
    case, chief = case_awaiting_extension()
    start = time.perf_counter()
    with pytest.raises(CaseInputError) as refused:
        do_transition(chief, case.pk, "approve_extension", extend=(1e6, "work_days"))
    assert refused.value.field == "extend_amount"
    assert time.perf_counter() - start < 5
    assert do_transition(chief, case.pk, "approve_extension", extend=(MAX_EXTENSION, "work_days")).due_at > case.due_at


def test_an_oversized_or_unreadable_body_is_answered_in_json(city: City) -> None:
    big = api(city, "POST", "/api/cases", b'{"title": "%s"}' % (b"x" * BIG))
    assert (big.status_code, big["Content-Type"]) == (413, "application/json; charset=utf-8")
    assert big.json()["detail"]
    # With session and CSRF cookies the CSRF check reads the form body: multipart without its boundary.
    c = Client(enforce_csrf_checks=True)
    c.cookies["sessionid"], c.cookies["csrftoken"] = "made-up", "x" * 32
    broken = c.generic("POST", "/api/cases", b"x", content_type="multipart/form-data")
    assert (broken.status_code, broken["Content-Type"]) == (400, "application/json; charset=utf-8")
    assert broken.json()["detail"]


@pytest.mark.parametrize("query", ["start_date=2026-02-30T00:00:00%2B08:00", "end_date=2026-13-01T00:00:00%2B08:00",
                                   "start_date=2026-01-01T00:00:00%2B99:00", "end_date=0001-01-01T00:00:00%2B14:00"])
def test_open311_impossible_dates_are_400(city: City, query: str) -> None:
    resp = Client().get(f"/open311/v2/requests.json?{query}")
    assert resp.status_code == 400
    assert query.split("=")[0] in resp.json()[0]["description"]


@pytest.mark.parametrize(("method", "path", "allow"), [
    ("DELETE", "requests/20260101000001.json", "GET, HEAD"), ("POST", "discovery.xml", "GET, HEAD"),
    ("PUT", "requests.json", "GET, POST"), ("PATCH", "services.json", "GET, HEAD"),
])
def test_open311_other_methods_get_405_with_the_error_body(city: City, method: str, path: str, allow: str) -> None:
    resp = Client().generic(method, f"/open311/v2/{path}")
    assert (resp.status_code, resp["Allow"]) == (405, allow)
    assert method in resp.content.decode()


@pytest.mark.parametrize(("body", "content_type", "status"), [
    (b"description=" + b"x" * BIG, "application/x-www-form-urlencoded", 413),
    ("&".join(f"f{i}=1" for i in range(1200)).encode(), "application/x-www-form-urlencoded", 400),
    (b"x", "multipart/form-data", 400),
])
def test_open311_unreadable_bodies_get_the_error_body(city: City, body: bytes, content_type: str, status: int) -> None:
    resp = Client().generic("POST", "/open311/v2/requests.json", body, content_type=content_type)
    assert resp.status_code == status
    assert resp.json()[0]["description"]
