"""point → grid: 1,000,000 random points against 85,000+ grid polygons.

Compares GridIndex.locate_many (what intake and imports use) with a bare shapely STRtree query
on the same polygons and points. Grids are Voronoi cells of random seeds clipped to a city-sized
box (6–12 vertices each, like drawn grids). Medians of interleaved runs.

    .venv/bin/python bench/point_to_grid.py [--grids 85000] [--points 1000000] [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import MultiPoint, box

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
from gongzhi.areas.geo import GridIndex

BOX = (112.6, 27.9, 113.4, 28.5)  # ~80 km × 65 km


def make_grids(n: int, rng: np.random.Generator) -> list[shapely.Geometry]:
    seeds = np.column_stack([rng.uniform(BOX[0], BOX[2], n), rng.uniform(BOX[1], BOX[3], n)])
    cells = shapely.voronoi_polygons(MultiPoint(seeds), extend_to=box(*BOX))
    return list(shapely.intersection(np.asarray(cells.geoms), box(*BOX)))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--grids", type=int, default=85000)
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    rng = np.random.default_rng(85)
    grids = make_grids(args.grids, rng)
    lons = rng.uniform(BOX[0], BOX[2], args.points)
    lats = rng.uniform(BOX[1], BOX[3], args.points)
    vertices = statistics.median(int(shapely.get_num_coordinates(g)) for g in grids[:5000])

    t = time.perf_counter()
    index = GridIndex(list(range(1, len(grids) + 1)), grids)
    build = time.perf_counter() - t
    bare_tree = shapely.STRtree(grids)

    bare: list[float] = []
    ours: list[float] = []
    for _ in range(args.runs):
        t = time.perf_counter()
        bare_tree.query(shapely.points(lons, lats), predicate="intersects")
        bare.append(time.perf_counter() - t)
        t = time.perf_counter()
        result = index.locate_many(lons, lats)
        ours.append(time.perf_counter() - t)
    located = int((result >= 0).sum())

    print(f"point_to_grid.grids {len(grids)} count")
    print(f"point_to_grid.median_vertices_per_grid {vertices:.0f} count")
    print(f"point_to_grid.points {args.points} count")
    print(f"point_to_grid.points_located {located} count")
    print(f"point_to_grid.index_build_seconds {build:.2f} s")
    print(f"point_to_grid.bare_shapely_seconds {statistics.median(bare):.3f} s")
    print(f"point_to_grid.gongzhi_seconds {statistics.median(ours):.3f} s")
    print(f"point_to_grid.gongzhi_points_per_second {args.points / statistics.median(ours):.0f} points/s")
    print(f"point_to_grid.ratio_to_bare {statistics.median(bare) / statistics.median(ours):.3f} ratio")


if __name__ == "__main__":
    main()
