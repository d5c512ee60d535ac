"""S9 (API half): a script posts garbage to the API and Open311 — always a 4xx with a message."""

from __future__ import annotations

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
