"""The working calendar: Chinese working days (holidays, 调休) and working hours.

Every time limit of the platform is counted here (12345 hotline, 数字城管).

Which days are working days, by precedence:

1. a ``CalendarDay`` override row (a city's local day off, or the State Council's schedule
   for a year the package does not know yet);
2. the ``chinese_calendar`` package (2004–2026: holidays and make-up working weekends);
3. Monday to Friday.

Working hours are ``settings.GONGZHI_WORK_HOURS``, a list of ("HH:MM", "HH:MM") periods per
working day. All arithmetic runs in the local zone (``settings.TIME_ZONE``) and takes and
returns aware datetimes.

Override rows are cached per process. ``post_save``/``post_delete`` on ``CalendarDay``
(connected below when this module is imported) drop the cache at once; other processes only
see the change after ``RELOAD_AFTER_SECONDS``, because signals do not cross processes. Bulk
writes (``bulk_create``, ``QuerySet.update``) send no signals: call ``forget_overrides()``.
"""

from __future__ import annotations

import itertools
import time as clock
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import chinese_calendar
from django.conf import settings
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils.translation import gettext as _

from gongzhi.core.models import CalendarDay

UNITS = ("urgent_hours", "work_hours", "work_days", "calendar_days")

# Bounds the staleness seen by processes that did not make the edit (web workers, the sweep).
RELOAD_AFTER_SECONDS = 300.0

# A calendar with no working day for this long is misconfigured; stop instead of spinning.
_MAX_SCAN_DAYS = 366 * 20

_overrides: dict[date, bool] | None = None
_loaded_at = 0.0
# A day's working periods, as aware datetimes: every deadline asks for the same few days.
_periods_of_day: dict[tuple[date, tuple[tuple[time, time], ...], str], list[tuple[datetime, datetime]]] = {}


# --- working days ------------------------------------------------------------------------


def _load_overrides() -> dict[date, bool]:
    global _overrides, _loaded_at
    now = clock.monotonic()
    if _overrides is None or now - _loaded_at > RELOAD_AFTER_SECONDS:
        _overrides = dict(CalendarDay.objects.values_list("date", "is_workday"))
        _periods_of_day.clear()
        _loaded_at = now
    return _overrides


def forget_overrides() -> None:
    """Drop the cached override rows; the next lookup reads the table again."""
    global _overrides
    _overrides = None
    _periods_of_day.clear()


@receiver(post_save, sender=CalendarDay, dispatch_uid="gongzhi.workcal.saved")
@receiver(post_delete, sender=CalendarDay, dispatch_uid="gongzhi.workcal.deleted")
def _calendar_day_changed(sender: type[CalendarDay], **kwargs: Any) -> None:
    forget_overrides()


def official_is_workday(d: date) -> bool | None:
    """What the chinese_calendar package says, or None for a year it does not cover."""
    return _official(_as_date(d))


@cache
def _official(d: date) -> bool | None:
    try:
        return bool(chinese_calendar.is_workday(d))
    except NotImplementedError:
        return None


def is_workday(d: date) -> bool:
    d = _as_date(d)
    override = _load_overrides().get(d)
    if override is not None:
        return override
    official = official_is_workday(d)
    return official if official is not None else d.weekday() < 5


def next_workday(d: date) -> date:
    """The first working day strictly after ``d``."""
    return _step_to_workday(_as_date(d), 1)


def workdays_between(d1: date, d2: date) -> int:
    """Working days after ``d1`` up to and including ``d2`` (negative if ``d2`` is earlier).

    Matches ``add_work_days``: ``workdays_between(s.date(), add_work_days(s, n).date()) == n``.
    """
    d1, d2 = _as_date(d1), _as_date(d2)
    if d2 < d1:
        return -workdays_between(d2, d1)
    return sum(is_workday(d1 + timedelta(days=i)) for i in range(1, (d2 - d1).days + 1))


def _as_date(d: date) -> date:
    # A datetime is a date too, but it would never match the date keys of the override cache.
    if isinstance(d, datetime):
        return _local(d).date() if d.tzinfo is not None else d.date()
    return d


def _step_to_workday(d: date, step: int) -> date:
    for _i in range(_MAX_SCAN_DAYS):
        d += timedelta(days=step)
        if is_workday(d):
            return d
    raise ValueError("no working day within 20 years: check the CalendarDay overrides")


# --- working hours -----------------------------------------------------------------------


@cache
def _parse_periods(spec: tuple[tuple[str, str], ...]) -> tuple[tuple[time, time], ...]:
    parsed = tuple((time.fromisoformat(a), time.fromisoformat(b)) for a, b in spec)
    if (
        not parsed
        or any(a >= b for a, b in parsed)
        or any(p[1] > q[0] for p, q in itertools.pairwise(parsed))
    ):
        raise ValueError(
            f"GONGZHI_WORK_HOURS must be ordered, non-overlapping periods within a day, got {spec}"
        )
    return parsed


