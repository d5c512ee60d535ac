"""Every page and API endpoint refuses an anonymous visitor, found by walking the URL conf:
a new view added without a login requirement fails here without anyone listing it."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from gongzhi.areas.models import Area

# The residents' tracking page is public by design: it asks for the case number and phone.
PUBLIC = {"login/", "i18n/setlang/", "api/docs", "api/openapi.json", "track/", "track/report/"}
NO_VIEW = {"api/"}  # django-ninja's mount point: nothing is served there
SAMPLE = {"str": "4301", "int": "1", "path": "4301", "slug": "x"}


def walk(patterns: list[URLPattern | URLResolver], prefix: str = "") -> Iterator[str]:
    for p in patterns:
        route = str(p.pattern)
        if isinstance(p, URLResolver):
            if route.startswith("admin/"):
                continue  # Django admin has its own staff-only login
            yield from walk(p.url_patterns, prefix + route)
        else:
            yield prefix + route


def sample_url(route: str) -> str:
    route = re.sub(r"<(?:(\w+):)?\w+>", lambda m: SAMPLE[m.group(1) or "str"], route)
    return "/" + route.lstrip("^").rstrip("$").replace("\\Z", "")


ROUTES = sorted({sample_url(r) for r in walk(get_resolver().url_patterns)})


def test_the_walk_finds_the_known_pages() -> None:
    assert {"/", "/areas/4301/", "/audit/", "/api/areas/4301"} <= set(ROUTES)


@pytest.mark.django_db
@pytest.mark.parametrize("url", ROUTES)
def test_anonymous_is_refused(url: str, client: Client, tree: dict[str, Area]) -> None:
    if url.lstrip("/") in PUBLIC | NO_VIEW or url.startswith("/open311/"):
        # Open311 reads are public by the spec (no personal data); its POST needs an api_key,
        # which tests/cases/test_open311.py checks.
        pytest.skip("public by design, or no view")
    for method in ("get", "post"):
        resp = getattr(client, method)(url)
        assert resp.status_code in {302, 401, 403, 405}, (method, url, resp.status_code)
        if resp.status_code == 302:
            assert resp["Location"].startswith("/login/"), (method, url)
