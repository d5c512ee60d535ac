"""The rates page's numbers: this month against last, per child area, lead department and 大类."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models.functions import Coalesce, Length, Substr
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.areas.models import Area
from gongzhi.cases.metrics import (
    ThreeRates,
    lead_unit_name,
    three_rates,
    three_rates_by,
    urban_indicators,
)
from gongzhi.cases.models import Case, FollowUp
from gongzhi.core import access
from gongzhi.core.paths import PATH_LENGTHS, subtree_q


@dataclass(frozen=True)
class RateRow:
    key: str
    name: str
    this_month: ThreeRates
    last_month: ThreeRates


def month_starts(now: datetime) -> tuple[datetime, datetime]:
    local = timezone.localtime(now)
    this = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    last = (this.replace(year=this.year - 1, month=12) if this.month == 1 else this.replace(month=this.month - 1))
    return this, last


def rates_overview(user: Any, now: datetime) -> dict[str, Any]:
    roots = access.scope_roots(user, access.VIEW, "case")
    if not roots:
        return {}
    root = roots[0]
    child_len = next((n for n in PATH_LENGTHS if n > len(root)), len(root))
    scoped = access.restrict(FollowUp.objects.all(), user, access.VIEW, "case")
    this, last = month_starts(now)
    periods = {"this": scoped.filter(at__gte=this, at__lt=now), "last": scoped.filter(at__gte=last, at__lt=this)}
    by_area = {k: three_rates_by(qs, Substr("area_path", 1, child_len)) for k, qs in periods.items()}
    by_dept = {k: three_rates_by(qs, lead_unit_name()) for k, qs in periods.items()}
    # Per 大类 of the 派单目录 (a case's category is a leaf; its parent is the 大类).
    top_category = Coalesce("case__category__parent__name", "case__category__name")
    by_category = {k: three_rates_by(qs, top_category) for k, qs in periods.items()}
    names = dict(Area.objects.filter(path__in=set(by_area["this"]) | set(by_area["last"])).values_list("path", "name"))
    empty = ThreeRates(0, 0, 0, 0, 0)

    def rows(groups: dict[str, dict[str, ThreeRates]], label: dict[str, str] | None) -> list[RateRow]:
        keys = sorted(set(groups["this"]) | set(groups["last"]))
        return [RateRow(k, (label or {}).get(k, k), groups["this"].get(k, empty), groups["last"].get(k, empty))
                for k in keys]

    return {
        "root": Area.objects.filter(path=root).first(),
        "total": {k: three_rates(qs) for k, qs in periods.items()},
        "areas": rows(by_area, names),
        "departments": rows(by_dept, None),
        "categories": rows(by_category, None),
        "this_start": this, "last_start": last,
    }


def chart(rows: list[RateRow]) -> dict[str, Any]:
    """An ECharts option: 综合 this month against last, per group."""
    def pct(r: ThreeRates) -> float | None:
        return round(r.composite * 100, 1) if r.composite is not None else None

    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"data": ["本月", "上月"], "top": 0, "right": 10},
        "grid": {"left": 40, "right": 10, "top": 40, "bottom": 70},
        "xAxis": {"type": "category", "data": [r.name for r in rows], "axisLabel": {"rotate": 30}},
        "yAxis": {"type": "value", "min": 0, "max": 100, "name": "综合 %"},
        "series": [
            {"name": "本月", "type": "bar", "data": [pct(r.this_month) for r in rows]},
            {"name": "上月", "type": "bar", "data": [pct(r.last_month) for r in rows]},
        ],
    }


INDICATORS = [
    ("handling_rate", _("处置率")), ("handling_on_time_rate", _("按期处置率")), ("closing_rate", _("结案率")),
    ("closing_on_time_rate", _("按期结案率")), ("rework_rate", _("返工率")), ("accurate_dispatch_rate", _("准确派遣率")),
]


def indicators_overview(user: Any, now: datetime) -> dict[str, Any]:
    """The 数字城管 indicators per child area, this month and last, over the cases in scope."""
    roots = access.scope_roots(user, access.VIEW, "case")
    if not roots:
        return {}
    root = roots[0]
    child_len = next((n for n in PATH_LENGTHS if n > len(root)), len(root))
    this, last = month_starts(now)
    children = list(Area.objects.filter(subtree_q("path", root), is_active=True)
                    .annotate(plen=Length("path")).filter(plen=child_len).order_by("path"))
    scoped = access.restrict(Case.objects.all(), user, access.VIEW, "case")
    rows = []
    for area in [None, *children]:
        cases = scoped if area is None else scoped.filter(subtree_q("area_path", area.path))
        rows.append({"area": area, "this": urban_indicators(cases, this, now), "last": urban_indicators(cases, last, this)})
    return {"root": Area.objects.filter(path=root).first(), "rows": rows, "indicators": INDICATORS,
            "this_start": this, "last_start": last}
