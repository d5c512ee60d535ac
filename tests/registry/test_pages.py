"""Registry pages: drill-down, person card, reveal with reason, search and filters, case links."""

from __future__ import annotations

import pytest

from gongzhi.core.access import Role
from gongzhi.core.models import AuditEvent
from gongzhi.registry.models import CaseSubject
from tests.builders import client_for
from tests.registry.pages_builders import G1, ZHANG_ID, ZHANG_PHONE, City

pytestmark = pytest.mark.django_db


def body(resp: object) -> str:
    return resp.content.decode()  # type: ignore[attr-defined]


def test_smoke_every_page(city: City) -> None:
    c = client_for(city.users[Role.GRID_WORKER])
    for url in [f"/registry/area/{G1}/", f"/registry/search/?area={G1}", f"/registry/houses/?area={G1}",
                f"/registry/organisations/?area={G1}", f"/registry/building/{city.b1.pk}/",
                f"/registry/house/{city.h101.pk}/", f"/registry/person/{city.zhang.pk}/", "/registry/visit/?building=麓山",
                f"/registry/visit/house/{city.h101.pk}/", f"/registry/case/{city.case.number}/link/?kind=person&q=张",
                f"/registry/stats/{G1}/", f"/cases/{city.case.number}/", f"/areas/{G1}/", "/"]:
        resp = c.get(url)
        assert resp.status_code == 200, (url, resp.status_code, body(resp)[:3000])


def test_area_page_lists_buildings_with_counts_and_key_group_shortcuts(city: City) -> None:
    page = body(client_for(city.users[Role.GRID_WORKER]).get(f"/registry/area/{G1}/"))
    assert "麓山南路1栋" in page
    assert "麓山南路2栋" not in page
    # 麓山南路1栋: two houses, two current residents (张三 moved within the building: counted once)
    assert '<td class="num">2</td><td class="num">2</td>' in page
    assert f'href="/registry/search/?area={G1}&amp;tag=living-alone-elderly" data-tag="living-alone-elderly">独居老人<b>1</b>' in page
    community = body(client_for(city.users[Role.COMMUNITY_WORKER]).get("/registry/area/430104002014/"))
    assert "麓山南路1栋" in community
    assert "麓山南路2栋" in community
    assert 'data-tag="living-alone-elderly">独居老人<b>2</b>' in community


def test_one_click_key_group_list_is_scoped(city: City) -> None:
    url = "/registry/search/?area={}&tag=living-alone-elderly"
    grid = body(client_for(city.users[Role.GRID_WORKER]).get(url.format(G1)))
    assert "张三" in grid
    assert "王五" not in grid
    assert "李四" not in grid
    district = body(client_for(city.users[Role.LEADER]).get(url.format("430104")))
    assert "张三" in district
    assert "王五" in district
    assert "赵六" not in district


@pytest.mark.parametrize(("q", "found", "absent"), [
    (ZHANG_ID, "张三", "李四"),  # full ID number, exact through the keyed hash
    (ZHANG_PHONE, "张三", "李四"),
    ("李", "李四", "张三"),  # name prefix
    (ZHANG_ID[:10], "没有符合条件的人员", "张三"),  # a partial ID finds no one
])
def test_search_by_id_phone_and_name(city: City, q: str, found: str, absent: str) -> None:
    page = body(client_for(city.users[Role.GRID_WORKER]).get("/registry/search/", {"area": G1, "q": q}))
    assert found in page
    assert absent not in page
    rows = page.split('id="people"')[1]
    assert ZHANG_ID not in rows
    assert ZHANG_PHONE not in rows


def test_search_by_address_and_filters(city: City) -> None:
    c = client_for(city.users[Role.COMMUNITY_WORKER])
    page = body(c.get("/registry/search/", {"area": "430104002014", "address": "麓山南路2号"}))
    assert "王五" in page
    assert "张三" not in page
    old = body(c.get("/registry/search/", {"area": "430104002014", "age_min": "75"}))
    assert "张三" in old
    assert "王五" in old
    assert "李四" not in old
    young = body(c.get("/registry/search/", {"area": "430104002014", "age_max": "40", "gender": "M"}))
    assert "李四" not in young  # 李四 is female (242: even 17th digit)
    assert "没有符合条件的人员" in young


