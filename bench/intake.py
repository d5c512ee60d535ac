"""Intake throughput through the real service path — validation, point → grid, deadline on the
working calendar, audit event, Step — with 2 worker processes, against a bare
`Case.objects.create` of the same row, in one run.

    .venv/bin/python bench/intake.py [--cases 2000]
    DATABASE_URL=postgres://…/gongzhi_bench .venv/bin/python bench/intake.py
"""

from __future__ import annotations

import argparse
import itertools
import multiprocessing
import os
import time

from _setup import setup_django, small_city

POINT = (112.905, 28.205)  # inside the fixture city's first grid


def worker(args: tuple[str, int, int, str]) -> float:
    env_url, start, count, mode = args
    os.environ["DATABASE_URL"] = env_url
    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone

    from gongzhi.cases.models import Case, Category
    from gongzhi.cases.services import do_intake

    lights = Category.objects.get(code="street-lights")
    t = time.perf_counter()
    for i in range(start, start + count):
        if mode == "service":
            do_intake(workflow="hotline", channel="api", title=f"路灯不亮 {i}", description="麓山南路路灯一周不亮",
                      category=lights, lon=POINT[0], lat=POINT[1], reporter_phone="13800138000",
                      client_key=f"bench-{mode}-{i}")
        else:
            Case.objects.create(number=f"B{i:012d}", workflow="hotline", state="received", title=f"路灯不亮 {i}",
                                description="麓山南路路灯一周不亮", category=lights, channel="api", lon=POINT[0],
                                lat=POINT[1], area_path="430104002014001", received_at=timezone.now(),
                                client_key=f"bench-{mode}-{i}")
    elapsed = time.perf_counter() - t
    connection.close()
    return elapsed


ROUNDS = itertools.count()  # every round writes its own client keys


def run(url: str, mode: str, total: int, workers: int) -> float:
    """Cases per second while the workers write (process start-up excluded)."""
    per = total // workers
    offset = next(ROUNDS) * total
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(workers) as pool:
        elapsed = pool.map(worker, [(url, offset + w * per, per, mode) for w in range(workers)])
    return per * workers / max(elapsed)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    vendor = setup_django("intake")
    small_city()
    from django.db import connection

    from gongzhi.cases.models import Case, Step
    from gongzhi.core.audit import verify_chain

    connection.close()
    url = os.environ["DATABASE_URL"]
    rates: dict[str, list[float]] = {"service": [], "bare": []}
    for _round in range(3):  # interleaved, medians reported
        for mode in ("service", "bare"):
            rates[mode].append(run(url, mode, args.cases // 3, args.workers))
    ours, bare = sorted(rates["service"])[1], sorted(rates["bare"])[1]
    print(f"intake.{vendor}.workers {args.workers} count")
    print(f"intake.{vendor}.service_cases_per_second {ours:.0f} cases/s")
    print(f"intake.{vendor}.bare_create_per_second {bare:.0f} cases/s")
    print(f"intake.{vendor}.ratio_to_bare {ours / bare:.2f} ratio")
    report = verify_chain()
    print(f"intake.{vendor}.cases_registered {Case.objects.filter(channel='api').count()} count")
    print(f"intake.{vendor}.steps {Step.objects.count()} count")
    print(f"intake.{vendor}.audit_chain_ok {int(report.ok)} bool")


if __name__ == "__main__":
    main()
