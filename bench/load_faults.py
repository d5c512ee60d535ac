"""Load with faults: ``--clients`` concurrent clients for ``--seconds`` mixing intake, transitions
and page views against gunicorn, while the whole server (master and workers) is killed with
SIGKILL and restarted ``--kills`` times (evenly spread: at 1/3 and 2/3 of the run by default).

Clients play three roles, each with its own user, API key and signed-in session:
street dispatchers (intake with a client key; 派单), department handlers (签收, 回复 on cases sent
to their department) and centre supervisors (审核, 回访, 办结, now and then 督办). Every role also
looks at pages (home, 待办, a case, 督办, 三率, the area map) through a session signed in at /login/.

Retries: a connection error, a timeout or a 5xx is retried with the same request until answered
(and until the run's end plus ``--grace``). An intake is safe to retry through its client key.
A transition is sent with ``expected_version``: a retry whose original was applied gets 409, and
the client then reads the case back and looks for its own step (each transition's note carries
a unique token) — found, the transition is acknowledged; not found, it was a real conflict (someone
else moved the case first). A 409 is therefore the "conflict" kind, never a loss.

Afterwards, in the database: every acknowledged case exists exactly once with the number the
client was given; every acknowledged transition is there as exactly one Step; every case's steps
are numbered 1..n with n = step_count = version + 1; one case.* audit event per step; the audit
chain verifies.

    .venv/bin/python bench/load_faults.py [--clients 50] [--seconds 300] [--kills 2]
                                          [--workers 4] [--threads 4] [--think 1.0] [--timeout 30]
    DATABASE_URL=postgres://…/h_load_bench .venv/bin/python bench/load_faults.py

SQLite by default (a fresh file in a temporary directory); with DATABASE_URL=postgres://… that
database is flushed and used. The server's stderr (Django's tracebacks) goes to
``<GONGZHI_VAR_DIR>/load-server.log``; the number of tracebacks in it is printed.
"""

from __future__ import annotations

import argparse
import http.client
import http.cookies
import json
import os
import random
import re
import statistics
import threading
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from _server import free_port, kill_group, start_server, wait_answering
from _setup import setup_django, small_city

DISTRICT = "430104"
# category → the district department the 派单目录 names for it (cases/catalog.py)
CATEGORIES = {"street-lights": "chengguan", "street-vending": "chengguan", "illegal-building": "chengguan",
              "manhole": "zhujian", "road-damage": "zhujian", "water-leak": "zhujian",
              "noise": "shengtai", "fumes": "shengtai"}
TITLES = {"street-lights": "路灯不亮", "street-vending": "占道经营", "illegal-building": "违法搭建",
          "manhole": "井盖破损", "road-damage": "路面坑洼", "water-leak": "水管漏水", "noise": "夜间施工噪音",
          "fumes": "餐馆油烟"}
DEPARTMENTS = ("chengguan", "zhujian", "shengtai")
# street → (grid index in tests/builders.py, community path of that grid)
STREETS = {"430104002": [(0, "430104002014"), (1, "430104002014"), (2, "430104002001")],
           "430104001": [(3, "430104001001")]}
NOTES = {"dispatch": "请核实处理", "accept": "已签收", "reply": "已到现场处置完毕，已回复市民", "approve_reply": "审核通过",
         "follow_up": "已电话回访", "close": "办结", "supervise": "请加快办理"}
# the 12345 path: the action that moves a case on from each state
NEXT = {"received": "dispatch", "dispatched": "accept", "accepted": "reply", "replied": "approve_reply",
        "reviewed": "follow_up", "followed_up": "close"}
TRANSIENT = ("refused", "reset", "timeout", "http_5xx", "other_oserror")


