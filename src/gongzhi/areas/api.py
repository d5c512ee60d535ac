from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

from gongzhi.areas import selectors
from gongzhi.areas.locate import locate_grid
from gongzhi.core.api_common import errors
from gongzhi.core.middleware import api_caller

router = Router(tags=["areas"])


class AreaOut(Schema):
    code: str
    path: str
    name: str
    level: int
    parent_path: str | None
    boundary_generated: bool


class AreaDetailOut(AreaOut):
    boundary: dict[str, Any] | None


class ChildOut(AreaOut):
    can_open: bool
    grid_count: int


class LocateIn(Schema):
    lon: float
    lat: float
    datum: str = "wgs84"


def _out(area: Any) -> dict[str, Any]:
    return {"code": area.code, "path": area.path, "name": area.name, "level": area.level,
            "parent_path": area.parent.path if area.parent_id else None,
            "boundary_generated": area.boundary_generated}


@router.get("/areas/{path}", response={200: AreaDetailOut, **errors(400, 404)}, summary="One area with its boundary")
def get_area(request: HttpRequest, path: str) -> dict[str, Any]:
    area = selectors.access_area(api_caller(request), path)
    return {**_out(area), "boundary": area.boundary}


@router.get("/areas/{path}/children", response={200: list[ChildOut], **errors(400, 404)}, summary="The areas directly below one")
def get_children(request: HttpRequest, path: str) -> list[dict[str, Any]]:
    area = selectors.access_area(api_caller(request), path)
    return [{**_out(c.area), "can_open": c.can_open, "grid_count": c.grid_count}
            for c in selectors.children(api_caller(request), area)]


@router.get("/locate", response={200: AreaOut, **errors(400, 404, 422)}, summary="The grid that contains a point")
def locate(request: HttpRequest, q: Query[LocateIn]) -> Any:
    grid = locate_grid(q.lon, q.lat, datum=q.datum)
    if grid is None:
        return Status(404, {"detail": f"点 ({q.lon}, {q.lat}) 不在任何网格内 (the point lies in no grid)"})
    return Status(200, _out(grid))
