"""JSON API for the registry: masked, scoped, paginated; bad input answered 4xx naming the field."""

from __future__ import annotations

import pytest

from gongzhi.core.access import Role
from gongzhi.registry.models import Person
from tests.builders import client_for
from tests.registry.pages_builders import G1, ZHANG_ID, ZHANG_PHONE, City

pytestmark = pytest.mark.django_db


def test_people_are_masked_and_scoped(city: City) -> None:
    resp = client_for(city.users[Role.GRID_WORKER]).get("/api/registry/people")
    assert resp.status_code == 200
    data = resp.json()
    assert data["count"] == 2
    assert {p["name"] for p in data["items"]} == {"张三", "李四"}
    zhang = next(p for p in data["items"] if p["name"] == "张三")
    assert zhang["id_number"] == city.zhang.id_number.masked
    assert zhang["phone"] == "138****5678"
    assert set(zhang["tags"]) == {"living-alone-elderly", "disabled"}
    assert zhang["age"] >= 85
    assert ZHANG_ID not in resp.content.decode()
    assert ZHANG_PHONE not in resp.content.decode()


def test_people_filters_and_pages(city: City) -> None:
    for i in range(55):
        Person.objects.create(grid=city.tree[G1], name=f"测{i:02d}")
    c = client_for(city.users[Role.COMMUNITY_WORKER])
    page2 = c.get("/api/registry/people", {"area": G1, "q": "测", "page": 2}).json()
    assert page2["count"] == 55
    assert len(page2["items"]) == 5
    tagged = c.get("/api/registry/people", {"area": "430104002014", "tag": "living-alone-elderly"}).json()
    assert {p["name"] for p in tagged["items"]} == {"张三", "王五"}
    by_id = c.get("/api/registry/people", {"q": ZHANG_ID}).json()
    assert [p["name"] for p in by_id["items"]] == ["张三"]


@pytest.mark.parametrize(("params", "field"), [
    ({"area": "43x"}, "area"),
    ({"tag": "no-such-group"}, "tag"),
    ({"age_min": "90", "age_max": "10"}, "age_max"),
    ({"age_min": "old"}, "age_min"),
    ({"page": "0"}, "page"),
])
def test_bad_input_is_a_4xx_naming_the_field(city: City, params: dict[str, str], field: str) -> None:
    resp = client_for(city.users[Role.GRID_WORKER]).get("/api/registry/people", params)
    assert 400 <= resp.status_code < 500
    assert field in resp.content.decode()


def test_other_areas_and_roles_are_refused(city: City) -> None:
    worker = client_for(city.users[Role.GRID_WORKER])
    assert worker.get("/api/registry/people", {"area": "430102001001001"}).status_code == 403
    assert worker.get(f"/api/registry/people/{city.zhao.pk}").status_code == 403
    assert worker.get("/api/registry/people/999999").status_code == 404
    dept = client_for(city.users[Role.DEPT_HANDLER])
    assert dept.get("/api/registry/people").status_code == 403
    assert dept.get(f"/api/registry/people/{city.zhang.pk}").status_code == 403


def test_person_detail_hides_sensitive_group_values(city: City) -> None:
    resp = client_for(city.users[Role.DATA_READER]).get(f"/api/registry/people/{city.zhang.pk}")
    assert resp.status_code == 200
    data = resp.json()
    assert data["id_number"] == city.zhang.id_number.masked
    groups = {g["code"]: g for g in data["key_groups"]}
    assert groups["disabled"]["values"] is None
    assert groups["disabled"]["sensitive"] is True
    assert groups["living-alone-elderly"]["values"]["紧急联系人"] == "张小三"
    assert [r["until"] is None for r in data["residences"]] == [True, False]  # current home first, then history
    assert "肢体残疾" not in resp.content.decode()
