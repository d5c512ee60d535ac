from __future__ import annotations

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