@dataclass
class Persona:
    role: str  # dispatcher | handler | supervisor
    username: str
    key: str
    street: str = ""
    department: str = ""


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes
    attempts: int

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Stats:
    lock: threading.Lock = field(default_factory=threading.Lock)
    requests: int = 0
    served: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    errors_by_kind: Counter[tuple[str, str]] = field(default_factory=Counter)
    error_times: list[tuple[str, float, float]] = field(default_factory=list)
    retries: Counter[str] = field(default_factory=Counter)
    latency: defaultdict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    samples: list[str] = field(default_factory=list)
    events: Counter[str] = field(default_factory=Counter)

    def note(self, name: str, n: int = 1) -> None:
        with self.lock:
            self.events[name] += n

    def sample(self, text: str) -> None:
        with self.lock:
            if len(self.samples) < 40:
                self.samples.append(text)


@dataclass
class Ledger:
    """What the clients were told, to be checked against the database afterwards."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    cases: dict[str, str] = field(default_factory=dict)  # client_key → number acknowledged
    intake_tried: set[str] = field(default_factory=set)
    transitions: dict[str, tuple[str, str]] = field(default_factory=dict)  # token → (number, action)
    transitions_tried: dict[str, tuple[str, str]] = field(default_factory=dict)


def error_kind(exc: BaseException) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return "refused"
    if isinstance(exc, TimeoutError):
        return "timeout"
    if isinstance(exc, ConnectionError | http.client.HTTPException):  # reset, closed, broken pipe, bad status
        return "reset"
    return "other_oserror"


class Client:
    def __init__(self, ix: int, persona: Persona, run: str, port: int, args: argparse.Namespace, stats: Stats,
                 ledger: Ledger, stop: threading.Event, hard_stop: list[float]) -> None:
        self.ix, self.p, self.run, self.port, self.args = ix, persona, run, port, args
        self.stats, self.ledger, self.stop, self.hard_stop = stats, ledger, stop, hard_stop
        self.rng = random.Random(f"{run}-{ix}")
        self.cookies: dict[str, str] = {}
        self.n = 0
        self.recent: list[str] = []  # case numbers this client worked on, for its page views

    # -- HTTP ----------------------------------------------------------------------------
    def once(self, method: str, path: str, body: bytes | None, headers: dict[str, str]) -> Answer:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.args.timeout)
        try:
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            return Answer(resp.status, resp.headers, data, 1)
        finally:
            conn.close()

    def call(self, kind: str, method: str, path: str, *, payload: Any = None, form: dict[str, str] | None = None,
             session: bool = False) -> Answer | None:
        """One logical request: retried on connection errors, timeouts and 5xx until answered
        (None if the run's hard stop came first). Counts every attempt."""
        headers = {"Accept": "application/json"} if not session else {}
        body = None
        if payload is not None:
            body = json.dumps(payload, ensure_ascii=False).encode()
            headers["Content-Type"] = "application/json"
        elif form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if not session:
            headers["Authorization"] = f"Bearer {self.p.key}"
        attempts = 0
        while True:
            attempts += 1
            if session and self.cookies:
                headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            started = time.monotonic()
            failure = ""
            answer: Answer | None = None
            try:
                answer = self.once(method, path, body, headers)
            except OSError as exc:
                failure = error_kind(exc)
            except http.client.HTTPException as exc:
                failure = error_kind(exc)
            ended = time.monotonic()
            with self.stats.lock:
                self.stats.requests += 1
            if answer is not None:
                if session:
                    self.keep_cookies(answer)
                if answer.status >= 500:
                    failure = "http_5xx"
                    self.stats.sample(f"{answer.status} {method} {path} {answer.body[:200]!r}")
                else:
                    answer.attempts = attempts
                    with self.stats.lock:
                        if answer.status < 400:
                            self.stats.served[kind] += 1
                            self.stats.latency[kind].append((ended - started) * 1000)
                        else:
                            err = "conflict" if answer.status == 409 else "http_4xx"
                            self.stats.errors[err] += 1
                            self.stats.errors_by_kind[(kind, err)] += 1
                            self.stats.error_times.append((err, started, ended))
                    if answer.status >= 400 and answer.status != 409:
                        self.stats.sample(f"{answer.status} {method} {path} {answer.body[:300]!r}")
                    return answer
            with self.stats.lock:
                self.stats.errors[failure] += 1
                self.stats.errors_by_kind[(kind, failure)] += 1
                self.stats.error_times.append((failure, started, ended))
            if time.monotonic() > self.hard_stop[0]:
                self.stats.note(f"gave_up_{kind}")
                return None
            with self.stats.lock:
                self.stats.retries[kind] += 1
            time.sleep(min(2.0, 0.2 * attempts) * self.rng.uniform(0.5, 1.5))

    def keep_cookies(self, answer: Answer) -> None:
        for raw in answer.headers.get_all("Set-Cookie") or []:
            jar: http.cookies.SimpleCookie = http.cookies.SimpleCookie()
            jar.load(raw)
            for name, morsel in jar.items():
                if morsel.value == "" or morsel["max-age"] == "0":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value

    # -- session pages -------------------------------------------------------------------
    def login(self) -> bool:
        self.cookies.clear()
        page = self.call("login", "GET", "/login/", session=True)
        if page is None:
            return False
        found = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.body)
        if found is None:
            self.stats.sample(f"login page without a CSRF token: {page.status}")
            return False
        from tests.builders import PASSWORD

        done = self.call("login", "POST", "/login/", session=True, form={
            "username": self.p.username, "password": PASSWORD, "csrfmiddlewaretoken": found.group(1).decode()})
        if done is None:
            return False
        if done.status != 302 or "sessionid" not in self.cookies:
            # A wrong password would count towards the lock-out: stop instead of trying again.
            self.stats.sample(f"login refused for {self.p.username}: {done.status} {done.body[:200]!r}")
            self.stats.note("login_refused")
            return False
        self.stats.note("logins")
        return True

    def page(self, name: str, path: str) -> None:
        if "sessionid" not in self.cookies and not self.login():
            return
        answer = self.call(f"page_{name}", "GET", path, session=True)
        if answer is not None and answer.status == 302:
            where = answer.headers.get("Location", "")
            if where.startswith("/login/"):
                self.stats.note("session_lost")
                if self.login():
                    self.call(f"page_{name}", "GET", path, session=True)
            else:
                self.stats.note("page_unexpected_redirect")
                self.stats.sample(f"page {path} redirected to {where}")

    def pages(self) -> None:
        role, r = self.p.role, self.rng.random()
        number = self.rng.choice(self.recent) if self.recent else None
        if r < 0.25:
            self.page("home", "/")
        elif r < 0.6:
            self.page("inbox", "/cases/")
        elif r < 0.85 and number:
            self.page("detail", f"/cases/{number}/")
        elif role == "supervisor":
            name, path = self.rng.choice([("supervision", "/cases/supervision/"), ("rates", "/cases/rates/"),
                                          ("indicators", "/cases/indicators/")])
            self.page(name, path)
        elif role == "dispatcher":
            self.page("area", f"/areas/{self.p.street}/")
        else:
            self.page("inbox", "/cases/?page=2")

    # -- API work ------------------------------------------------------------------------
    def intake(self) -> None:
        self.n += 1
        key = f"load-{self.run}-{self.ix}-{self.n}"
        category = self.rng.choice(list(CATEGORIES))
        grid, community = self.rng.choice(STREETS[self.p.street])
        body: dict[str, Any] = {"title": f"{TITLES[category]} {key}", "category": category, "client_key": key,
                                "kind": self.rng.choice(["投诉", "求助", "举报"]),
                                "description": f"市民来电反映：{TITLES[category]}，请尽快处理。",
                                "reporter_name": "李先生", "reporter_phone": f"139{self.rng.randint(0, 99_999_999):08d}"}
        if self.rng.random() < 0.5:
            body.update(lon=112.90 + 0.01 * grid + self.rng.uniform(0.001, 0.009), lat=28.20 + self.rng.uniform(0.001, 0.009))
        else:
            body["area"] = community
        with self.ledger.lock:
            self.ledger.intake_tried.add(key)
        answer = self.call("intake", "POST", "/api/cases", payload=body)
        if answer is None or answer.status not in (200, 201):
            return
        number = answer.json()["number"]
        with self.ledger.lock:
            self.ledger.cases[key] = number
        if answer.status == 200:
            self.stats.note("intake_answered_by_retry")  # the first attempt had created it
        self.recent = [*self.recent[-9:], number]

    def work(self, state: str) -> None:
        """Take the next case in ``state`` the way a person would: the list, one case, its action."""
        listing = self.call("api_list", "GET", f"/api/cases?state={state}")
        if listing is None or listing.status != 200:
            return
        items = listing.json()["items"]
        if not items:
            self.stats.note(f"nothing_in_{state}")
            return
        number = self.rng.choice(items[:20])["number"]
        detail = self.call("api_detail", "GET", f"/api/cases/{number}")
        if detail is None or detail.status != 200:
            return
        case = detail.json()
        self.recent = [*self.recent[-9:], number]
        wanted = "supervise" if self.p.role == "supervisor" and state == "accepted" else NEXT.get(case["state"], "")
        if wanted not in case["actions"]:
            self.stats.note("listed_but_not_actionable")  # moved on since the list, or not this role's
            return
        extra: dict[str, Any] = {}
        if wanted == "dispatch":
            extra["units"] = [f"dept-{DISTRICT}-{CATEGORIES.get(case['category'] or '', 'chengguan')}"]
        elif wanted == "follow_up":
            extra.update(contacted=True, solved=self.rng.random() < 0.8,
                         satisfaction=self.rng.choice(["satisfied", "satisfied", "basic", "unsatisfied"]))
        self.transition(number, wanted, case["version"], extra)

    def transition(self, number: str, action: str, version: int, extra: dict[str, Any]) -> None:
        self.n += 1
        token = f"op-{self.run}-{self.ix}-{self.n}"
        with self.ledger.lock:
            self.ledger.transitions_tried[token] = (number, action)
        body = {"action": action, "note": f"{NOTES[action]} #{token}#", "expected_version": version, **extra}
        answer = self.call("transition", "POST", f"/api/cases/{number}/transitions", payload=body)
        if answer is None:
            return
        ok = answer.status == 200
        if answer.status == 409 and answer.attempts > 1:
            # Was it our own earlier attempt that moved the case? Its step carries our token.
            back = self.call("api_detail", "GET", f"/api/cases/{number}")
            ok = back is not None and back.status == 200 and any(
                f"#{token}#" in s["note"] for s in back.json()["steps"])
            self.stats.note("transition_409_after_retry")
            if ok:
                self.stats.note("transition_acknowledged_by_readback")
        if ok:
            with self.ledger.lock:
                self.ledger.transitions[token] = (number, action)

    def step(self) -> None:
        role, r = self.p.role, self.rng.random()
        if role == "dispatcher":
            if r < 0.45:
                self.intake()
            elif r < 0.75:
                self.work("received")
            else:
                self.pages()
        elif role == "handler":
            if r < 0.65:
                self.work(self.rng.choice(["dispatched", "accepted"]))
            else:
                self.pages()
        elif r < 0.6:
            self.work(self.rng.choice(["replied", "reviewed", "followed_up", "replied", "accepted"]))
        else:
            self.pages()

    def run_loop(self) -> None:
        self.stop.wait(self.rng.uniform(0, 2))  # not all 50 at the same instant
        self.login()
        while not self.stop.is_set():
            try:
                self.step()
            except Exception as exc:  # a bench bug must not silently stop a client
                self.stats.note("client_exceptions")
                self.stats.sample(f"client {self.ix} {type(exc).__name__}: {exc}")
            self.stop.wait(self.rng.uniform(0, 2 * self.args.think))


