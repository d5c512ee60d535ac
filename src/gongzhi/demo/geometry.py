"""Generated boundaries for the demo city.

No licence lets us ship real district or community boundaries, so the demo cuts the city's
box into Voronoi cells around seed points: districts around their real seats, then streets,
communities and grids around random points inside their parent. Every generated boundary is
marked ``boundary_generated`` and the UI says so.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely
from shapely.geometry import MultiPoint, Polygon, mapping
from shapely.geometry.base import BaseGeometry

# A coarse hand-drawn outline of 长沙市 (WGS-84) and approximate district centres: enough for
# the demo's districts to sit where people expect them, not a boundary of record.
CITY_OUTLINE = [
    (111.90, 28.20), (112.05, 28.45), (112.40, 28.55), (112.70, 28.62), (112.95, 28.66),
    (113.20, 28.55), (113.55, 28.60), (113.90, 28.45), (114.20, 28.40), (114.25, 28.15),
    (114.05, 27.95), (113.70, 27.85), (113.30, 27.95), (113.00, 27.88), (112.70, 27.95),
    (112.40, 27.95), (112.10, 28.02),
]
DISTRICT_SEEDS = {
    "430102": (112.99, 28.20),  # 芙蓉区
    "430103": (112.98, 28.12),  # 天心区
    "430104": (112.85, 28.20),  # 岳麓区
    "430105": (112.99, 28.27),  # 开福区
    "430111": (113.05, 28.14),  # 雨花区
    "430112": (112.80, 28.38),  # 望城区
    "430121": (113.20, 28.30),  # 长沙县
    "430181": (113.70, 28.15),  # 浏阳市
    "430182": (112.40, 28.20),  # 宁乡市
}


def city_shape() -> Polygon:
    return Polygon(CITY_OUTLINE)


def _random_points_in(shape: BaseGeometry, n: int, rng: np.random.Generator) -> list[tuple[float, float]]:
    minx, miny, maxx, maxy = shape.bounds
    points: list[tuple[float, float]] = []
    for _ in range(50):
        xs = rng.uniform(minx, maxx, n * 8)
        ys = rng.uniform(miny, maxy, n * 8)
        inside = shapely.contains_xy(shape, xs, ys)
        points += list(zip(xs[inside].tolist(), ys[inside].tolist(), strict=True))
        if len(points) >= n:
            return points[:n]
    c = shape.representative_point()  # a sliver: spread the rest around a point inside it
    return points + [(c.x + i * 1e-6, c.y) for i in range(n - len(points))]


def split(shape: BaseGeometry, keys: list[str], seed: int, known: dict[str, tuple[float, float]] | None = None) -> dict[str, BaseGeometry]:
    """Cut ``shape`` into one cell per key (Voronoi around seed points inside it)."""
    if len(keys) == 1:
        return {keys[0]: shape}
    rng = np.random.default_rng(seed)
    fixed = known or {}
    randoms = iter(_random_points_in(shape, len(keys), rng))
    seeds = [fixed.get(k) or next(randoms) for k in keys]
    cells = shapely.voronoi_polygons(MultiPoint(seeds), extend_to=shape)
    tree = shapely.STRtree(list(cells.geoms))
    result: dict[str, BaseGeometry] = {}
    for key, (x, y) in zip(keys, seeds, strict=True):
        hits = tree.query(shapely.Point(x, y), predicate="intersects")
        cell = cells.geoms[int(hits[0])].intersection(shape)
        result[key] = shapely.make_valid(cell) if not cell.is_valid else cell
    return result


def to_geojson(shape: BaseGeometry) -> dict[str, Any]:
    shape = shapely.set_precision(shape, 1e-6)
    if shape.geom_type == "GeometryCollection":
        parts = [g for g in shape.geoms if g.geom_type in ("Polygon", "MultiPolygon")]
        shape = shapely.unary_union(parts)
    result: dict[str, Any] = mapping(shape)
    return result
