"""等保 sign-in rules: throttling per account and per address, password classes and reuse,
idle sessions signed out."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from gongzhi.accounts import throttle
from gongzhi.accounts.models import User
from gongzhi.areas.models import Area
from gongzhi.core.access import Role
from gongzhi.core.models import AuditEvent
from tests.builders import PASSWORD, make_user

pytestmark = pytest.mark.django_db


def sign_in(client: Client, username: str, password: str, ip: str = "10.0.0.1") -> tuple[int, str]:
    resp = client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)
    return resp.status_code, resp.content.decode() if resp.status_code == 200 else resp["Location"]


def test_five_failures_lock_the_account_even_for_the_right_password(tree: dict[str, Area]) -> None:
    make_user("wang", Role.GRID_WORKER, tree["430104002014001"])
    client = Client()
    for _ in range(throttle.MAX_ACCOUNT_FAILURES - 1):
        status, body = sign_in(client, "wang", "wrong-Password1")
        assert status == 200
        assert "用户名或密码不正确" in body
    status, body = sign_in(client, "wang", "wrong-Password1")
    assert "已暂时锁定" in body
    status, body = sign_in(client, "wang", PASSWORD)  # right password, still refused
    assert status == 200
    assert "请 15 分钟后再试" in body or "请 16 分钟后再试" in body
    # Another account from the same address is not locked by it.
    make_user("li", Role.GRID_WORKER, tree["430104002014001"])
    assert sign_in(Client(), "li", PASSWORD)[0] == 302
    # After the lock ends the right password works and clears the count.
    with time_machine.travel(timezone.now() + throttle.LOCK + timedelta(seconds=5)):
        assert sign_in(Client(), "wang", PASSWORD)[0] == 302
    assert not throttle.locked_until("wang", "10.0.0.1")
    failed = AuditEvent.objects.filter(action="auth.login_failed", data__username="wang")
    assert failed.count() == throttle.MAX_ACCOUNT_FAILURES + 1
    assert failed.filter(data__locked=True).count() == 1


def test_one_address_guessing_many_accounts_is_locked(tree: dict[str, Area]) -> None:
    make_user("zhao", Role.GRID_WORKER, tree["430104002014001"])
    client = Client()
    for i in range(throttle.MAX_ADDRESS_FAILURES):
        sign_in(client, f"guess{i}", "x", ip="10.9.9.9")
    status, body = sign_in(client, "zhao", PASSWORD, ip="10.9.9.9")
    assert status == 200
    assert "已暂时锁定" in body
    assert sign_in(Client(), "zhao", PASSWORD, ip="10.1.1.1")[0] == 302


def test_failures_outside_the_window_start_a_new_count(tree: dict[str, Area]) -> None:
    make_user("sun", Role.GRID_WORKER, tree["430104002014001"])
    start = timezone.now()
    for _ in range(throttle.MAX_ACCOUNT_FAILURES - 1):
        throttle.record_failure("sun", "", now=start)
    throttle.record_failure("sun", "", now=start + throttle.WINDOW + timedelta(minutes=1))
    assert throttle.locked_until("sun", "", now=start + throttle.WINDOW + timedelta(minutes=2)) is None


def test_password_rules(tree: dict[str, Area]) -> None:
    user = make_user("qian", Role.GRID_WORKER, tree["430104002014001"])
    with pytest.raises(ValidationError) as short:
        validate_password("abc", user)
    assert any("10" in m for m in short.value.messages)
    with pytest.raises(ValidationError, match="至少 3 类"):
        validate_password("onlylowercaseletters", user)
    with pytest.raises(ValidationError, match="最近 5 次"):
        validate_password(PASSWORD, user)  # the current one
    validate_password("Grid-Work-2027", user)
    for n in range(3):
        user.set_password(f"Rotated-Pass-{n}x")
        user.save()
    user.refresh_from_db()
    with pytest.raises(ValidationError, match="最近 5 次"):
        validate_password("Rotated-Pass-0x", user)
    with pytest.raises(ValidationError):
        validate_password("qian-Password-1", User(username="qian-Password-1"))  # like the username


def test_an_idle_session_is_signed_out(tree: dict[str, Area], settings: object) -> None:
    make_user("zhou", Role.GRID_WORKER, tree["430104002014001"])
    client = Client()
    assert sign_in(client, "zhou", PASSWORD)[0] == 302
    assert client.get("/").status_code == 200
    with time_machine.travel(timezone.now() + timedelta(minutes=31)):
        resp = client.get("/cases/")
    assert resp.status_code == 302
    assert resp["Location"].startswith("/login/?next=%2Fcases%2F&idle=1")
    assert client.get("/").status_code == 302  # signed out for good


def test_a_seeded_password_must_be_changed_first_outside_demo_mode(tree: dict[str, Area], settings: object) -> None:
    settings.DEMO_MODE = False  # type: ignore[attr-defined]
    user = make_user("wu", Role.GRID_WORKER, tree["430104002014001"])
    User.objects.filter(pk=user.pk).update(must_change_password=True)
    client = Client()
    assert sign_in(client, "wu", PASSWORD)[0] == 302
    resp = client.get("/cases/")
    assert resp.status_code == 302
    assert resp["Location"] == "/accounts/password/"
    assert client.get("/api/cases/").status_code == 403
    page = client.get("/accounts/password/")
    assert "请先设置自己的密码" in page.content.decode()
    weak = client.post("/accounts/password/", {"old_password": PASSWORD, "new_password1": "short",
                                                "new_password2": "short"})
    assert weak.status_code == 200
    assert "至少 3 类" in weak.content.decode() or "10" in weak.content.decode()
    same = client.post("/accounts/password/", {"old_password": PASSWORD, "new_password1": PASSWORD,
                                                "new_password2": PASSWORD})
    assert "最近 5 次" in same.content.decode()
    done = client.post("/accounts/password/", {"old_password": PASSWORD, "new_password1": "Own-Choice-2027",
                                                "new_password2": "Own-Choice-2027"})
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.must_change_password is False
    assert client.get("/cases/").status_code == 200
    assert AuditEvent.objects.filter(action="auth.password_changed", actor=user).exists()


def test_demo_mode_does_not_force_the_change(tree: dict[str, Area], settings: object) -> None:
    settings.DEMO_MODE = True  # type: ignore[attr-defined]
    user = make_user("zheng", Role.GRID_WORKER, tree["430104002014001"])
    User.objects.filter(pk=user.pk).update(must_change_password=True)
    client = Client()
    sign_in(client, "zheng", PASSWORD)
    assert client.get("/cases/").status_code == 200
