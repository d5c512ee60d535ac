"""Possible duplicates (gongzhi.cases.duplicates.possible_duplicates): how often the case a
rewritten message repeats is the first suggestion, and how clean the top-3 list is.

    .venv/bin/python bench/insight_duplicates.py [--originals 600] [--duplicates 200] [--seed 0]
    DATABASE_URL=postgres://…/helper_bench_insight .venv/bin/python bench/insight_duplicates.py

The set (built at run time, printed with the figures; nothing is written to the repository):
- --originals real messages sampled from unlabelled_2801.xlsx (title 留言主题, body 留言详情),
  registered through do_intake as open hotline cases spread evenly over the 5 grids of the
  benchmark city (bench/_setup.small_city: 3 grids in one street, 1 in each of two others) and
  over 30 days; 60 % get a point drawn inside their grid, the rest only the grid as their area
  (so, as intake does it, no point and no grid id); no category (the same-kind term of the
  score is never used).
- for --duplicates of them a rewritten repeat, registered 0–3 days after its original in the
  same grid (a point within 150 m of the original's when it has one): the body's sentences
  (or clauses) dropped and sometimes shuffled until 50–80 % of its characters are kept, common
  words swapped for synonyms from the table below, the title shortened or reworded; one in
  five repeats is the title alone.
For each repeat, possible_duplicates(limit=3): precision@1 (its original is the first
suggestion), hit@3 (within the top 3), and the precision of the lists shown = true duplicates
among the suggestions / suggestions shown (each repeat has one true duplicate: its original;
real messages of the sample that happen to be about the same thing count as false). The
same for --controls originals without a repeat shows how many suggestions a dispatcher sees
where there is nothing to merge. All cases exist when the suggestions are asked for, so the
±7-day window also holds cases received after the repeat. The data is read from
/work/shared/data/hotline (or --data) at run time.
"""

from __future__ import annotations

import argparse
import math
import random
import re
import statistics
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from _setup import setup_django, small_city

DATA = Path("/work/shared/data/hotline")
DAYS = 30
POINT_SHARE = 0.6
TITLE_ONLY_SHARE = 0.2
NEAR_METRES = 150.0
GRID_SIZE = 0.01  # the fixture grids are 0.01° squares
START = datetime(2026, 3, 2, 8, 0, tzinfo=ZoneInfo("Asia/Shanghai"))

SYNONYMS = [
    ("投诉", "反映"), ("小区", "社区"), ("严重", "十分"), ("希望", "请求"), ("尽快", "尽早"), ("解决", "处理"),
    ("居民", "住户"), ("影响", "干扰"), ("噪音", "噪声"), ("附近", "周边"), ("每天", "天天"), ("导致", "造成"),
    ("现在", "目前"), ("非常", "特别"), ("业主", "房主"), ("马路", "道路"), ("领导", "部门"), ("没有", "未"),
    ("已经", "早已"), ("孩子", "小孩"), ("问题", "情况"), ("要求", "请求"), ("经常", "常常"), ("老百姓", "群众"),
    ("相关部门", "有关部门"), ("整改", "整治"), ("多次", "屡次"), ("如何", "怎么"), ("为什么", "为何"),
]
_SWAP: dict[str, str] = {}
for _a, _b in SYNONYMS:
    _SWAP.setdefault(_a, _b)
    _SWAP.setdefault(_b, _a)
_WORDS = re.compile("|".join(sorted(map(re.escape, _SWAP), key=len, reverse=True)))
_SENTENCE = re.compile(r"(?<=[。！？!?；;])")
_CLAUSE = re.compile(r"(?<=[，,、])")
PREFIXES = ["再次反映", "反映", "投诉", "关于", "请求处理", "紧急求助：", "强烈要求解决"]
SUFFIXES = ["问题", "的问题", "，望尽快解决", "，无人处理", "，请相关部门处理", "!!"]


@dataclass
class Rewrite:
    title: str
    body: str
    kept: float  # share of the body's characters kept
    swaps: int
    how: str


def swap_words(text: str, rng: random.Random, p: float = 0.6) -> tuple[str, int]:
    count = 0

    def one(m: re.Match[str]) -> str:
        nonlocal count
        if rng.random() < p:
            count += 1
            return _SWAP[m.group(0)]
        return m.group(0)

    return _WORDS.sub(one, text), count


def cut(body: str, rng: random.Random) -> tuple[str, float]:
    """50–80 % of the body's characters: sentences (clauses when there are too few) dropped,
    sometimes shuffled; a long last piece is truncated."""
    total = len(body)
    target = rng.uniform(0.5, 0.8) * total
    pieces = [s for s in _SENTENCE.split(body) if s.strip()]
    if len(pieces) < 3:
        pieces = [s for s in _CLAUSE.split(body) if s.strip()]
    order = list(range(len(pieces)))
    rng.shuffle(order)
    kept = set(order)
    length = total
    for i in order:
        if length - len(pieces[i]) >= target:
            kept.discard(i)
            length -= len(pieces[i])
    chosen = [pieces[i] for i in sorted(kept)]
    if len(chosen) > 1 and rng.random() < 0.5:
        rng.shuffle(chosen)
    out = "".join(chosen)
    if len(out) > 0.8 * total:  # a piece too long to drop: keep its start
        out = out[:int(target)]
    return out, len(out) / total if total else 0.0


