"""Writes to the area tree shared by the importers, the admin and the demo."""

from __future__ import annotations

import uuid
from typing import Any

from gongzhi.areas import locate
from gongzhi.areas.geo import parse_boundary
from gongzhi.areas.models import Area, GridLayer


def set_boundary_fields(area: Area, geojson: dict[str, Any], *, generated: bool = False) -> None:
    """Validate ``geojson`` (WGS-84) and put it and its bounding box on ``area`` (not saved)."""
    shape = parse_boundary(geojson)
    area.boundary = geojson
    area.min_lon, area.min_lat, area.max_lon, area.max_lat = (float(v) for v in shape.bounds)
    area.boundary_generated = generated


def renew_layer_version(layer_id: int | None) -> None:
    if layer_id is not None:
        GridLayer.objects.filter(pk=layer_id).update(version=uuid.uuid4())
        locate.forget()
