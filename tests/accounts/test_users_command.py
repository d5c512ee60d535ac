from __future__ import annotations

import re

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command

from gongzhi.accounts.models import Post, User
from gongzhi.areas.models import Area
from gongzhi.core.access import Role
from gongzhi.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_add_an_auditor_with_a_one_time_password(tree: dict[str, Area], capsys: pytest.CaptureFixture[str]) -> None:
    call_command("users", "add", "shenji", "--role", Role.AUDIT_ADMIN, "--area", "4301", "--name", "审计员甲")
    out = capsys.readouterr().out
    password = re.search(r"一次性密码（首次登录须修改）：(\S+)", out)
    assert password is not None
    user = User.objects.get(username="shenji")
    assert user.must_change_password
    assert not user.is_staff
    assert not user.is_superuser
    assert authenticate(username="shenji", password=password.group(1)) == user
    assert Post.objects.get(user=user).role == Role.AUDIT_ADMIN
    assert AuditEvent.objects.get(action="users.add").data["role"] == Role.AUDIT_ADMIN


@pytest.mark.parametrize(("args", "field"), [
    (["--role", "sys_admin", "--area", "9999"], "--area"),
    (["--role", "sys_admin", "--area", "4301", "--unit", "nope"], "--unit"),
])
def test_bad_arguments_name_the_option(tree: dict[str, Area], args: list[str], field: str) -> None:
    with pytest.raises(CommandError, match=field):
        call_command("users", "add", "x1", *args)
    assert not User.objects.filter(username="x1").exists()
