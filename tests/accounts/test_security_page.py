from __future__ import annotations

import pytest
from django.conf import settings

from gongzhi.accounts import throttle
from gongzhi.accounts.models import LoginThrottle, User
from gongzhi.accounts.security import fingerprint
from gongzhi.core.access import Role
from gongzhi.core.models import AuditEvent
from tests.builders import client_for

pytestmark = pytest.mark.django_db


def test_policies_and_keys_are_shown_never_the_keys(role_users: dict[str, User]) -> None:
    body = client_for(role_users[Role.SECURITY_ADMIN]).get("/accounts/security/").content.decode()
    assert "同一账号 15 分钟内连续失败 5 次，锁定 15 分钟" in body
    assert "10" in body
    assert "空闲 30 分钟自动退出" in body
    assert fingerprint(settings.PII_KEYS[0]) in body
    assert settings.PII_KEYS[0] not in body
    assert settings.PII_HASH_KEY not in body


def test_unlock_a_locked_account_is_audited(role_users: dict[str, User]) -> None:
    for _ in range(throttle.MAX_ACCOUNT_FAILURES):
        throttle.record_failure("u_leader", "10.1.1.1")
    assert throttle.locked_until("u_leader", "") is not None
    c = client_for(role_users[Role.SECURITY_ADMIN])
    row = LoginThrottle.objects.get(key="user:u_leader")
    assert "user:u_leader" in c.get("/accounts/security/").content.decode()
    assert c.post(f"/accounts/security/locks/{row.pk}/unlock/").status_code == 302
    assert throttle.locked_until("u_leader", "") is None
    event = AuditEvent.objects.get(action="security.unlock")
    assert event.data["key"] == "user:u_leader"
    assert event.actor_id == role_users[Role.SECURITY_ADMIN].pk


@pytest.mark.parametrize("role", [Role.SYS_ADMIN, Role.AUDIT_ADMIN, Role.CENTER_DUTY_CHIEF])
def test_other_posts_are_refused(role: Role, role_users: dict[str, User]) -> None:
    throttle.record_failure("x", "10.1.1.2")
    row = LoginThrottle.objects.first()
    assert row is not None
    c = client_for(role_users[role])
    assert c.get("/accounts/security/").status_code == 403
    assert c.post(f"/accounts/security/locks/{row.pk}/unlock/").status_code == 403
    assert LoginThrottle.objects.filter(pk=row.pk).exists()