def periods() -> tuple[tuple[time, time], ...]:
    """The working periods of a working day, parsed (and checked) once per setting value."""
    return _parse_periods(tuple((a, b) for a, b in settings.GONGZHI_WORK_HOURS))


def hours_per_day() -> float:
    seconds = sum(
        (datetime.combine(date.min, b) - datetime.combine(date.min, a)).total_seconds()
        for a, b in periods()
    )
    return seconds / 3600


def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)  # ZoneInfo caches instances by key


def _local(dt: datetime) -> datetime:
    if dt.tzinfo is None:
        raise ValueError("working-time arithmetic needs an aware datetime")
    return dt.astimezone(_zone())


def _day_periods(d: date) -> list[tuple[datetime, datetime]]:
    _load_overrides()  # reloads stale overrides, which empties this cache
    key = (d, periods(), settings.TIME_ZONE)
    spans = _periods_of_day.get(key)
    if spans is None:
        if len(_periods_of_day) > 20_000:
            _periods_of_day.clear()
        tz = _zone()
        spans = [(datetime.combine(d, a, tz), datetime.combine(d, b, tz)) for a, b in periods()] if is_workday(d) else []
        _periods_of_day[key] = spans
    return spans


def is_working_time(moment: datetime) -> bool:
    """Whether ``moment`` lies in a working period (start included, end excluded)."""
    local = _local(moment)
    return any(s <= local < e for s, e in _day_periods(local.date()))


def add_work_hours(start: datetime, hours: float) -> datetime:
    """``start`` plus ``hours`` of working time; negative ``hours`` count backwards.

    A start outside working time first moves to the next period start (backwards: the
    previous period end). A limit used up exactly at a period end is due at that end
    (17:30), not at the next opening. ``hours == 0`` returns ``start`` unchanged.
    """
    cur = _local(start)
    remaining = timedelta(hours=abs(hours))
    if not remaining:
        return start
    forward = hours > 0
    day = cur.date()
    # One step per calendar day, so a long holiday costs a few dozen dict lookups.
    for _i in range(_MAX_SCAN_DAYS):
        spans = _day_periods(day)
        if forward:
            for s, e in spans:
                begin = max(cur, s)
                if begin < e:
                    if remaining <= e - begin:
                        return begin + remaining
                    remaining -= e - begin
            day += timedelta(days=1)
            cur = datetime.combine(day, time.min, _zone())
        else:
            for s, e in reversed(spans):
                end = min(cur, e)
                if end > s:
                    if remaining <= end - s:
                        return end - remaining
                    remaining -= end - s
            cur = datetime.combine(day, time.min, _zone())
            day -= timedelta(days=1)
    raise ValueError("no working time within 20 years: check the CalendarDay overrides")


def work_hours_between(a: datetime, b: datetime) -> float:
    """Working hours elapsed from ``a`` to ``b`` (negative if ``b`` is earlier)."""
    a, b = _local(a), _local(b)
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


# --- time limits -------------------------------------------------------------------------


def add_work_days(start: datetime, days: int) -> datetime:
    """The deadline of an "N 个工作日" limit: the close of the Nth working day after the start day.

    The day a case arrives does not count, whatever the hour (it is rarely a full day, and
    12345 centres count from the next working day). A case received on Friday 10:00 with
    3 working days is due at the close (last period end, e.g. 17:30) of the third working
    day that follows: Wednesday in a normal week, later across a holiday. A case received
    on a Saturday counts from Monday the same way.

    Negative ``days`` mirror this: the opening (first period start) of the Nth working day
    before the start day. ``days == 0`` returns ``start``.
    """
    local = _local(start)
    if days == 0:
        return start
    step = 1 if days > 0 else -1
    d = local.date()
    for _i in range(abs(days)):
        d = _step_to_workday(d, step)
    day_periods = periods()
    clock_time = day_periods[-1][1] if days > 0 else day_periods[0][0]
    return datetime.combine(d, clock_time, _zone())


def add_calendar_days(start: datetime, days: float) -> datetime:
    """Plain days (自然日): the same local clock time ``days`` later, holidays included."""
    return _local(start) + timedelta(days=days)


def add_duration(start: datetime, amount: float, unit: str) -> datetime:
    """A time limit in the units the standards use: 紧急时, 工作时, 工作日, 自然日."""
    if unit == "urgent_hours":
        # Round the clock, for emergencies; added in UTC so it stays elapsed time in any zone.
        return (_local(start).astimezone(UTC) + timedelta(hours=amount)).astimezone(_zone())
    if unit == "work_hours":
        return add_work_hours(start, amount)
    if unit == "work_days":
        if amount != int(amount):
            raise ValueError(_("工作日时限应为整数，实为 %(amount)s") % {"amount": amount})
        return add_work_days(start, int(amount))
    if unit == "calendar_days":
        return add_calendar_days(start, amount)
    raise ValueError(
        _("时限单位 %(unit)s 无效，应为 %(units)s 之一") % {"unit": unit, "units": ", ".join(UNITS)}
    )
