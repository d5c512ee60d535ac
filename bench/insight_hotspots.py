"""热点 grouping (gongzhi.insight.hotspots.group) on the 4,326 messages with votes of
messages_with_votes_fujian3.xlsx: how long one grouping takes, how many groups it finds, and
the five hottest.

    .venv/bin/python bench/insight_hotspots.py [--runs 3] [--top 5]

Each row becomes a hotspots.Message (key 留言编号, title 留言主题, body 留言详情, time 留言时间
read with datasets.when — the file mixes text stamps, dates and datetimes —, support 点赞数);
``now`` is the latest message's time, so the heat's recency term is measured from the end of
the export. Prints `name value unit` lines (seconds is the median of --runs), then a table of
the top groups. No database rows are written (Django is set up for the time zone only). The
data is read from /work/shared/data/hotline (or --data) at run time.
"""

from __future__ import annotations

import argparse
import statistics
import time
import unicodedata
from pathlib import Path
from typing import Any

from _setup import setup_django

DATA = Path("/work/shared/data/hotline")
FILE = "messages_with_votes_fujian3.xlsx"


def width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def pad(s: str, n: int) -> str:
    while width(s) > n:
        s = s[:-1]
    return s + " " * (n - width(s))


def number(value: Any) -> int:
    try:
        return int(float(value or 0))
    except (TypeError, ValueError):
        return 0


def read(path: Path) -> tuple[list[Any], int]:
    from gongzhi.insight.datasets import when
    from gongzhi.insight.hotspots import Message
    from gongzhi.insight.text import clean
    from gongzhi.registry.importing import LedgerFile, text

    source = LedgerFile(path)
    out, skipped = [], 0
    for _n, row in source.rows():
        cell = dict(zip(source.headers, row, strict=False))
        at = when(cell.get("留言时间"))
        title, body = clean(text(cell.get("留言主题"))), clean(text(cell.get("留言详情")))
        if at is None or not (title or body):
            skipped += 1
            continue
        out.append(Message(key=text(cell.get("留言编号")), title=title, body=body, at=at,
                           support=number(cell.get("点赞数"))))
    return out, skipped


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--top", type=int, default=5)
    args = parser.parse_args()
    setup_django("insight-hotspots")
    from gongzhi.insight import hotspots

    t = time.perf_counter()
    messages, skipped = read(args.data / FILE)
    read_seconds = time.perf_counter() - t
    now = max(m.at for m in messages)
    seconds = []
    for _ in range(args.runs):
        t = time.perf_counter()
        groups = hotspots.group(messages, now=now)
        seconds.append(time.perf_counter() - t)
    p = "insight_hotspots"
    print(f"{p}.messages {len(messages)} messages")
    print(f"{p}.skipped {skipped} rows")
    print(f"{p}.read_seconds {read_seconds:.2f} s")
    print(f"{p}.now {now:%Y-%m-%d %H:%M} time")
    print(f"{p}.group_seconds {statistics.median(seconds):.2f} s")
    print(f"{p}.group_seconds_min {min(seconds):.2f} s")
    print(f"{p}.groups {len(groups)} groups")
    grouped = sum(g.count for g in groups)
    print(f"{p}.messages_in_groups {grouped} messages")
    print(f"{p}.messages_in_groups_share {grouped / len(messages):.4f} ratio")
    print(f"{p}.largest_group {max((g.count for g in groups), default=0)} messages")
    for rank, g in enumerate(groups[:args.top], 1):
        q = f"{p}.top{rank}"
        print(f"{q}.heat {g.heat:.2f} score")
        print(f"{q}.messages {g.count} messages")
        print(f"{q}.support {g.support} votes")
        print(f"{q}.place {g.place or '-'} name")
        print(f"{q}.title {g.title} text")
        print(f"{q}.first {g.first_at:%Y-%m-%d} date")
        print(f"{q}.last {g.last_at:%Y-%m-%d} date")
    print()
    print(f"{pad('#', 3)} {pad('heat', 7)} {pad('msgs', 5)} {pad('votes', 6)} {pad('place', 20)} "
          f"{pad('first', 10)} {pad('last', 10)}  title")
    for rank, g in enumerate(groups[:args.top], 1):
        print(f"{pad(str(rank), 3)} {g.heat:7.2f} {g.count:5d} {g.support:6d} {pad(g.place or '-', 20)} "
              f"{g.first_at:%Y-%m-%d} {g.last_at:%Y-%m-%d}  {g.title}")


if __name__ == "__main__":
    main()
