"""The periodic deadline sweep: near-due reminders and overdue escalation (分级响应, 督办).

Each change is claimed with a conditional UPDATE (``WHERE reminded = false`` /
``WHERE escalation_level = n``), so two sweepers running at once — or one run twice —
never remind or escalate the same case twice (the healthchecks ``sendalerts`` pattern).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import close_old_connections, connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from gongzhi.cases import signals
from gongzhi.cases.models import Case
from gongzhi.cases.services import append_step

# Overdue escalation: the level a case goes to, and whose 督办 queue shows it.
MAX_ESCALATION = 3  # 1 = street/department reminded by the district centre, 2 = district leader, 3 = city


@dataclass
class SweepReport:
    reminded: int = 0
    escalated: int = 0


def open_cases() -> QuerySet[Case]:
    """Cases whose clock runs: not closed (every final state stops the clock), not paused."""
    return Case.objects.filter(closed_at__isnull=True, paused_at__isnull=True, due_at__isnull=False,
                               merged_into__isnull=True)


def sweep(now: datetime, *, batch: int = 500) -> SweepReport:
    report = SweepReport()
    due_soon = open_cases().filter(reminded=False, warn_at__lte=now).order_by("warn_at")[:batch]
    for case in due_soon:
        with transaction.atomic():
            if Case.objects.filter(pk=case.pk, reminded=False).update(reminded=True):
                append_step(case, action="remind", from_state=case.state, to_state=case.state, at=now,
                            data={"due_at": case.due_at.isoformat() if case.due_at else ""})
                report.reminded += 1
    overdue = open_cases().filter(due_at__lte=now, escalation_level__lt=MAX_ESCALATION)
    for case in overdue.order_by("due_at")[:batch]:
        level = _level_for(case, now)
        if level <= case.escalation_level:
            continue
        with transaction.atomic():
            claimed = Case.objects.filter(pk=case.pk, escalation_level=case.escalation_level).update(
                escalation_level=level)
            if claimed:
                append_step(case, action="escalate", from_state=case.state, to_state=case.state, at=now,
                            data={"from_level": case.escalation_level, "to_level": level})
                report.escalated += 1
    return report


log = logging.getLogger(__name__)


def sweep_every(seconds: float, stop: threading.Event | None = None) -> None:
    """Sweep now and then every ``seconds`` until ``stop`` is set; a failed sweep (a database
    restart, a lock timeout) is logged and retried at the next tick, never fatal."""
    stop = stop or threading.Event()
    while not stop.is_set():
        try:
            now = timezone.now()
            report = sweep(now)
            if report.reminded or report.escalated:
                log.info("sweep: reminded %d, escalated %d", report.reminded, report.escalated)
            signals.swept.send(sender=None, now=now)  # hot-spot alerts and other periodic work
        except Exception:
            log.exception("deadline sweep failed; retrying in %s s", seconds)
        finally:
            if not connection.in_atomic_block:  # never under a caller's open transaction
                close_old_connections()  # a broken or expired connection is reopened next tick
        stop.wait(seconds)


def start_sweeper(seconds: float = 60.0) -> threading.Thread:
    """The sweep in a daemon thread beside a one-process server (the demo, a small district)."""
    thread = threading.Thread(target=sweep_every, args=(seconds,), name="gongzhi-sweeper", daemon=True)
    thread.start()
    return thread


def _level_for(case: Case, now: datetime) -> int:
    """Level 1 when overdue; one more for each further span of the original time limit."""
    assert case.due_at is not None
    span = case.due_at - case.received_at
    if span <= timedelta(0):
        return 1
    return min(MAX_ESCALATION, 1 + int((now - case.due_at) / span))
