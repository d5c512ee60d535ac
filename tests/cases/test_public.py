from __future__ import annotations

import pytest
from django.test import Client

from gongzhi.cases.models import Case
from gongzhi.cases.services import do_transition
from tests.cases.conftest import World
from tests.cases.test_engine import hotline_case

pytestmark = pytest.mark.django_db


def test_a_resident_follows_and_rates_their_case(world: World, client: Client) -> None:
    case = hotline_case(world)  # reporter phone 13800138000
    other = hotline_case(world, reporter_phone="13911112222", title="别人的诉求")
    assert client.post("/track/", {"number": other.number, "phone": "8000"}).status_code == 404
    assert client.post("/track/", {"number": "20990101000001", "phone": "8000"}).status_code == 404
    assert client.post("/track/", {"number": case.number, "phone": "80"}).status_code == 404
    page = client.post("/track/", {"number": case.number, "phone": "8000"})
    assert page.status_code == 200
    assert "已受理" in page.content.decode()
    assert "rate-form" not in page.content.decode()
    early = client.post("/track/", {"number": case.number, "phone": "8000", "satisfaction": "satisfied"})
    assert "答复后才能评价" in early.content.decode()
    do_transition(world.dispatcher, case.pk, "dispatch", units=[world.chengguan])
    do_transition(world.handler, case.pk, "accept")
    do_transition(world.handler, case.pk, "reply", note="已更换灯具")
    do_transition(world.supervisor, case.pk, "approve_reply")
    page = client.post("/track/", {"number": case.number, "phone": "13800138000"}).content.decode()
    assert "已更换灯具" in page
    assert "rate-form" in page
    assert "岳麓区城管局" not in page  # staff and units stay out of the public page
    client.post("/track/", {"number": case.number, "phone": "8000", "satisfaction": "basic"})
    assert Case.objects.get(pk=case.pk).resident_rating == "basic"
    again = client.post("/track/", {"number": case.number, "phone": "8000", "satisfaction": "unsatisfied"})
    assert "已评价过" in again.content.decode()
    assert Case.objects.get(pk=case.pk).resident_rating == "basic"


def test_a_resident_reports_without_an_account_then_tracks_it(world: World, client: Client) -> None:
    form = client.get("/track/report/").content.decode()
    assert "岳麓街道" in form
    missing = client.post("/track/report/", {"title": "楼道堆放杂物", "reporter_phone": "13800138000"})
    assert missing.status_code == 400
    assert "须提供位置" in missing.content.decode()
    bad_phone = client.post("/track/report/", {"title": "楼道堆放杂物", "reporter_phone": "123", "street": "430104002"})
    assert bad_phone.status_code == 400
    assert "电话号码格式不正确" in bad_phone.content.decode()
    data = {"title": "楼道堆放杂物", "reporter_phone": "13800138000", "lon": 112.905, "lat": 28.205, "client_key": "web-1"}
    done = client.post("/track/report/", data)
    again = client.post("/track/report/", data)
    case = Case.objects.get()
    assert case.number in done.content.decode()
    assert case.number in again.content.decode()
    assert (case.channel, case.workflow, case.grid.path) == ("web", "hotline", "430104002014001")
    assert "已受理" in client.post("/track/", {"number": case.number, "phone": "8000"}).content.decode()


def test_guessing_a_reporters_phone_is_throttled(world: World, client: Client) -> None:
    """Four digits are 10,000 guesses: after 5 wrong ones for a case number it is locked, even
    for the right digits, and other addresses' budgets are separate from the number's lock."""
    case = hotline_case(world)  # reporter phone 13800138000
    for guess in ("0000", "1111", "2222", "3333", "4444"):
        assert client.post("/track/", {"number": case.number, "phone": guess}).status_code == 404
    locked = client.post("/track/", {"number": case.number, "phone": "8000"})
    assert locked.status_code == 429
    assert "查询失败次数过多" in locked.content.decode()
    assert "已受理" not in locked.content.decode()
    elsewhere = Client(REMOTE_ADDR="10.9.9.9")
    assert elsewhere.post("/track/", {"number": case.number, "phone": "8000"}).status_code == 429  # the number's lock
    other = hotline_case(world, reporter_phone="13911112222", title="别人的诉求")
    assert elsewhere.post("/track/", {"number": other.number, "phone": "2222"}).status_code == 200


def test_a_right_answer_clears_the_count(world: World, client: Client) -> None:
    case = hotline_case(world)
    for _round in range(3):
        for guess in ("0000", "1111", "2222", "3333"):
            client.post("/track/", {"number": case.number, "phone": guess})
        assert client.post("/track/", {"number": case.number, "phone": "8000"}).status_code == 200
