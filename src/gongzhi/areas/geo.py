"""Geometry without system libraries: datum conversion and point → grid.

Phones and Chinese map SDKs (Amap, Tencent) report GCJ-02, Baidu reports BD-09, GPS and
天地图 use WGS-84; the platform stores WGS-84 and converts at the edge. The GCJ-02 offset is
an obfuscation with a published forward formula and no closed-form inverse, so the inverse is
solved by fixed-point iteration to < 1e-7 degrees.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

_A = 6378245.0
_EE = 0.00669342162296594323
_X_PI = math.pi * 3000.0 / 180.0
DATUMS = ("wgs84", "gcj02", "bd09")
_WORKERS = min(os.cpu_count() or 1, 4)
_MIN_CHUNK = 20_000  # below this, a thread costs more than it saves

Coord = TypeVar("Coord", float, NDArray[np.float64])


def _out_of_china(lon: Any, lat: Any) -> Any:
    return (lon < 72.004) | (lon > 137.8347) | (lat < 0.8293) | (lat > 55.8271)


def _delta(lon: Any, lat: Any) -> tuple[Any, Any]:
    x, y = lon - 105.0, lat - 35.0
    dlat = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
            + (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
            + (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
            + (160.0 * np.sin(y / 12.0 * np.pi) + 320 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0)
    dlon = (300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
            + (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
            + (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
            + (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0)
    radlat = lat / 180.0 * np.pi
    magic = 1 - _EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrtmagic) * np.pi)
    dlon = (dlon * 180.0) / (_A / sqrtmagic * np.cos(radlat) * np.pi)
    return dlon, dlat


def _wrap(lon: Any, lat: Any, out_lon: Any, out_lat: Any) -> tuple[Any, Any]:
    if np.ndim(lon) == 0:
        return float(out_lon), float(out_lat)
    return np.asarray(out_lon, dtype=np.float64), np.asarray(out_lat, dtype=np.float64)


def wgs84_to_gcj02(lon: Coord, lat: Coord) -> tuple[Coord, Coord]:
    x, y = np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
    dlon, dlat = _delta(x, y)
    outside = _out_of_china(x, y)
    return _wrap(lon, lat, np.where(outside, x, x + dlon), np.where(outside, y, y + dlat))


Forward = Callable[[NDArray[np.float64], NDArray[np.float64]], tuple[Any, Any]]


def _invert(forward: Forward, tx: NDArray[np.float64], ty: NDArray[np.float64],
            x: NDArray[np.float64], y: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Solve forward(x, y) = (tx, ty) by fixed-point iteration from the guess (x, y).

    Both offsets are smooth and tiny (< 0.01°), so each step shrinks the error by orders of
    magnitude; a few steps reach 1e-12°.
    """
    for _step in range(30):
        fx, fy = forward(x, y)
        ex, ey = np.asarray(fx) - tx, np.asarray(fy) - ty
        x, y = x - ex, y - ey
        if max(np.max(np.abs(ex), initial=0.0), np.max(np.abs(ey), initial=0.0)) < 1e-12:
            break
    return x, y


def gcj02_to_wgs84(lon: Coord, lat: Coord) -> tuple[Coord, Coord]:
    gx, gy = np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
    wx, wy = _invert(wgs84_to_gcj02, gx, gy, gx.copy(), gy.copy())
    outside = _out_of_china(gx, gy)
    return _wrap(lon, lat, np.where(outside, gx, wx), np.where(outside, gy, wy))


def gcj02_to_bd09(lon: Coord, lat: Coord) -> tuple[Coord, Coord]:
    x, y = np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _X_PI)
    return _wrap(lon, lat, z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006)


def bd09_to_gcj02(lon: Coord, lat: Coord) -> tuple[Coord, Coord]:
    bx, by = np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
    # The published closed form is off by up to ~1e-6°: use it as the first guess only.
    x, y = bx - 0.0065, by - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    gx, gy = _invert(gcj02_to_bd09, bx, by, z * np.cos(theta), z * np.sin(theta))
    return _wrap(lon, lat, gx, gy)


def wgs84_to_bd09(lon: Coord, lat: Coord) -> tuple[Coord, Coord]:
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon: Coord, lat: Coord) -> tuple[Coord, Coord]:
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


def to_wgs84(lon: Coord, lat: Coord, datum: str) -> tuple[Coord, Coord]:
    if datum == "wgs84":
        return lon, lat
    if datum == "gcj02":
        return gcj02_to_wgs84(lon, lat)
    if datum == "bd09":
        return bd09_to_wgs84(lon, lat)
    raise ValueError(f"坐标系 datum={datum!r} 无效，应为 {', '.join(DATUMS)} 之一 (unknown datum)")


def check_lonlat(lon: float, lat: float) -> None:
    if not (isinstance(lon, int | float) and math.isfinite(lon) and -180 <= lon <= 180):
        raise ValueError(f"经度 lon={lon} 超出范围 [-180, 180] (longitude out of range)")
    if not (isinstance(lat, int | float) and math.isfinite(lat) and -90 <= lat <= 90):
        raise ValueError(f"纬度 lat={lat} 超出范围 [-90, 90] (latitude out of range)")


