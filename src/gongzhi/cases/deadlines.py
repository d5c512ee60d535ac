"""Deadlines and lights (红黄绿灯) on the working calendar."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from gongzhi.cases.models import Case, Category, LimitUnit
from gongzhi.core import workcal

WARN_FRACTION = 0.8  # yellow from 80 % of the allowed time used
WORKING_UNITS = {LimitUnit.WORK_HOURS, LimitUnit.WORK_DAYS}


class Light(StrEnum):
    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"
    NONE = "none"  # no time limit, or closed


def due_and_warn(start: datetime, amount: float, unit: str) -> tuple[datetime, datetime]:
    due = workcal.add_duration(start, amount, unit)
    if unit in WORKING_UNITS:
        warn = workcal.add_work_hours(start, workcal.work_hours_between(start, due) * WARN_FRACTION)
    else:
        warn = start + (due - start) * WARN_FRACTION
    return due, warn


def for_category(start: datetime, category: Category | None) -> tuple[datetime | None, datetime | None]:
    if category is None or category.limit_amount is None:
        return None, None
    return due_and_warn(start, float(category.limit_amount), category.limit_unit)


def step_due(category: Category | None, state: str, start: datetime) -> datetime | None:
    """When the case must leave ``state`` (环节时限), if its category sets a limit for it."""
    limit = (category.step_limits or {}).get(state) if category else None
    if not limit:
        return None
    amount, unit = limit
    return workcal.add_duration(start, float(amount), str(unit))


def shift_for_pause(moment: datetime, paused_from: datetime, resumed_at: datetime, unit: str) -> datetime:
    """Move a deadline later by the time that counted while the clock was paused."""
    if unit in WORKING_UNITS:
        return workcal.add_work_hours(moment, workcal.work_hours_between(paused_from, resumed_at))
    return moment + (resumed_at - paused_from)


def light(case: Case, now: datetime) -> Light:
    if case.due_at is None or case.closed_at is not None:
        return Light.NONE
    at = case.paused_at or now  # a paused clock shows the colour it had when it stopped
    if at >= case.due_at:
        return Light.RED
    if case.warn_at is not None and at >= case.warn_at:
        return Light.YELLOW
    return Light.GREEN
