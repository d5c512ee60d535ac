from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from python_calamine import CalamineWorkbook

from gongzhi.cases.models import Attachment, Case
from gongzhi.cases.services import do_intake, do_transition
from tests.builders import client_for
from tests.cases.conftest import World
from tests.cases.test_engine import IN_GRID_1, hotline_case

pytestmark = pytest.mark.django_db
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def test_inbox_rows_link_to_the_case_and_escape_what_reporters_wrote(world: World) -> None:
    from django.urls import reverse

    case = do_intake(workflow="hotline", title="<script>alert(1)</script>路灯", channel="hotline",
                     lon=IN_GRID_1[0], lat=IN_GRID_1[1]).case
    page = client_for(world.dispatcher).get("/cases/").content.decode()
    assert f'href="{reverse("case-detail", args=[case.number])}"' in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;路灯" in page
    assert "<script>alert(1)" not in page


def test_inboxes_show_what_needs_each_role(world: World) -> None:
    case = hotline_case(world)
    assert case.number in client_for(world.dispatcher).get("/cases/").content.decode()
    assert case.number not in client_for(world.handler).get("/cases/").content.decode()
    do_transition(world.dispatcher, case.pk, "dispatch", units=[world.chengguan])
    assert case.number in client_for(world.handler).get("/cases/").content.decode()
    assert case.number not in client_for(world.dispatcher).get("/cases/").content.decode()
    # 住建 was not sent the case: it is not in their inbox and its page is refused.
    other = client_for(world.other_handler)
    assert case.number not in other.get("/cases/").content.decode()
    assert other.get(f"/cases/{case.number}/").status_code == 403


def test_act_through_the_page_with_version_check(world: World) -> None:
    case = hotline_case(world)
    c = client_for(world.dispatcher)
    page = c.get(f"/cases/{case.number}/").content.decode()
    assert 'data-action="dispatch"' in page
    assert "138****8000" in page
    assert "13800138000" not in page
    resp = c.post(f"/cases/{case.number}/act/", {"action": "dispatch", "version": 0, "units": f"{world.chengguan.pk},{world.community.pk}"})
    assert resp.status_code == 302
    assert Case.objects.get(pk=case.pk).state == "dispatched"
    stale = c.post(f"/cases/{case.number}/act/", {"action": "supervise", "version": 0, "note": "催办"}, follow=True)
    assert "已被他人更新" in stale.content.decode()
    refused = client_for(world.handler).post(f"/cases/{case.number}/act/", {"action": "reply", "version": 1, "note": "x"},
                                             follow=True)
    assert "不能执行“回复”" in refused.content.decode()


def test_hotline_form(world: World) -> None:
    c = client_for(world.dispatcher)
    form = c.get("/cases/new/").content.decode()
    assert "麓山南路社区" in form
    bad = c.post("/cases/new/", {"kind": "投诉", "title": "路灯不亮", "description": "一周了", "reporter_phone": "123"})
    assert bad.status_code == 400
    assert "电话号码格式不正确" in bad.content.decode()
    ok = c.post("/cases/new/", {"kind": "投诉", "title": "路灯不亮", "description": "一周了", "reporter_phone": "13800138000",
                                "area": "430104002014", "category": world.lights.pk, "client_key": "op-1"})
    case = Case.objects.get()
    assert ok.status_code == 302
    assert ok["Location"] == f"/cases/{case.number}/"
    assert (case.area_path, case.channel, case.reporter_phone.reveal()) == ("430104002014", "hotline", "13800138000")
    assert client_for(world.grid_worker).get("/cases/new/").status_code in (200, 403)


def test_grid_report_is_idempotent_and_checks_photos(world: World) -> None:
    c = client_for(world.grid_worker)
    data = {"title": "楼下暴露垃圾", "category": world.garbage.pk, "lon": IN_GRID_1[0], "lat": IN_GRID_1[1],
            "datum": "wgs84", "client_key": "phone-abc-1"}
    first = c.post("/cases/report/", {**data, "photo": SimpleUploadedFile("a.jpg", JPEG)}, HTTP_ACCEPT="application/json")
    again = c.post("/cases/report/", {**data, "photo": SimpleUploadedFile("a.jpg", JPEG)}, HTTP_ACCEPT="application/json")
    assert first.status_code == again.status_code == 200
    assert first.json()["number"] == again.json()["number"]
    assert again.json()["created"] is False
    assert Case.objects.count() == 1
    assert Attachment.objects.count() == 1
    fake = c.post("/cases/report/", {**data, "client_key": "phone-abc-2", "photo": SimpleUploadedFile("x.jpg", b"<script>")},
                  HTTP_ACCEPT="application/json")
    assert fake.status_code == 400
    assert "JPEG" in str(fake.json())
    outside = c.post("/cases/report/", {**data, "client_key": "phone-abc-3", "lon": 100.0, "lat": 40.0}, HTTP_ACCEPT="application/json")
    assert outside.status_code == 400
    assert "不在任何网格" in str(outside.json())
    photo = c.get(f"/cases/{first.json()['number']}/files/{Attachment.objects.get().pk}/")
    assert photo.status_code == 200
    assert b"".join(photo.streaming_content).startswith(b"\xff\xd8")


def test_excel_export_keeps_personal_data_masked(world: World) -> None:
    hotline_case(world)
    resp = client_for(world.dispatcher).get("/cases/?format=xlsx")
    assert resp["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = CalamineWorkbook.from_filelike(io.BytesIO(resp.content)).get_sheet_by_index(0).to_python()
    assert rows[0][:2] == ["编号", "标题"]
    assert rows[1][1] == "麓山南路路灯一周不亮"
    assert rows[1][9] == "138****8000"


def test_case_pages_switch_to_english(world: World) -> None:
    case = hotline_case(world)
    c = client_for(world.dispatcher)
    c.post("/i18n/setlang/", {"language": "en", "next": "/"})
    inbox = c.get("/cases/").content.decode()
    assert "To do" in inbox
    assert "Export to Excel" in inbox
    assert "Lead unit" in inbox
    assert ">Registered<" in inbox  # the state, from the workflow's lazily translated labels
    detail = c.get(f"/cases/{case.number}/").content.decode()
    assert "History" in detail
    assert "Actions" in detail
