from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import given, settings
from hypothesis import strategies as st

from gongzhi.core import workcal
from gongzhi.core.models import CalendarDay

TZ = ZoneInfo("Asia/Shanghai")


def at(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=TZ)


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    workcal.forget_overrides()


@pytest.mark.django_db
def test_national_day_2025_and_its_make_up_saturdays() -> None:
    # Facts from the package itself (the State Council's 2025 schedule).
    assert chinese_calendar.is_workday(date(2025, 9, 28))
    assert date(2025, 9, 28).weekday() == 6
    assert chinese_calendar.is_workday(date(2025, 10, 11))
    assert date(2025, 10, 11).weekday() == 5
    assert not any(workcal.is_workday(date(2025, 10, d)) for d in range(1, 9))
    assert workcal.is_workday(date(2025, 9, 28))
    assert workcal.is_workday(date(2025, 10, 11))
    assert workcal.is_workday(date(2026, 10, 10))  # a Saturday, 调休


@pytest.mark.django_db
def test_clock_stops_over_the_holiday_and_runs_on_the_make_up_day() -> None:
    # Tuesday 30 Sep 2025, 16:30: one working hour left that day (until 17:30).
    start = at(2025, 9, 30, 16, 30)
    assert workcal.add_work_hours(start, 1) == at(2025, 9, 30, 17, 30)
    # Two hours: the 8-day holiday is skipped; Thursday 9 Oct, 10:00.
    assert workcal.add_work_hours(start, 2) == at(2025, 10, 9, 10, 0)
    assert workcal.work_hours_between(start, at(2025, 10, 9, 10, 0)) == pytest.approx(2)
    # 7 h per day: 1 h on 30 Sep + 7 h on 9 Oct + 7 h on 10 Oct + 1 h on Saturday 11 Oct (调休).
    assert workcal.add_work_hours(start, 16) == at(2025, 10, 11, 10, 0)


@pytest.mark.django_db
def test_lunch_break_evening_and_sunday_starts() -> None:
    assert workcal.hours_per_day() == 7
    assert workcal.add_work_hours(at(2026, 3, 2, 11, 30), 1) == at(2026, 3, 2, 14, 0)  # Monday, over lunch
    assert workcal.add_work_hours(at(2026, 3, 2, 8, 0), 1) == at(2026, 3, 2, 10, 0)  # before opening
    assert workcal.add_work_hours(at(2026, 3, 2, 18, 0), 1) == at(2026, 3, 3, 10, 0)  # after closing
    assert workcal.add_work_hours(at(2026, 3, 1, 12, 0), 1) == at(2026, 3, 2, 10, 0)  # Sunday
    assert workcal.add_work_hours(at(2026, 3, 2, 10, 0), -1) == at(2026, 3, 2, 9, 0)
    assert workcal.add_work_hours(at(2026, 3, 3, 10, 0), -2) == at(2026, 3, 2, 16, 30)
    assert workcal.add_work_hours(at(2026, 3, 2, 10, 0), 0) == at(2026, 3, 2, 10, 0)


@pytest.mark.django_db
def test_work_days_deadline_is_close_of_the_nth_following_working_day() -> None:
    friday = at(2026, 3, 6, 10, 0)
    assert workcal.add_work_days(friday, 3) == at(2026, 3, 11, 17, 30)  # Wednesday
    assert workcal.add_work_days(friday, -1) == at(2026, 3, 5, 9, 0)
    assert workcal.add_work_days(friday, 0) == friday
    # Spring Festival 2026: nothing counts during the holiday.
    before = at(2026, 2, 13, 10, 0)
    due = workcal.add_work_days(before, 1)
    assert not any(workcal.is_workday(before.date() + timedelta(days=i)) for i in range(1, (due.date() - before.date()).days))
    assert workcal.workdays_between(before.date(), due.date()) == 1


@pytest.mark.django_db
def test_units_of_time_limits() -> None:
    start = at(2026, 3, 6, 16, 0)
    assert workcal.add_duration(start, 2, "urgent_hours") == at(2026, 3, 6, 18, 0)
    assert workcal.add_duration(start, 2, "work_hours") == at(2026, 3, 9, 9, 30)
    assert workcal.add_duration(start, 1, "work_days") == at(2026, 3, 9, 17, 30)
    assert workcal.add_duration(start, 2, "calendar_days") == at(2026, 3, 8, 16, 0)
    with pytest.raises(ValueError, match="weeks"):
        workcal.add_duration(start, 1, "weeks")
    with pytest.raises(ValueError, match="aware"):
        workcal.add_work_hours(datetime(2026, 3, 6, 10, 0), 1)


@pytest.mark.django_db
def test_2027_falls_back_to_weekdays_and_overrides_take_effect_at_once() -> None:
    assert workcal.official_is_workday(date(2027, 1, 1)) is None
    assert workcal.is_workday(date(2027, 1, 1))  # a Friday, no schedule published in the package
    assert not workcal.is_workday(date(2027, 1, 2))
    day = CalendarDay.objects.create(date=date(2027, 1, 1), is_workday=False, name="元旦")
    assert not workcal.is_workday(date(2027, 1, 1))
    day.delete()
    assert workcal.is_workday(date(2027, 1, 1))
    # A city's local day off inside the package's range wins over the package too.
    CalendarDay.objects.create(date=date(2026, 3, 2), is_workday=False, name="地方假日")
    assert workcal.add_work_hours(at(2026, 3, 2, 10, 0), 1) == at(2026, 3, 3, 10, 0)


@pytest.mark.django_db
@settings(max_examples=60, deadline=None)
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


@pytest.mark.django_db
def test_import_command_reports_every_bad_row_and_imports_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "days.csv"
    f.write_text("date,is_workday,name\n2027-01-01,0,元旦\n2027-02-30,0,坏日期\n2027-01-01,1,重复\n2027-02-06,maybe,错\n", encoding="utf-8")
    with pytest.raises(CommandError, match="3 行有错误"):
        call_command("calendar", "import", str(f))
    err = capsys.readouterr().err
    assert "第 3 行" in err
    assert "date='2027-02-30'" in err
    assert "第 4 行" in err
    assert "重复" in err
    assert "第 5 行" in err
    assert "is_workday='maybe'" in err
    assert not CalendarDay.objects.exists()
    f.write_text("date,is_workday,name\n2027-01-01,否,元旦\n2027-02-06,是,春节调休\n", encoding="utf-8")
    call_command("calendar", "import", str(f))
    assert not workcal.is_workday(date(2027, 1, 1))
    assert workcal.is_workday(date(2027, 2, 6))


@pytest.mark.django_db
def test_seed_copies_the_official_special_days() -> None:
    call_command("calendar", "seed", "2025")
    assert CalendarDay.objects.get(date=date(2025, 10, 11)).is_workday
    assert CalendarDay.objects.get(date=date(2025, 10, 1)).name == "国庆节"
    with pytest.raises(CommandError, match="2030"):
        call_command("calendar", "seed", "2030")
