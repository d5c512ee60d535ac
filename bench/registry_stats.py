"""Registry statistics (registry.stats.area_stats) for a whole district of 1,000,000 people.

Builds one synthetic district (10 streets, 100 communities, 1,000 grids) in a fresh database
(SQLite temp file, or the PostgreSQL database named by DATABASE_URL — emptied by flush) and
bulk-loads, in realistic proportions: 1,000 people per grid (5 % moved out), 2.6 people per
household, 420 houses per grid in buildings of 42 (自住 70 %, 出租 18 %, 空置 9 %, 商用 3 %),
and the nine default key-group tags (流动人口 15 %, 出租户 8 %, 空巢老人 4 % …, about a third
of the people tagged). Then times area_stats for the district (children = streets) and one
street (children = communities), each run 20 times after one warm-up, with the time of each
of its queries; and the same again with each candidate index created by raw SQL (and dropped
after), to show whether it helps. Prints `name value unit` lines.

    .venv/bin/python bench/registry_stats.py [--people 1000000] [--runs 20]
    DATABASE_URL=postgres://postgres@127.0.0.1:55432/bench_registry_stats .venv/bin/python bench/registry_stats.py
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import date
from typing import Any

import numpy as np

from _setup import setup_django
from registry_search import Loader, analyze, build_district, bulk_session, names, p95

PEOPLE_PER_GRID = 1000
PEOPLE_PER_HOUSEHOLD = 2.6
HOUSES_PER_GRID = 420
HOUSES_PER_BUILDING = 42
MOVED_OUT = 0.05
USES = {"owner": 0.70, "rented": 0.18, "vacant": 0.09, "commercial": 0.03}
TAG_SHARE = {
    "floating": 0.15, "tenant": 0.08, "empty-nest-elderly": 0.04, "disabled": 0.02, "veteran": 0.015,
    "living-alone-elderly": 0.015, "dibao": 0.012, "left-behind-child": 0.005, "special-group": 0.003,
}
# Candidate indexes, measured one at a time: (name, table, SQL after "ON").
CANDIDATES = [
    ("bench_person_current_path", "registry_person", "registry_person (area_path) WHERE left_at IS NULL"),
    ("bench_person_path_left", "registry_person", "registry_person (area_path, left_at)"),
    ("bench_house_path_use", "registry_house", "registry_house (area_path, use)"),
    ("bench_tag_path_type_person", "registry_persontag", "registry_persontag (area_path, tag_type_id, person_id)"),
]


def load(people: int, grids: list[tuple[int, str]]) -> dict[str, int]:
    from django.db import transaction

    from gongzhi.registry.models import Building, House, Household, Person, PersonTag, TagType
    from gongzhi.registry.tags import load_default_tag_types

    load_default_tag_types()
    tag_ids = dict(TagType.objects.values_list("code", "pk"))
    rng = np.random.default_rng(17)
    g = len(grids)
    grid_ids = np.array([x[0] for x in grids])
    grid_paths = np.array([x[1] for x in grids])
    per_grid = people // g
    people = per_grid * g
    households_per_grid = int(np.ceil(per_grid / PEOPLE_PER_HOUSEHOLD))
    houses_per_grid = max(HOUSES_PER_GRID, households_per_grid)
    buildings_per_grid = -(-houses_per_grid // HOUSES_PER_BUILDING)
    counts: dict[str, int] = {}
    restore = bulk_session()

    def put(model: Any, n: int, columns: Callable[[np.ndarray], dict[str, Any]], batch: int = 250_000) -> None:
        loader = Loader(model)
        loader.drop_indexes()
        for start in range(0, n, batch):
            with transaction.atomic():
                index = np.arange(start, min(start + batch, n))
                loader.write({"id": (index + 1).tolist(), **columns(index)})
        loader.rebuild_indexes()
        loader.finish()
        counts[model._meta.model_name] = n

    def placed(index: np.ndarray, per: int) -> dict[str, Any]:
        # Rows come grid by grid, the way ledgers are imported: row i of a kind with ``per``
        # rows per grid is the (i % per)-th of grid i // per.
        return {"grid_id": grid_ids[index // per].tolist(), "area_path": grid_paths[index // per].tolist()}

    put(Building, g * buildings_per_grid, lambda i: {
        **placed(i, buildings_per_grid), "name": [f"{n}栋" for n in (i % buildings_per_grid + 1).tolist()],
        "address": [f"地址{n}" for n in i.tolist()], "address_key": [f"addr{n}" for n in i.tolist()]})
    uses = np.array(list(USES))
    put(House, g * houses_per_grid, lambda i: {
        **placed(i, houses_per_grid),
        "building_id": ((i // houses_per_grid) * buildings_per_grid + (i % houses_per_grid) // HOUSES_PER_BUILDING
                        + 1).tolist(),
        "room": [f"{n:03d}" for n in ((i % houses_per_grid) % HOUSES_PER_BUILDING + 1).tolist()],
        "use": uses[rng.choice(len(uses), len(i), p=list(USES.values()))].tolist()})
    put(Household, g * households_per_grid, lambda i: {
        **placed(i, households_per_grid), "number": [f"H{n}" for n in i.tolist()],
        "house_id": ((i // households_per_grid) * houses_per_grid + i % households_per_grid + 1).tolist()})
    moved = rng.random(people) < MOVED_OUT
    put(Person, people, lambda i: {
        **placed(i, per_grid), "name": names(rng, len(i)),
        "household_id": ((i // per_grid) * households_per_grid
                         + ((i % per_grid) / PEOPLE_PER_HOUSEHOLD).astype(np.int64) + 1).tolist(),
        "left_at": [date(2025, 6, 1) if m else None for m in moved[i].tolist()]})
    tagged = [(tag_ids[code], np.flatnonzero(rng.random(people) < share)) for code, share in TAG_SHARE.items()]
    tag_type = np.concatenate([np.full(len(who), pk) for pk, who in tagged])
    person = np.concatenate([who for _pk, who in tagged])
    put(PersonTag, len(person), lambda i: {
        "person_id": (person[i] + 1).tolist(), "tag_type_id": tag_type[i].tolist(),
        "area_path": grid_paths[person[i] // per_grid].tolist()})
    restore()
    analyze(["registry_building", "registry_house", "registry_household", "registry_person", "registry_persontag"])
    return counts


def measure(name: str, user: Any, path: str, runs: int) -> float:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from gongzhi.registry import stats

    # Each aggregate timed around its whole run (execute, fetch, fold): SQLite computes a
    # streaming GROUP BY while rows are fetched, so the time Django logs per query misses it.
    parts: list[float] = []
    counts = stats._counts

    def timed_counts(*args: Any, **kwargs: Any) -> Any:
        t = time.perf_counter()
        out = counts(*args, **kwargs)
        parts.append((time.perf_counter() - t) * 1000)
        return out

    stats._counts = timed_counts  # type: ignore[assignment]
    try:
        rows = stats.area_stats(user, path)  # warm-up
        samples: list[float] = []
        with CaptureQueriesContext(connection) as ctx:
            stats.area_stats(user, path)
        parts.clear()
        for _ in range(runs):
            t = time.perf_counter()
            stats.area_stats(user, path)
            samples.append((time.perf_counter() - t) * 1000)
    finally:
        stats._counts = counts  # type: ignore[assignment]
    print(f"{name}.children {len(rows) - 1} count")
    print(f"{name}.people {rows[-1].people} count")
    print(f"{name}.queries {len(ctx.captured_queries)} count")
    print(f"{name}.median {statistics.median(samples):.1f} ms")
    print(f"{name}.p95 {p95(samples):.1f} ms")
    for i, label in enumerate(("people", "households", "houses", "tags")):
        print(f"{name}.query.{label}.median {statistics.median(parts[i::4]):.1f} ms")
    return statistics.median(samples)


def compare_grouping(name: str, path: str, runs: int) -> None:
    """The houses aggregate two ways: grouped by Substr(area_path) to the child's length, and
    grouped by area_path itself and folded in Python (what registry.stats does)."""
    from django.db.models import Count
    from django.db.models.functions import Substr

    from gongzhi.core.paths import subtree_q
    from gongzhi.registry.models import House

    qs = House.objects.filter(subtree_q("area_path", path)).order_by()
    ways = {
        "substr": lambda: list(qs.annotate(p=Substr("area_path", 1, len(path) + 3)).values_list("p", "use")
                               .annotate(n=Count("*"))),
        "area_path_folded": lambda: list(qs.values_list("area_path", "use").annotate(n=Count("*"))),
    }
    for way, run in ways.items():
        run()
        samples = []
        for _ in range(runs):
            t = time.perf_counter()
            run()
            samples.append((time.perf_counter() - t) * 1000)
        print(f"{name}.houses_grouped_by.{way}.median {statistics.median(samples):.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--no-candidates", action="store_true", help="skip the candidate-index runs")
    args = parser.parse_args()
    vendor = setup_django("registry-stats")
    from django.db import connection
    from tests.builders import make_user

    from gongzhi.areas.models import Area
    from gongzhi.core.access import Role

    name = f"registry_stats.{vendor}"
    with connection.cursor() as cur:  # left behind by an interrupted run: flush keeps indexes
        for index, _table, _spec in CANDIDATES:
            cur.execute(f"DROP INDEX IF EXISTS {index}")
    grids = build_district()
    t0 = time.perf_counter()
    counts = load(args.people, grids)
    print(f"{name}.load_seconds {time.perf_counter() - t0:.1f} s")
    for model, n in counts.items():
        print(f"{name}.rows.{model} {n} count")
    leader = make_user("bench_leader", Role.LEADER, Area.objects.get(path="430104"))
    street = Area.objects.get(path="430104001")
    dispatcher = make_user("bench_dispatcher", Role.STREET_DISPATCHER, street)
    cases = [("district_leader.district", leader, "430104"), ("district_leader.street", leader, street.path),
             ("street_dispatcher.street", dispatcher, street.path)]
    base = {label: measure(f"{name}.{label}", user, path, args.runs) for label, user, path in cases}
    compare_grouping(f"{name}.district", "430104", args.runs)
    if args.no_candidates:
        return
    for index, table, spec in CANDIDATES:
        with connection.cursor() as cur:
            t = time.perf_counter()
            cur.execute(f"CREATE INDEX {index} ON {spec}")
            build = time.perf_counter() - t
            cur.execute(f"VACUUM ANALYZE {table}" if vendor == "postgresql" else f"ANALYZE {table}")
        print(f"{name}.with.{index}.build {build:.1f} s")
        for label, user, path in cases:
            ms = measure(f"{name}.with.{index}.{label}", user, path, args.runs)
            print(f"{name}.with.{index}.{label}.speedup {base[label] / ms:.2f} ratio")
        with connection.cursor() as cur:
            cur.execute(f"DROP INDEX {index}")


if __name__ == "__main__":
    main()
