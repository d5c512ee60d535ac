from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from gongzhi.accounts.models import User
from gongzhi.core import audit
from gongzhi.core.models import AuditChainHead, AuditEvent
from tests.pg import fresh_pg_database

pytestmark = pytest.mark.django_db


def _drop_guards() -> None:
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("ALTER TABLE core_auditevent DISABLE TRIGGER USER")
        else:
            cur.execute("DROP TRIGGER core_auditevent_no_update")
            cur.execute("DROP TRIGGER core_auditevent_no_delete")


def _events(n: int) -> list[AuditEvent]:
    return [audit.record("test.event", data={"n": i}, reason=f"理由 {i}") for i in range(n)]


def test_each_event_links_to_the_previous_one() -> None:
    events = _events(3)
    assert events[0].prev_hash == audit.GENESIS
    assert events[1].prev_hash == events[0].hash
    assert events[2].prev_hash == events[1].hash
    report = audit.verify_chain()
    assert report.ok
    assert report.checked == 3


def test_records_actor_object_ip_and_reason() -> None:
    user = User.objects.create(username="wang", full_name="王红梅")
    event = audit.record("pii.reveal", actor=user, obj=user, reason="回访核实", ip="10.0.0.8", data={"field": "phone"})
    event.refresh_from_db()
    assert (event.actor_id, event.actor_name, event.object_type, event.object_id) == (user.pk, "王红梅", "accounts.user", str(user.pk))
    assert (event.ip, event.reason, event.data) == ("10.0.0.8", "回访核实", {"field": "phone"})
    assert audit.verify_chain().ok


def test_database_refuses_update_and_delete() -> None:
    event = _events(1)[0]
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(reason="改过")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).reason == "理由 0"


def test_verify_names_the_first_tampered_row() -> None:
    events = _events(5)
    _drop_guards()
    AuditEvent.objects.filter(pk=events[2].pk).update(reason="被篡改")
    report = audit.verify_chain()
    assert not report.ok
    assert (report.first_broken_id, report.problem, report.checked) == (events[2].pk, "content", 2)
    with pytest.raises(CommandError, match=f"first broken row: #{events[2].pk}"):
        call_command("audit", "verify")


def test_verify_detects_a_removed_row_and_a_cut_tail() -> None:
    events = _events(4)
    _drop_guards()
    AuditEvent.objects.filter(pk=events[1].pk).delete()
    report = audit.verify_chain()
    assert (report.first_broken_id, report.problem) == (events[2].pk, "link")
    AuditEvent.objects.filter(pk__gte=events[2].pk).delete()
    report = audit.verify_chain()
    assert report.problem == "truncated"
    assert not report.ok


def test_verify_command_reports_success(capsys: pytest.CaptureFixture[str]) -> None:
    _events(2)
    call_command("audit", "verify")
    assert "2 rows verified" in capsys.readouterr().out
    assert AuditChainHead.objects.get(pk=1).count == 2


def test_tail_check_reads_only_the_newest_rows_but_still_links_them() -> None:
    events = _events(6)
    assert audit.verify_chain(tail=3) == audit.ChainReport(3, None, "")
    _drop_guards()
    AuditEvent.objects.filter(pk=events[1].pk).update(reason="被篡改")
    assert audit.verify_chain(tail=3).ok  # outside the tail: only the full check sees it
    assert audit.verify_chain().first_broken_id == events[1].pk
    AuditEvent.objects.filter(pk=events[4].pk).update(reason="被篡改")
    assert audit.verify_chain(tail=3).first_broken_id == events[4].pk



def test_concurrent_processes_keep_one_unbroken_chain(tmp_path: Path) -> None:
    """Four processes append at once to a fresh database (SQLite file, or PostgreSQL if that
    is what the suite runs on); the chain must come out whole, every row accounted for."""
    env = {**os.environ, "GONGZHI_VAR_DIR": str(tmp_path)}
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        env["DATABASE_URL"] = fresh_pg_database(url, f"gongzhi_audit_{os.getpid()}")
    else:
        env.pop("DATABASE_URL", None)
    script = Path(__file__).with_name("audit_appenders.py")
    out = subprocess.run([sys.executable, str(script), "4", "60"], env=env, capture_output=True, text=True, timeout=300, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["checked", "240", "ok"]
