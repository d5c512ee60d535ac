"""`gongzhi calendar show YEAR | import FILE.csv | seed YEAR`: the working-calendar overrides."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import chinese_calendar
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from gongzhi.core import workcal
from gongzhi.core.models import CalendarDay

HOLIDAY_NAMES = {
    "New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节", "Dragon Boat Festival": "端午节", "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
}
TRUE = {"1", "true", "yes", "是", "y"}
FALSE = {"0", "false", "no", "否", "n"}


def official_name(d: date) -> str:
    _is_holiday, name = chinese_calendar.get_holiday_detail(d)
    return HOLIDAY_NAMES.get(str(name), str(name or ""))


class Command(BaseCommand):
    help = "Working calendar: list a year's special days, import overrides from CSV, seed from chinese_calendar."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("show", help="list holidays on weekdays and working weekends").add_argument("year", type=int)
        imp = sub.add_parser("import", help="import overrides from a CSV with columns date,is_workday,name")
        imp.add_argument("file")
        sub.add_parser("seed", help="copy the official holidays and 调休 days of a year into overrides").add_argument("year", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, "handle_" + options["action"])(**options)

    def handle_show(self, *, year: int, **_: Any) -> None:
        d = date(year, 1, 1)
        while d.year == year:
            work = workcal.is_workday(d)
            if work != (d.weekday() < 5):
                name = CalendarDay.objects.filter(date=d).values_list("name", flat=True).first() or ""
                if not name and workcal.official_is_workday(d) is not None:
                    name = official_name(d)
                self.stdout.write(f"{d.isoformat()} {'上班' if work else '休息'} {name}")
            d += timedelta(days=1)

    def handle_import(self, *, file: str, **_: Any) -> None:
        rows, errors = self.read(Path(file))
        if errors:
            for err in errors:
                self.stderr.write(err)
            raise CommandError(f"{len(errors)} 行有错误，未导入任何数据 ({len(errors)} bad rows, nothing imported)")
        with transaction.atomic():
            for d, work, name in rows:
                CalendarDay.objects.update_or_create(date=d, defaults={"is_workday": work, "name": name})
        workcal.forget_overrides()
        self.stdout.write(f"imported {len(rows)} days")

    @staticmethod
    def read(path: Path) -> tuple[list[tuple[date, bool, str]], list[str]]:
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"无法读取文件 {path}: {exc}") from exc
        reader = csv.DictReader(text.splitlines())
        missing = {"date", "is_workday"} - set(reader.fieldnames or [])
        if missing:
            raise CommandError(f"缺少列：{', '.join(sorted(missing))}（需要 date,is_workday,name）")
        rows: list[tuple[date, bool, str]] = []
        errors: list[str] = []
        seen: set[date] = set()
        for line, row in enumerate(reader, start=2):
            raw_date, raw_flag = (row.get("date") or "").strip(), (row.get("is_workday") or "").strip().lower()
            try:
                d = date.fromisoformat(raw_date)
            except ValueError:
                errors.append(f"第 {line} 行 (line {line}): 日期 date={raw_date!r} 无效，应为 YYYY-MM-DD")
                continue
            if d in seen:
                errors.append(f"第 {line} 行 (line {line}): 日期 {d} 在文件中重复")
                continue
            if raw_flag not in TRUE | FALSE:
                errors.append(f"第 {line} 行 (line {line}): is_workday={raw_flag!r} 无效，应为 1/0、true/false 或 是/否")
                continue
            seen.add(d)
            rows.append((d, raw_flag in TRUE, (row.get("name") or "").strip()[:50]))
        return rows, errors

    def handle_seed(self, *, year: int, **_: Any) -> None:
        if workcal.official_is_workday(date(year, 6, 1)) is None:
            raise CommandError(f"chinese_calendar 不包含 {year} 年；请用 `calendar import` 导入国务院公布的安排")
        count = 0
        d = date(year, 1, 1)
        with transaction.atomic():
            while d.year == year:
                work = bool(workcal.official_is_workday(d))
                if work != (d.weekday() < 5):
                    name = official_name(d) + ("调休上班" if work else "")
                    CalendarDay.objects.update_or_create(date=d, defaults={"is_workday": work, "name": name})
                    count += 1
                d += timedelta(days=1)
        workcal.forget_overrides()
        self.stdout.write(f"seeded {count} days of {year}")
