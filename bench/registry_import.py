"""Import of a generated people ledger (xlsx) through the real engine — the path
`gongzhi registry import` takes: one pass, one transaction, rows read and checked in forked
processes while this one writes 5,000 at a time — against just reading the same file with
python-calamine row by row.

    .venv/bin/python bench/registry_import.py [--rows 1000000]
    DATABASE_URL=postgres://…/gongzhi_bench .venv/bin/python bench/registry_import.py --rows 100000

The file is written by a child process (xlsxwriter, constant_memory) and the baseline read runs
in another, so the peak RSS printed for the import is the import's own.
"""

from __future__ import annotations

import argparse
import cProfile
import multiprocessing
import os
import pstats
import resource
import sys
import tempfile
import time
from pathlib import Path

from _setup import ROOT, setup_django, small_city

HEADERS = ["姓名", "身份证号", "联系电话", "性别", "民族", "人口类型", "户籍地址", "所属网格", "楼栋地址", "单元", "房号",
           "户号", "与户主关系", "入住日期"]
GRIDS = ["430104002014001", "430104002014002", "430104002001001", "430104001001001"]
BUILDINGS_PER_GRID = 50


def building_address(grid: str, n: int) -> str:
    return f"{grid[-6:]}号小区{n}栋"


def write_file(path: str, rows: int) -> None:
    sys.path.insert(0, str(ROOT / "src"))
    import xlsxwriter

    from gongzhi.demo.people import RELATION_LABELS, RESIDENCY_LABELS, PeopleGenerator

    book = xlsxwriter.Workbook(path, {"constant_memory": True})
    sheet = book.add_worksheet("实有人口")
    sheet.write_row(0, 0, HEADERS)
    gen = PeopleGenerator(4301)
    row = 0
    households = 0
    while row < rows:
        family = gen.household()
        households += 1
        grid = GRIDS[households % len(GRIDS)]
        building = building_address(grid, households // len(GRIDS) % BUILDINGS_PER_GRID + 1)
        room = str(households // (len(GRIDS) * BUILDINGS_PER_GRID) + 101)
        for p in family[: rows - row]:
            row += 1
            sheet.write_row(row, 0, [p.name, p.id_number, p.phone, p.gender_label, p.ethnicity,
                                     RESIDENCY_LABELS[p.residency], p.registered_address, grid, building,
                                     "1", room, p.household_number, RELATION_LABELS[p.relation], "2024-03-01"])
    book.close()


def read_baseline(path: str) -> tuple[int, float, float]:
    import python_calamine

    t = time.perf_counter()
    n = 0
    sheet = python_calamine.CalamineWorkbook.from_path(path).get_sheet_by_index(0)
    for _row in sheet.iter_rows():
        n += 1
    return n - 1, time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_now_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--profile", action="store_true", help="print the import's top functions to stderr")
    parser.add_argument("--file", help="keep the generated xlsx here and reuse it when it exists (same --rows)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="checking processes, as `gongzhi registry import --workers` (1: all in this process)")
    args = parser.parse_args()
    path = args.file or str(Path(tempfile.mkdtemp(prefix="gongzhi-registry-import-")) / "people.xlsx")
    ctx = multiprocessing.get_context("spawn")
    t = time.perf_counter()
    if not os.path.exists(path):
        with ctx.Pool(1) as pool:
            pool.apply(write_file, (path, args.rows))
    generate_s = time.perf_counter() - t
    with ctx.Pool(1) as pool:
        base_rows, base_s, base_rss = pool.apply(read_baseline, (path,))

    vendor = setup_django("registry-import")
    city = small_city()
    from tests.builders import make_user

    from gongzhi.accounts.models import Unit
    from gongzhi.core.access import Role
    from gongzhi.registry.importing import import_file
    from gongzhi.registry.models import Building, Person, Residence, address_key
    from gongzhi.registry.tags import load_default_tag_types

    load_default_tag_types()
    areas = city["areas"]
    Building.objects.bulk_create([
        Building(grid=areas[g], area_path=g, name=f"{n}栋", address=building_address(g, n),
                 address_key=address_key(building_address(g, n)))
        for g in GRIDS for n in range(1, BUILDINGS_PER_GRID + 1)])
    uploader = make_user("importer", Role.COMMUNITY_WORKER, areas["430104"], unit=Unit.objects.first())
    before = rss_now_mb()
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    profiler = cProfile.Profile() if args.profile else None
    own_before = resource.getrusage(resource.RUSAGE_SELF)
    kids_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    if profiler:
        profiler.enable()
    result = import_file(path, "people", uploader, file_name="people.xlsx", workers=args.workers)
    seconds = time.perf_counter() - t
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    own_cpu = own.ru_utime + own.ru_stime - own_before.ru_utime - own_before.ru_stime
    kids_cpu = kids.ru_utime + kids.ru_stime - kids_before.ru_utime - kids_before.ru_stime
    if profiler:
        profiler.disable()
        pstats.Stats(profiler, stream=sys.stderr).sort_stats(os.environ.get("PROFILE_SORT", "tottime")).print_stats(40)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    ours = result.written / seconds
    baseline = base_rows / base_s
    p = f"registry_import.{vendor}"
    print(f"{p}.workers {args.workers} count")
    print(f"{p}.rows {result.written} rows")
    print(f"{p}.rejected {result.rejected} rows")
    print(f"{p}.file_size {os.path.getsize(path) / 2**20:.1f} MB")
    print(f"{p}.generate_seconds {generate_s:.1f} s")
    print(f"{p}.seconds {seconds:.1f} s")
    print(f"{p}.rows_per_second {ours:.0f} rows/s")
    # Where the time went: this process (it writes; on SQLite the database's work is in it too)
    # and the reading and checking processes, in CPU seconds, against the wall clock above.
    print(f"{p}.writer_cpu_seconds {own_cpu:.1f} s")
    print(f"{p}.reader_and_checkers_cpu_seconds {kids_cpu:.1f} s")
    print(f"{p}.baseline_calamine_read_rows_per_second {baseline:.0f} rows/s")
    print(f"{p}.baseline_calamine_read_peak_rss {base_rss:.0f} MB")
    print(f"{p}.ratio_to_read_baseline {ours / baseline:.3f} ratio")
    print(f"{p}.rss_before_import {before:.0f} MB")
    print(f"{p}.peak_rss_before_import {peak_before:.0f} MB")
    print(f"{p}.peak_rss {peak:.0f} MB")
    print(f"{p}.rss_after_import {rss_now_mb():.0f} MB")
    print(f"{p}.people_in_db {Person.objects.count()} count")
    print(f"{p}.current_residences {Residence.objects.filter(until__isnull=True).count()} count")
    if not args.file:
        os.remove(path)


if __name__ == "__main__":
    main()
