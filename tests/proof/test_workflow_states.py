"""Stateful property tests of the case engine (issue 6, item 7b).

A hypothesis ``RuleBasedStateMachine`` drives the real engine through the functions pages and the
API call — ``do_intake``, ``available_actions``, ``do_transition``, ``do_merge``,
``do_resident_rating`` and the background job's ``sweep`` — against the real database, on a
frozen clock (time-machine) that the machine moves forward. Next to it runs a small model written
from the workflow definitions and the docs (docs/cases.md), not from the engine's code: which
actions each user may take, what each one does to the case, its Steps, assignments, follow-ups,
audit events, reminders and escalations, and the indicators a page should then report.

After every step the database must agree with the model, every case must be in a declared state
that its last Step names, the Step sequence must have no gaps, the audit chain must verify, and
the three rates (响应率/解决率/满意率) and the 数字城管 indicators (处置率, 按期处置率, 结案率 …) the
platform's aggregate queries report must equal the model's counts and lie in [0, 1].

Each example runs inside a savepoint that is rolled back at its end, so every example starts from
the same small city (tests/builders.py) with no cases.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from gongzhi.accounts.models import Post, Unit, UnitKind, User
from gongzhi.areas.models import Area
from gongzhi.cases.metrics import three_rates, urban_indicators
from gongzhi.cases.models import Assignment, Case, Category, FollowUp, LimitUnit, Step
from gongzhi.cases.rates import indicators_overview, rates_overview
from gongzhi.cases.services import (
    CHANNELS,
    KINDS,
    CaseInputError,
    ConcurrentUpdateError,
    TransitionRefusedError,
    available_actions,
    do_intake,
    do_merge,
    do_resident_rating,
    do_transition,
)
from gongzhi.cases.sweeps import sweep
from gongzhi.cases.workflow import Clock, Transition, Workflow, get_workflow
from gongzhi.core.access import Role
from gongzhi.core.audit import verify_chain
from gongzhi.core.models import AuditChainHead, AuditEvent
from tests.builders import grid_square_origin, make_unit, make_user

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")
# The last working day before the 劳动节 holidays (1–5 May 2026): the clock soon crosses a month
# end (the pages' this month / last month) and days off (the working calendar).
START = datetime(2026, 4, 30, 9, 0, tzinfo=TZ)
EPOCH = datetime(2000, 1, 1, tzinfo=TZ)
WORKFLOWS = ("hotline", "grid_event", "urban")

# The spec of the model, written down from the docs rather than read from the engine.
MERGERS = {Role.STREET_DISPATCHER, Role.CENTER_SUPERVISOR, Role.CENTER_DUTY_CHIEF, Role.COMMUNITY_WORKER}
# "案件答复后才能评价": the states after a reply, in which the resident may rate the case.
RATEABLE = {"hotline": {"reviewed", "followed_up", "closed"},
            "grid_event": {"self_handled", "fed_back", "closed"},
            "urban": {"fed_back", "closed", "evaluated"}}
MAX_ESCALATION = 3

# Grids of the fixture city, in the order make_tree lays their squares side by side.
GRIDS = ["430104002014001", "430104002014002", "430104002001001", "430104001001001", "430102001001001"]
AREA_INPUTS = ["430104002", "430104002014", "430104001001", "430102001", "430104002014002"]

UNITS = [  # code, kind, area
    ("dept-430104-chengguan", UnitKind.DEPARTMENT, "430104"),
    ("dept-430104-zhujian", UnitKind.DEPARTMENT, "430104"),
    ("street-430104002", UnitKind.STREET_OFFICE, "430104002"),
    ("street-430104001", UnitKind.STREET_OFFICE, "430104001"),
    ("community-430104002014", UnitKind.COMMUNITY_COMMITTEE, "430104002014"),
    ("community-430104002001", UnitKind.COMMUNITY_COMMITTEE, "430104002001"),
    ("community-430104001001", UnitKind.COMMUNITY_COMMITTEE, "430104001001"),
    ("dept-430102-chengguan", UnitKind.DEPARTMENT, "430102"),
    ("street-430102001", UnitKind.STREET_OFFICE, "430102001"),
    ("community-430102001001", UnitKind.COMMUNITY_COMMITTEE, "430102001001"),
]


@dataclass(frozen=True)
class PostSpec:
    role: str
    area_path: str
    unit: str | None = None
    active: bool = True


P = PostSpec
USERS: dict[str, list[PostSpec]] = {
    # 岳麓区
    "yl_chief": [P(Role.CENTER_DUTY_CHIEF, "430104")],
    "yl_super": [P(Role.CENTER_SUPERVISOR, "430104")],
    "yl_leader": [P(Role.LEADER, "430104")],
    "yl_cg": [P(Role.DEPT_HANDLER, "430104", "dept-430104-chengguan")],
    "yl_zj": [P(Role.DEPT_HANDLER, "430104", "dept-430104-zhujian")],
    "ylj_disp": [P(Role.STREET_DISPATCHER, "430104002", "street-430104002")],
    "wyh_disp": [P(Role.STREET_DISPATCHER, "430104001", "street-430104001")],
    "lsnl_cw": [P(Role.COMMUNITY_WORKER, "430104002014", "community-430104002014")],
    "hd_cw": [P(Role.COMMUNITY_WORKER, "430104001001", "community-430104001001")],
    "lsnl_g1": [P(Role.GRID_WORKER, "430104002014001", "community-430104002014")],
    "lsnl_g2": [P(Role.GRID_WORKER, "430104002014002", "community-430104002014")],
    "hd_g1": [P(Role.GRID_WORKER, "430104001001001", "community-430104001001")],
    # Two posts: 枇杷塘's community worker is also the grid worker of its one grid.
    "ppt_both": [P(Role.COMMUNITY_WORKER, "430104002001", "community-430104002001"),
                 P(Role.GRID_WORKER, "430104002001001", "community-430104002001")],
    # A dispatcher who left the post: it stays on record, inactive, and grants nothing.
    "ylj_former": [P(Role.STREET_DISPATCHER, "430104002", "street-430104002", active=False)],
    "resident": [P(Role.RESIDENT, "430104002014")],
    # 芙蓉区: its own staff, who act on its cases and on none across the district line.
    "fr_chief": [P(Role.CENTER_DUTY_CHIEF, "430102")],
    "fr_cg": [P(Role.DEPT_HANDLER, "430102", "dept-430102-chengguan")],
    "wyl_disp": [P(Role.STREET_DISPATCHER, "430102001", "street-430102001")],
    "szl_cw": [P(Role.COMMUNITY_WORKER, "430102001001", "community-430102001001")],
    "szl_g1": [P(Role.GRID_WORKER, "430102001001001", "community-430102001001")],
}
RATES_VIEWER = "yl_chief"  # the 岳麓区 centre: its rates and indicators pages are checked

# code, workflow, parent, limit (amount, unit) or None, step limits, active
CATEGORIES: list[tuple[str, str, str | None, tuple[int, str] | None, dict[str, list[Any]], bool]] = [
    ("gongyong", "hotline", None, None, {}, True),  # a 大类
    ("hl-lights", "hotline", "gongyong", (5, LimitUnit.WORK_DAYS), {}, True),
    ("hl-leak", "hotline", "gongyong", (24, LimitUnit.URGENT_HOURS),
     {"received": [1, "work_hours"], "dispatched": [4, "work_hours"]}, True),
    ("hl-consult", "hotline", None, (2, LimitUnit.WORK_DAYS), {}, True),
    ("hl-open", "hotline", None, None, {}, True),  # no time limit
    ("ge-garbage", "grid_event", None, (4, LimitUnit.WORK_HOURS), {"reported": [2, "work_hours"]}, True),
    ("ge-dispute", "grid_event", None, None, {}, True),
    ("ub-garbage", "urban", None, (1, LimitUnit.WORK_DAYS), {}, True),
    ("ub-road", "urban", None, (3, LimitUnit.CALENDAR_DAYS), {"registered": [2, "work_hours"]}, True),
    ("retired", "hotline", None, (3, LimitUnit.WORK_DAYS), {}, False),
]


def steps_to_the_end(wf: Workflow) -> dict[str, int]:
    """How many moves each state is from a final state, not counting cancellation."""
    far = {s: 0 if s in wf.final else 99 for s in wf.states}
    for _ in wf.states:
        for t in wf.transitions:
            if t.target and t.action != "cancel":
                for src in t.sources:
                    far[src] = min(far[src], far[t.target] + 1)
    return far


TO_END = {code: steps_to_the_end(get_workflow(code)) for code in WORKFLOWS}
LEAVES = {wf: [c[0] for c in CATEGORIES if c[1] == wf and c[0] != "gongyong" and c[5]] for wf in WORKFLOWS}
CATEGORY_SPEC = {c[0]: c for c in CATEGORIES}

# How the engine refuses: a refusal, or bad input naming the field (both shown by the page).
ENGINE_ERRORS = (TransitionRefusedError, CaseInputError)
NOTES = ["已现场核实", "不属本单位职责", "需协调多部门", "已处理完毕，群众认可"]
TITLES = ["路灯不亮", "垃圾满溢无人清运", "井盖缺失", "楼上噪音扰民", "占道经营"]


@dataclass
class City:
    units: dict[str, Unit]
    users: dict[str, User]
    categories: dict[str, Category]
    areas: dict[str, Area]


@pytest.fixture
def city(tree: dict[str, Area]) -> City:
    units = {code: make_unit(code, kind, tree[path], name=code) for code, kind, path in UNITS}
    users: dict[str, User] = {}
    for i, (name, posts) in enumerate(USERS.items()):
        first = posts[0]
        user = make_user(name, first.role, tree[first.area_path], unit=units.get(first.unit or ""),
                         phone=f"139073100{i:02d}")
        for extra in posts[1:]:
            Post.objects.create(user=user, role=extra.role, area=tree[extra.area_path], unit=units.get(extra.unit or ""))
        Post.objects.filter(user=user).update(is_active=first.active)
        users[name] = user
    categories: dict[str, Category] = {}
    for code, wf, parent, limit, step_limits, active in CATEGORIES:
        categories[code] = Category.objects.create(
            code=code, name=f"类别{code}", workflow=wf, parent=categories.get(parent or ""),
            limit_amount=Decimal(limit[0]) if limit else None, limit_unit=limit[1] if limit else LimitUnit.WORK_DAYS,
            step_limits=step_limits, is_active=active)
    return City(units, users, categories, tree)


# --- the model -------------------------------------------------------------------------------


@dataclass(frozen=True)
class MStep:
    action: str
    from_state: str
    to_state: str
    at: datetime
    actor: str | None
    unit: str | None = None
    on_time: bool | None = None
    effect: str = ""
    milestone: str = ""
    step_on_time: bool | None = None  # None: the Step must not carry one


@dataclass
class MAssignment:
    unit: str
    role: str
    active: bool = True


@dataclass(frozen=True)
class MFollowUp:
    case: int
    at: datetime
    valid: bool
    contacted: bool
    solved: bool
    satisfaction: str
    area_path: str


@dataclass
class MCase:
    pk: int
    workflow: str
    state: str
    area_path: str
    category: str | None
    received_at: datetime
    due_at: datetime | None  # observed from the engine (the calendar arithmetic is tested elsewhere)
    warn_at: datetime | None
    steps: list[MStep]
    assignments: list[MAssignment] = field(default_factory=list)
    version: int = 0
    closed_at: datetime | None = None
    paused: bool = False
    merged_into: int | None = None
    rating: str = ""
    reminded: bool = False
    level: int = 0
    client_key: str | None = None

    @property
    def wf(self) -> Workflow:
        return get_workflow(self.workflow)

    def active_units(self) -> set[str]:
        return {a.unit for a in self.assignments if a.active}

    def lead_unit(self) -> str | None:
        """The 主办 unit the rates group by: the active lead, else the newest lead."""
        leads = [a for a in self.assignments if a.role == "lead"]
        active = [a for a in leads if a.active]
        chosen = (active or leads)[-1:] if leads else []
        return chosen[0].unit if chosen else None


def covers(post: PostSpec, area_path: str) -> bool:
    return post.active and area_path.startswith(post.area_path)


def acting_post(mc: MCase, user: str, t: Transition) -> PostSpec | None:
    """The post through which ``user`` may take ``t`` on the case (docs/cases.md: roles over the
    case's area; handlers and department posts only through a unit the case is assigned to)."""
    posts = [p for p in USERS[user] if covers(p, mc.area_path) and p.role in t.roles]
    if t.by_assignee:
        posts = [p for p in posts if p.unit in mc.active_units()]
    else:
        posts = [p for p in posts if p.role != Role.DEPT_HANDLER]
    return min(posts, key=lambda p: p.role, default=None)


def refusal(mc: MCase, user: str, action: str) -> str | None:
    """Why the engine must refuse ``action`` by ``user`` (before its arguments are looked at)."""
    wf = mc.wf
    try:
        t = wf.transition(action)
    except LookupError:
        return "没有操作"
    if mc.merged_into is not None:  # 并单: the duplicate follows its master, on its own it does nothing
        return "merged into another case"
    if mc.state not in t.sources:
        return "action not allowed in this state"
    if acting_post(mc, user, t) is None:
        return "role not allowed"
    return None


def may_merge(user: str, dup: MCase, into: MCase) -> bool:
    if dup.pk == into.pk or dup.merged_into or into.merged_into or dup.closed_at or into.closed_at:
        return False
    return all(any(covers(p, c.area_path) and p.role in MERGERS for p in USERS[user]) for c in (dup, into))


def month_starts(now: datetime) -> tuple[datetime, datetime]:
    local = now.astimezone(TZ)
    this = datetime(local.year, local.month, 1, tzinfo=TZ)
    last = datetime(local.year - 1, 12, 1, tzinfo=TZ) if local.month == 1 else datetime(local.year, local.month - 1, 1, tzinfo=TZ)
    return this, last


def rate_counts(fus: Iterable[MFollowUp]) -> tuple[int, int, int, int, int]:
    valid = [f for f in fus if f.valid]
    return (len(valid), sum(f.contacted for f in valid), sum(f.solved for f in valid),
            sum(f.satisfaction == "satisfied" for f in valid), sum(f.satisfaction == "basic" for f in valid))


def indicator_counts(cases: list[MCase], start: datetime, end: datetime) -> dict[str, int]:
    """The 数字城管 indicators of docs/cases.md over the cases dispatched in [start, end)."""
    def before_end(c: MCase, pred: Callable[[MStep], bool]) -> bool:
        return any(pred(s) and s.at < end for s in c.steps)

    in_period = [c for c in cases if any(s.effect == "dispatch" and start <= s.at < end for s in c.steps)]
    handled = [c for c in in_period if before_end(c, lambda s: s.milestone == "handled")]
    closed = [c for c in in_period if before_end(c, lambda s: s.milestone == "closed")]
    all_steps = [s for c in cases for s in c.steps if start <= s.at < end]
    return {
        "should_handle": len(in_period),
        "handled": len(handled),
        "handled_on_time": sum(before_end(c, lambda s: s.milestone == "handled" and s.on_time is True) for c in in_period),
        "overdue_unhandled": sum(c not in handled and c.due_at is not None and c.due_at < end for c in in_period),
        "closed": len(closed),
        "closed_on_time": sum(before_end(c, lambda s: s.milestone == "closed" and s.on_time is True) for c in in_period),
        "rework_cases": sum(before_end(c, lambda s: s.effect == "rework") for c in in_period),
        "dispatches": sum(s.effect == "dispatch" for s in all_steps),
        # A dispatch sent back (before the end) was a wrong one.
        "wrong_dispatches": sum(s.effect == "dispatch" and any(u.effect == "undispatch" and u.at < end for u in c.steps[i:])
                                for c in cases for i, s in enumerate(c.steps) if start <= s.at < end),
    }


INDICATOR_RATES = {  # rate: (numerator, denominator) of the counts above
    "handling_rate": ("handled", "should_handle"),
    "handling_on_time_rate": ("handled_on_time", "should_handle"),
    "closing_rate": ("closed", "should_close"),
    "closing_on_time_rate": ("closed_on_time", "should_close"),
    "rework_rate": ("rework_cases", "handled"),
    "accurate_dispatch_rate": ("accurate_dispatches", "dispatches"),
}


def check_rate(value: float | None, numerator: float, denominator: float, what: str) -> None:
    assert 0 <= numerator <= denominator or denominator == 0, f"{what}: {numerator} / {denominator}"
    if denominator == 0:
        assert value is None, f"{what} with a zero denominator must be None, not {value}"
    else:
        assert value is not None
        assert value == pytest.approx(numerator / denominator), what
        assert 0.0 <= value <= 1.0, f"{what} = {value} outside [0, 1]"


class CaseFields:
    """The case columns compared when an action must change nothing (encrypted ones left out)."""

    names = [f.attname for f in Case._meta.concrete_fields
             if f.attname not in ("reporter_name", "reporter_phone")]


def snapshot() -> tuple[Any, ...]:
    head = AuditChainHead.objects.values_list("last_id", "count", "last_hash").get(pk=1)
    return (
        list(Case.objects.order_by("pk").values_list(*CaseFields.names)),
        list(Step.objects.order_by("pk").values_list("pk", "case_id", "seq", "action")),
        list(Assignment.objects.order_by("pk").values_list("pk", "unit_id", "role", "active", "due_at")),
        list(FollowUp.objects.order_by("pk").values_list("pk", "case_id")),
        head,
    )


class WorkflowMachine(RuleBasedStateMachine):
    def __init__(self, city: City) -> None:
        super().__init__()
        self.city = city
        self.unit_codes = {u.pk: code for code, u in city.units.items()}
        self.savepoint = transaction.savepoint()
        assert not Case.objects.exists(), "each example starts with no cases"
        self.traveller = time_machine.travel(START, tick=False)
        self.clock = self.traveller.start()
        self.cases: dict[int, MCase] = {}
        self.follow_ups: list[MFollowUp] = []
        self.audit: list[tuple[str, str, int | None]] = []  # (action, object id, actor id)
        self.keys: list[str] = []
        self.refusals: Counter[str] = Counter()
        self.audit_before = AuditEvent.objects.filter(action__startswith="case.").count()
        self.indicators_checked: tuple[Any, ...] | None = None
        self.pages_checked: tuple[Any, ...] | None = None
        # Each user's active posts, read once as a list page reads them for many cases.
        self.posts = {name: list(u.posts.filter(is_active=True).select_related("unit")) for name, u in city.users.items()}

    def teardown(self) -> None:
        self.traveller.stop()
        transaction.savepoint_rollback(self.savepoint)

    # --- helpers --------------------------------------------------------------------------

    def now(self) -> datetime:
        return timezone.now()

    def user(self, name: str | None) -> User | None:
        return self.city.users[name] if name else None

    def uid(self, name: str | None) -> int | None:
        return self.city.users[name].pk if name else None

    def observe_deadlines(self, mc: MCase) -> Case:
        case = Case.objects.get(pk=mc.pk)
        mc.due_at, mc.warn_at = case.due_at, case.warn_at
        return case

    def expect_nothing_changed(self, before: tuple[Any, ...], what: str) -> None:
        assert snapshot() == before, f"a refused {what} changed the database"

    def pick_case(self, data: st.DataObject, label: str, prefer: Callable[[MCase], bool] | None = None) -> MCase:
        """Any case; most of the time one that ``prefer`` picks out (by default: one that still
        moves — open, not merged)."""
        prefer = prefer or (lambda c: c.closed_at is None and c.merged_into is None)
        preferred = sorted(pk for pk, c in self.cases.items() if prefer(c))
        if preferred and data.draw(st.integers(0, 4), label=f"{label}: preferred?") < 4:
            return self.cases[data.draw(st.sampled_from(preferred), label=label)]
        return self.cases[data.draw(st.sampled_from(sorted(self.cases)), label=label)]

    def unit_options(self, mc: MCase) -> list[str]:
        """Units whose jurisdiction holds the case and that are not working on it yet."""
        return [code for code, _kind, path in UNITS if mc.area_path.startswith(path) and code not in mc.active_units()]

    def close_followers(self, mc: MCase, at: datetime) -> None:
        """Cases merged into a closing case close with it — and those merged into them too."""
        for m in self.cases.values():
            if m.merged_into == mc.pk and m.closed_at is None:
                m.closed_at = at
                m.steps.append(MStep("closed_with", m.state, m.state, at, None))
                self.close_followers(m, at)

    # --- rules: intake --------------------------------------------------------------------

    @initialize(data=st.data())
    def first_cases(self, data: st.DataObject) -> None:
        """Every example starts with one case of each workflow, in random order."""
        for workflow in data.draw(st.permutations(WORKFLOWS), label="first workflows"):
            self.register_one(data, workflow)

    @rule(data=st.data())
    def register(self, data: st.DataObject) -> None:
        self.register_one(data, data.draw(st.sampled_from(WORKFLOWS), label="workflow"))

    def register_one(self, data: st.DataObject, workflow: str) -> None:
        code = data.draw(st.sampled_from([*LEAVES[workflow], None]), label="category")
        where = data.draw(st.sampled_from(["point", "area", "point+area"]), label="where")
        kw: dict[str, Any] = {
            "workflow": workflow, "title": data.draw(st.sampled_from(TITLES)), "channel": data.draw(st.sampled_from(CHANNELS)),
            "kind": data.draw(st.sampled_from(KINDS)), "category": self.city.categories[code] if code else None,
            "reporter_phone": data.draw(st.sampled_from(["", "13800138000"])),
            "actor": self.user(data.draw(st.sampled_from([None, "ylj_disp", "lsnl_g1", "yl_super", "resident"]), label="actor")),
        }
        grid = data.draw(st.sampled_from(GRIDS), label="grid")
        lon, lat = grid_square_origin(GRIDS.index(grid))
        area_path = grid
        if where == "point":
            kw.update(lon=lon + 0.005, lat=lat + 0.005)
        elif where == "area":
            area_path = data.draw(st.sampled_from(AREA_INPUTS), label="area")
            kw["area"] = self.city.areas[area_path]
        else:  # a point outside every grid, with the area given
            area_path = data.draw(st.sampled_from(AREA_INPUTS), label="area")
            kw.update(lon=113.5, lat=29.5, area=self.city.areas[area_path])
        reuse = self.keys and data.draw(st.booleans(), label="resubmit")
        key = data.draw(st.sampled_from(self.keys), label="old key") if reuse else f"key-{len(self.keys)}"
        if data.draw(st.booleans(), label="with key") or reuse:
            kw["client_key"] = key
        before = snapshot()
        result = do_intake(**kw)
        if reuse:
            original = next(c for c in self.cases.values() if c.client_key == key)
            assert (result.created, result.case.pk) == (False, original.pk), "a resubmission made a second case"
            self.expect_nothing_changed(before, "resubmission")
            return
        assert result.created
        case = result.case
        if kw.get("client_key"):
            self.keys.append(key)
        wf = get_workflow(workflow)
        actor = next((n for n, u in self.city.users.items() if u == kw["actor"]), None)
        limits = CATEGORY_SPEC[code][4] if code else {}
        mc = MCase(pk=case.pk, workflow=workflow, state=wf.initial, area_path=area_path, category=code,
                   received_at=self.now(), due_at=case.due_at, warn_at=case.warn_at,
                   steps=[MStep("intake", "", wf.initial, self.now(), actor)], client_key=kw.get("client_key"))
        assert case.received_at == self.now()
        assert (case.grid.path if case.grid else None) == (area_path if len(area_path) == 15 else None)
        assert (case.step_due_at is not None) == (wf.initial in limits)
        self.cases[case.pk] = mc
        self.audit.append(("case.intake", str(case.pk), self.uid(actor)))

    def register_bad_input(self, data: st.DataObject) -> None:
        """Bad input is refused with CaseInputError naming the field, and registers nothing."""
        lon, lat = grid_square_origin(0)
        good: dict[str, Any] = {"workflow": "hotline", "title": "路灯不亮", "channel": "hotline",
                                "lon": lon + 0.005, "lat": lat + 0.005}
        field_name, bad = data.draw(st.sampled_from([
            ("workflow", {"workflow": "petition"}),
            ("channel", {"channel": "fax"}),
            ("kind", {"kind": "闲聊"}),
            ("title", {"title": "   "}),
            ("title", {"title": "长" * 201}),
            ("reporter_phone", {"reporter_phone": "12345"}),
            ("category", {"category": self.city.categories["retired"]}),
            ("lon/lat", {"lat": None}),
            ("lon/lat", {"lon": 200.0}),
            ("lon/lat", {"lon": 113.5, "lat": 29.5}),  # in no grid, and no area given
            ("area", {"lon": None, "lat": None}),
        ]), label="defect")
        before = snapshot()
        with pytest.raises(CaseInputError) as refused:
            do_intake(**{**good, **bad})
        assert refused.value.field == field_name
        self.expect_nothing_changed(before, "intake")
        self.refusals["intake"] += 1

    # --- rules: transitions ---------------------------------------------------------------

    def offered(self, mc: MCase) -> set[tuple[str, str]]:
        """What the engine offers each user on the case, as the case page lists it — which must be
        exactly what the model allows."""
        case = Case.objects.prefetch_related("assignments").get(pk=mc.pk)
        offered = {(name, t.action) for name, user in self.city.users.items()
                   for t in available_actions(user, case, self.posts[name])}
        expected = {(name, t.action) for name in USERS for t in mc.wf.transitions if refusal(mc, name, t.action) is None}
        assert offered == expected, (
            f"case in {mc.state}: offered but not allowed {sorted(offered - expected)}, "
            f"allowed but not offered {sorted(expected - offered)}")
        if mc.closed_at is not None and not any(x.clock == Clock.STOP and x.target == mc.state for x in mc.wf.transitions):
            # Closed, though not by its own workflow (a merged case closed with its master).
            assert not offered, f"a case closed at {mc.closed_at} still offers {sorted(offered)}"
        return offered

    def arguments(self, data: st.DataObject, mc: MCase, t: Transition) -> dict[str, Any] | None:
        """Valid arguments for ``t`` on the case, or None when there are none (no unit left to
        summon, no deadline to extend)."""
        kw: dict[str, Any] = {"note": data.draw(st.sampled_from(NOTES), label="note") if t.needs_note
                              else data.draw(st.sampled_from(["", NOTES[0]]), label="note")}
        if data.draw(st.booleans(), label="send version"):
            kw["expected_version"] = mc.version
        if t.effect in ("dispatch", "summon"):
            options = self.unit_options(mc)
            if not options:
                return None
            n = 1 if t.effect == "summon" else data.draw(st.integers(1, min(2, len(options))), label="unit count")
            codes = data.draw(st.permutations(options), label="units")[:n]
            kw["units"] = [self.city.units[c] for c in codes]
        if t.effect == "dispatch" and data.draw(st.booleans(), label="recategorise"):
            kw["category"] = self.city.categories[data.draw(st.sampled_from(LEAVES[mc.workflow]), label="new category")]
        if t.effect == "extend":
            if mc.due_at is None:
                return None
            kw["extend"] = data.draw(st.sampled_from([(1, "work_days"), (3, "work_days"), (4, "work_hours"),
                                                      (0.5, "calendar_days"), (12, "urgent_hours")]), label="extend")
        if t.effect == "follow_up":
            kw["follow_up"] = {"contacted": data.draw(st.sampled_from([True, False]), label="contacted"),
                               "solved": data.draw(st.booleans(), label="solved"),
                               "satisfaction": data.draw(st.sampled_from(["satisfied", "basic", "unsatisfied"]))}
            if data.draw(st.booleans(), label="mark validity"):
                kw["follow_up"]["valid"] = data.draw(st.booleans(), label="valid")
        return kw

    def take(self, data: st.DataObject, mc: MCase) -> bool:
        """Take one action the engine offers on the case; False when it offers none."""
        choices = sorted(self.offered(mc))
        while choices:
            # The action first, then who takes it. Half the time a step towards the end of the
            # workflow, else any move; a side action (督办, 吹哨) or a cancellation now and then.
            actions = sorted({a for _u, a in choices})
            moves = [a for a in actions if mc.wf.transition(a).target and a != "cancel"]
            ahead = [a for a in moves if TO_END[mc.workflow][mc.wf.transition(a).target] < TO_END[mc.workflow][mc.state]]
            other = [a for a in actions if a not in moves]
            kind = data.draw(st.integers(0, 5), label="kind of action")
            pool = (ahead if ahead and kind < 3 else moves if moves and kind < 5 else other) or moves or other
            action = data.draw(st.sampled_from(pool), label="action")
            user = data.draw(st.sampled_from([u for u, a in choices if a == action]), label="user")
            t = mc.wf.transition(action)
            kw = self.arguments(data, mc, t)
            if kw is not None:
                break
            choices.remove((user, action))
        else:
            return False
        self.apply(mc, user, t, kw)
        return True

    def apply(self, mc: MCase, user: str, t: Transition, kw: dict[str, Any]) -> None:
        at = self.now()
        before = Case.objects.get(pk=mc.pk)
        due_before, step_due_before = before.due_at, before.step_due_at
        case = do_transition(self.city.users[user], mc.pk, t.action, **kw)
        post = acting_post(mc, user, t)
        assert post is not None
        data: dict[str, Any] = Step.objects.get(case_id=mc.pk, seq=len(mc.steps) + 1).data
        from_state = mc.state
        # What the action does, per the workflow's definition.
        if t.effect in ("dispatch", "summon"):
            has_lead = any(a.active and a.role == "lead" for a in mc.assignments)
            for i, unit in enumerate(kw["units"]):
                role = "lead" if i == 0 and not has_lead else "assist"
                mc.assignments.append(MAssignment(self.unit_codes[unit.pk], role))
            assert data["units"] == [u.pk for u in kw["units"]]
        elif t.effect == "undispatch":
            assert sorted(data["units"]) == sorted(self.city.units[c].pk for c in mc.active_units())
            for a in mc.assignments:
                a.active = False
        elif t.effect == "follow_up":
            answers = kw["follow_up"]
            self.follow_ups.append(MFollowUp(mc.pk, at, answers.get("valid", True), answers["contacted"],
                                             answers["solved"], answers["satisfaction"], mc.area_path))
        if kw.get("category") is not None:
            mc.category = CATEGORY_SPEC[kw["category"].code][0]
        if t.clock == Clock.PAUSE:
            mc.paused = True
        elif t.clock == Clock.RESUME:
            mc.paused = False
        elif t.clock == Clock.STOP:
            assert mc.closed_at is None, f"{t.action} stopped the clock of a case closed at {mc.closed_at}"
            mc.closed_at = at
            self.close_followers(mc, at)
        mc.state = t.target or mc.state
        mc.version += 1
        mc.steps.append(MStep(t.action, from_state, mc.state, at, user, post.unit,
                              None if due_before is None else at <= due_before, t.effect, t.milestone,
                              (at <= step_due_before) if step_due_before is not None and t.target else None))
        self.audit.append((f"case.{t.action}", str(mc.pk), self.uid(user)))
        # Deadlines: observed, and checked against what the action promises.
        assert case.due_at == Case.objects.get(pk=mc.pk).due_at
        self.observe_deadlines(mc)
        if t.effect == "extend":
            amount, unit = kw["extend"]
            assert mc.due_at is not None
            assert due_before is not None
            assert mc.due_at > due_before, "an extension must move the deadline later"
            assert datetime.fromisoformat(data["old_due_at"]) == due_before
            assert datetime.fromisoformat(data["new_due_at"]) == mc.due_at
            assert (data["amount"], data["unit"]) == (amount, unit)
            mc.level, mc.reminded = 0, False
        elif t.clock == Clock.RESUME and due_before is not None:
            assert mc.due_at is not None
            assert mc.due_at >= due_before, "resuming moved the deadline earlier"
        elif "category" not in data:
            assert mc.due_at == due_before, f"{t.action} moved the deadline"
        limits = CATEGORY_SPEC[mc.category][4] if mc.category else {}
        if t.target:
            assert (case.step_due_at is not None) == (mc.state in limits)
        else:
            assert case.step_due_at == step_due_before

    @rule(data=st.data())
    def act(self, data: st.DataObject) -> None:
        """One action the engine offers, on any case."""
        self.take(data, self.pick_case(data, "case"))

    @rule(data=st.data())
    def act_by_action(self, data: st.DataObject) -> None:
        """An action chosen first among every action open on some case (so that rare ones — 批准延期,
        挂账恢复, 吹哨 — come up as often as 派单), then a case and a user it is open to."""
        open_to: dict[str, list[tuple[int, str]]] = defaultdict(list)
        for pk, c in sorted(self.cases.items()):
            for t in c.wf.transitions:
                for u in USERS:
                    if refusal(c, u, t.action) is None:
                        open_to[t.action].append((pk, u))
        if not open_to:
            return
        action = data.draw(st.sampled_from(sorted(open_to)), label="action")
        pk, user = data.draw(st.sampled_from(open_to[action]), label="case, user")
        mc = self.cases[pk]
        assert (user, action) in self.offered(mc)
        t = mc.wf.transition(action)
        kw = self.arguments(data, mc, t)
        if kw is not None:
            self.apply(mc, user, t, kw)

    @rule(data=st.data(), steps=st.integers(2, 10))
    def run_a_case(self, data: st.DataObject, steps: int) -> None:
        """Several actions in a row on one case, to reach the end of its workflow."""
        mc = self.pick_case(data, "case")
        for _ in range(steps):
            if not self.take(data, mc):
                break

    @rule(data=st.data(), steps=st.integers(1, 10))
    def run_the_newest(self, data: st.DataObject, steps: int) -> None:
        mc = self.cases[max(self.cases)]
        for _ in range(steps):
            if not self.take(data, mc):
                break

    @rule(data=st.data())
    def attempt_bad_input(self, data: st.DataObject) -> None:
        """Input the engine must refuse — with its own error, changing nothing."""
        what = data.draw(st.sampled_from(["intake", "rating", "merge"]))
        {"intake": self.register_bad_input, "rating": self.rate_refused, "merge": self.merge_refused}[what](data)

    @rule(data=st.data())
    def act_disallowed(self, data: st.DataObject) -> None:
        """An action the engine does not offer this user in this state is refused, and changes
        nothing."""
        # Each kind of refusal as often as the others: merged, wrong state, wrong post, no such action.
        refused: dict[str, list[tuple[int, str, str]]] = defaultdict(list)
        for pk, c in sorted(self.cases.items()):
            for a in [*(t.action for t in c.wf.transitions), "teleport", "close" if c.workflow != "hotline" else "evaluate"]:
                for u in USERS:
                    if (why := refusal(c, u, a)) is not None:
                        refused[why].append((pk, u, a))
        reason = data.draw(st.sampled_from(sorted(refused)), label="reason")
        pk, user, action = data.draw(st.sampled_from(refused[reason]), label="case, user, action")
        mc = self.cases[pk]
        kw: dict[str, Any] = {"note": NOTES[1]}
        try:
            t: Transition | None = mc.wf.transition(action)
        except LookupError:
            t = None
        if t is not None and t.effect in ("dispatch", "summon"):
            kw["units"] = [self.city.units[c] for c in self.unit_options(mc)[:1]] or [self.city.units[UNITS[0][0]]]
        if t is not None and t.effect == "extend":
            kw["extend"] = (1, "work_days")
        if t is not None and t.effect == "follow_up":
            kw["follow_up"] = {"contacted": True, "solved": True, "satisfaction": "satisfied"}
        before = snapshot()
        with pytest.raises(TransitionRefusedError, match=reason):
            do_transition(self.city.users[user], mc.pk, action, **kw)
        self.expect_nothing_changed(before, f"{action} by {user}")
        self.refusals[reason] += 1

    @rule(data=st.data())
    def act_with_bad_arguments(self, data: st.DataObject) -> None:
        """An allowed action with a defect in what it is given is refused, and changes nothing."""
        # Mostly an action whose arguments can be wrong in more ways than a stale version, on any
        # case (allowed by the model, which `offered` holds to what the engine offers).
        allowed = [(pk, u, t.action) for pk, c in sorted(self.cases.items()) for u in USERS for t in c.wf.transitions
                   if refusal(c, u, t.action) is None]
        if not allowed:
            return
        by_effect: dict[str, list[tuple[int, str, str]]] = defaultdict(list)
        for pk, u, a in allowed:
            by_effect[self.cases[pk].wf.transition(a).effect].append((pk, u, a))
        rich = sorted(set(by_effect) & {"dispatch", "summon", "extend", "follow_up"})
        effect = data.draw(st.sampled_from(rich), label="effect") if rich and data.draw(st.integers(0, 3)) < 3 else None
        pool = by_effect[effect] if effect is not None else allowed
        pk, user, action = data.draw(st.sampled_from(pool), label="case, user, action")
        mc = self.cases[pk]
        assert (user, action) in self.offered(mc)
        t = mc.wf.transition(action)
        kw = self.arguments(data, mc, t) or {"note": NOTES[2]}
        defects: list[tuple[str, dict[str, Any], type[Exception] | tuple[type[Exception], ...]]] = [
            ("stale version", {"expected_version": mc.version + data.draw(st.sampled_from([-1, 1]))}, ConcurrentUpdateError)]
        if t.needs_note:
            defects.append(("blank note", {"note": "  \n "}, TransitionRefusedError))
        outside = [c for c, _k, path in UNITS if not mc.area_path.startswith(path)]
        if t.effect in ("dispatch", "summon"):
            defects.append(("no units", {"units": []}, TransitionRefusedError))
            options = self.unit_options(mc)
            defects.append(("unit outside", {"units": [*[self.city.units[c] for c in options[:1]],
                                                        self.city.units[outside[0]]]}, TransitionRefusedError))
            if mc.active_units():
                taken = sorted(mc.active_units())[0]
                defects.append(("unit already on it", {"units": [self.city.units[taken]]}, TransitionRefusedError))
        if t.effect == "dispatch":
            defects.append(("retired category", {"category": self.city.categories["retired"]}, CaseInputError))
        if t.effect == "extend":
            defects.append(("no amount", {"extend": None}, TransitionRefusedError))
            if mc.due_at is not None:
                defects += [(name, {"extend": extend}, ENGINE_ERRORS) for name, extend in [
                    ("zero amount", (0, "work_days")), ("negative amount", (-2, "work_hours")),
                    ("half a working day", (1.5, "work_days")), ("unknown unit", (2, "fortnights"))]]
        if t.effect == "follow_up":
            defects.append(("no answers", {"follow_up": None}, TransitionRefusedError))
            defects.append(("bad satisfaction", {"follow_up": {"contacted": True, "solved": True,
                                                               "satisfaction": "meh"}}, TransitionRefusedError))
        name, bad, error = data.draw(st.sampled_from(defects[::-1]), label="defect")  # the special ones first
        before = snapshot()
        with pytest.raises(error):
            do_transition(self.city.users[user], mc.pk, action, **{**kw, **bad})
        self.expect_nothing_changed(before, f"{action} with {name}")
        self.refusals[name] += 1

    # --- rules: merging and rating --------------------------------------------------------

    def mergeable(self) -> list[tuple[str, int, int]]:
        return [(u, d, i) for d, dup in self.cases.items() for i, into in self.cases.items() for u in USERS
                if may_merge(u, dup, into)]

    @rule(data=st.data())
    @precondition(lambda self: self.mergeable())
    def merge(self, data: st.DataObject) -> None:
        """并单: a duplicate follows the case it is merged into."""
        options = self.mergeable()
        # Often a case that others already follow, so that merges chain (c ← b ← a).
        masters = [o for o in options if any(c.merged_into == o[1] for c in self.cases.values())]
        if masters and data.draw(st.sampled_from([True, False]), label="chain?"):
            options = masters
        user, dup_pk, into_pk = data.draw(st.sampled_from(options), label="user, duplicate, into")
        dup, into = self.cases[dup_pk], self.cases[into_pk]
        do_merge(self.city.users[user], dup.pk, into.pk, note=NOTES[2])
        at = self.now()
        dup.merged_into, dup.paused = into.pk, False
        dup.version += 1
        dup.steps.append(MStep("merge", dup.state, dup.state, at, user))
        into.steps.append(MStep("absorb", into.state, into.state, at, user))
        self.audit.append(("case.merge", str(dup.pk), self.uid(user)))

    def merge_refused(self, data: st.DataObject) -> None:
        dup, into = self.pick_case(data, "duplicate"), self.pick_case(data, "into")
        user = data.draw(st.sampled_from(sorted(u for u in USERS if not may_merge(u, dup, into))), label="user")
        before = snapshot()
        with pytest.raises(TransitionRefusedError):
            do_merge(self.city.users[user], dup.pk, into.pk, note=NOTES[2])
        self.expect_nothing_changed(before, "merge")
        self.refusals["merge"] += 1

    def rateable(self) -> list[int]:
        return sorted(pk for pk, c in self.cases.items() if c.state in RATEABLE[c.workflow] and not c.rating)

    def rate_refused(self, data: st.DataObject) -> None:
        """Before the reply, twice, or with an answer that is not on the form."""
        mc = self.pick_case(data, "case")
        rateable = mc.pk in self.rateable()
        satisfaction = data.draw(st.sampled_from(["satisfied", "great"] if not rateable else ["great", "很好", ""]))
        before = snapshot()
        with pytest.raises(CaseInputError):
            do_resident_rating(Case.objects.get(pk=mc.pk), satisfaction)
        self.expect_nothing_changed(before, "rating")
        self.refusals["rating"] += 1

    @rule(data=st.data())
    @precondition(lambda self: self.rateable())
    def resident_rates(self, data: st.DataObject) -> None:
        """The reporter rates the reply on the tracking page."""
        mc = self.cases[data.draw(st.sampled_from(self.rateable()), label="case")]
        satisfaction = data.draw(st.sampled_from(["satisfied", "basic", "unsatisfied"]), label="rating")
        do_resident_rating(Case.objects.get(pk=mc.pk), satisfaction)
        mc.rating = satisfaction
        mc.steps.append(MStep("resident_rating", mc.state, mc.state, self.now(), None))

    # --- rules: the clock and the background sweep ----------------------------------------

    @rule(data=st.data())
    def time_passes(self, data: st.DataObject) -> None:
        """The clock moves on — to just before, at or just after a running case's reminder time
        or deadline (the boundaries of reminders, escalation and on-time steps), or by a while —
        and the background sweep runs, or not yet."""
        deadlines = self.deadlines()
        if deadlines and data.draw(st.sampled_from([True, False]), label="to a deadline?"):
            moment = data.draw(st.sampled_from(deadlines), label="deadline")
            moment += data.draw(st.sampled_from([timedelta(minutes=-1), timedelta(0), timedelta(minutes=1)]),
                                label="offset")
            self.clock.move_to(max(moment, self.now()), tick=False)
        else:
            self.clock.shift(data.draw(st.sampled_from([
                timedelta(minutes=20), timedelta(hours=2), timedelta(hours=7), timedelta(days=1), timedelta(days=3),
                timedelta(days=9)]), label="by"))
        if data.draw(st.sampled_from([True, False]), label="sweep?"):
            self.run_sweep()

    def deadlines(self) -> list[datetime]:
        return sorted({t for c in self.cases.values() if c.closed_at is None and c.merged_into is None
                       for t in (c.warn_at, c.due_at) if t is not None and t >= self.now()})

    def run_sweep(self) -> None:
        """The background job's tick: reminders at 80 %, escalation one level per span overdue."""
        now = self.now()
        reminded = escalated = 0
        running = [c for c in self.cases.values()
                   if c.closed_at is None and not c.paused and c.merged_into is None and c.due_at is not None]
        for c in running:
            if not c.reminded and c.warn_at is not None and c.warn_at <= now:
                c.reminded = True
                c.steps.append(MStep("remind", c.state, c.state, now, None))
                reminded += 1
        for c in running:
            assert c.due_at is not None
            if c.due_at <= now and c.level < MAX_ESCALATION:
                span = c.due_at - c.received_at
                level = 1 if span <= timedelta(0) else min(MAX_ESCALATION, 1 + int((now - c.due_at) / span))
                if level > c.level:
                    c.steps.append(MStep("escalate", c.state, c.state, now, None))
                    c.level = level
                    escalated += 1
        report = sweep(now)
        assert (report.reminded, report.escalated) == (reminded, escalated)
        # A second sweep at the same moment (an overlapping one) changes nothing.
        assert sweep(now).reminded == sweep(now).escalated == 0

    # --- invariants -----------------------------------------------------------------------

    @invariant()
    def cases_agree_with_the_model(self) -> None:
        db = {c.pk: c for c in Case.objects.all()}
        assignments: dict[int, list[tuple[str, str, bool]]] = defaultdict(list)
        for case_id, unit, role, active in Assignment.objects.values_list("case_id", "unit__code", "role", "active"):
            assignments[case_id].append((unit, role, active))
        assert sorted(db) == sorted(self.cases)
        for pk, mc in self.cases.items():
            c = db[pk]
            wf = mc.wf
            assert c.state in wf.states, f"{c.state} is not a state of {wf.code}"
            assert (c.workflow, c.state, c.area_path, c.version) == (mc.workflow, mc.state, mc.area_path, mc.version)
            assert (c.category.code if c.category else None) == mc.category
            assert c.merged_into_id == mc.merged_into
            assert (c.resident_rating, c.reminded, c.escalation_level) == (mc.rating, mc.reminded, mc.level)
            # Closing: a final state has a closing time, and the closing time is the moment of the
            # step that stopped the clock (or of the master's close); it never moves afterwards.
            assert c.closed_at == mc.closed_at, f"closed_at {c.closed_at} != {mc.closed_at}"
            if c.state in wf.final:
                assert c.closed_at is not None
            if c.closed_at is not None:
                assert c.received_at <= c.closed_at <= self.now()
            # Pausing: the clock is paused exactly in a paused state (a merge releases it).
            assert (c.paused_at is not None) == mc.paused
            if mc.paused:
                assert c.state in wf.paused
            # Deadlines: set when the category has a time limit, warning before the deadline.
            limit = CATEGORY_SPEC[mc.category][3] if mc.category else None
            assert (c.due_at is not None) == (limit is not None), "a deadline is missing or unexpected"
            assert (c.warn_at is None) == (c.due_at is None)
            if c.due_at is not None and c.warn_at is not None:
                assert c.received_at <= c.warn_at <= c.due_at
            assert (c.due_at, c.warn_at) == (mc.due_at, mc.warn_at)
            if c.step_due_at is not None:
                assert mc.category is not None
                assert mc.state in CATEGORY_SPEC[mc.category][4]
            # Assignments: the units the model sent, with their roles; at most one active lead.
            assert sorted(assignments[pk]) == sorted((a.unit, a.role, a.active) for a in mc.assignments)
            assert sum(a.active and a.role == "lead" for a in mc.assignments) <= 1

    @invariant()
    def steps_are_the_history(self) -> None:
        rows: dict[int, list[Step]] = defaultdict(list)
        for s in Step.objects.order_by("case_id", "seq"):
            rows[s.case_id].append(s)
        assert sum(map(len, rows.values())) == sum(len(mc.steps) for mc in self.cases.values())
        counts = dict(Case.objects.values_list("pk", "step_count"))
        for pk, mc in self.cases.items():
            steps = rows[pk]
            assert [s.seq for s in steps] == list(range(1, len(steps) + 1)), "Step numbers have a gap"
            assert counts[pk] == len(steps)
            assert [s.action for s in steps] == [m.action for m in mc.steps]
            assert (steps[0].from_state, steps[0].to_state) == ("", mc.wf.initial)
            for a, b in pairwise(steps):
                assert a.to_state == b.from_state, f"step {b.seq} starts where step {a.seq} did not end"
                assert a.at <= b.at, "steps out of time order"
            assert steps[-1].to_state == mc.state
            for s, m in zip(steps, mc.steps, strict=True):
                assert (s.from_state, s.to_state, s.at, s.actor_id, s.on_time) == (
                    m.from_state, m.to_state, m.at, self.uid(m.actor), m.on_time), f"step {s.seq} {s.action}"
                assert (self.unit_codes.get(s.unit_id) if s.unit_id else None) == m.unit
                assert s.data.get("step_on_time") == m.step_on_time
                if m.action in {t.action for t in mc.wf.transitions} and m.to_state != m.from_state:
                    assert mc.wf.transition(m.action).target == m.to_state

    @invariant()
    def every_action_is_audited(self) -> None:
        report = verify_chain()
        assert report.ok, f"audit chain broken at {report.first_broken_id}: {report.problem}"
        events = list(AuditEvent.objects.filter(action__startswith="case.").order_by("id")
                      .values_list("action", "object_id", "actor_id"))
        assert events[self.audit_before:] == self.audit

    @invariant()
    def three_rates_match(self) -> None:
        """响应率/解决率/满意率 over every valid follow-up, as the aggregate query counts them."""
        rates = three_rates(FollowUp.objects.all())
        expected = rate_counts(self.follow_ups)
        assert (rates.valid, rates.contacted, rates.solved, rates.satisfied, rates.basic) == expected
        self.check_three_rates(rates, "all follow-ups")

    def check_three_rates(self, rates: Any, what: str) -> None:
        valid, contacted, solved, satisfied, basic = (rates.valid, rates.contacted, rates.solved, rates.satisfied,
                                                      rates.basic)
        assert satisfied + basic <= valid
        check_rate(rates.response, contacted, valid, f"响应率 ({what})")
        check_rate(rates.solve, solved, valid, f"解决率 ({what})")
        check_rate(rates.satisfaction, satisfied + 0.9 * basic, valid, f"满意率 ({what})")
        if rates.composite is not None:
            assert 0.0 <= rates.composite <= 1.0, f"综合 ({what}) = {rates.composite}"

    @invariant()
    def indicators_match(self) -> None:
        """处置率, 按期处置率, 结案率 … over the cases dispatched this month and over all time, as
        the platform's queries count them. They change only with a Step that counts, a deadline
        or the clock: an unchanged model is not queried again."""
        if self.indicators_checked == self.fingerprint():
            return
        self.indicators_checked = self.fingerprint()
        view_at = self.now() + timedelta(minutes=1)
        this, _last = month_starts(view_at)
        cases = list(self.cases.values())
        for start, what in ((EPOCH, "all time"), (this, "this month")):
            self.compare_indicators(urban_indicators(Case.objects.all(), start, view_at),
                                    indicator_counts(cases, start, view_at), what)

    @rule()
    @precondition(lambda self: self.pages_checked != self.fingerprint())
    def look_at_the_rates_pages(self) -> None:
        """The 三率 and 处置考评 pages of 岳麓区's centre, a minute after the last action: this month
        and last, per street, per lead unit and per 大类 — only its own district's cases."""
        self.pages_checked = self.fingerprint()
        view_at = self.now() + timedelta(minutes=1)
        viewer = self.city.users[RATES_VIEWER]
        this, last = month_starts(view_at)
        periods = {"this": (this, view_at), "last": (last, this)}
        mine = [f for f in self.follow_ups if f.area_path.startswith("430104")]
        page = rates_overview(viewer, view_at)
        groups: dict[str, Callable[[MFollowUp], str | None]] = {
            "areas": lambda f: f.area_path[:9],
            "departments": lambda f: self.cases[f.case].lead_unit(),
            "categories": lambda f: self.top_category(self.cases[f.case].category),
        }
        for period, (start, end) in periods.items():
            fus = [f for f in mine if start <= f.at < end]
            got = page["total"][period]
            assert (got.valid, got.contacted, got.solved, got.satisfied, got.basic) == rate_counts(fus), period
            self.check_three_rates(got, f"{period} month")
            for key, group_of in groups.items():
                want: dict[str, list[MFollowUp]] = defaultdict(list)
                for f in fus:
                    g = group_of(f)
                    if g is not None:
                        want[g].append(f)
                rows = {r.key: r.this_month if period == "this" else r.last_month for r in page[key]}
                for k, r in rows.items():
                    self.check_three_rates(r, f"{key} {k} {period} month")
                got_groups = {k: (r.valid, r.contacted, r.solved, r.satisfied, r.basic)
                              for k, r in rows.items() if r.valid}
                assert got_groups == {k: rate_counts(v) for k, v in want.items() if rate_counts(v)[0]}, (key, period)
        cases = list(self.cases.values())
        for row in indicators_overview(viewer, view_at)["rows"]:
            prefix = row["area"].path if row["area"] else "430104"
            scoped = [c for c in cases if c.area_path.startswith(prefix)]
            self.compare_indicators(row["this"], indicator_counts(scoped, this, view_at), f"{prefix} this month")
            self.compare_indicators(row["last"], indicator_counts(scoped, last, this), f"{prefix} last month")

    def fingerprint(self) -> tuple[Any, ...]:
        """What the indicators and rates depend on: the Steps that count (dispatches, handling,
        follow-ups …), the deadlines and the clock."""
        return (tuple((pk, sum(bool(s.effect or s.milestone) for s in c.steps), c.due_at, c.category)
                      for pk, c in sorted(self.cases.items())), self.now())

    def top_category(self, code: str | None) -> str | None:
        if code is None:
            return None
        parent = CATEGORY_SPEC[code][2]
        return self.city.categories[parent or code].name

    def compare_indicators(self, got: Any, want: dict[str, int], what: str) -> None:
        assert {k: getattr(got, k) for k in want} == want, what
        counts = {**want, "should_close": want["handled"] + want["overdue_unhandled"],
                  "accurate_dispatches": want["dispatches"] - want["wrong_dispatches"]}
        assert got.should_close == counts["should_close"]
        for rate, (num, den) in INDICATOR_RATES.items():
            check_rate(getattr(got, rate), counts[num], counts[den], f"{rate} ({what})")


SETTINGS = settings(max_examples=40, stateful_step_count=30, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def test_no_sequence_of_actions_breaks_a_case(city: City) -> None:
    run_state_machine_as_test(lambda: WorkflowMachine(city), settings=SETTINGS)