def test_bad_filters_are_refused_naming_the_field(city: City) -> None:
    c = client_for(city.users[Role.GRID_WORKER])
    resp = c.get("/registry/search/", {"area": G1, "age_min": "80", "age_max": "60"})
    assert resp.status_code == 400
    assert "年龄上限不能小于下限" in body(resp)
    resp = c.get("/registry/search/", {"area": "43x", "q": "张"})
    assert resp.status_code == 400
    assert "区域路径应为" in body(resp)
    assert c.get("/registry/search/", {"area": G1, "tag": "no-such-group"}).status_code == 400


def test_list_paginates_by_fifty(city: City) -> None:
    from gongzhi.registry.models import Person

    for i in range(60):
        Person.objects.create(grid=city.tree[G1], name=f"测{i:02d}")
    c = client_for(city.users[Role.GRID_WORKER])
    first = body(c.get("/registry/search/", {"area": G1, "q": "测"}))
    assert first.count('data-person="') == 50
    assert "1 / 2" in first
    assert "page=2" in first
    assert "q=%E6%B5%8B" in first
    second = body(c.get("/registry/search/", {"area": G1, "q": "测", "page": "2"}))
    assert second.count('data-person="') == 10


def test_building_and_house_pages_show_residents_and_history(city: City) -> None:
    c = client_for(city.users[Role.GRID_WORKER])
    building = body(c.get(f"/registry/building/{city.b1.pk}/"))
    assert "101" in building
    assert "102" in building
    assert "张三" in building
    assert "李四" in building
    house = body(c.get(f"/registry/house/{city.h102.pk}/"))
    current, history = house.split('id="history"')
    assert "李四" in current.split('id="current"')[1]
    assert "张三" in history
    assert "2020-01-01" in history
    assert "2023-06-01" in history


def test_person_card_masks_and_hides_sensitive_tag_values(city: City) -> None:
    page = body(client_for(city.users[Role.GRID_WORKER]).get(f"/registry/person/{city.zhang.pk}/"))
    assert ZHANG_ID not in page
    assert ZHANG_PHONE not in page
    assert city.zhang.id_number.masked in page
    assert "138****5678" in page
    assert "张小三" in page  # a non-sensitive group's values are shown
    assert "残疾人" in page
    assert "肢体残疾" not in page
    assert "基层治理实有人口登记" in page  # purpose of collection
    assert city.case.number in page
    assert "楼道堆物" in page
    assert 'name="field" value="tag:disabled"' in page


def test_data_reader_sees_the_card_without_reveal_forms(city: City) -> None:
    page = body(client_for(city.users[Role.DATA_READER]).get(f"/registry/person/{city.zhang.pk}/"))
    assert "张三" in page
    assert ZHANG_ID not in page
    assert "registry-reveal" not in page
    assert "/reveal/" not in page


def test_reveal_needs_a_reason_and_is_audited(city: City) -> None:
    c = client_for(city.users[Role.GRID_WORKER])
    url = f"/registry/person/{city.zhang.pk}/reveal/"
    resp = c.post(url, {"field": "id_number", "reason": ""})
    assert resp.status_code == 400
    assert "reason" in body(resp)
    assert ZHANG_ID not in body(resp)
    assert not AuditEvent.objects.filter(action="pii.reveal").exists()
    resp = c.post(url, {"field": "id_number", "reason": "核实低保申请"})
    assert resp.status_code == 200
    assert ZHANG_ID in body(resp)
    assert resp["Cache-Control"] == "no-store"
    event = AuditEvent.objects.get(action="pii.reveal")
    assert (event.reason, event.data, event.object_id, event.area_path) == (
        "核实低保申请", {"field": "id_number"}, str(city.zhang.pk), G1)
    resp = c.post(url, {"field": "tag:disabled", "reason": "走访核实残疾等级"})
    assert "肢体残疾" in body(resp)
    assert "二级" in body(resp)
    assert c.post(url, {"field": "password", "reason": "随便看看"}).status_code == 400


