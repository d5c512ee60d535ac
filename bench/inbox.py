"""Inbox page p95 under 20 concurrent users: gunicorn (2 processes × 10 threads) serving
`/cases/` to 20 signed-in clients at once, with a few hundred open cases in their area.

    .venv/bin/python bench/inbox.py [--cases 600] [--users 20] [--requests 15]
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
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
    server = start_server(port)
    wait_up(port)
    base = f"http://127.0.0.1:{port}"
    openers = [login(base, "dispatcher", PASSWORD) for _ in range(args.users)]
    rows = openers[0].open(f"{base}/cases/").read().decode().count('data-light="')
    samples: list[float] = []
    lock = threading.Lock()

    def user(opener: urllib.request.OpenerDirector) -> None:
        for _ in range(args.requests):
            t = time.perf_counter()
            opener.open(f"{base}/cases/").read()
            with lock:
                samples.append((time.perf_counter() - t) * 1000)

    threads = [threading.Thread(target=user, args=(o,)) for o in openers]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    server.terminate()
    server.wait()
    print(f"inbox.{vendor}.rows_per_page {rows} count")
    print(f"inbox.{vendor}.concurrent_users {args.users} count")
    print(f"inbox.{vendor}.requests {len(samples)} count")
    print(f"inbox.{vendor}.p95 {statistics.quantiles(samples, n=20)[18]:.0f} ms")
    print(f"inbox.{vendor}.median {statistics.median(samples):.0f} ms")
    print(f"inbox.{vendor}.throughput {len(samples) / elapsed:.1f} pages/s")


if __name__ == "__main__":
    main()
