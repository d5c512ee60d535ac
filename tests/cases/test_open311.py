"""Open311 GeoReport v2, checked against the spec's shapes (XML and JSON) and error rules."""

from __future__ import annotations

from xml.etree import ElementTree as ET

import pytest
from django.test import Client

from gongzhi.accounts.tokens import create_token
from gongzhi.cases.catalog import load_default_catalog
from gongzhi.cases.models import Case
from tests.cases.conftest import World
from tests.cases.test_engine import IN_GRID_1

pytestmark = pytest.mark.django_db
BASE = "/open311/v2"


@pytest.fixture
def key(world: World) -> str:
    load_default_catalog()
    return create_token(world.dispatcher, "open311-app")[1]


def post(key: str, fmt: str = "json", **fields: object) -> object:
    data = {"api_key": key, "service_code": "street-lights", "lat": IN_GRID_1[1], "long": IN_GRID_1[0],
            "description": "路灯不亮\n已经一周", "phone": "13800138000", "first_name": "先生", "last_name": "周"}
    data.update(fields)
    return Client().post(f"{BASE}/requests.{fmt}", {k: v for k, v in data.items() if v is not None})


def test_discovery_and_services_in_both_formats(key: str) -> None:
    c = Client()
    services = c.get(f"{BASE}/services.json")
    assert services["Content-Type"] == "application/json; charset=utf-8"
    items = services.json()
    assert isinstance(items, list)
    lights = next(s for s in items if s["service_code"] == "street-lights")
    assert (lights["service_name"], lights["group"], lights["metadata"], lights["type"]) == ("路灯不亮", "公用设施", False, "realtime")
    xml = c.get(f"{BASE}/services.xml")
    assert xml["Content-Type"] == "text/xml; charset=utf-8"
    assert xml.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    root = ET.fromstring(xml.content)
    assert root.tag == "services"
    assert root.find("service/service_code") is not None
    assert len(root.findall("service")) == len(items)
    assert ET.fromstring(c.get(f"{BASE}/discovery.xml").content).find("endpoints/endpoint/formats/format") is not None
    definition = c.get(f"{BASE}/services/street-lights.json").json()
    assert definition == {"service_code": "street-lights", "attributes": []}


def test_post_then_get_the_request(key: str) -> None:
    created = post(key)
    assert created.status_code == 200
    (item,) = created.json()
    number = item["service_request_id"]
    case = Case.objects.get(number=number)
    assert (case.channel, case.grid.path, case.title, case.reporter_phone.reveal()) == (
        "open311", "430104002014001", "路灯不亮", "13800138000")
    one = Client().get(f"{BASE}/requests/{number}.json").json()
    assert one[0]["status"] == "open"
    assert one[0]["service_code"] == "street-lights"
    assert one[0]["requested_datetime"].endswith("+08:00")
    assert one[0]["expected_datetime"]
    assert "13800138000" not in str(one)
    assert "周" not in str(one)
    xml = ET.fromstring(Client().get(f"{BASE}/requests.xml", {"status": "open"}).content)
    assert [r.findtext("service_request_id") for r in xml.findall("request")] == [number]
    assert Client().get(f"{BASE}/requests.json", {"status": "closed"}).json() == []
    assert Client().get(f"{BASE}/requests.json", {"service_request_id": f"{number},nope"}).json()[0]["service_request_id"] == number


def test_address_only_goes_to_the_city_for_triage(key: str) -> None:
    created = post(key, lat=None, long=None, address_string="麓山南路 3 号")
    case = Case.objects.get(number=created.json()[0]["service_request_id"])
    assert (case.area_path, case.address) == ("4301", "麓山南路 3 号")


@pytest.mark.parametrize(
    ("call", "status", "needle"),
    [
        (lambda k: post(""), 403, "api_key"),
        (lambda k: post("gz_wrong"), 403, "api_key"),
        (lambda k: post(k, service_code="nope"), 404, "service_code"),
        (lambda k: post(k, service_code=""), 400, "service_code"),
        (lambda k: post(k, lat=None, long=None), 400, "location"),
        (lambda k: post(k, lat="north"), 400, "numbers"),
        (lambda k: post(k, lat=40.0, long=100.0), 400, "不在任何网格"),
        (lambda k: post(k, description="长" * 4001), 400, "4000"),
        (lambda k: post(k, fmt="html"), 400, "format"),
        (lambda k: Client().get(f"{BASE}/services.json", {"jurisdiction_id": "elsewhere"}), 404, "jurisdiction"),
        (lambda k: Client().get(f"{BASE}/services/nope.json"), 404, "service_code"),
        (lambda k: Client().get(f"{BASE}/requests/20990101000001.json"), 404, "service_request_id"),
        (lambda k: Client().get(f"{BASE}/tokens/abc.json"), 404, "token"),
        (lambda k: Client().get(f"{BASE}/requests.json", {"start_date": "yesterday"}), 400, "W3C"),
        (lambda k: Client().get(f"{BASE}/requests.json", {"start_date": "2026-01-01T00:00:00+08:00",
                                                           "end_date": "2026-06-01T00:00:00+08:00"}), 400, "90 days"),
        (lambda k: Client().get(f"{BASE}/requests.json", {"status": "pending"}), 400, "status"),
    ],
)
def test_errors_follow_the_spec(key: str, call: object, status: int, needle: str) -> None:
    resp = call(key)  # type: ignore[operator]
    assert resp.status_code == status
    if resp["Content-Type"].startswith("application/json"):
        (err,) = resp.json()
        assert err["code"] == status
        assert needle in err["description"]
    else:
        root = ET.fromstring(resp.content)
        assert root.tag == "errors"
        assert needle in root.findtext("error/description", "")
    assert not Case.objects.filter(channel="open311").exists() or status == 200