def reword_title(title: str, rng: random.Random) -> tuple[str, str]:
    t = title
    how = rng.choice(["shorten", "reword", "both"])
    if how in ("shorten", "both"):
        t = re.sub(r"^(?:关于|投诉|反映|举报|请问|建议)", "", t)
        t = re.sub(r"^A市", "", t) if rng.random() < 0.5 else t
        t = re.sub(r"(?:的问题|问题|的情况)$", "", t)
        if len(t) > 8:
            keep = max(6, int(len(t) * rng.uniform(0.6, 0.9)))
            start = rng.randint(0, len(t) - keep) if rng.random() < 0.5 else 0
            t = t[start:start + keep]
    if how in ("reword", "both"):
        t = rng.choice(PREFIXES) + t if rng.random() < 0.6 else t
        t = t + rng.choice(SUFFIXES) if rng.random() < 0.5 else t
    return t, how


def rewrite(title: str, body: str, rng: random.Random) -> Rewrite:
    new_title, how = reword_title(title, rng)
    new_title, s1 = swap_words(new_title, rng)
    if rng.random() < TITLE_ONLY_SHARE or not body:
        return Rewrite(new_title or title, "", 0.0, s1, f"title only, title {how}")
    new_body, kept = cut(body, rng)
    new_body, s2 = swap_words(new_body, rng)
    return Rewrite(new_title or title, new_body, kept, s1 + s2, f"body {kept:.0%}, title {how}")


def grids() -> list[tuple[Any, tuple[float, float]]]:
    """The fixture city's grids and the south-west corner of each square."""
    from tests.builders import TREE, grid_square_origin

    from gongzhi.areas.models import Area, Level

    paths = [p for p, _name, level in TREE if level == Level.GRID]
    return [(Area.objects.get(path=p), grid_square_origin(i)) for i, p in enumerate(paths)]


def inside(corner: tuple[float, float], rng: random.Random) -> tuple[float, float]:
    m = 0.0005
    return (corner[0] + rng.uniform(m, GRID_SIZE - m), corner[1] + rng.uniform(m, GRID_SIZE - m))


def near(point: tuple[float, float], corner: tuple[float, float], rng: random.Random) -> tuple[float, float]:
    r, a = rng.uniform(0, NEAR_METRES), rng.uniform(0, 2 * math.pi)
    lon = point[0] + r * math.cos(a) / (111_320 * math.cos(math.radians(point[1])))
    lat = point[1] + r * math.sin(a) / 111_320
    m = 0.0002
    return (min(max(lon, corner[0] + m), corner[0] + GRID_SIZE - m),
            min(max(lat, corner[1] + m), corner[1] + GRID_SIZE - m))


def intake(key: str, title: str, body: str, at: datetime, grid: Any, point: tuple[float, float] | None) -> Any:
    from gongzhi.cases.services import do_intake

    where: dict[str, Any] = {"lon": point[0], "lat": point[1]} if point else {"area": grid}
    case = do_intake(workflow="hotline", channel="hotline", title=title[:200], description=body[:5000],
                     reporter_phone="13800138000", client_key=key, now=at, **where).case
    assert case.area_path == grid.path, (case.area_path, grid.path)
    return case


