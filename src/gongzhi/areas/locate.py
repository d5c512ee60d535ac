"""point → grid for the whole platform: one STRtree per grid layer, rebuilt when the layer changes."""

from __future__ import annotations

import threading
import time
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
    paths: dict[int, str]


@dataclass(frozen=True)
class GridRef:
    """A grid known to the index: enough to file a case without loading the Area row."""

    id: int
    path: str


_cache: dict[int, _Cached] = {}
_lock = threading.Lock()


# Which layer is authoritative, and its version, is read at most every LAYER_TTL seconds per
# process (intake runs hundreds of times a second); a grid change made in this process is seen
# at once (forget()), in other processes within the TTL.
LAYER_TTL = 2.0
_layer: tuple[float, GridLayer | None] | None = None


def authoritative_layer() -> GridLayer | None:
    global _layer
    now = time.monotonic()
    if _layer is None or _layer[0] < now:
        _layer = (now + LAYER_TTL, GridLayer.objects.filter(is_authoritative=True).first())
    return _layer[1]


def forget() -> None:
    """Drop this process's cached layer and indexes (after a grid or layer changed)."""
    global _layer
    _layer = None
    _cache.clear()


def _cached(layer: GridLayer) -> _Cached:
    """The layer's index, rebuilt when the layer's version changed (every grid writer renews it)."""
    cached = _cache.get(layer.pk)
    if cached and cached.version == layer.version:
        return cached
    with _lock:
        ids: list[int] = []
        shapes: list[dict[str, Any]] = []
        paths: dict[int, str] = {}
        rows = Area.objects.filter(layer=layer, level=Level.GRID, is_active=True, boundary__isnull=False)
        for pk, path, boundary in rows.values_list("pk", "path", "boundary").iterator(chunk_size=2000):
            ids.append(pk)
            shapes.append(boundary)
            paths[pk] = path
        fresh = _Cached(layer.version, GridIndex.from_geojson(ids, shapes), paths)
        _cache[layer.pk] = fresh
        return fresh


def grid_index(layer: GridLayer) -> GridIndex:
    return _cached(layer).index


def locate_grid_ref(lon: float, lat: float, *, layer: GridLayer | None = None) -> GridRef | None:
    """The authoritative grid holding a WGS-84 point, from the in-memory index alone."""
    layer = layer or authoritative_layer()
    if layer is None:
        return None
    cached = _cached(layer)
    grid_id = cached.index.locate(lon, lat)
    return GridRef(grid_id, cached.paths[grid_id]) if grid_id is not None else None


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
