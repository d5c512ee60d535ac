"""No personal data in logs or error pages: what a failing request carried is masked in the
log, and the page the user sees says nothing about it."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path

from gongzhi.core.logs import MaskingFormatter, mask_text

ID = "430104199003071234"
PHONE = "13907311234"


def test_mask_text_masks_ids_and_phones_and_leaves_other_numbers() -> None:
    line = f"lookup id={ID} phone {PHONE} case 20261201000003 hash 6f1e{'0' * 60} at 1764590000123"
    masked = mask_text(line)
    assert ID not in masked
    assert PHONE not in masked
    assert "430***********1234" in masked
    assert "139****1234" in masked
    assert "case 20261201000003" in masked  # 14 digits: a case number, not a phone
    assert "1764590000123" in masked
    assert mask_text(f"x{ID}y") == f"x{ID}y"  # inside a longer token: not an ID on its own


def _boom(request: HttpRequest) -> HttpResponse:
    raise ValueError(f"cannot register {request.GET.get('id')} / {request.GET.get('phone')}")


urlpatterns = [path("boom/", _boom)]


@pytest.fixture
def captured() -> Iterator[list[str]]:
    lines: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(self.format(record))

    handler = Keep()
    handler.setFormatter(MaskingFormatter("%(name)s %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    yield lines
    root.removeHandler(handler)


def test_a_failing_request_logs_masked_and_shows_nothing(settings: Any, captured: list[str]) -> None:
    settings.ROOT_URLCONF = __name__
    settings.DEBUG = False
    resp = Client(raise_request_exception=False).get("/boom/", {"id": ID, "phone": PHONE})
    assert resp.status_code == 500
    body = resp.content.decode()
    assert ID not in body
    assert PHONE not in body
    assert "ValueError" not in body
    logged = "\n".join(captured)
    assert "Internal Server Error: /boom/" in logged
    assert "cannot register" in logged  # the traceback is there…
    assert ID not in logged  # …with the values masked
    assert PHONE not in logged
    assert "430***********1234" in logged


def test_the_configured_handlers_mask(settings: Any) -> None:
    from django.conf import settings as live

    formatters = live.LOGGING["formatters"]
    handlers = live.LOGGING["handlers"]
    for handler in handlers.values():
        assert formatters[handler["formatter"]]["()"] == "gongzhi.core.logs.MaskingFormatter"
    assert live.LOGGING["loggers"]["django.server"]["handlers"] == ["server"]
