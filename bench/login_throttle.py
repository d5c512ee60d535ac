"""A password-guessing loop against one account through the real login page (Django's test
client in this process, the real database): how many guesses per minute are actually checked
against the password, and how many the throttle refuses.

    .venv/bin/python bench/login_throttle.py [--seconds 60]
"""

from __future__ import annotations

import argparse
import time

from _setup import setup_django, small_city


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    vendor = setup_django("login-throttle")
    city = small_city()
    from django.test import Client
    from tests.builders import make_user

    from gongzhi.accounts import throttle
    from gongzhi.core.access import Role

    make_user("target", Role.GRID_WORKER, city["areas"]["430104002014001"])
    client = Client()
    tried = checked = 0
    t = time.perf_counter()
    while time.perf_counter() - t < args.seconds:
        locked = throttle.locked_until("target", "10.0.0.1") is not None
        resp = client.post("/login/", {"username": "target", "password": f"guess-{tried}-Aa1"}, REMOTE_ADDR="10.0.0.1",
                           HTTP_HOST="127.0.0.1")
        assert resp.status_code == 200, resp.status_code  # never signed in
        tried += 1
        checked += 0 if locked else 1
    minutes = (time.perf_counter() - t) / 60
    p = f"login_throttle.{vendor}"
    print(f"{p}.attempts {tried} attempts")
    print(f"{p}.attempts_per_minute {tried / minutes:.0f} attempts/min")
    print(f"{p}.checked_against_password {checked} attempts")
    print(f"{p}.checked_per_minute {checked / minutes:.2f} attempts/min")
    print(f"{p}.refused_locked {tried - checked} attempts")
    print(f"{p}.rule {throttle.MAX_ACCOUNT_FAILURES} failures per {throttle.WINDOW.seconds // 60} min, "
          f"lock {throttle.LOCK.seconds // 60} min")


if __name__ == "__main__":
    main()