def test_reveal_refused_without_reveal_right(city: City) -> None:
    url = f"/registry/person/{city.zhang.pk}/reveal/"
    for role in (Role.DATA_READER, Role.DEPT_HANDLER):
        resp = client_for(city.users[role]).post(url, {"field": "id_number", "reason": "核实低保申请"})
        assert resp.status_code == 403, role
        assert ZHANG_ID not in body(resp)
    assert not AuditEvent.objects.filter(action="pii.reveal").exists()


def test_case_page_links_a_person_and_the_card_lists_the_case(city: City) -> None:
    c = client_for(city.users[Role.GRID_WORKER])
    case_page = body(c.get(f"/cases/{city.case.number}/"))
    assert 'id="case-subjects"' in case_page
    assert "张三" in case_page
    found = body(c.get(f"/registry/case/{city.case.number}/link/", {"kind": "person", "q": "李"}))
    assert "李四" in found
    resp = c.post(f"/registry/case/{city.case.number}/link/", {"kind": "person", "pk": city.li.pk})
    assert resp.status_code == 302
    assert CaseSubject.objects.filter(case=city.case, person=city.li).exists()
    event = AuditEvent.objects.get(action="registry.case.link")
    assert event.data["subject"] == "person"
    assert event.data["id"] == city.li.pk
    assert city.case.number in body(c.get(f"/registry/person/{city.li.pk}/"))
    resp = c.post(f"/registry/case/{city.case.number}/link/", {"kind": "house", "pk": city.h201.pk})
    assert resp.status_code == 403  # 201 is in the other grid
    assert not CaseSubject.objects.filter(house=city.h201).exists()


def test_card_lists_only_cases_the_user_may_see(city: City) -> None:
    from gongzhi.cases.services import do_intake

    other = do_intake(workflow="hotline", title="芙蓉区的诉求", channel="hotline", area=city.tree["430102001001001"]).case
    CaseSubject.objects.create(case=other, person=city.zhang)
    page = body(client_for(city.users[Role.GRID_WORKER]).get(f"/registry/person/{city.zhang.pk}/"))
    assert city.case.number in page
    assert other.number not in page


def test_case_page_hides_subjects_outside_registry_scope(city: City) -> None:
    from gongzhi.cases.services import do_intake

    case = do_intake(workflow="hotline", title="跨区", channel="hotline", area=city.tree[G1]).case
    CaseSubject.objects.create(case=case, person=city.zhao)  # lives in another district
    CaseSubject.objects.create(case=case, building=city.b1)
    page = body(client_for(city.users[Role.GRID_WORKER]).get(f"/cases/{case.number}/"))
    assert "赵六" not in page
    assert "另有 1 个关联对象不在您的台账权限内" in page
    assert f'href="/registry/building/{city.b1.pk}/"' in page


def test_home_and_nav_link_to_the_registry(city: City) -> None:
    page = body(client_for(city.users[Role.GRID_WORKER]).get("/"))
    assert f'href="/registry/area/{G1}/"' in page
    assert "人口台账" in page
    assert "实有人口" in page
    assert 'href="/registry/visit/"' in page
    dept = body(client_for(city.users[Role.DEPT_HANDLER]).get("/"))
    assert "人口台账" not in dept
    assert "/registry/" not in dept


def test_area_browser_links_a_grid_to_its_registry(city: City) -> None:
    page = body(client_for(city.users[Role.GRID_WORKER]).get(f"/areas/{G1}/"))
    assert f'href="/registry/area/{G1}/"' in page
    assert f'href="/registry/building/{city.b1.pk}/"' in page
    dept = body(client_for(city.users[Role.DEPT_HANDLER]).get("/areas/430104/"))
    assert 'id="registry-links"' not in dept


def test_stats_page_shows_a_row_per_child_and_the_total(city: City) -> None:
    page = body(client_for(city.users[Role.COMMUNITY_WORKER]).get("/registry/stats/430104002014/"))
    assert 'data-path="430104002014001"' in page
    assert 'data-path="430104002014002"' in page
    total = page.split('id="stats-total"')[1].split("</tr>")[0]
    assert "<th class=\"num\">3</th>" in total  # 张三, 李四, 王五