def share(part: float, whole: float) -> float:
    return part / whole if whole else 0.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--originals", type=int, default=600)
    parser.add_argument("--duplicates", type=int, default=200)
    parser.add_argument("--controls", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--examples", type=int, default=4)
    args = parser.parse_args()
    vendor = setup_django("insight-duplicates")
    small_city()
    from gongzhi.cases.duplicates import WINDOW, possible_duplicates
    from gongzhi.cases.models import Case
    from gongzhi.core.paths import subtree_q
    from gongzhi.insight.datasets import from_file

    rng = random.Random(args.seed)
    source = from_file(args.data / "unlabelled_2801.xlsx", label_column=None, text_columns=["留言主题", "留言详情"])
    docs = [d for d in source.docs if d[0]]
    sample = rng.sample(docs, args.originals)
    city = grids()
    t = time.perf_counter()
    originals = []
    for i, (title, body) in enumerate(sample):
        grid, corner = city[i % len(city)]
        at = START + timedelta(seconds=rng.uniform(0, DAYS * 86400))
        point = inside(corner, rng) if rng.random() < POINT_SHARE else None
        originals.append((intake(f"orig-{i}", title, body, at, grid, point), grid, corner, point))
    picked = rng.sample(range(len(originals)), args.duplicates)
    pairs = []
    rewrites = []
    for n, i in enumerate(picked):
        case, grid, corner, point = originals[i]
        rw = rewrite(case.title, case.description, rng)
        at = case.received_at + timedelta(seconds=rng.uniform(0, 3 * 86400))
        dup_point = near(point, corner, rng) if point else None
        pairs.append((intake(f"dup-{n}", rw.title, rw.body, at, grid, dup_point), case))
        rewrites.append(rw)
    build_seconds = time.perf_counter() - t
    dup_ids = set(picked)
    controls = [originals[i][0] for i in rng.sample([i for i in range(len(originals)) if i not in dup_ids],
                                                    min(args.controls, len(originals) - len(dup_ids)))]

    p = f"insight_duplicates.{vendor}"
    print(f"{p}.originals {len(originals)} cases (sampled from {len(docs)} messages with a title, seed {args.seed})")
    print(f"{p}.duplicates {len(pairs)} cases")
    print(f"{p}.grids {len(city)} grids in {len({g.path[:9] for g, _c in city})} streets")
    print(f"{p}.days {DAYS} days")
    print(f"{p}.originals_with_point {share(sum(o[3] is not None for o in originals), len(originals)):.4f} ratio")
    print(f"{p}.duplicates_title_only {share(sum(not r.body for r in rewrites), len(rewrites)):.4f} ratio")
    with_body = [r.kept for r in rewrites if r.body]
    print(f"{p}.duplicates_body_kept_mean {statistics.mean(with_body):.4f} ratio")
    print(f"{p}.duplicates_synonym_swaps_mean {statistics.mean(r.swaps for r in rewrites):.2f} words")
    print(f"{p}.build_seconds {build_seconds:.1f} s")
    for rw, (dup, orig) in list(zip(rewrites, pairs, strict=True))[:args.examples]:
        print(f"# example ({rw.how}): {orig.title} → {dup.title}")
        if dup.description:
            print(f"#   body: {orig.description[:60]}… → {dup.description[:60]}…")

    top1 = hit3 = shown = right = empty = 0
    calls: list[float] = []
    pools: list[int] = []
    by_kind: dict[str, list[int]] = {"title_only": [], "with_body": [], "with_point": [], "no_point": []}
    rank_scores: list[float] = []
    for rw, (dup, orig) in zip(rewrites, pairs, strict=True):
        t = time.perf_counter()
        found = possible_duplicates(dup, limit=3)
        calls.append((time.perf_counter() - t) * 1000)
        pools.append(Case.objects.filter(
            subtree_q("area_path", dup.area_path[:9]), merged_into__isnull=True, closed_at__isnull=True,
            received_at__gte=dup.received_at - WINDOW, received_at__lte=dup.received_at + WINDOW)
            .exclude(pk=dup.pk).count())
        ids = [c.case.pk for c in found]
        first = int(bool(ids) and ids[0] == orig.pk)
        top1 += first
        hit3 += int(orig.pk in ids)
        shown += len(ids)
        right += int(orig.pk in ids)
        empty += int(not ids)
        by_kind["title_only" if not rw.body else "with_body"].append(first)
        by_kind["with_point" if dup.lon is not None else "no_point"].append(first)
        rank_scores.extend(c.score for c in found if c.case.pk == orig.pk)
    n = len(pairs)
    print(f"{p}.precision_at_1 {share(top1, n):.4f} ratio")
    print(f"{p}.hit_at_3 {share(hit3, n):.4f} ratio")
    print(f"{p}.top3_precision {share(right, shown):.4f} ratio")
    print(f"{p}.suggestions_shown_mean {share(shown, n):.2f} per case")
    print(f"{p}.no_suggestion {share(empty, n):.4f} ratio")
    for kind, hits in by_kind.items():
        print(f"{p}.precision_at_1.{kind} {share(sum(hits), len(hits)):.4f} ratio (n={len(hits)})")
    if rank_scores:
        print(f"{p}.true_match_score_median {statistics.median(rank_scores):.3f} score")
    ctrl_shown = ctrl_any = 0
    for case in controls:
        found = possible_duplicates(case, limit=3)
        ctrl_shown += len(found)
        ctrl_any += int(bool(found))
    print(f"{p}.controls {len(controls)} cases")
    print(f"{p}.controls_suggestions_mean {share(ctrl_shown, len(controls)):.2f} per case")
    print(f"{p}.controls_with_any_suggestion {share(ctrl_any, len(controls)):.4f} ratio")
    print(f"{p}.call_median {statistics.median(calls):.1f} ms")
    print(f"{p}.call_p95 {statistics.quantiles(calls, n=20)[18]:.1f} ms")
    print(f"{p}.pool_median {statistics.median(pools):.0f} cases")
    print(f"{p}.pool_max {max(pools)} cases (possible_duplicates scores at most 500)")


if __name__ == "__main__":
    main()
