"""Inbox page p95 under 20 concurrent users: gunicorn (4 processes × 1 thread by default) serving
`/cases/` to 20 signed-in clients at once, with a few hundred open cases in their area.

Three runs: one user alone; 20 users asking back to back with no pause (a stress test: 20
requests always in flight on 2 cores, the load generator's own threads included); 20 users who
look at each page for about ``--think`` seconds before the next (still far busier than people).

    .venv/bin/python bench/inbox.py [--cases 600] [--users 20] [--requests 15] [--think 1]
"""

from __future__ import annotations

import argparse
import http.client
import http.cookiejar
import os
import random
import re
import statistics
import threading
import time
import urllib.parse
import urllib.request

from _setup import setup_django, small_city
from fault_intake import free_port, start_server, wait_up


def login(base: str, username: str, password: str) -> urllib.request.OpenerDirector:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    data = urllib.parse.urlencode({"username": username, "password": password, "csrfmiddlewaretoken": token}).encode()
    opener.open(urllib.request.Request(f"{base}/login/", data=data, headers={"Referer": f"{base}/login/"}))
    return opener


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=600)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--requests", type=int, default=15, help="per user")
    parser.add_argument("--think", type=float, default=1.0, help="seconds between pages in the paced run")
    # Processes, not threads: a page is CPU-bound Python, and 10 threads sharing one GIL made a
    # 20-user p95 about twice as long as 4 single-threaded processes on 2 cores (measured).
    parser.add_argument("--workers", type=int, default=4, help="gunicorn processes")
    parser.add_argument("--threads", type=int, default=1, help="threads per gunicorn process")
    args = parser.parse_args()
    vendor = setup_django("inbox")
    small_city()
    from django.db import connection
    from tests.builders import PASSWORD

    from gongzhi.cases.models import Category
    from gongzhi.cases.services import do_intake

    lights = Category.objects.get(code="street-lights")
    for i in range(args.cases):
        do_intake(workflow="hotline", channel="hotline", title=f"路灯不亮 {i}", category=lights,
                  lon=112.905 + (i % 3) * 0.01, lat=28.205)
    connection.close()
    os.environ["GONGZHI_DEBUG"] = "0"
    port = free_port()
    server = start_server(port, args.workers, args.threads)
    wait_up(port)
    base = f"http://127.0.0.1:{port}"
    openers = [login(base, "dispatcher", PASSWORD) for _ in range(args.users)]
    rows = openers[0].open(f"{base}/cases/").read().decode().count('data-light="')
    cookies = [session_cookie(o) for o in openers]
    alone = load(port, cookies[:1], args.requests * 2, think=0.0)
    closed = load(port, cookies, args.requests, think=0.0)
    paced = load(port, cookies, args.requests, think=args.think)
    # The floor: Django's own login page (a template, no queries of ours) under the same loads.
    floor_alone = load(port, [""], args.requests * 2, think=0.0, url="/login/")
    floor_closed = load(port, [""] * args.users, args.requests, think=0.0, url="/login/")
    floor_paced = load(port, [""] * args.users, args.requests, think=args.think, url="/login/")
    server.terminate()
    server.wait()
    print(f"inbox.{vendor}.rows_per_page {rows} count")
    print(f"inbox.{vendor}.one_user_median {statistics.median(alone[0]):.1f} ms")
    print(f"inbox.{vendor}.floor_login_page.one_user_median {statistics.median(floor_alone[0]):.1f} ms")
    for name, (samples, elapsed), (floor, _f) in (("no_think", closed, floor_closed),
                                                  (f"think_{args.think:g}s", paced, floor_paced)):
        p95 = statistics.quantiles(samples, n=20)[18]
        floor_p95 = statistics.quantiles(floor, n=20)[18]
        print(f"inbox.{vendor}.{name}.floor_login_page.p95 {floor_p95:.0f} ms")
        print(f"inbox.{vendor}.{name}.p95_ratio_to_floor {p95 / floor_p95:.2f} ratio")
        print(f"inbox.{vendor}.{name}.concurrent_users {args.users} count")
        print(f"inbox.{vendor}.{name}.requests {len(samples)} count")
        print(f"inbox.{vendor}.{name}.p95 {statistics.quantiles(samples, n=20)[18]:.0f} ms")
        print(f"inbox.{vendor}.{name}.median {statistics.median(samples):.0f} ms")
        print(f"inbox.{vendor}.{name}.throughput {len(samples) / elapsed:.1f} pages/s")


def session_cookie(opener: urllib.request.OpenerDirector) -> str:
    jar = next(h.cookiejar for h in opener.handlers if isinstance(h, urllib.request.HTTPCookieProcessor))
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def load(port: int, cookies: list[str], requests: int, think: float, url: str = "/cases/") -> tuple[list[float], float]:
    """Each user on its own kept-alive connection, like a browser; ``think`` seconds between
    a page arriving and the user asking for the next one."""
    samples: list[float] = []
    lock = threading.Lock()

    def user(cookie: str) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for _ in range(requests):
            t = time.perf_counter()
            conn.request("GET", url, headers={"Cookie": cookie} if cookie else {})
            resp = conn.getresponse()
            resp.read()
            if resp.status != 200:
                raise SystemExit(f"inbox answered {resp.status}")
            with lock:
                samples.append((time.perf_counter() - t) * 1000)
            if think:
                time.sleep(think * random.uniform(0.5, 1.5))
        conn.close()

    threads = [threading.Thread(target=user, args=(c,)) for c in cookies]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return samples, time.perf_counter() - started


if __name__ == "__main__":
    main()
