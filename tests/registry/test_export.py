"""Registry lists to Excel: masked by default, unmasked only with REVEAL over the whole area and a
reason; filters applied; every export audited with its filters and row count."""

from __future__ import annotations

import io
from typing import Any

import pytest
from python_calamine import CalamineWorkbook

from gongzhi.core.access import Role
from gongzhi.core.models import AuditEvent
from tests.builders import client_for
from tests.registry.pages_builders import G1, ZHANG_ID, ZHANG_PHONE, City

pytestmark = pytest.mark.django_db


def sheet(resp: Any) -> list[list[Any]]:
    assert resp.status_code == 200, resp.content[:500]
    assert resp["Content-Type"].startswith("application/vnd.openxmlformats")
    data = b"".join(resp.streaming_content)
    return CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()


def test_people_export_is_masked_filtered_and_audited(city: City) -> None:
    c = client_for(city.users[Role.COMMUNITY_WORKER])
    rows = sheet(c.get("/registry/export/people/", {"area": "430104002014", "tag": "living-alone-elderly"}))
    head, data = rows[0], rows[1:]
    assert head[:6] == ["姓名", "性别", "出生日期", "年龄", "身份证号", "联系电话"]
    assert sorted(r[0] for r in data) == ["张三", "王五"]  # the tag filter applied; 李四 left out
    zhang = next(r for r in data if r[0] == "张三")
    assert zhang[4] == city.zhang.id_number.masked
    assert zhang[5] == "138****5678"
    assert ZHANG_ID not in str(rows)
    assert ZHANG_PHONE not in str(rows)
    assert "独居老人" in zhang[11]
    assert "麓山南路1号" in zhang[9]
    event = AuditEvent.objects.get(action="registry.export")
    assert event.data == {"kind": "people", "filters": {"tag": "living-alone-elderly"}, "rows": 2}
    assert event.area_path == "430104002014"


def test_unmasked_export_needs_a_reason(city: City) -> None:
    c = client_for(city.users[Role.GRID_WORKER])
    resp = c.post(f"/registry/export/people/?area={G1}", {"reason": ""})
    assert resp.status_code == 400
    assert "reason" in resp.content.decode()
    assert not AuditEvent.objects.filter(action__startswith="registry.export").exists()
    rows = sheet(c.post(f"/registry/export/people/?area={G1}&q=张", {"reason": "民政核对名单"}))
    assert rows[1][4] == ZHANG_ID
    assert rows[1][5] == ZHANG_PHONE
    event = AuditEvent.objects.get(action="registry.export.unmasked")
    assert (event.reason, event.data["rows"], event.data["filters"]) == ("民政核对名单", 1, {"q": "张"})


def test_unmasked_export_needs_reveal_over_the_whole_area(city: City) -> None:
    # The grid worker may see part of the community, not all of it: only a masked export there.
    worker = client_for(city.users[Role.GRID_WORKER])
    resp = worker.post("/registry/export/people/?area=430104002014", {"reason": "民政核对名单"})
    assert resp.status_code == 403
    reader = client_for(city.users[Role.DATA_READER])
    resp = reader.post(f"/registry/export/people/?area={G1}", {"reason": "民政核对名单"})
    assert resp.status_code == 403
    assert "脱敏" in resp.content.decode()
    assert not AuditEvent.objects.filter(action="registry.export.unmasked").exists()
    rows = sheet(reader.get(f"/registry/export/people/?area={G1}"))
    assert len(rows) == 3
    assert ZHANG_ID not in str(rows)


def test_export_refuses_other_areas_and_bad_filters(city: City) -> None:
    c = client_for(city.users[Role.GRID_WORKER])
    assert c.get("/registry/export/people/", {"area": "430102001001001"}).status_code == 403
    resp = c.get("/registry/export/people/", {"area": G1, "age_min": "abc"})
    assert resp.status_code == 400
    assert "age_min" in resp.content.decode()
    assert c.get("/registry/export/passwords/", {"area": G1}).status_code == 404
    assert client_for(city.users[Role.DEPT_HANDLER]).get("/registry/export/buildings/").status_code == 403


def test_buildings_houses_and_organisations_export(city: City) -> None:
    c = client_for(city.users[Role.GRID_WORKER])
    buildings = sheet(c.get("/registry/export/buildings/", {"area": G1}))
    assert buildings[1][:2] == ["麓山南路1栋", "麓山南路1号"]
    assert buildings[1][-2:] == [2, 2]
    assert len(buildings) == 2  # 麓山南路2栋 is in the next grid
    houses = sheet(c.get("/registry/export/houses/", {"area": G1, "use": "rented"}))
    assert [r[3] for r in houses[1:]] == ["102"]
    assert houses[1][-1] == 1
    orgs = sheet(c.get("/registry/export/organisations/", {"area": G1}))
    assert orgs[1][0] == "麓山便利店"
    assert orgs[1][5] == "137****2222"


def test_list_pages_offer_the_unmasked_export_only_to_those_allowed(city: City) -> None:
    worker = client_for(city.users[Role.GRID_WORKER]).get(f"/registry/search/?area={G1}").content.decode()
    assert "导出完整信息" in worker
    assert f"/registry/export/people/?area={G1}" in worker
    reader = client_for(city.users[Role.DATA_READER]).get(f"/registry/search/?area={G1}").content.decode()
    assert "导出 Excel（脱敏）" in reader
    assert "导出完整信息" not in reader
