"""S9 (API half): a script posts garbage to the API and Open311 — always a 4xx with a message."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode
from xml.etree import ElementTree as ET

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gongzhi.accounts.tokens import create_token
from gongzhi.cases.catalog import load_default_catalog
from tests.cases.conftest import World

pytestmark = pytest.mark.django_db

junk_values = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=50),
                        st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5), st.integers(), max_size=2))
junk_json = st.dictionaries(st.sampled_from(["title", "lon", "lat", "datum", "area", "category", "kind", "workflow",
                                             "client_key", "reporter_phone", "description", "x"]), junk_values, max_size=6)
junk_form = st.dictionaries(st.sampled_from(["api_key", "service_code", "lat", "long", "address_string", "description",
                                             "phone", "jurisdiction_id", "start_date", "status", "x"]),
                            st.text(max_size=40), max_size=6)


@pytest.fixture
def key(world: World) -> str:
    load_default_catalog()
    return create_token(world.dispatcher, "fuzz")[1]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=junk_json)
def test_api_intake_never_500(key: str, body: dict[str, object]) -> None:
    resp = Client().post("/api/cases", body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert resp.status_code < 500
    if resp.status_code >= 400:
        assert resp.json()["detail"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(form=junk_form, use_key=st.booleans())
def test_open311_never_500(key: str, form: dict[str, str], use_key: bool) -> None:
    if use_key:
        form = {**form, "api_key": key}
    post = Client().post("/open311/v2/requests.json", form)
    get = Client().get("/open311/v2/requests.json", form)
    for resp in (post, get):
        assert resp.status_code < 500
        if resp.status_code >= 400:
            assert resp.json()[0]["description"]


@pytest.mark.parametrize("raw", [b"{not json", b"", b"[]", b"null", "标题".encode()])
def test_malformed_bodies(key: str, raw: bytes) -> None:
    resp = Client().post("/api/cases", raw, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert 400 <= resp.status_code < 500
    assert resp.json()["detail"]


# --- Open311: every endpoint, any method, format, query, body and content type ---------------------

OPEN311 = ["discovery", "services", "services/street-lights", "services/nope", "requests", "requests",
           "requests/20260101000001", "tokens/abc"]
# Text with NUL, controls, CJK and astral characters, the odd huge value, and numbers that are not.
junk_text = st.one_of(
    st.text(st.characters(exclude_categories=["Cs"]), max_size=30),
    st.sampled_from(["nan", "inf", "-1e999", "1e309", "91", "-181", "0x1F", "1_000", "２８.２", "2026-02-30T00:00:00+08:00",
                     "2026-01-01T00:00:00+99:00", "0001-01-01T00:00:00+14:00", "open,closed,x", ",,,"]),
    st.builds(lambda s, n: s * n, st.sampled_from(["x", "长", "\x00", "9,"]), st.integers(1000, 100_000)),
)
# W3C datetimes of any year, month 0-13, day 0-32, offsets up to ±99:00: many well formed but impossible.
junk_date = st.builds("{:04d}-{:02d}-{:02d}T{:02d}:00:00{}{:02d}:00".format, st.integers(0, 9999), st.integers(0, 13),
                      st.integers(0, 32), st.integers(0, 25), st.sampled_from("+-"), st.integers(0, 99))
junk_params = st.builds(
    lambda other, dates: {**other, **dates},
    st.dictionaries(st.sampled_from(["api_key", "service_code", "lat", "long", "address_string", "description", "phone",
                                     "first_name", "jurisdiction_id", "status", "service_request_id", "x\x00", "媒体"]),
                    junk_text, max_size=4),
    st.dictionaries(st.sampled_from(["start_date", "end_date"]), junk_date, max_size=2),
)
junk_body = st.one_of(
    st.tuples(st.just("form"), junk_params),
    st.tuples(st.sampled_from(["application/json", "text/plain", "multipart/form-data",
                               "multipart/form-data; boundary=x", "application/x-www-form-urlencoded; charset=klingon",
                               "application/xml", "\x7f/\x7f"]), st.binary(max_size=200)),
)


def open311_message(resp: Any, fmt: str) -> str:
    """The ``description`` of a GeoReport v2 error body in the format asked for (XML otherwise)."""
    if fmt == "json":
        return str(resp.json()[0]["description"])
    return str(ET.fromstring(resp.content).findtext("error/description") or "")


@settings(max_examples=150, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(endpoint=st.sampled_from(OPEN311), fmt=st.sampled_from(["json", "xml", "yaml", "JSON"]),
       method=st.sampled_from(["get", "get", "post", "post", "put", "delete", "patch"]), query=junk_params,
       body=junk_body, use_key=st.booleans())
def test_open311_garbage_anywhere_gets_a_4xx_with_a_message(
        key: str, endpoint: str, fmt: str, method: str, query: dict[str, str], body: tuple[str, Any],
        use_key: bool) -> None:
    kind, content = body
    if kind == "form" and use_key:  # a real key and service, so the garbage reaches the location and text rules
        content = {"service_code": "street-lights", **content, "api_key": key}
    url = f"/open311/v2/{endpoint}.{fmt}"
    c = Client()
    if method == "get":
        resp = c.get(url, query)
    elif kind == "form":
        resp = c.generic(method.upper(), url, urlencode(content).encode(), content_type="application/x-www-form-urlencoded")
    else:
        resp = c.generic(method.upper(), url, content, content_type=kind)
    assert resp.status_code < 500, (method, url, resp.status_code)
    if resp.status_code >= 400:
        assert open311_message(resp, fmt if fmt in ("json", "xml") else "xml"), (method, url, resp.content[:200])
