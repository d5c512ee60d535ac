"""Reading a generated people ledger (xlsx, 15 columns) row by row with the streaming reader
``gongzhi.registry.xlsx_rows`` against python-calamine (which loads the whole sheet first):
rows/s and peak RSS growth of each, on

* a 1,000,000-row file written by xlsxwriter in constant_memory mode (inline strings),
* a 100,000-row file in constant_memory mode and one in normal mode (shared strings),
* with ``--shared-rows N``, an N-row normal-mode file as well (what Excel and WPS save:
  shared strings; xlsxwriter needs a few GB and minutes to write 1,000,000 rows this way).

    .venv/bin/python bench/xlsx_rows.py [--rows 1000000] [--small-rows 100000] [--shared-rows 0]
    .venv/bin/python bench/xlsx_rows.py --dir /tmp/xlsx-bench   # keep the files and reuse them

Every file is written by a child process and every read runs in its own (spawned) child, so
each peak RSS is that reader's own; growth is the peak minus the child's RSS before reading.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

from _setup import ROOT

HEADERS = ["姓名", "身份证号", "联系电话", "性别", "民族", "人口类型", "户籍地址", "所属网格", "楼栋地址", "单元", "房号",
           "户号", "与户主关系", "入住日期", "出生日期"]
GRIDS = ["430104002014001", "430104002014002", "430104002001001", "430104001001001"]
BUILDINGS_PER_GRID = 50


def write_file(path: str, rows: int, constant_memory: bool) -> None:
    """The people ledger of bench/registry_import.py plus a 15th column, 出生日期, as a real
    Excel date (a number with a date format), so the date path is measured too."""
    sys.path.insert(0, str(ROOT / "src"))
    import xlsxwriter

    from gongzhi.demo.people import RELATION_LABELS, RESIDENCY_LABELS, PeopleGenerator

    book = xlsxwriter.Workbook(path, {"constant_memory": constant_memory})
    sheet = book.add_worksheet("实有人口")
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, HEADERS)
    gen = PeopleGenerator(4301)
    row = households = 0
    while row < rows:
        family = gen.household()
        households += 1
        grid = GRIDS[households % len(GRIDS)]
        building = f"{grid[-6:]}号小区{households // len(GRIDS) % BUILDINGS_PER_GRID + 1}栋"
        room = str(households // (len(GRIDS) * BUILDINGS_PER_GRID) + 101)
        for p in family[: rows - row]:
            row += 1
            sheet.write_row(row, 0, [p.name, p.id_number, p.phone, p.gender_label, p.ethnicity,
                                     RESIDENCY_LABELS[p.residency], p.registered_address, grid, building,
                                     "1", room, p.household_number, RELATION_LABELS[p.relation], "2024-03-01"])
            sheet.write_datetime(row, 14, p.birth_date, day)
    book.close()


def rss_now_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def read(reader: str, path: str) -> tuple[int, int, float, float, float]:
    """(rows, cells, seconds, RSS before reading, peak RSS) for one reader in this process."""
    sys.path.insert(0, str(ROOT / "src"))
    import python_calamine

    from gongzhi.registry.xlsx_rows import iter_xlsx_rows

    before = rss_now_mb()
    t = time.perf_counter()
    n = cells = 0
    if reader == "calamine":
        rows = python_calamine.CalamineWorkbook.from_path(path).get_sheet_by_index(0).iter_rows()
    else:
        rows = iter_xlsx_rows(path)
    for row in rows:
        n += 1
        cells += len(row)
    return n, cells, time.perf_counter() - t, before, peak_mb()


def check_same(path: str, limit: int) -> int:
    """Rows among the first ``limit`` where the two readers disagree (empty = '' = None)."""
    sys.path.insert(0, str(ROOT / "src"))
    import itertools

    import python_calamine

    from gongzhi.registry.xlsx_rows import iter_xlsx_rows

    def norm(row: list[object]) -> list[object]:
        out = [None if v == "" else v for v in row]
        while out and out[-1] is None:
            out.pop()
        return out

    theirs = python_calamine.CalamineWorkbook.from_path(path).get_sheet_by_index(0).iter_rows()
    ours = iter_xlsx_rows(path)
    return sum(1 for a, b in itertools.islice(itertools.zip_longest(theirs, ours, fillvalue=[]), limit)
               if norm(a) != norm(b))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--small-rows", type=int, default=100_000)
    parser.add_argument("--shared-rows", type=int, default=0, help="also an N-row shared-strings (normal mode) file")
    parser.add_argument("--dir", help="keep the generated files here and reuse them when they exist")
    parser.add_argument("--repeat", type=int, default=1, help="read each file this many times per reader, keep the best")
    args = parser.parse_args()
    folder = Path(args.dir or tempfile.mkdtemp(prefix="gongzhi-xlsx-rows-"))
    folder.mkdir(parents=True, exist_ok=True)
    files = [(f"inline_{args.rows}", args.rows, True), (f"inline_{args.small_rows}", args.small_rows, True),
             (f"shared_{args.small_rows}", args.small_rows, False)]
    if args.shared_rows:
        files.append((f"shared_{args.shared_rows}", args.shared_rows, False))
    ctx = multiprocessing.get_context("spawn")
    for name, rows, constant_memory in files:
        path = str(folder / f"people_{name}.xlsx")
        p = f"xlsx_rows.{name}"
        if not os.path.exists(path):
            t = time.perf_counter()
            with ctx.Pool(1) as pool:
                pool.apply(write_file, (path, rows, constant_memory))
            print(f"{p}.generate_seconds {time.perf_counter() - t:.1f} s")
        print(f"{p}.file_size {os.path.getsize(path) / 2**20:.1f} MB")
        rates = {}
        for reader in ("calamine", "streaming"):
            best: tuple[int, int, float, float, float] | None = None
            for _ in range(args.repeat):
                with ctx.Pool(1) as pool:
                    got = pool.apply(read, (reader, path))
                if best is None or got[2] < best[2]:
                    best = got
            assert best is not None
            n, cells, seconds, before, peak = best
            rates[reader] = n / seconds
            print(f"{p}.{reader}.rows {n} rows")
            print(f"{p}.{reader}.cells {cells} cells")
            print(f"{p}.{reader}.seconds {seconds:.2f} s")
            print(f"{p}.{reader}.rows_per_second {n / seconds:.0f} rows/s")
            print(f"{p}.{reader}.rss_before {before:.0f} MB")
            print(f"{p}.{reader}.peak_rss {peak:.0f} MB")
            print(f"{p}.{reader}.peak_rss_growth {peak - before:.0f} MB")
        print(f"{p}.ratio_streaming_to_calamine {rates['streaming'] / rates['calamine']:.2f} ratio")
        with ctx.Pool(1) as pool:
            print(f"{p}.rows_differing_first_{args.small_rows} {pool.apply(check_same, (path, args.small_rows))} rows")
        if not args.dir:
            os.remove(path)


if __name__ == "__main__":
    main()
