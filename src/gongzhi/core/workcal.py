"""The working calendar: Chinese working days (holidays, 调休) and working hours.

Precedence for a date: a ``CalendarDay`` override row (a city's local days, or the official
schedule of a year the package does not know yet) → the ``chinese_calendar`` package
(2004–2026, with holidays and make-up working weekends) → Monday to Friday.
Deadline arithmetic runs in the local zone (settings.TIME_ZONE) and returns aware datetimes.
"""

from __future__ import annotations

import itertools
from datetime import date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import chinese_calendar
from django.conf import settings
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext as _

from gongzhi.core.models import CalendarDay

UNITS = ("urgent_hours", "work_hours", "work_days", "calendar_days")
_overrides: dict[date, bool] | None = None


def _load_overrides() -> dict[date, bool]:
    global _overrides
    if _overrides is None:
        _overrides = dict(CalendarDay.objects.values_list("date", "is_workday"))
    return _overrides


def forget_overrides(*_args: object, **_kwargs: object) -> None:
    global _overrides
    _overrides = None


post_save.connect(forget_overrides, sender=CalendarDay, dispatch_uid="workcal-save")
post_delete.connect(forget_overrides, sender=CalendarDay, dispatch_uid="workcal-delete")


def official_is_workday(d: date) -> bool | None:
    """What the chinese_calendar package says, or None for a year it does not cover."""
    try:
        return bool(chinese_calendar.is_workday(d))
    except NotImplementedError:
        return None


def is_workday(d: date) -> bool:
    override = _load_overrides().get(d)
    if override is not None:
        return override
    official = official_is_workday(d)
    return official if official is not None else d.weekday() < 5


@cache
def _periods(spec: tuple[tuple[str, str], ...]) -> tuple[tuple[time, time], ...]:
    parsed = tuple((time.fromisoformat(a), time.fromisoformat(b)) for a, b in spec)
    if not parsed or any(a >= b for a, b in parsed) or any(p[1] > q[0] for p, q in itertools.pairwise(parsed)):
        raise ValueError(f"GONGZHI_WORK_HOURS must be ordered, non-overlapping periods, got {spec}")
    return parsed


def periods() -> tuple[tuple[time, time], ...]:
    return _periods(tuple(tuple(p) for p in settings.GONGZHI_WORK_HOURS))


def hours_per_day() -> float:
    return sum((datetime.combine(date.min, b) - datetime.combine(date.min, a)).seconds for a, b in periods()) / 3600


def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _day_periods(d: date) -> list[tuple[datetime, datetime]]:
    if not is_workday(d):
        return []
    tz = _zone()
    return [(datetime.combine(d, a, tz), datetime.combine(d, b, tz)) for a, b in periods()]


def _check_aware(dt: datetime) -> datetime:
    if dt.tzinfo is None:
        raise ValueError("working-time arithmetic needs an aware datetime")
    return dt.astimezone(_zone())


def add_work_hours(start: datetime, hours: float) -> datetime:
    """``start`` plus ``hours`` of working time (negative counts backwards)."""
    cur = _check_aware(start)
    remaining = timedelta(hours=abs(hours))
    if not remaining:
        return start
    day = cur.date()
    for _step in range(366 * 20):
        spans = _day_periods(day)
        if hours > 0:
            for s, e in spans:
                seg_start = max(cur, s)
                if seg_start < e:
                    if remaining <= e - seg_start:
                        return seg_start + remaining
                    remaining -= e - seg_start
            day += timedelta(days=1)
            cur = datetime.combine(day, time.min, _zone())
        else:
            for s, e in reversed(spans):
                seg_end = min(cur, e)
                if seg_end > s:
                    if remaining <= seg_end - s:
                        return seg_end - remaining
                    remaining -= seg_end - s
            cur = datetime.combine(day, time.min, _zone())
            day -= timedelta(days=1)
    raise ValueError("no working time within 20 years: check the calendar overrides")


def work_hours_between(a: datetime, b: datetime) -> float:
    """Working hours from ``a`` to ``b`` (negative if ``b`` is earlier)."""
    a, b = _check_aware(a), _check_aware(b)
    if b < a:
        return -work_hours_between(b, a)
    total = timedelta()
    day = a.date()
    while day <= b.date():
        for s, e in _day_periods(day):
            lo, hi = max(s, a), min(e, b)
            if hi > lo:
                total += hi - lo
        day += timedelta(days=1)
    return total.total_seconds() / 3600


def workdays_between(d1: date, d2: date) -> int:
    """Working days after ``d1`` up to and including ``d2`` (negative if ``d2`` is earlier)."""
    if d2 < d1:
        return -workdays_between(d2, d1)
    return sum(is_workday(d1 + timedelta(days=i)) for i in range(1, (d2 - d1).days + 1))


def add_work_days(start: datetime, days: int) -> datetime:
    """The deadline of an "N 个工作日" limit: the end of the Nth working day after the start day.

    A case received on Friday 10:00 with 3 working days is due at the close of the third
    working day that follows (Wednesday 17:30 in a normal week). Negative ``days`` gives the
    opening of the Nth working day before the start day; 0 returns ``start``.
    """
    cur = _check_aware(start)
    if days == 0:
        return start
    d = cur.date()
    step = timedelta(days=1 if days > 0 else -1)
    for _day in range(abs(days)):
        d += step
        while not is_workday(d):
            d += step
    first, last = periods()[0][0], periods()[-1][1]
    return datetime.combine(d, last if days > 0 else first, _zone())


def add_calendar_days(start: datetime, days: float) -> datetime:
    return start + timedelta(days=days)


def add_duration(start: datetime, amount: float, unit: str) -> datetime:
    """A time limit in the units the standards use: 紧急时, 工作时, 工作日, 自然日."""
    if unit == "urgent_hours":
        return start + timedelta(hours=amount)
    if unit == "work_hours":
        return add_work_hours(start, amount)
    if unit == "work_days":
        if amount != int(amount):
            raise ValueError(_("工作日时限应为整数，实为 %(n)s") % {"n": amount})
        return add_work_days(start, int(amount))
    if unit == "calendar_days":
        return add_calendar_days(start, amount)
    raise ValueError(_("时限单位 %(unit)s 无效，应为 %(units)s 之一") % {"unit": unit, "units": ", ".join(UNITS)})
