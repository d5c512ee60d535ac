"""The three rates for one district × 12 months over generated follow-ups, at 200 k and 2 M
cases: p95 of the query the rates page runs (one GROUP BY month over the district's range).

Rows are generated inside the database (generate_series / a recursive CTE), not through the
ORM, so building 2 M cases takes a minute rather than an hour.

    DATABASE_URL=postgres://…/gongzhi_bench .venv/bin/python bench/rates.py
    .venv/bin/python bench/rates.py --sizes 200000        (SQLite)
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import datetime
from zoneinfo import ZoneInfo

from _setup import setup_django

DISTRICTS = ["430102", "430103", "430104", "430105", "430111", "430112", "430121", "430181", "430182"]


def generate(n: int, vendor: str) -> None:
    """n cases spread over 9 districts × 10 streets × 10 communities and 12 months, each followed up."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("DELETE FROM cases_followup")
        cur.execute("DELETE FROM cases_case")
        series = "generate_series(1, %s) AS g(i)" if vendor == "postgresql" else \
            "(WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < %s) SELECT i FROM s) AS g"
        ts = "timestamp '2025-12-01' + (g.i %% 365) * interval '1 day'" if vendor == "postgresql" else \
            "datetime('2025-12-01', '+' || (g.i %% 365) || ' days')"
        concat = "||"
        path = (f"(CASE g.i %% 9 {' '.join(f'WHEN {k} THEN {d!r}' for k, d in enumerate(DISTRICTS))} END)"
                f" {concat} lpad(((g.i / 9) %% 10 + 1)::text, 3, '0') {concat} lpad(((g.i / 90) %% 10 + 1)::text, 3, '0')"
                if vendor == "postgresql" else
                f"(CASE g.i % 9 {' '.join(f'WHEN {k} THEN {d!r}' for k, d in enumerate(DISTRICTS))} END)"
                f" || substr('000' || ((g.i / 9) % 10 + 1), -3) || substr('000' || ((g.i / 90) % 10 + 1), -3)")
        if vendor != "postgresql":
            ts = ts.replace("%%", "%")
        cur.execute(
            f"INSERT INTO cases_case (id, number, workflow, state, kind, title, description, channel, address, area_path,"
            f" reporter_name, reporter_phone, reporter_phone_hash, received_at, escalation_level, reminded, step_count,"
            f" version, resident_rating) SELECT g.i, 'N' {concat} g.i, 'hotline', 'closed', '投诉', '诉求', '', 'hotline', '',"
            f" {path}, '', '', '', {ts}, 0, false, 0, 0, '' FROM {series}", [n])
        cur.execute(
            "INSERT INTO cases_followup (case_id, at, valid, contacted, solved, satisfaction, area_path)"
            " SELECT id, received_at, (id % 50) <> 0, (id % 20) <> 0, (id % 5) <> 0,"
            " CASE id % 10 WHEN 0 THEN 'unsatisfied' WHEN 1 THEN 'basic' WHEN 2 THEN 'basic' ELSE 'satisfied' END,"
            " area_path FROM cases_case")
        cur.execute("ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="200000,2000000")
    parser.add_argument("--queries", type=int, default=40)
    args = parser.parse_args()
    vendor = setup_django("rates")
    from django.db.models.functions import TruncMonth

    from gongzhi.cases.metrics import three_rates_by
    from gongzhi.cases.models import FollowUp
    from gongzhi.core.paths import subtree_q

    tz = ZoneInfo("Asia/Shanghai")
    start, end = datetime(2025, 12, 1, tzinfo=tz), datetime(2026, 12, 1, tzinfo=tz)
    for n in [int(x) for x in args.sizes.split(",")]:
        t = time.perf_counter()
        generate(n, vendor)
        print(f"rates.{vendor}.{n}.generate_seconds {time.perf_counter() - t:.1f} s")
        samples = []
        for _ in range(args.queries):
            t = time.perf_counter()
            qs = FollowUp.objects.filter(subtree_q("area_path", "430104"), at__gte=start, at__lt=end)
            months = three_rates_by(qs, TruncMonth("at"))
            samples.append((time.perf_counter() - t) * 1000)
        assert len(months) == 12, months.keys()
        valid = sum(r.valid for r in months.values())
        print(f"rates.{vendor}.{n}.district_followups {valid} count")
        print(f"rates.{vendor}.{n}.p95 {statistics.quantiles(samples, n=20)[18]:.1f} ms")
        print(f"rates.{vendor}.{n}.median {statistics.median(samples):.1f} ms")


if __name__ == "__main__":
    main()
