"""point → grid: 1,000,000 random points against 85,000+ grid polygons.

Compares GridIndex.locate_many (what intake and imports use) with a bare shapely STRtree query
on the same polygons and points. Grids are Voronoi cells of random seeds clipped to a city-sized
box, long edges split so that most have 7-12 vertices like drawn grids. Times are medians of
interleaved runs on the same data.

    .venv/bin/python bench/point_to_grid.py [--grids 85000] [--points 1000000] [--runs 5]

``bare_shapely_presorted_seconds`` is the bare query on points already in GridIndex's Z-order
(sort not timed): it shows where GridIndex's lead over the bare query comes from.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry import MultiPoint, box

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
from gongzhi.areas.geo import GridIndex

BOX = (112.6, 27.9, 113.4, 28.5)  # ~80 km × 65 km around Changsha


def make_grids(n: int, rng: np.random.Generator) -> NDArray[np.object_]:
    seeds = np.column_stack([rng.uniform(BOX[0], BOX[2], n), rng.uniform(BOX[1], BOX[3], n)])
    cells = shapely.voronoi_polygons(MultiPoint(seeds), extend_to=box(*BOX))
    clipped = shapely.intersection(np.asarray(cells.geoms), box(*BOX))
    # Voronoi cells have ~6 sides; drawn grids follow streets and have a few more. Splitting
    # long edges (identically on both sides of a shared edge) gives 7-12 without overlaps.
    spacing = np.sqrt((BOX[2] - BOX[0]) * (BOX[3] - BOX[1]) / n)
    grids: NDArray[np.object_] = shapely.segmentize(clipped, 0.63 * spacing)
    return grids


def best_per_point(n: int, hits: NDArray[np.intp], grid_count: int) -> NDArray[np.int64]:
    """Grid id (tree index + 1) per point from a bare query, smallest on shared edges."""
    best = np.full(n, grid_count, dtype=np.int64)
    np.minimum.at(best, hits[0], hits[1])
    return np.where(best < grid_count, best + 1, -1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--grids", type=int, default=85_000)
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    rng = np.random.default_rng(85)
    grids = make_grids(args.grids, rng)
    lons = rng.uniform(BOX[0], BOX[2], args.points)
    lats = rng.uniform(BOX[1], BOX[3], args.points)
    # Exterior ring vertices, not counting the closing repeat.
    sides = shapely.get_num_coordinates(shapely.get_exterior_ring(grids)) - 1

    t = time.perf_counter()
    index = GridIndex(list(range(1, len(grids) + 1)), list(grids))
    build = time.perf_counter() - t
    bare_tree = shapely.STRtree(grids)
    z_order = np.argsort(index._z_key(lons, lats))
    sorted_lons, sorted_lats = lons[z_order], lats[z_order]

    bare: list[float] = []
    presorted: list[float] = []
    ours: list[float] = []
    for _ in range(args.runs):
        t = time.perf_counter()
        bare_hits = bare_tree.query(shapely.points(lons, lats), predicate="intersects")
        bare.append(time.perf_counter() - t)
        t = time.perf_counter()
        result = index.locate_many(lons, lats)
        ours.append(time.perf_counter() - t)
        t = time.perf_counter()
        bare_tree.query(shapely.points(sorted_lons, sorted_lats), predicate="intersects")
        presorted.append(time.perf_counter() - t)
    mismatches = int((best_per_point(args.points, bare_hits, len(grids)) != result).sum())
    bare_s, ours_s = statistics.median(bare), statistics.median(ours)

    lines = [
        ("grids", len(grids), "count"),
        ("grid_sides_p10", int(np.percentile(sides, 10)), "count"),
        ("grid_sides_median", int(np.median(sides)), "count"),
        ("grid_sides_p90", int(np.percentile(sides, 90)), "count"),
        ("points", args.points, "count"),
        ("points_located", int((result >= 0).sum()), "count"),
        ("mismatches_vs_bare", mismatches, "count"),
        ("index_build_seconds", f"{build:.3f}", "s"),
        ("bare_shapely_seconds", f"{bare_s:.3f}", "s"),
        ("bare_shapely_presorted_seconds", f"{statistics.median(presorted):.3f}", "s"),
        ("gongzhi_seconds", f"{ours_s:.3f}", "s"),
        ("gongzhi_points_per_second", round(args.points / ours_s), "points/s"),
        ("ratio_to_bare", f"{bare_s / ours_s:.3f}", "ratio"),
    ]
    for name, value, unit in lines:
        print(f"point_to_grid.{name} {value} {unit}")


if __name__ == "__main__":
    main()