def build_world(clients: int, seed_cases: int) -> list[Persona]:
    """small_city plus a second street office, three departments and one user per client."""
    world = small_city()
    from tests.builders import make_unit, make_user

    from gongzhi.accounts.models import Unit, UnitKind
    from gongzhi.accounts.tokens import create_token
    from gongzhi.cases.models import Category
    from gongzhi.cases.services import do_intake, do_transition
    from gongzhi.core.access import Role

    areas = world["areas"]
    streets = {"430104002": world["street"],
               "430104001": make_unit("street-430104001", UnitKind.STREET_OFFICE, areas["430104001"])}
    depts = {"chengguan": world["dept"]}
    for code in DEPARTMENTS[1:]:
        depts[code] = make_unit(f"dept-{DISTRICT}-{code}", UnitKind.DEPARTMENT, areas[DISTRICT])
    handlers = {code: make_user(f"seed_{code}", Role.DEPT_HANDLER, areas[DISTRICT], unit=unit)
                for code, unit in depts.items()}
    n_disp, n_hand = max(1, round(clients * 0.4)), max(1, round(clients * 0.36))
    personas: list[Persona] = []
    for i in range(clients):
        if i < n_disp:
            street = "430104001" if i % 4 == 3 else "430104002"
            user = make_user(f"ld_disp{i:02d}", Role.STREET_DISPATCHER, areas[street], unit=streets[street])
            personas.append(Persona("dispatcher", user.username, "", street=street))
        elif i < n_disp + n_hand:
            dept = DEPARTMENTS[(i - n_disp) % len(DEPARTMENTS)]
            user = make_user(f"ld_hand{i:02d}", Role.DEPT_HANDLER, areas[DISTRICT], unit=depts[dept])
            personas.append(Persona("handler", user.username, "", department=dept))
        else:
            user = make_user(f"ld_sup{i:02d}", Role.CENTER_SUPERVISOR, areas[DISTRICT])
            personas.append(Persona("supervisor", user.username, ""))
        personas[-1].key = create_token(user, "load-bench")[1]
    # Cases already on the way, so every role has work and every page rows from the start.
    path = ["dispatch", "accept", "reply", "approve_reply", "follow_up", "close"]
    cats = {c.code: c for c in Category.objects.filter(code__in=CATEGORIES)}
    for i in range(seed_cases):
        code = list(CATEGORIES)[i % len(CATEGORIES)]
        grid, _community = [g for s in STREETS.values() for g in s][i % 4]
        case = do_intake(workflow="hotline", channel="hotline", title=f"{TITLES[code]}（积存件 {i}）", category=cats[code],
                         lon=112.905 + 0.01 * grid, lat=28.205).case
        street_dispatcher = world["dispatcher"] if grid < 3 else None
        for action in path[: i % 6 if street_dispatcher else 0]:
            actor = {"dispatch": street_dispatcher, "accept": handlers[CATEGORIES[code]],
                     "reply": handlers[CATEGORIES[code]]}.get(action, world["supervisor"])
            do_transition(actor, case.pk, action, note=NOTES[action],
                          units=[depts[CATEGORIES[code]]] if action == "dispatch" else None,
                          follow_up={"contacted": True, "solved": True, "satisfaction": "satisfied"}
                          if action == "follow_up" else None)
    assert Unit.objects.filter(code__startswith=f"dept-{DISTRICT}-").count() == len(DEPARTMENTS)
    return personas


