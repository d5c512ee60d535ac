"""`gongzhi calendar show YEAR | import FILE.csv | seed YEAR`: the working-calendar overrides.

``import`` is all or nothing: every row is checked first and every bad row is reported with
its line number and the rule it breaks; one bad row and nothing is written. ``seed`` copies
the official schedule of a year the chinese_calendar package covers into override rows, so
a city can see and edit it in the admin; rows that already exist are left as they are.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import chinese_calendar
from chinese_calendar.constants import Holiday
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.core import workcal
from gongzhi.core.models import CalendarDay

TRUE = frozenset({"1", "true", "是"})
FALSE = frozenset({"0", "false", "否"})
NAME_MAX = CalendarDay._meta.get_field("name").max_length or 50
CHINESE_HOLIDAY_NAMES = {h.value: h.chinese for h in Holiday}
WEEKDAYS = (
    gettext_lazy("周一"),
    gettext_lazy("周二"),
    gettext_lazy("周三"),
    gettext_lazy("周四"),
    gettext_lazy("周五"),
    gettext_lazy("周六"),
    gettext_lazy("周日"),
)


@dataclass(frozen=True)
class Row:
    date: date
    is_workday: bool
    name: str


def official_name(d: date) -> str:
    """The package's Chinese holiday name, also for the 调休 days that belong to a holiday."""
    _is_holiday, name = chinese_calendar.get_holiday_detail(d)
    return CHINESE_HOLIDAY_NAMES.get(str(name), str(name)) if name else ""


def days_of(year: int) -> Iterator[date]:
    d = date(year, 1, 1)
    while d.year == year:
        yield d
        d += timedelta(days=1)


def is_standard(d: date, work: bool) -> bool:
    return work == (d.weekday() < 5)


def decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel on Chinese Windows saves "CSV" in GBK; GB18030 is its superset.
        return raw.decode("gb18030")


def parse_csv(text: str) -> tuple[list[Row], list[str]]:
    """The rows of an override CSV and one message per bad row (all rules it breaks)."""
    reader = csv.DictReader(text.splitlines())
    missing = {"date", "is_workday"} - set(reader.fieldnames or [])
    if missing:
        raise CommandError(
            _("缺少列：%(cols)s（表头应为 date,is_workday,name）")
            % {"cols": ", ".join(sorted(missing))}
        )
    rows: list[Row] = []
    errors: list[str] = []
    first_line: dict[date, int] = {}
    for record in reader:
        line = reader.line_num  # physical line, right even after blank lines
        problems: list[str] = []
        raw_date = (record.get("date") or "").strip()
        raw_flag = (record.get("is_workday") or "").strip()
        name = (record.get("name") or "").strip()
        day: date | None = None
        try:
            day = date.fromisoformat(raw_date)
        except ValueError:
            problems.append(_("日期「%(value)s」无效，应为 YYYY-MM-DD") % {"value": raw_date})
        if day is not None:
            if day in first_line:
                problems.append(
                    _("日期 %(date)s 在文件中重复（第 %(first)d 行已有）")
                    % {"date": day.isoformat(), "first": first_line[day]}
                )
            else:
                first_line[day] = line
        if raw_flag.lower() not in TRUE | FALSE:
            problems.append(
                _("is_workday「%(value)s」无效，应为 1/0、true/false 或 是/否")
                % {"value": raw_flag}
            )
        if len(name) > NAME_MAX:
            problems.append(_("名称超过 %(max)d 个字") % {"max": NAME_MAX})
        if None in record:  # DictReader files surplus fields under the key None
            problems.append(_("列数多于表头"))
        if problems:
            errors.append(
                _("第 %(line)d 行：%(problems)s") % {"line": line, "problems": "；".join(problems)}
            )
        elif day is not None:
            rows.append(Row(day, raw_flag.lower() in TRUE, name))
    return rows, errors


class Command(BaseCommand):
    help = "Working calendar: list a year's special days, import overrides from CSV, seed from chinese_calendar."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        show = sub.add_parser("show", help="list holidays on weekdays and working weekends")
        show.add_argument("year", type=int)
        imp = sub.add_parser("import", help="import overrides from a CSV: date,is_workday,name")
        imp.add_argument("file")
        seed = sub.add_parser("seed", help="copy a year's official holidays and 调休 days")
        seed.add_argument("year", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "show":
            self.show(options["year"])
        elif action == "import":
            self.import_file(Path(options["file"]))
        else:
            self.seed(options["year"])

    def show(self, year: int) -> None:
        local_names = dict(CalendarDay.objects.filter(date__year=year).values_list("date", "name"))
        covered = workcal.official_is_workday(date(year, 6, 1)) is not None
        if not covered and not local_names:
            self.stderr.write(
                _("chinese_calendar 不包含 %(year)d 年，且没有调整记录：按周一至周五计算。")
                % {"year": year}
            )
        count = 0
        for d in days_of(year):
            work = workcal.is_workday(d)
            if is_standard(d, work):
                continue
            if d in local_names:
                name, source = local_names[d], _("本地调整")
            else:
                name, source = official_name(d), _("国务院安排")
            kind = _("上班") if work else _("休息")
            self.stdout.write(f"{d.isoformat()} {WEEKDAYS[d.weekday()]} {kind} {name} ({source})")
            count += 1
        self.stdout.write(_("%(year)d 年共 %(n)d 个非常规日") % {"year": year, "n": count})

    def import_file(self, path: Path) -> None:
        try:
            text = decode(path.read_bytes())
        except OSError as exc:
            raise CommandError(
                _("无法读取文件 %(path)s：%(error)s") % {"path": path, "error": exc}
            ) from exc
        rows, errors = parse_csv(text)
        if errors:
            header = _("%(n)d 行有错误，未导入任何数据：") % {"n": len(errors)}
            raise CommandError("\n".join([header, *errors]))
        created = 0
        with transaction.atomic():
            for row in rows:
                _obj, new = CalendarDay.objects.update_or_create(
                    date=row.date, defaults={"is_workday": row.is_workday, "name": row.name}
                )
                created += new
        workcal.forget_overrides()
        self.stdout.write(
            _("已导入 %(n)d 天（新增 %(created)d，更新 %(updated)d）")
            % {"n": len(rows), "created": created, "updated": len(rows) - created}
        )

    def seed(self, year: int) -> None:
        if workcal.official_is_workday(date(year, 6, 1)) is None:
            raise CommandError(
                _("chinese_calendar 不包含 %(year)d 年；请用 calendar import 导入国务院公布的安排")
                % {"year": year}
            )
        created = kept = 0
        with transaction.atomic():
            for d in days_of(year):
                work = bool(workcal.official_is_workday(d))
                if is_standard(d, work):
                    continue
                name = official_name(d) + (_("调休上班") if work else "")
                _obj, new = CalendarDay.objects.get_or_create(
                    date=d, defaults={"is_workday": work, "name": name[:NAME_MAX]}
                )
                created += new
                kept += not new
        workcal.forget_overrides()
        self.stdout.write(
            _("%(year)d 年：新增 %(created)d 天，保留已有 %(kept)d 天")
            % {"year": year, "created": created, "kept": kept}
        )
