from __future__ import annotations

import re

import pytest
from django.test import Client

from gongzhi.accounts.models import User
from gongzhi.areas.models import Area
from gongzhi.core.access import Role

pytestmark = pytest.mark.django_db


def client_for(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_api_needs_authentication(client: Client, tree: dict[str, Area]) -> None:
    resp = client.get("/api/areas/4301")
    assert resp.status_code == 401
    assert "detail" in resp.json()


def test_area_and_children(role_users: dict[str, User]) -> None:
    c = client_for(role_users[Role.STREET_DISPATCHER])
    area = c.get("/api/areas/430104002").json()
    assert (area["name"], area["level"], area["parent_path"]) == ("岳麓街道", 3, "430104")
    kids = c.get("/api/areas/430104002/children").json()
    assert [k["path"] for k in kids] == ["430104002001", "430104002014"]
    assert all(k["can_open"] for k in kids)
    assert {k["path"]: k["grid_count"] for k in kids} == {"430104002001": 1, "430104002014": 2}


def test_out_of_scope_is_403_json(role_users: dict[str, User]) -> None:
    resp = client_for(role_users[Role.GRID_WORKER]).get("/api/areas/430102001001001")
    assert resp.status_code == 403
    assert resp.json()["detail"]


def test_locate(role_users: dict[str, User]) -> None:
    c = client_for(role_users[Role.GRID_WORKER])
    # The second square of the fixture city is 麓山南路社区第2网格.
    resp = c.get("/api/locate", {"lon": 112.915, "lat": 28.205})
    assert resp.status_code == 200
    assert resp.json()["path"] == "430104002014002"


@pytest.mark.parametrize(
    ("params", "status", "needle"),
    [
        ({"lon": 112.915, "lat": 28.205, "datum": "mars"}, 400, "datum"),
        ({"lon": 200, "lat": 28.2}, 400, "lon"),
        ({"lon": "abc", "lat": 28.2}, 422, "lon"),
        ({"lat": 28.2}, 422, "lon"),
        ({"lon": 100.0, "lat": 40.0}, 404, "不在任何网格"),
    ],
)
def test_locate_bad_input(params: dict[str, object], status: int, needle: str, role_users: dict[str, User]) -> None:
    resp = client_for(role_users[Role.GRID_WORKER]).get("/api/locate", params)
    assert resp.status_code == status
    assert needle in str(resp.json())


def test_api_docs_work_without_a_cdn(client: Client) -> None:
    body = client.get("/api/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in body
    # Every script and stylesheet is served from here: no URL names another host (the CSRF
    # token is random text, so a bare "cdn" could turn up in it).
    sources = re.findall(r"""(?:src|href)=["']([^"']+)""", body)
    assert sources
    assert [s for s in sources if not s.startswith("/") or s.startswith("//")] == []
    for host in ("cdn.", "unpkg", "jsdelivr"):
        assert host not in body.lower()
    schema = client.get("/api/openapi.json").json()
    assert "/api/locate" in schema["paths"]


def test_unknown_area_is_404_json(role_users: dict[str, User]) -> None:
    resp = client_for(role_users[Role.SYS_ADMIN]).get("/api/areas/4399")
    assert resp.status_code == 404
    assert resp.json()["detail"]