def parse_boundary(geojson: dict[str, Any]) -> BaseGeometry:
    """A valid Polygon/MultiPolygon from a GeoJSON geometry or Feature, or a ValueError saying why."""
    if not isinstance(geojson, dict):
        raise ValueError("边界应为 GeoJSON 对象 (boundary must be a GeoJSON object)")
    geometry = geojson.get("geometry") if geojson.get("type") == "Feature" else geojson
    if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        kind = geometry.get("type") if isinstance(geometry, dict) else type(geometry).__name__
        raise ValueError(f"边界类型应为 Polygon 或 MultiPolygon，实为 {kind} (boundary type)")
    polygons = geometry.get("coordinates")
    polygons = [polygons] if geometry["type"] == "Polygon" else polygons
    for polygon in polygons if isinstance(polygons, list) else []:
        for ring in polygon if isinstance(polygon, list) else []:
            if isinstance(ring, list) and len(ring) < 4:
                raise ValueError(f"边界的每个环至少需要4个坐标点（首尾相同），实为 {len(ring)} 个 (a ring needs ≥ 4 positions)")
    try:
        geom = shape(geometry)
    except (ValueError, TypeError, IndexError, AttributeError, shapely.errors.GEOSException) as exc:
        raise ValueError(f"边界坐标格式错误：{exc} (malformed coordinates; rings need ≥ 4 positions)") from exc
    if geom.is_empty:
        raise ValueError("边界为空 (empty boundary)")
    minx, miny, maxx, maxy = geom.bounds
    if minx < -180 or maxx > 180 or miny < -90 or maxy > 90:
        raise ValueError("边界坐标超出经纬度范围 (coordinates out of lon/lat range)")
    if not geom.is_valid:
        raise ValueError(f"边界几何无效：{shapely.is_valid_reason(geom)} (invalid geometry)")
    return geom


class GridIndex:
    """An STRtree over grid polygons answering "which grid holds this point" one at a time or in bulk."""

    def __init__(self, ids: Sequence[int], geometries: Sequence[BaseGeometry]) -> None:
        if len(ids) != len(geometries):
            raise ValueError("ids and geometries differ in length")
        # Sorted by id so that, among grids sharing a boundary, the first hit is the smallest id.
        order = np.argsort(np.asarray(ids, dtype=np.int64), kind="stable")
        self._ids = np.asarray(ids, dtype=np.int64)[order]
        self._geoms = np.asarray(geometries, dtype=object)[order]
        self._tree = shapely.STRtree(self._geoms)
        x0, y0, x1, y1 = shapely.total_bounds(self._geoms) if len(self._geoms) else (0.0, 0.0, 1.0, 1.0)
        self._x0, self._y0 = float(x0), float(y0)
        # About one grid's width: the cell size of the spatial sort in locate_many.
        self._cell = max(math.sqrt(max((x1 - x0) * (y1 - y0), 1e-12) / max(len(self._geoms), 1)), 1e-9)

    @classmethod
    def from_geojson(cls, ids: Sequence[int], geojsons: Sequence[dict[str, Any]]) -> GridIndex:
        return cls(ids, [shape(g) for g in geojsons])

    def __len__(self) -> int:
        return len(self._ids)

    def locate(self, lon: float, lat: float) -> int | None:
        hits = self._tree.query(shapely.Point(lon, lat), predicate="intersects")
        return int(self._ids[hits.min()]) if len(hits) else None

    def locate_many(self, lons: NDArray[np.float64], lats: NDArray[np.float64]) -> NDArray[np.int64]:
        """Grid ids for a batch of points (-1 for none).

        Two things make this faster than one bare ``STRtree.query``: points are visited in
        spatial order (row by row of cells about one grid wide), so consecutive queries touch
        the same tree nodes and polygons while they are in cache; and large batches are split
        across threads, which run in parallel because shapely releases the GIL.
        """
        n = len(lons)
        result = np.full(n, -1, dtype=np.int64)
        if n == 0 or len(self._ids) == 0:
            return result
        lons, lats = np.asarray(lons, dtype=np.float64), np.asarray(lats, dtype=np.float64)
        order = np.lexsort((np.floor((lons - self._x0) / self._cell), np.floor((lats - self._y0) / self._cell)))
        points = shapely.points(lons[order], lats[order])
        chunks = np.array_split(np.arange(n), max(1, min(n // _MIN_CHUNK, _WORKERS * 4)))
        if len(chunks) == 1:
            hits = [self._query(points, 0)]
        else:
            with ThreadPoolExecutor(_WORKERS) as pool:
                hits = list(pool.map(lambda c: self._query(points[c[0]:c[-1] + 1], int(c[0])), chunks))
        point_idx = np.concatenate([h[0] for h in hits])
        tree_idx = np.concatenate([h[1] for h in hits])
        # Several hits for one point only on shared edges: keep the smallest tree index (= id).
        by_point = np.lexsort((tree_idx, point_idx))
        point_idx, tree_idx = point_idx[by_point], tree_idx[by_point]
        first = np.ones(len(point_idx), dtype=bool)
        first[1:] = point_idx[1:] != point_idx[:-1]
        result[order[point_idx[first]]] = self._ids[tree_idx[first]]
        return result

    def _query(self, points: NDArray[np.object_], offset: int) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        pts, trees = self._tree.query(points, predicate="intersects")
        return pts + offset, trees