class Server:
    """The gunicorn under test; ``kill_and_restart`` replaces its process group."""

    def __init__(self, port: int, workers: int, threads: int, log: Path) -> None:
        self.port, self.workers, self.threads, self.log = port, workers, threads, log
        self.proc = start_server(port, workers, threads, log=log)

    def kill_and_restart(self, down: float, limit: float) -> None:
        kill_group(self.proc)  # SIGKILL to the whole group: master and every worker at once
        time.sleep(down)
        self.proc = start_server(self.port, self.workers, self.threads, log=self.log)
        wait_answering(self.port, limit=limit)


def drive(server: Server, personas: list[Persona],
          args: argparse.Namespace) -> tuple[str, Stats, Ledger, list[tuple[float, float]], float, float, int]:
    """Run the clients for ``--seconds``, killing and restarting the server on schedule."""
    run = uuid.uuid4().hex[:8]
    stats, ledger, stop = Stats(), Ledger(), threading.Event()
    started = time.monotonic()
    hard_stop = [started + args.seconds + args.grace]
    clients = [Client(i, p, run, server.port, args, stats, ledger, stop, hard_stop) for i, p in enumerate(personas)]
    threads = [threading.Thread(target=c.run_loop, daemon=True) for c in clients]
    for t in threads:
        t.start()
    outages: list[tuple[float, float]] = []
    for k in range(args.kills):
        time.sleep(max(0.0, started + args.seconds * (k + 1) / (args.kills + 1) - time.monotonic()))
        killed = time.monotonic()
        server.kill_and_restart(args.down, args.restart_limit)
        outages.append((killed, time.monotonic()))
        hard_stop[0] = max(hard_stop[0], time.monotonic() + args.grace)  # retries outlive a long outage
    time.sleep(max(0.0, started + args.seconds - time.monotonic()))
    ended = time.monotonic()
    hard_stop[0] = max(hard_stop[0], ended + args.grace)  # a late restart still leaves the grace
    stop.set()  # no new operations; the ones under way finish (their retries until the hard stop)
    for t in threads:
        t.join(timeout=args.grace + args.timeout + 10)
    return run, stats, ledger, outages, started, ended - started, sum(t.is_alive() for t in threads)


