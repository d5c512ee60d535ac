"""The audit post's page: filters by person, object, action, address and time; the export holds
exactly what is filtered and is itself audited; bad filters are named."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from gongzhi.accounts.models import User
from gongzhi.areas.models import Area
from gongzhi.core import audit
from gongzhi.core.access import Role
from gongzhi.core.models import AuditEvent
from gongzhi.registry.xlsx_rows import iter_xlsx_rows
from tests.builders import client_for
from tests.core.test_audit import _drop_guards

pytestmark = pytest.mark.django_db


@pytest.fixture
def trail(role_users: dict[str, User], tree: dict[str, Area]) -> dict[str, AuditEvent]:
    old = timezone.now() - timedelta(days=10)
    with time_machine.travel(old, tick=False):
        a = audit.record("registry.reveal", actor=role_users[Role.GRID_WORKER], obj=tree["430104002014001"],
                         reason="入户走访核对", ip="10.0.0.7")
    b = audit.record("case.dispatch", actor=role_users[Role.STREET_DISPATCHER], obj=tree["430104002"])
    c = audit.record("auth.login_failed", data={"username": "nobody"}, ip="10.0.0.9")
    return {"old_reveal": a, "dispatch": b, "failed": c}


def ids(c: Client, **params: str) -> set[int]:
    resp = c.get("/audit/", params)
    assert resp.status_code == 200
    return {e.pk for e in resp.context["page"]}


def test_filters(role_users: dict[str, User], trail: dict[str, AuditEvent]) -> None:
    c = client_for(role_users[Role.AUDIT_ADMIN])
    a, b, f = (trail[k].pk for k in ("old_reveal", "dispatch", "failed"))
    assert {a, b, f} <= ids(c)
    assert ids(c, actor="u_grid_worker") == {a}
    assert ids(c, actor=role_users[Role.STREET_DISPATCHER].get_full_name() or "u_street_dispatcher") == {b}
    assert ids(c, obj="areas.area") == {a, b}
    assert ids(c, obj=str(trail["dispatch"].object_id), action="case.") == {b}
    assert ids(c, action="auth.login_f") == {f}
    assert ids(c, ip="10.0.0.7") == {a}
    today = timezone.localdate().isoformat()
    assert a not in ids(c, since=today)
    assert ids(c, until=(timezone.localdate() - timedelta(days=9)).isoformat()) == {a}


def test_bad_range_is_named_and_shows_nothing(role_users: dict[str, User], trail: dict[str, AuditEvent]) -> None:
    c = client_for(role_users[Role.AUDIT_ADMIN])
    resp = c.get("/audit/", {"since": "2026-05-02", "until": "2026-05-01"})
    body = resp.content.decode()
    assert "截止日期不能早于起始日期" in body
    assert list(resp.context["page"]) == []
    assert "输入一个有效的日期" in c.get("/audit/", {"since": "昨天"}).content.decode()


def test_export_holds_the_filtered_rows_and_is_audited(role_users: dict[str, User], trail: dict[str, AuditEvent]) -> None:
    c = client_for(role_users[Role.AUDIT_ADMIN])
    resp = c.get("/audit/", {"action": "registry.", "export": "xlsx"})
    assert resp.status_code == 200
    rows = list(iter_xlsx_rows(io.BytesIO(b"".join(resp.streaming_content))))  # type: ignore[attr-defined]
    assert rows[0][0] == "编号"
    assert [(r[0], r[3], r[8]) for r in rows[1:]] == [(trail["old_reveal"].pk, "registry.reveal", "入户走访核对")]
    export = AuditEvent.objects.get(action="audit.export")
    assert export.actor_id == role_users[Role.AUDIT_ADMIN].pk
    assert export.data == {"filters": {"action": "registry."}, "rows": 1}
    assert audit.verify_chain().ok


def test_page_shows_a_broken_chain(role_users: dict[str, User], trail: dict[str, AuditEvent]) -> None:
    _drop_guards()  # what someone with the database's password could do
    AuditEvent.objects.filter(pk=trail["dispatch"].pk).update(reason="改过")
    body = client_for(role_users[Role.AUDIT_ADMIN]).get("/audit/").content.decode()
    assert f"第一处断裂在记录 #{trail['dispatch'].pk}" in body


@pytest.mark.parametrize("role", [Role.SYS_ADMIN, Role.SECURITY_ADMIN, Role.LEADER, Role.CENTER_DUTY_CHIEF])
def test_only_the_audit_post_reads_or_exports(role: Role, role_users: dict[str, User], trail: dict[str, AuditEvent]) -> None:
    c = client_for(role_users[role])
    assert c.get("/audit/").status_code == 403
    assert c.get("/audit/", {"export": "xlsx"}).status_code == 403
    assert not AuditEvent.objects.filter(action="audit.export").exists()
