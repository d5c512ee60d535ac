"""All grids under one district in a national-scale area tree (600,000+ areas).

Builds a synthetic tree in a fresh database (SQLite file, or the PostgreSQL database named by
DATABASE_URL — its tables are created by migrate and emptied), then times the platform's subtree
query (range on the materialised path) against a plain recursive walk on parent ids, the way a
tree without a path column would have to answer. Prints `name value unit` lines.

    .venv/bin/python bench/subtree_query.py [--cities 40] [--queries 200]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def setup_django() -> str:
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        tmp = tempfile.mkdtemp(prefix="gongzhi-bench-")
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongzhi.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.db import connection

    return connection.vendor


def build(cities: int) -> int:
    from django.db import connection, transaction

    from gongzhi.areas.models import Area, Level

    with transaction.atomic():
        with connection.cursor() as cur:
            cur.execute("DELETE FROM areas_area")
        rows: list[Area] = []
        next_id = 1

        def add(path: str, level: int, parent: int | None) -> int:
            nonlocal next_id
            rows.append(Area(id=next_id, code=path.ljust(12, "0") if len(path) <= 12 else path, path=path,
                             name=f"区域{path}", level=level, parent_id=parent))
            next_id += 1
            if len(rows) >= 20000:
                Area.objects.bulk_create(rows)
                rows.clear()
            return next_id - 1

        for c in range(cities):
            cpath = f"{11 + c // 20:02d}{1 + c % 20:02d}"
            city = add(cpath, Level.CITY, None)
            for d in range(1, 11):
                dpath = f"{cpath}{d:02d}"
                district = add(dpath, Level.DISTRICT, city)
                for s in range(1, 16):
                    spath = f"{dpath}{s:03d}"
                    street = add(spath, Level.STREET, district)
                    for m in range(1, 21):
                        mpath = f"{spath}{m:03d}"
                        community = add(mpath, Level.COMMUNITY, street)
                        for g in range(1, 6):
                            add(f"{mpath}{g:03d}", Level.GRID, community)
        Area.objects.bulk_create(rows)
    with connection.cursor() as cur:
        cur.execute("ANALYZE" if connection.vendor == "postgresql" else "ANALYZE areas_area")
    return Area.objects.count()


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[18]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cities", type=int, default=40)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    vendor = setup_django()
    import random

    from django.db import connection

    from gongzhi.areas.models import Area, Level
    from gongzhi.areas.selectors import grids_under

    t0 = time.perf_counter()
    total = build(args.cities)
    print(f"subtree.{vendor}.areas {total} count")
    print(f"subtree.{vendor}.build_seconds {time.perf_counter() - t0:.1f} s")
    districts = list(Area.objects.filter(level=Level.DISTRICT).values_list("id", "path"))
    rng = random.Random(7)
    ours: list[float] = []
    walk: list[float] = []
    grids = 0
    recursive = (
        "WITH RECURSIVE sub(id, level) AS (SELECT id, level FROM areas_area WHERE id = %s "
        "UNION ALL SELECT a.id, a.level FROM areas_area a JOIN sub ON a.parent_id = sub.id) "
        "SELECT id FROM sub WHERE level = %s"
    )
    for _ in range(args.queries):
        did, dpath = rng.choice(districts)
        t = time.perf_counter()
        ids = list(grids_under(dpath).values_list("id", flat=True))
        ours.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        with connection.cursor() as cur:
            cur.execute(recursive, [did, int(Level.GRID)])
            walked = cur.fetchall()
        walk.append((time.perf_counter() - t) * 1000)
        assert len(walked) == len(ids)
        grids = len(ids)
    print(f"subtree.{vendor}.grids_per_district {grids} count")
    print(f"subtree.{vendor}.path_range_p95 {p95(ours):.2f} ms")
    print(f"subtree.{vendor}.path_range_median {statistics.median(ours):.2f} ms")
    print(f"subtree.{vendor}.recursive_walk_p95 {p95(walk):.2f} ms")
    print(f"subtree.{vendor}.speedup_vs_recursive_walk {statistics.median(walk) / statistics.median(ours):.1f} ratio")


if __name__ == "__main__":
    main()