def pct(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=300)
    parser.add_argument("--kills", type=int, default=2)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn process")
    parser.add_argument("--think", type=float, default=1.0, help="mean seconds a client waits between operations")
    parser.add_argument("--timeout", type=float, default=30, help="client timeout per request, seconds")
    parser.add_argument("--down", type=float, default=0.5, help="seconds between the kill and the restart")
    parser.add_argument("--grace", type=float, default=60, help="seconds after the run a pending retry may take")
    parser.add_argument("--seed-cases", type=int, default=150)
    parser.add_argument("--restart-limit", type=float, default=600,
                        help="seconds a restarted server may take to answer before the bench gives up")
    args = parser.parse_args()
    # TOTP is required for centre posts outside demo mode; the bench's supervisors have none.
    os.environ.setdefault("GONGZHI_REQUIRE_2FA", "0")
    os.environ["GONGZHI_DEBUG"] = "0"
    vendor = setup_django("load")
    personas = build_world(args.clients, args.seed_cases)
    from django.conf import settings
    from django.db import connection

    connection.close()  # the server's processes are the only ones using the database now
    log = Path(settings.VAR_DIR) / "load-server.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_bytes(b"")
    server = Server(free_port(), args.workers, args.threads, log)
    try:
        wait_answering(server.port, limit=args.restart_limit)
        run, stats, ledger, outages, started, elapsed, stuck = drive(server, personas, args)
    finally:
        kill_group(server.proc, 15)  # SIGTERM: a clean stop, also when the bench itself fails

    during = Counter[str]()
    outside = Counter[str]()
    for kind, t0, t1 in stats.error_times:
        if kind in TRANSIENT:
            (during if any(t0 <= b and t1 >= a for a, b in outages) else outside)[kind] += 1
    report = verify(run, ledger)
    server_log = log.read_text(encoding="utf-8", errors="replace")

    def out(name: str, value: object, unit: str) -> None:
        print(f"load_{name} {value} {unit}")

    out("database", vendor, "name")
    out("clients", args.clients, "count")
    out("server_processes", args.workers, "count")
    out("server_threads", args.threads, "count")
    out("seconds", f"{elapsed:.1f}", "s")
    out("kills", len(outages), "count")
    for i, (a, b) in enumerate(outages, start=1):
        out(f"kill_{i}_at", f"{a - started:.1f}", "s")
        out(f"outage_{i}", f"{b - a:.1f}", "s")  # from the kill until a restarted worker answers
    out("requests", stats.requests, "count")
    served = sum(stats.served.values())
    out("requests_served", served, "count")
    out("requests_per_s", f"{served / elapsed:.1f}", "req/s")
    up = elapsed - sum(min(b, started + elapsed) - a for a, b in outages)
    out("requests_per_s_while_up", f"{served / max(up, 1e-9):.1f}", "req/s")
    for kind in ("refused", "reset", "timeout", "http_5xx", "conflict", "http_4xx", "other_oserror"):
        out(f"errors_{kind}", stats.errors[kind], "count")
    for kind in TRANSIENT:
        out(f"errors_{kind}_outside_outages", outside[kind], "count")
    out("retries", sum(stats.retries.values()), "count")
    for kind, n in sorted(stats.retries.items()):
        out(f"retries_{kind}", n, "count")
    for (kind, err), n in sorted(stats.errors_by_kind.items()):
        out(f"errors_{kind}_{err}", n, "count")
    for name, n in sorted(stats.events.items()):
        out(f"event_{name}", n, "count")
    for name, n in report.items():
        out(name, n, "bool" if name.endswith("_ok") else "count")
    for kind in sorted(stats.latency):
        samples = stats.latency[kind]
        out(f"served_{kind}", len(samples), "count")
        out(f"p50_ms_{kind}", f"{pct(samples, 50):.0f}", "ms")
        out(f"p95_ms_{kind}", f"{pct(samples, 95):.0f}", "ms")
    out("server_tracebacks", server_log.count("Traceback (most recent call last)"), "count")
    out("server_database_locked", server_log.count("database is locked"), "count")
    out("server_worker_timeouts", server_log.count("WORKER TIMEOUT"), "count")
    out("clients_still_running", stuck, "count")
    for line in stats.samples:
        print(f"# sample: {line}")
    if server_log.strip():
        print(f"# server log: {log}")


