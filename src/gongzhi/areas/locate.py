"""point → grid for the whole platform: one STRtree per grid layer, rebuilt when the layer changes."""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gongzhi.areas.geo import GridIndex, check_lonlat, to_wgs84
from gongzhi.areas.models import Area, GridLayer, Level


@dataclass(frozen=True)
class _Cached:
    version: uuid.UUID
    index: GridIndex


_cache: dict[int, _Cached] = {}
_lock = threading.Lock()


def authoritative_layer() -> GridLayer | None:
    return GridLayer.objects.filter(is_authoritative=True).first()


def grid_index(layer: GridLayer) -> GridIndex:
    """The layer's index, rebuilt when the layer's version changed (every grid writer renews it)."""
    cached = _cache.get(layer.pk)
    if cached and cached.version == layer.version:
        return cached.index
    with _lock:
        ids: list[int] = []
        shapes: list[dict[str, Any]] = []
        rows = Area.objects.filter(layer=layer, level=Level.GRID, is_active=True, boundary__isnull=False)
        for pk, boundary in rows.values_list("pk", "boundary").iterator(chunk_size=2000):
            ids.append(pk)
            shapes.append(boundary)
        index = GridIndex.from_geojson(ids, shapes)
        _cache[layer.pk] = _Cached(layer.version, index)
        return index


def locate_grid(lon: float, lat: float, *, datum: str = "wgs84", layer: GridLayer | None = None) -> Area | None:
    """The grid containing a point (coordinates in ``datum``), or None if it lies in no grid."""
    check_lonlat(lon, lat)
    layer = layer or authoritative_layer()
    if layer is None:
        return None
    wlon, wlat = to_wgs84(lon, lat, datum)
    grid_id = grid_index(layer).locate(float(wlon), float(wlat))
    return Area.objects.filter(pk=grid_id).first() if grid_id is not None else None


def locate_many(lons: NDArray[np.float64], lats: NDArray[np.float64], *, datum: str = "wgs84",
                layer: GridLayer | None = None) -> NDArray[np.int64]:
    """Grid ids for a batch of points; -1 where a point lies in no grid."""
    layer = layer or authoritative_layer()
    if layer is None:
        return np.full(len(lons), -1, dtype=np.int64)
    wlons, wlats = to_wgs84(lons, lats, datum)
    return grid_index(layer).locate_many(np.asarray(wlons), np.asarray(wlats))
