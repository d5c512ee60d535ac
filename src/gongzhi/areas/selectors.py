"""Reads of the area tree for pages, the API and commands — all through core.access."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Substr
from django.http import Http404

from gongzhi.areas.models import Area, GridLayer, Level
from gongzhi.core import access
from gongzhi.core.paths import ancestors, subtree_q


def access_area(user: Any, path: str) -> Area:
    """The area at ``path`` if ``user`` may see it: 404 if there is none, 403 if not theirs."""
    area = Area.objects.select_related("parent", "layer").filter(path=path, is_active=True).first()
    if area is None:
        raise Http404(path)
    access.check(user, access.VIEW, "area", area.path)
    return area


def breadcrumb(area: Area) -> list[Area]:
    paths = ancestors(area.path)
    return [*Area.objects.filter(path__in=paths).order_by("path"), area]


@dataclass(frozen=True)
class ChildRow:
    area: Area
    can_open: bool
    grid_count: int


def main_tree() -> Q:
    """Administrative areas and the authoritative layer's grids: what the tree pages show.

    Grids of other layers (多网合一: a department's own cut of the same ground) overlap the
    authoritative ones and are left out of counts and listings.
    """
    authoritative = list(GridLayer.objects.filter(is_authoritative=True).values_list("pk", flat=True))
    return Q(layer__isnull=True) | Q(layer_id__in=authoritative)


def children(user: Any, area: Area) -> list[ChildRow]:
    kids = list(Area.objects.filter(main_tree(), parent=area, is_active=True).order_by("path"))
    if not kids:
        return []
    grid_counts = grids_per_child(area, kids)
    return [ChildRow(k, access.can(user, access.VIEW, "area", k.path), grid_counts.get(k.path, 0)) for k in kids]


def grids_per_child(area: Area, kids: list[Area]) -> dict[str, int]:
    """Grids under each child, by one aggregate on the path prefix (no recursive walk)."""
    if area.level >= Level.COMMUNITY:
        return {}
    rows = (
        grids_under(area.path)
        .annotate(prefix=Substr("path", 1, len(kids[0].path)))
        .values("prefix")
        .annotate(n=Count("id"))
        .values_list("prefix", "n")
    )
    return dict(rows)


def subtree(area_path: str) -> QuerySet[Area]:
    return Area.objects.filter(subtree_q("path", area_path))


def grids_under(area_path: str) -> QuerySet[Area]:
    return subtree(area_path).filter(main_tree(), level=Level.GRID, is_active=True)


def stats(area: Area) -> dict[str, int]:
    by_level = dict(
        subtree(area.path).filter(main_tree()).exclude(pk=area.pk).values_list("level").annotate(n=Count("id")).values_list("level", "n")
    )
    return {
        "districts": by_level.get(Level.DISTRICT, 0),
        "streets": by_level.get(Level.STREET, 0),
        "communities": by_level.get(Level.COMMUNITY, 0),
        "grids": by_level.get(Level.GRID, 0),
    }


def feature(area: Area, *, can_open: bool = True, url: str = "") -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": area.boundary,
        "properties": {"path": area.path, "name": area.name, "level": area.level, "can_open": can_open, "url": url},
    }