def verify(run: str, ledger: Ledger) -> dict[str, int]:
    from django.db.models import Count, F, Max, Q

    from gongzhi.cases.models import Case, Step
    from gongzhi.core.audit import verify_chain
    from gongzhi.core.models.audit import AuditEvent

    prefix = f"load-{run}-"
    stored = dict(Case.objects.filter(client_key__startswith=prefix).values_list("client_key", "number"))
    # Counted by the key in the title, not the unique key: a second case would have to lose the key to exist.
    by_title = Counter(re.search(r"load-\S+", t).group(0)  # type: ignore[union-attr]
                       for t in Case.objects.filter(title__contains=prefix).values_list("title", flat=True))
    intake_steps = Counter(Step.objects.filter(action="intake", case__client_key__startswith=prefix)
                           .values_list("case_id", flat=True))
    acked = ledger.cases
    tokens: Counter[str] = Counter()
    applied: dict[str, tuple[str, str]] = {}
    for note, action, number in Step.objects.filter(note__contains=f"#op-{run}-").values_list(
            "note", "action", "case__number"):
        token = re.search(r"#(op-[^#]+)#", note).group(1)  # type: ignore[union-attr]
        tokens[token] += 1
        applied[token] = (number, action)
    t_acked = ledger.transitions
    inconsistent = Case.objects.annotate(n=Count("steps"), top=Max("steps__seq")).filter(
        ~Q(n=F("step_count")) | ~Q(top=F("step_count")) | ~Q(version=F("step_count") - 1)).count()
    chain = verify_chain()
    return {
        "cases_acknowledged": len(acked),
        "cases_stored": len(stored),
        "cases_lost": sum(1 for k in acked if k not in stored),
        "cases_wrong_number": sum(1 for k, n in acked.items() if k in stored and stored[k] != n),
        "cases_duplicated": sum(n - 1 for n in by_title.values() if n > 1)
        + sum(n - 1 for n in intake_steps.values() if n > 1),
        "cases_stored_unacknowledged": len(set(stored) - set(acked)),
        "cases_tried_unanswered": len(ledger.intake_tried - set(acked)),
        "transitions_tried": len(ledger.transitions_tried),
        "transitions_acknowledged": len(t_acked),
        "transitions_lost": sum(1 for t in t_acked if tokens[t] == 0),
        "transitions_wrong_case": sum(1 for t, v in t_acked.items() if tokens[t] and applied[t] != v),
        "transitions_duplicated": sum(n - 1 for n in tokens.values() if n > 1),
        "transitions_applied_unacknowledged": sum(1 for t in tokens if t not in t_acked),
        "cases_total": Case.objects.count(),
        "steps_total": Step.objects.count(),
        "cases_steps_inconsistent": inconsistent,
        "audit_case_events": (events := AuditEvent.objects.filter(action__startswith="case.").count()),
        "steps_without_audit_event": Step.objects.count() - events,
        "audit_events": chain.checked,
        "audit_chain_ok": int(chain.ok),
    }


if __name__ == "__main__":
    main()
