"""The working calendar on real dates; the official schedule is checked against the package."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from io import StringIO
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from gongzhi.core import workcal
from gongzhi.core.models import CalendarDay

TZ = ZoneInfo("Asia/Shanghai")
MON, SAT, SUN = 0, 5, 6


def at(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=TZ)


def days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


@pytest.fixture(autouse=True)
def _standard_hours(settings: Any) -> None:
    # The expected times below assume these periods (7 working hours a day).
    settings.GONGZHI_WORK_HOURS = [("09:00", "12:00"), ("13:30", "17:30")]
    settings.TIME_ZONE = "Asia/Shanghai"


# --- which days are working days ---------------------------------------------------------


@pytest.mark.django_db
def test_national_day_2025_follows_the_official_schedule() -> None:
    # The package's data (the State Council's 2025 schedule), not our memory of it.
    assert not any(
        chinese_calendar.is_workday(d) for d in days(date(2025, 10, 1), date(2025, 10, 8))
    )
    assert chinese_calendar.is_workday(date(2025, 9, 28))
    assert date(2025, 9, 28).weekday() == SUN  # a Sunday, not a Saturday
    assert chinese_calendar.is_workday(date(2025, 10, 11))
    assert date(2025, 10, 11).weekday() == SAT

    assert not any(workcal.is_workday(d) for d in days(date(2025, 10, 1), date(2025, 10, 8)))
    assert workcal.is_workday(date(2025, 9, 28))
    assert workcal.is_workday(date(2025, 10, 11))
    assert workcal.is_workday(date(2025, 10, 9))
    assert not workcal.is_workday(date(2025, 10, 12))  # an ordinary Sunday


@pytest.mark.django_db
def test_spring_festival_2026_and_the_make_up_saturdays() -> None:
    holiday = days(date(2026, 2, 15), date(2026, 2, 23))
    assert not any(chinese_calendar.is_workday(d) for d in holiday)
    assert date(2026, 2, 14).weekday() == SAT
    assert chinese_calendar.is_workday(date(2026, 2, 14))
    assert chinese_calendar.is_workday(date(2026, 2, 28))
    assert date(2026, 10, 10).weekday() == SAT
    assert chinese_calendar.is_workday(date(2026, 10, 10))

    assert not any(workcal.is_workday(d) for d in holiday)
    assert workcal.is_workday(date(2026, 2, 14))
    assert workcal.is_workday(date(2026, 10, 10))
    assert workcal.next_workday(date(2026, 2, 13)) == date(2026, 2, 14)
    assert workcal.next_workday(date(2026, 2, 14)) == date(2026, 2, 24)
    assert workcal.workdays_between(date(2026, 2, 13), date(2026, 2, 24)) == 2
    assert workcal.workdays_between(date(2026, 2, 24), date(2026, 2, 13)) == -2
    assert workcal.workdays_between(date(2026, 2, 24), date(2026, 2, 24)) == 0


@pytest.mark.django_db
def test_a_datetime_passed_as_a_date_is_taken_on_its_local_day() -> None:
    # 2025-09-30 17:00 UTC is already 1 October in Shanghai: a holiday.
    assert not workcal.is_workday(datetime(2025, 9, 30, 17, 0, tzinfo=UTC))
    assert workcal.is_workday(datetime(2025, 9, 30, 15, 0, tzinfo=UTC))


@pytest.mark.django_db
def test_2027_falls_back_to_monday_to_friday() -> None:
    assert workcal.official_is_workday(date(2027, 1, 1)) is None
    week = days(date(2027, 3, 1), date(2027, 3, 7))
    assert week[0].weekday() == MON
    assert [workcal.is_workday(d) for d in week] == [True] * 5 + [False] * 2
    assert workcal.is_workday(date(2027, 1, 1))  # a Friday; its holiday is not published yet
    assert workcal.official_is_workday(date(2003, 12, 31)) is None  # before the package, too
    assert chinese_calendar.is_workday(date(2026, 12, 31))
    assert workcal.add_work_days(at(2026, 12, 31, 10), 1) == at(2027, 1, 1, 17, 30)


@pytest.mark.django_db
def test_override_rows_win_and_the_cache_follows_save_and_delete() -> None:
    assert workcal.is_workday(date(2027, 1, 1))
    day = CalendarDay.objects.create(date=date(2027, 1, 1), is_workday=False, name="元旦")
    assert not workcal.is_workday(date(2027, 1, 1))
    assert workcal.add_work_days(at(2026, 12, 31, 10), 1) == at(2027, 1, 4, 17, 30)
    day.is_workday = True
    day.save()
    assert workcal.is_workday(date(2027, 1, 1))
    day.delete()
    assert workcal.is_workday(date(2027, 1, 1))
    assert not workcal.is_workday(date(2027, 1, 2))

    # A city's local day off inside the package's range beats the package; so does a
    # local working Saturday.
    CalendarDay.objects.create(date=date(2026, 3, 2), is_workday=False, name="地方假日")
    CalendarDay.objects.create(date=date(2026, 3, 7), is_workday=True, name="地方调休")
    assert not workcal.is_workday(date(2026, 3, 2))
    assert workcal.is_workday(date(2026, 3, 7))
    assert workcal.add_work_hours(at(2026, 3, 2, 10), 1) == at(2026, 3, 3, 10)


@pytest.mark.django_db
def test_one_query_loads_the_overrides_then_none(
    django_assert_num_queries: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    with django_assert_num_queries(1):
        workcal.add_work_hours(at(2025, 1, 2, 10), 2000)  # over a year of working days
    with django_assert_num_queries(0):
        workcal.work_hours_between(at(2024, 1, 1), at(2026, 12, 31))
    # Writes that send no signal (another process, bulk_create) show after the reload delay.
    CalendarDay.objects.bulk_create([CalendarDay(date=date(2027, 1, 1), is_workday=False)])
    assert workcal.is_workday(date(2027, 1, 1))
    monkeypatch.setattr(workcal, "RELOAD_AFTER_SECONDS", -1.0)
    assert not workcal.is_workday(date(2027, 1, 1))


# --- working hours -----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_clock_stops_over_national_day_and_runs_on_the_make_up_days() -> None:
    start = at(2025, 9, 30, 16, 30)  # Tuesday, one working hour left before the holiday
    assert workcal.add_work_hours(start, 1) == at(2025, 9, 30, 17, 30)
    assert workcal.add_work_hours(start, 2) == at(2025, 10, 9, 10)  # Thursday after the holiday
    assert workcal.work_hours_between(start, at(2025, 10, 9, 10)) == pytest.approx(2)
    assert workcal.work_hours_between(at(2025, 10, 9, 10), start) == pytest.approx(-2)
    assert workcal.add_work_hours(at(2025, 10, 9, 10), -2) == start
    # 1 h on 30 Sep + 7 h on 9 Oct + 7 h on 10 Oct + 1 h on Saturday 11 Oct (调休).
    assert workcal.add_work_hours(start, 16) == at(2025, 10, 11, 10)
    # The make-up Sunday before the holiday ticks like a weekday.
    assert workcal.add_work_hours(at(2025, 9, 28, 8), 1) == at(2025, 9, 28, 10)
    # 3 working days from Tuesday 30 Sep: 9, 10 and (Saturday) 11 October.
    assert workcal.add_work_days(at(2025, 9, 30, 10), 3) == at(2025, 10, 11, 17, 30)


@pytest.mark.django_db
def test_lunch_break_and_starts_outside_working_time() -> None:
    assert workcal.hours_per_day() == 7
    monday = (2026, 3, 2)
    assert date(*monday).weekday() == MON
    assert workcal.add_work_hours(at(*monday, 11, 30), 1) == at(*monday, 14, 0)  # over lunch
    assert workcal.add_work_hours(at(*monday, 12, 45), 1) == at(*monday, 14, 30)  # from lunch
    assert workcal.work_hours_between(at(*monday, 11), at(*monday, 14)) == pytest.approx(1.5)
    assert workcal.add_work_hours(at(*monday, 8), 1) == at(*monday, 10)  # before opening
    assert workcal.add_work_hours(at(*monday, 18), 1) == at(2026, 3, 3, 10)  # after closing
    assert workcal.add_work_hours(at(2026, 3, 1, 12), 1) == at(*monday, 10)  # Sunday
    assert workcal.add_work_hours(at(*monday, 8), 7) == at(*monday, 17, 30)  # a full day
    # Backwards: outside working time first moves to the previous period end.
    assert workcal.add_work_hours(at(*monday, 10), -1) == at(*monday, 9)
    assert workcal.add_work_hours(at(2026, 3, 3, 10), -2) == at(*monday, 16, 30)
    assert workcal.add_work_hours(at(*monday, 13), -1) == at(*monday, 11)
    assert workcal.add_work_hours(at(2026, 3, 9, 8), -1) == at(2026, 3, 6, 16, 30)  # Friday
    # ... and the Saturday before 2 March 2026 is the 春节 make-up working day.
    assert chinese_calendar.is_workday(date(2026, 2, 28))
    assert workcal.add_work_hours(at(*monday, 8), -1) == at(2026, 2, 28, 16, 30)
    assert workcal.add_work_hours(at(*monday, 10), 0) == at(*monday, 10)
    assert workcal.add_work_hours(at(2026, 3, 1, 12), 0) == at(2026, 3, 1, 12)  # unchanged
    # Other zones in, Shanghai out, same instant.
    assert workcal.add_work_hours(datetime(2026, 3, 2, 1, 0, tzinfo=UTC), 1) == at(*monday, 10)


@pytest.mark.django_db
def test_working_hours_come_from_settings(settings: Any) -> None:
    settings.GONGZHI_WORK_HOURS = [("08:30", "12:00"), ("14:00", "18:00")]
    assert workcal.hours_per_day() == 7.5
    assert workcal.add_work_hours(at(2026, 3, 2, 11), 2) == at(2026, 3, 2, 15)
    assert workcal.add_work_days(at(2026, 3, 2, 11), 1) == at(2026, 3, 3, 18)
    settings.GONGZHI_WORK_HOURS = [("13:30", "17:30"), ("09:00", "12:00")]
    with pytest.raises(ValueError, match="GONGZHI_WORK_HOURS"):
        workcal.periods()


@pytest.mark.django_db
def test_is_working_time() -> None:
    assert workcal.is_working_time(at(2026, 3, 2, 9))
    assert not workcal.is_working_time(at(2026, 3, 2, 12))
    assert not workcal.is_working_time(at(2026, 3, 1, 10))  # Sunday
    assert workcal.is_working_time(at(2026, 10, 10, 10))  # 调休 Saturday


@pytest.mark.django_db
@hypothesis_settings(max_examples=80, deadline=None)
@given(
    st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2026, 12, 1)),
    st.floats(min_value=0, max_value=200, allow_nan=False),
)
def test_adding_then_measuring_gives_back_the_hours(naive: datetime, hours: float) -> None:
    start = naive.replace(tzinfo=TZ)
    end = workcal.add_work_hours(start, hours)
    assert end >= start
    assert workcal.work_hours_between(start, end) == pytest.approx(hours, abs=1e-6)
    back = workcal.add_work_hours(end, -hours)
    assert workcal.work_hours_between(back, end) == pytest.approx(hours, abs=1e-6)


def inside_working_time(day: date, offset: timedelta) -> datetime:
    """The moment ``offset`` into the working periods of ``day`` (a working day)."""
    for a, b in workcal.periods():
        s, e = datetime.combine(day, a, TZ), datetime.combine(day, b, TZ)
        if offset < e - s:
            return s + offset
        offset -= e - s
    raise AssertionError(offset)


@pytest.mark.django_db
@hypothesis_settings(max_examples=80, deadline=None)
@given(
    st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 12, 1)),
    st.timedeltas(min_value=timedelta(0), max_value=timedelta(hours=7) - timedelta(microseconds=1)),
    st.floats(min_value=0, max_value=200, allow_nan=False),
)
def test_from_inside_working_time_the_round_trip_is_exact(
    day: date, offset: timedelta, hours: float
) -> None:
    if not workcal.is_workday(day):
        day = workcal.next_workday(day)
    start = inside_working_time(day, offset)
    assert workcal.is_working_time(start)
    end = workcal.add_work_hours(start, hours)
    assert workcal.work_hours_between(start, end) == pytest.approx(hours, abs=1e-6)
    assert workcal.add_work_hours(end, -hours) == start


# --- time limits -------------------------------------------------------------------------


@pytest.mark.django_db
def test_work_days_deadline_is_the_close_of_the_nth_following_working_day() -> None:
    friday = at(2026, 3, 6, 10)
    assert workcal.add_work_days(friday, 3) == at(2026, 3, 11, 17, 30)  # Wednesday
    assert workcal.add_work_days(at(2026, 3, 6, 8), 3) == at(2026, 3, 11, 17, 30)
    assert workcal.add_work_days(at(2026, 3, 7, 15), 1) == at(2026, 3, 9, 17, 30)  # from Saturday
    assert workcal.add_work_days(friday, -1) == at(2026, 3, 5, 9)  # opening of the day before
    assert workcal.add_work_days(friday, 0) == friday
    # Spring Festival 2026: the 调休 Saturday counts, the nine days off do not.
    assert workcal.add_work_days(at(2026, 2, 13, 10), 2) == at(2026, 2, 24, 17, 30)
    due = workcal.add_work_days(at(2026, 2, 13, 10), 5)
    assert workcal.workdays_between(date(2026, 2, 13), due.date()) == 5


@pytest.mark.django_db
def test_units_of_time_limits() -> None:
    start = at(2026, 3, 6, 16)  # Friday
    assert workcal.add_duration(start, 2, "urgent_hours") == at(2026, 3, 6, 18)
    assert workcal.add_duration(start, 2, "work_hours") == at(2026, 3, 9, 9, 30)
    assert workcal.add_duration(start, 1, "work_days") == at(2026, 3, 9, 17, 30)
    assert workcal.add_duration(start, 2, "calendar_days") == at(2026, 3, 8, 16)
    assert workcal.add_calendar_days(at(2025, 9, 30, 10), 3) == at(
        2025, 10, 3, 10
    )  # holidays count
    assert workcal.add_calendar_days(start, -1) == at(2026, 3, 5, 16)
    with pytest.raises(ValueError, match="weeks") as exc:
        workcal.add_duration(start, 1, "weeks")
    assert all(unit in str(exc.value) for unit in workcal.UNITS)
    with pytest.raises(ValueError, match=r"1\.5"):
        workcal.add_duration(start, 1.5, "work_days")
    with pytest.raises(ValueError, match="aware"):
        workcal.add_work_hours(datetime(2026, 3, 6, 10), 1)


# --- the calendar command ----------------------------------------------------------------


@pytest.mark.django_db
def test_import_reports_every_bad_row_and_imports_nothing(tmp_path: Path) -> None:
    CalendarDay.objects.create(date=date(2027, 2, 8), is_workday=True, name="原有")
    f = tmp_path / "days.csv"
    f.write_text(
        "date,is_workday,name\n"
        "2027-01-01,0,元旦\n"  # 2: fine on its own
        "2027-02-30,0,坏日期\n"  # 3: no such date
        "2027-01-01,1,重复\n"  # 4: repeats line 2
        "\n"  # 5: blank lines do not shift the numbers
        "2027-02-08,maybe,错\n"  # 6: bad flag
        "2027/02/09,x,\n",  # 7: two rules at once
        encoding="utf-8",
    )
    with pytest.raises(CommandError) as exc:
        call_command("calendar", "import", str(f))
    message = str(exc.value)
    assert "4 行有错误，未导入任何数据" in message
    assert "第 3 行：日期「2027-02-30」无效，应为 YYYY-MM-DD" in message
    assert "第 4 行：日期 2027-01-01 在文件中重复（第 2 行已有）" in message
    assert "第 6 行：is_workday「maybe」无效，应为 1/0、true/false 或 是/否" in message
    assert "第 7 行：日期「2027/02/09」无效" in message
    assert "is_workday「x」无效" in message
    assert "第 2 行" not in message.replace("第 2 行已有", "")
    # All or nothing: the good row is not written and the existing row is untouched.
    assert list(CalendarDay.objects.values_list("date", "is_workday", "name")) == [
        (date(2027, 2, 8), True, "原有")
    ]
    assert workcal.is_workday(date(2027, 1, 1))


@pytest.mark.django_db
def test_import_writes_a_good_file_and_the_cache_sees_it(tmp_path: Path) -> None:
    assert workcal.is_workday(date(2027, 1, 1))  # warm the cache first
    CalendarDay.objects.create(date=date(2027, 2, 8), is_workday=True, name="原有")
    f = tmp_path / "days.csv"
    # Saved by Excel on Chinese Windows: GBK, not UTF-8.
    f.write_bytes(
        "date,is_workday,name\n2027-01-01,否,元旦\n2027-02-06,TRUE,春节调休\n2027-02-08,0,春节\n".encode(
            "gbk"
        )
    )
    out = StringIO()
    call_command("calendar", "import", str(f), stdout=out)
    assert "已导入 3 天（新增 2，更新 1）" in out.getvalue()
    assert not workcal.is_workday(date(2027, 1, 1))
    assert workcal.is_workday(date(2027, 2, 6))  # a Saturday
    assert CalendarDay.objects.get(date=date(2027, 2, 8)).name == "春节"


@pytest.mark.django_db
def test_import_needs_the_columns(tmp_path: Path) -> None:
    f = tmp_path / "days.csv"
    f.write_text("day,workday\n2027-01-01,0\n", encoding="utf-8")
    with pytest.raises(CommandError, match="缺少列：date, is_workday"):
        call_command("calendar", "import", str(f))
    with pytest.raises(CommandError, match="无法读取文件"):
        call_command("calendar", "import", str(tmp_path / "missing.csv"))


@pytest.mark.django_db
def test_seed_copies_the_official_special_days_and_keeps_local_edits() -> None:
    CalendarDay.objects.create(date=date(2025, 10, 8), is_workday=True, name="本地上班")
    out = StringIO()
    call_command("calendar", "seed", "2025", stdout=out)
    assert "保留已有 1 天" in out.getvalue()
    assert CalendarDay.objects.get(date=date(2025, 10, 11)).is_workday
    assert CalendarDay.objects.get(date=date(2025, 10, 11)).name == "国庆节调休上班"
    assert CalendarDay.objects.get(date=date(2025, 10, 1)).name == "国庆节"
    assert CalendarDay.objects.get(date=date(2025, 10, 8)).name == "本地上班"
    # Only the special days become rows, and the effective calendar does not change.
    assert not CalendarDay.objects.filter(date=date(2025, 10, 12)).exists()
    for d in days(date(2025, 1, 1), date(2025, 12, 31)):
        if d != date(2025, 10, 8):
            assert workcal.is_workday(d) == chinese_calendar.is_workday(d), d
    with pytest.raises(CommandError, match="2030"):
        call_command("calendar", "seed", "2030")


@pytest.mark.django_db
def test_show_lists_the_non_standard_days() -> None:
    CalendarDay.objects.create(date=date(2026, 3, 2), is_workday=False, name="地方假日")
    out = StringIO()
    call_command("calendar", "show", "2026", stdout=out)
    lines = out.getvalue().splitlines()
    assert "2026-10-10 周六 上班 国庆节 (国务院安排)" in lines
    assert "2026-10-01 周四 休息 国庆节 (国务院安排)" in lines
    assert "2026-03-02 周一 休息 地方假日 (本地调整)" in lines
    assert not any(line.startswith("2026-03-07") for line in lines)  # an ordinary Saturday
    err = StringIO()
    call_command("calendar", "show", "2027", stdout=out, stderr=err)
    assert "按周一至周五计算" in err.getvalue()
