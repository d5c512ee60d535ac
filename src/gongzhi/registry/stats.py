"""Registry statistics (网格统计): people, households, houses by use and key groups per child area.

One aggregate query per kind of row, grouped by ``area_path`` and folded to each child by
the path's leading digits — the child's path is a prefix of every registry row below it
(core.paths) — so the number of queries stays the same whether an area has 2 children or
2,000, and no tree walk or join to the area table is needed. Every query is scoped through core.access: a user sees the figures
of the part of the registry they may view, and nothing of children outside it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from gongzhi.areas.models import Area
from gongzhi.areas.selectors import main_tree
from gongzhi.core import access
from gongzhi.core.paths import PATH_LENGTHS, subtree_q
from gongzhi.registry.models import House, Household, HouseUse, Person, PersonTag, TagType


@dataclass(frozen=True)
class AreaStats:
    path: str
    name: str
    people: int
    households: int
    houses: dict[str, int]  # by HouseUse value, zero-filled
    tags: dict[str, int]  # by TagType.code of the active types, zero-filled


def area_stats(user: Any, area_path: str) -> list[AreaStats]:
    """One row per child of ``area_path`` that ``user`` may see (for a grid or micro-grid: the
    area itself), then the row for ``area_path`` itself, last.

    People are current residents (not moved out); tags count current residents only. The
    total counts every row under ``area_path`` within the user's scope, so it also holds rows
    of inactive children. Raises PermissionDenied when the user may view no part of the
    registry under ``area_path``, Http404 when there is no such area.
    """
    roots = access.scope_roots(user, access.VIEW, "registry")
    if not any(area_path.startswith(r) or r.startswith(area_path) for r in roots):
        raise PermissionDenied(_("您无权查看此区域的人口房屋统计。"))
    area = Area.objects.filter(path=area_path, is_active=True).first()
    if area is None:
        raise Http404(area_path)
    if area.is_grid:
        kids, width = [area], len(area.path)
    else:
        kids = list(Area.objects.filter(main_tree(), parent=area, is_active=True).order_by("path"))
        width = PATH_LENGTHS[PATH_LENGTHS.index(len(area.path)) + 1]
    kids = [k for k in kids if any(k.path.startswith(r) or r.startswith(k.path) for r in roots)]

    where = subtree_q("area_path", area.path) & access.scope_q(user, access.VIEW, "registry")
    tag_codes = dict(TagType.objects.filter(is_active=True).values_list("pk", "code"))
    people = _counts(Person.objects.filter(where, left_at__isnull=True), width)
    households = _counts(Household.objects.filter(where), width)
    houses = _counts(House.objects.filter(where), width, "use")
    # The person's own area_path filtered too (same scope): without it PostgreSQL joins the
    # tags to every person in the table, 2-3x slower for a street (bench/registry_stats.py).
    # Counted where the person lives now.
    person_where = subtree_q("person__area_path", area.path) & access.scope_q(
        user, access.VIEW, "registry", field="person__area_path")
    tags = _counts(
        PersonTag.objects.filter(where, person_where, tag_type_id__in=list(tag_codes), person__left_at__isnull=True),
        width, "tag_type_id", path="person__area_path",
    )
    uses = [str(u) for u in HouseUse.values]

    def one(path: str, name: str, prefixes: Iterable[str]) -> AreaStats:
        keys = list(prefixes)
        return AreaStats(
            path=path, name=name,
            people=sum(people[p][None] for p in keys),
            households=sum(households[p][None] for p in keys),
            houses={u: sum(houses[p][u] for p in keys) for u in uses},
            tags={code: sum(tags[p][pk] for p in keys) for pk, code in tag_codes.items()},
        )

    everything = set(people) | set(households) | set(houses) | set(tags)
    return [*(one(k.path, k.name, [k.path]) for k in kids), one(area.path, area.name, everything)]


def _counts(
    qs: QuerySet[Any], width: int, by: str | None = None, path: str = "area_path"
) -> defaultdict[str, defaultdict[Any, int]]:
    """{path prefix: {value of ``by`` (None without): rows}} from one GROUP BY query.

    Grouped by the row's own ``area_path`` (its grid), folded to the child's prefix here:
    the groups then come straight off the area_path index in order — SQLite needs no
    temporary B-tree and neither database computes a substring per row, 3-4× faster on
    SQLite than grouping by Substr (bench/registry_stats.py) — and there are only as many
    groups as grids, whatever the number of rows.
    """
    fields = [path, by] if by else [path]
    rows = qs.order_by().values_list(*fields).annotate(n=Count("*"))
    out: defaultdict[str, defaultdict[Any, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        out[row[0][:width]][row[1] if by else None] += row[-1]
    return out
