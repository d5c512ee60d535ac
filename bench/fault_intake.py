"""Kill -9 the server while clients submit cases with client keys and retry: afterwards every
acknowledged case must exist exactly once. Prints the counts.

    .venv/bin/python bench/fault_intake.py [--clients 8] [--cases 60] [--kills 2]
    DATABASE_URL=postgres://…/gongzhi_bench .venv/bin/python bench/fault_intake.py
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter

from _server import free_port, start_server, wait_up
from _setup import setup_django, small_city


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--cases", type=int, default=60, help="cases per client")
    parser.add_argument("--kills", type=int, default=2)
    args = parser.parse_args()
    vendor = setup_django("fault")
    world = small_city()
    from gongzhi.accounts.tokens import create_token

    _t, key = create_token(world["dispatcher"], "fault-bench")
    from django.db import connection

    connection.close()
    port = free_port()
    server = start_server(port)
    wait_up(port)
    acknowledged: list[str] = []
    retries = Counter()
    lock = threading.Lock()

    def client(c: int) -> None:
        for i in range(args.cases):
            body = json.dumps({"title": f"故障测试 {c}-{i}", "area": "430104002014", "client_key": f"fault-{c}-{i}"}).encode()
            while True:
                req = urllib.request.Request(f"http://127.0.0.1:{port}/api/cases", data=body, method="POST",
                                             headers={"Content-Type": "application/json", "Authorization": f"Bearer {key}"})
                try:
                    with urllib.request.urlopen(req, timeout=5) as resp:
                        if resp.status in (200, 201):
                            with lock:
                                acknowledged.append(f"fault-{c}-{i}")
                            break
                except urllib.error.HTTPError as exc:
                    if exc.code < 500:  # a refusal is an answer, not a fault: report it and stop
                        print(f"request refused: {exc.code} {exc.read()[:300]!r}", file=sys.stderr)
                        return
                    with lock:
                        retries[f"http_{exc.code}"] += 1
                    time.sleep(0.1)
                except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
                    kind = type(getattr(exc, "reason", exc)).__name__
                    with lock:
                        retries[kind] += 1
                    time.sleep(0.1)

    threads = [threading.Thread(target=client, args=(c,)) for c in range(args.clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for _kill in range(args.kills):
        time.sleep(1.5)
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()
        time.sleep(0.5)
        server = start_server(port)
        wait_up(port)
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    os.killpg(server.pid, signal.SIGTERM)
    server.wait()

    from gongzhi.cases.models import Case

    stored = Counter(Case.objects.filter(client_key__startswith="fault-").values_list("client_key", flat=True))
    lost = [k for k in acknowledged if stored[k] == 0]
    print(f"fault.{vendor}.kills {args.kills} count")
    print(f"fault.{vendor}.acknowledged {len(acknowledged)} cases")
    print(f"fault.{vendor}.stored {sum(stored.values())} cases")
    print(f"fault.{vendor}.lost {len(lost)} cases")
    print(f"fault.{vendor}.duplicated {sum(n - 1 for n in stored.values() if n > 1)} cases")
    print(f"fault.{vendor}.retries {sum(retries.values())} count")
    for kind, n in sorted(retries.items()):
        print(f"fault.{vendor}.retries_{kind} {n} count")
    print(f"fault.{vendor}.seconds {elapsed:.1f} s")


if __name__ == "__main__":
    main()
