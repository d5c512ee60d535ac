"""TOTP for privileged posts: enrolment on first sign-in, a code at every sign-in after,
optional for other posts, and not enforced when GONGZHI_REQUIRE_2FA is off (the demo)."""

from __future__ import annotations

import time

import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from gongzhi.areas.models import Area
from gongzhi.core.access import Role
from gongzhi.core.models import AuditEvent
from tests.builders import PASSWORD, make_user

pytestmark = pytest.mark.django_db


def code_for(device: TOTPDevice, offset: int = 0) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset):06d}"


def sign_in(client: Client, username: str) -> None:
    resp = client.post("/login/", {"username": username, "password": PASSWORD})
    assert resp.status_code == 302


def test_a_centre_post_enrols_then_needs_a_code_at_each_sign_in(tree: dict[str, Area], settings: object) -> None:
    settings.GONGZHI_REQUIRE_2FA = True  # type: ignore[attr-defined]
    user = make_user("chief", Role.CENTER_DUTY_CHIEF, tree["430104"])
    client = Client()
    sign_in(client, "chief")
    resp = client.get("/cases/")
    assert resp["Location"] == "/accounts/2fa/setup/"
    assert client.get("/api/cases/").status_code == 403
    page = client.get("/accounts/2fa/setup/").content.decode()
    assert 'id="totp-secret"' in page
    assert "otpauth://totp/" in page
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    bad = client.post("/accounts/2fa/setup/", {"code": "000000" if code_for(device) != "000000" else "111111"})
    assert bad.status_code == 400
    assert "动态码不正确" in bad.content.decode()
    time.sleep(1.1)  # after a wrong code django-otp makes the device wait (1 s, doubling)
    assert client.post("/accounts/2fa/setup/", {"code": code_for(device)}).status_code == 302
    assert client.get("/cases/").status_code == 200
    client.post("/logout/")
    # Next sign-in: the password alone is not enough.
    client = Client()
    sign_in(client, "chief")
    assert client.get("/cases/")["Location"] == "/accounts/2fa/verify/"
    device.refresh_from_db()
    wrong = client.post("/accounts/2fa/verify/", {"code": code_for(device, offset=5)})
    assert wrong.status_code == 400
    time.sleep(1.1)
    ok = client.post("/accounts/2fa/verify/", {"code": code_for(device, offset=1)})
    assert ok.status_code == 302
    assert client.get("/cases/").status_code == 200
    actions = set(AuditEvent.objects.filter(actor=user).values_list("action", flat=True))
    assert {"auth.2fa_enrolled", "auth.2fa_verified", "auth.2fa_failed"} <= actions


def test_other_posts_are_not_asked_and_the_demo_can_switch_it_off(tree: dict[str, Area], settings: object) -> None:
    settings.GONGZHI_REQUIRE_2FA = True  # type: ignore[attr-defined]
    make_user("gridder", Role.GRID_WORKER, tree["430104002014001"])
    client = Client()
    sign_in(client, "gridder")
    assert client.get("/cases/").status_code == 200
    settings.GONGZHI_REQUIRE_2FA = False  # type: ignore[attr-defined]
    make_user("admin2", Role.SYS_ADMIN, tree["4301"])
    client = Client()
    sign_in(client, "admin2")
    assert client.get("/").status_code == 200
