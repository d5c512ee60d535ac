"""The periodic deadline sweep: near-due reminders and overdue escalation (分级响应, 督办).

Each change is claimed with a conditional UPDATE (``WHERE reminded = false`` /
``WHERE escalation_level = n``), so two sweepers running at once — or one run twice —
never remind or escalate the same case twice (the healthchecks ``sendalerts`` pattern).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import QuerySet

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


def _level_for(case: Case, now: datetime) -> int:
    """Level 1 when overdue; one more for each further span of the original time limit."""
    assert case.due_at is not None
    span = case.due_at - case.received_at
    if span <= timedelta(0):
        return 1
    return min(MAX_ESCALATION, 1 + int((now - case.due_at) / span))
