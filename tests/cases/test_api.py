from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.test import Client

from gongzhi.accounts.tokens import create_token
from gongzhi.cases.models import Case
from tests.cases.conftest import World
from tests.cases.test_engine import IN_GRID_1

pytestmark = pytest.mark.django_db


def bearer(world: World) -> dict[str, str]:
    _token, key = create_token(world.dispatcher, "hotline-system")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def test_intake_query_and_transition_with_a_token(world: World) -> None:
    c = Client(enforce_csrf_checks=True)  # an integration has no CSRF cookie: the key is enough
    auth = bearer(world)
    body = {"title": "麓山南路路灯不亮", "category": "street-lights", "lon": IN_GRID_1[0], "lat": IN_GRID_1[1],
            "reporter_phone": "13800138000", "kind": "投诉", "client_key": "hl-0001"}
    first = c.post("/api/cases", body, content_type="application/json", **auth)
    again = c.post("/api/cases", body, content_type="application/json", **auth)
    assert (first.status_code, again.status_code) == (201, 200)
    number = first.json()["number"]
    assert again.json()["number"] == number
    assert first.json()["reporter_phone"] == "138****8000"
    listed = c.get("/api/cases", **auth).json()
    assert listed["count"] == 1
    assert listed["items"][0]["number"] == number
    detail = c.get(f"/api/cases/{number}", **auth).json()
    assert "dispatch" in detail["actions"]
    assert detail["steps"][0]["action"] == "intake"
    moved = c.post(f"/api/cases/{number}/transitions", {"action": "dispatch", "units": ["dept-430104-chengguan"],
                                                        "expected_version": 0}, content_type="application/json", **auth)
    assert moved.status_code == 200
    assert moved.json()["state"] == "dispatched"
    stale = c.post(f"/api/cases/{number}/transitions", {"action": "supervise", "note": "x", "expected_version": 0},
                   content_type="application/json", **auth)
    assert stale.status_code == 409


@pytest.mark.parametrize(
    ("body", "status", "needle"),
    [
        ({"title": ""}, 400, "title"),
        ({"title": "x", "category": "nope"}, 400, "category"),
        ({"title": "x", "lon": 100.0, "lat": 40.0}, 400, "不在任何网格"),
        ({"title": "x", "area": "999"}, 400, "area"),
        ({"title": "x", "workflow": "nope", "area": "430104002014"}, 400, "no workflow"),
        ({"lon": "abc"}, 422, "title"),
    ],
)
def test_bad_intake_gets_a_4xx_naming_the_field(world: World, body: dict[str, object], status: int, needle: str) -> None:
    resp = Client().post("/api/cases", body, content_type="application/json", **bearer(world))
    assert resp.status_code == status, resp.content
    assert needle in resp.content.decode()
    assert not Case.objects.exists()


def test_bad_tokens_and_other_peoples_cases(world: World) -> None:
    assert Client().get("/api/cases", HTTP_AUTHORIZATION="Bearer gz_wrong").status_code == 401
    case_number = Client().post("/api/cases", {"title": "x", "area": "430104002014"}, content_type="application/json",
                                **bearer(world)).json()["number"]
    _t, key = create_token(world.other_handler, "zj")
    resp = Client().get(f"/api/cases/{case_number}", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert resp.status_code == 403
    assert resp.json()["detail"]
    refused = Client().post(f"/api/cases/{case_number}/transitions", {"action": "dispatch", "units": ["nope"]},
                            content_type="application/json", **bearer(world))
    assert refused.status_code == 400
    assert "nope" in refused.json()["detail"]


def test_token_command_prints_a_key_once(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    call_command("tokens", "create", "dispatcher", "--name", "open311")
    key = capsys.readouterr().out.strip()
    assert key.startswith("gz_")
    assert Client().get("/api/cases", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200


def test_the_case_list_pages_in_the_database(world: World) -> None:
    from django.db import connection

    from tests.cases.test_engine import hotline_case

    made = [hotline_case(world, title=f"第{i}件") for i in range(57)]
    c = Client()
    auth = bearer(world)
    sqls: list[str] = []

    def keep(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        sqls.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(keep):
        second = c.get("/api/cases", {"page": 2}, **auth).json()
    assert second["count"] == 57
    assert len(second["items"]) == 7
    first = c.get("/api/cases", **auth).json()
    assert len({i["number"] for i in first["items"] + second["items"]}) == 57 == len(made)
    # the page's rows are read with LIMIT/OFFSET, not every visible case
    case_reads = [q for q in sqls if 'FROM "cases_case"' in q and "COUNT(" not in q]
    assert case_reads
    limits = [re.search(r"LIMIT (\d+)", q) for q in case_reads]
    assert all(m is not None and int(m.group(1)) <= 50 for m in limits), case_reads


def test_a_retried_transition_with_a_client_key_is_applied_once(world: World) -> None:
    from tests.cases.test_engine import hotline_case

    case = hotline_case(world)
    c = Client()
    auth = bearer(world)
    url = f"/api/cases/{case.number}/transitions"
    body = {"action": "dispatch", "units": [world.chengguan.code], "client_key": "d-1"}
    first = c.post(url, body, content_type="application/json", **auth)
    again = c.post(url, body, content_type="application/json", **auth)  # the answer was lost: the client retries
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json()["state"] == first.json()["state"]
    assert Case.objects.get(pk=case.pk).steps.filter(action="dispatch").count() == 1
    other = c.post(url, {"action": "summon", "units": [world.chengguan.code], "client_key": "d-1"},
                   content_type="application/json", **auth)
    assert other.status_code == 400
    assert "client_key" in other.json()["detail"]
    without = c.post(url, {"action": "dispatch", "units": [world.chengguan.code]}, content_type="application/json", **auth)
    assert without.status_code == 400  # no key: a second dispatch is refused by the state, as before
