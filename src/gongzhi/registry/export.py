"""Registry lists to Excel: masked by default, unmasked only with REVEAL over the whole area and a
reason; every export is audited with its filters and row count.

The workbook is written in xlsxwriter's constant_memory mode (one row in memory at a time) into
a temporary file that the response then streams, so a district's people export stays flat in
memory; rows are read from the database in chunks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import IO, Any

from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.utils import timezone

from gongzhi.core import access, audit
from gongzhi.core.xlsx import write_xlsx
from gongzhi.registry import selectors
from gongzhi.registry.models import House, Residence, ResidenceRole
from gongzhi.registry.services import check_reason

CHUNK = 2000


def _value(v: Any, unmasked: bool) -> str:
    if not v:
        return ""
    return v.reveal() if unmasked and hasattr(v, "reveal") else str(v)


def _date(d: date | None) -> str:
    return d.isoformat() if d else ""


def people_rows(user: Any, area_path: str, filters: dict[str, Any], unmasked: bool) -> Iterator[list[Any]]:
    yield ["姓名", "性别", "出生日期", "年龄", "身份证号", "联系电话", "人口类型", "户号", "与户主关系",
           "现住址", "网格", "重点人群", "迁出日期"]
    today = timezone.localdate()
    grids = selectors.grid_names(area_path)
    f = selectors.PeopleFilter(**{k: filters.get(k, v) for k, v in selectors.PeopleFilter().__dict__.items()})
    qs = selectors.with_current_home(selectors.find_people(user, area_path, f, today=today))
    for p in qs.iterator(chunk_size=CHUNK):
        homes = getattr(p, "current_homes", [])
        age = selectors.age_of(p.birth_date, today)
        yield [p.name, p.get_gender_display(), _date(p.birth_date), "" if age is None else age,
               _value(p.id_number, unmasked), _value(p.phone, unmasked), p.get_residency_display(),
               p.household.number if p.household else "", p.get_relation_display(),
               "；".join(f"{r.house.building.address} {r.house}" for r in homes), grids.get(p.area_path, p.area_path),
               "、".join(t.tag_type.name for t in p.tags.all()), _date(p.left_at)]


def _living(outer: str) -> Subquery:
    rows = (Residence.objects.filter(**{outer: OuterRef("pk")}, until__isnull=True, role=ResidenceRole.LIVES)
            .order_by().values(outer).annotate(n=Count("person_id", distinct=True)).values("n"))
    return Subquery(rows, output_field=IntegerField())


def building_rows(user: Any, area_path: str, filters: dict[str, Any], unmasked: bool) -> Iterator[list[Any]]:
    yield ["名称", "地址", "层数", "经度", "纬度", "网格", "房屋数", "现住人数"]
    grids = selectors.grid_names(area_path)
    houses = House.objects.filter(building=OuterRef("pk")).order_by().values("building").annotate(n=Count("id")).values("n")
    qs = selectors.find_buildings(user, area_path, filters.get("q", "")).annotate(
        n_houses=Subquery(houses, output_field=IntegerField()), n_people=_living("house__building"))
    for b in qs.iterator(chunk_size=CHUNK):
        yield [b.name, b.address, b.floors or "", b.lon if b.lon is not None else "", b.lat if b.lat is not None else "",
               grids.get(b.area_path, b.area_path), b.n_houses or 0, b.n_people or 0]


def house_rows(user: Any, area_path: str, filters: dict[str, Any], unmasked: bool) -> Iterator[list[Any]]:
    yield ["楼栋", "地址", "单元", "房号", "楼层", "房屋用途", "建筑面积（㎡）", "网格", "现住人数"]
    grids = selectors.grid_names(area_path)
    qs = selectors.find_houses(user, area_path, filters.get("q", ""), filters.get("use", "")).annotate(
        n_people=_living("house"))
    for h in qs.iterator(chunk_size=CHUNK):
        yield [h.building.name, h.building.address, h.unit_no, h.room, "" if h.floor is None else h.floor,
               h.get_use_display(), "" if h.floor_area is None else float(h.floor_area),
               grids.get(h.area_path, h.area_path), h.n_people or 0]


def organisation_rows(user: Any, area_path: str, filters: dict[str, Any], unmasked: bool) -> Iterator[list[Any]]:
    yield ["名称", "类型", "统一社会信用代码", "地址", "联系人", "联系电话", "网格"]
    grids = selectors.grid_names(area_path)
    qs = selectors.find_organisations(user, area_path, filters.get("q", ""), filters.get("kind", ""))
    for o in qs.iterator(chunk_size=CHUNK):
        yield [o.name, o.get_kind_display(), o.credit_code, o.address, o.contact_name,
               _value(o.contact_phone, unmasked), grids.get(o.area_path, o.area_path)]


Rows = Callable[[Any, str, dict[str, Any], bool], Iterator[list[Any]]]
KINDS: dict[str, tuple[str, Rows]] = {
    "people": ("人员", people_rows),
    "buildings": ("楼栋", building_rows),
    "houses": ("房屋", house_rows),
    "organisations": ("组织", organisation_rows),
}


@dataclass
class Export:
    file: IO[bytes]
    rows: int
    filename: str


def do_export(user: Any, kind: str, area_path: str, filters: dict[str, Any], *, unmasked: bool = False,
              reason: str = "") -> Export:
    """Write the list ``kind`` under ``area_path`` with ``filters``; audit it. An unmasked export
    needs REVEAL on personal data over the whole area (raises PermissionDenied) and a reason."""
    label, rows = KINDS[kind]
    if unmasked:
        access.check(user, access.REVEAL, "personal_data", area_path)
        reason = check_reason(reason)
    access.check(user, access.VIEW, "registry", area_path)
    out, count = write_xlsx(label, rows(user, area_path, filters, unmasked))
    data = {"kind": kind, "filters": {k: v for k, v in filters.items() if v not in ("", None, False)}, "rows": count}
    audit.record("registry.export.unmasked" if unmasked else "registry.export", actor=user, reason=reason,
                 area_path=area_path, data=data)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return Export(out, count, f"{kind}-{area_path}-{stamp}{'-unmasked' if unmasked else ''}.xlsx")
