"""Geometry without system libraries: datum conversion and point → grid.

Phones and Chinese map SDKs (Amap, Tencent) report GCJ-02, Baidu reports BD-09, GPS and
天地图 use WGS-84; the platform stores WGS-84 and converts at the edge. The GCJ-02 offset is
an obfuscation with a published forward formula and no closed-form inverse, so the inverse is
solved by fixed-point iteration to < 1e-7 degrees.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
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


def gcj02_to_wgs84(lon: Coord, lat: Coord) -> tuple[Coord, Coord]:
    gx, gy = np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
    wx, wy = gx.copy(), gy.copy()
    for _ in range(30):
        fx, fy = wgs84_to_gcj02(wx, wy)
        ex, ey = np.asarray(fx) - gx, np.asarray(fy) - gy
        wx, wy = wx - ex, wy - ey
        if np.max(np.abs(ex), initial=0.0) < 1e-10 and np.max(np.abs(ey), initial=0.0) < 1e-10:
            break
    outside = _out_of_china(gx, gy)
    return _wrap(lon, lat, np.where(outside, gx, wx), np.where(outside, gy, wy))


def gcj02_to_bd09(lon: Coord, lat: Coord) -> tuple[Coord, Coord]:
    x, y = np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _X_PI)
    return _wrap(lon, lat, z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006)


def bd09_to_gcj02(lon: Coord, lat: Coord) -> tuple[Coord, Coord]:
    x = np.asarray(lon, dtype=np.float64) - 0.0065
    y = np.asarray(lat, dtype=np.float64) - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return _wrap(lon, lat, z * np.cos(theta), z * np.sin(theta))


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

    @classmethod
    def from_geojson(cls, ids: Sequence[int], geojsons: Sequence[dict[str, Any]]) -> GridIndex:
        return cls(ids, [shape(g) for g in geojsons])

    def __len__(self) -> int:
        return len(self._ids)

    def locate(self, lon: float, lat: float) -> int | None:
        hits = self._tree.query(shapely.Point(lon, lat), predicate="intersects")
        return int(self._ids[hits.min()]) if len(hits) else None

    def locate_many(self, lons: NDArray[np.float64], lats: NDArray[np.float64]) -> NDArray[np.int64]:
        result = np.full(len(lons), -1, dtype=np.int64)
        if len(lons) == 0 or len(self._ids) == 0:
            return result
        points, trees = self._tree.query(shapely.points(lons, lats), predicate="intersects")
        # Several hits for one point only on shared edges: keep the smallest tree index (= id).
        order = np.lexsort((trees, points))
        points, trees = points[order], trees[order]
        first = np.ones(len(points), dtype=bool)
        first[1:] = points[1:] != points[:-1]
        result[points[first]] = self._ids[trees[first]]
        return result
