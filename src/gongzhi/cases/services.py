"""Writes to cases: intake and transitions. Every write appends a Step and an audit event."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from gongzhi.accounts.models import Post, Unit
from gongzhi.areas.geo import check_lonlat, to_wgs84
from gongzhi.areas.locate import GridRef, locate_grid_ref
from gongzhi.areas.models import Area, Level
from gongzhi.cases import deadlines, signals
from gongzhi.cases.models import (
    Assignment,
    AssignmentRole,
    Case,
    Category,
    FollowUp,
    Satisfaction,
    Step,
)
from gongzhi.cases.numbering import case_number, reserve_case_id
from gongzhi.cases.workflow import Clock, Transition, get_workflow
from gongzhi.core import audit
from gongzhi.core.access import Role
from gongzhi.core.idcard import check_phone
from gongzhi.core.pii import hash_field_value

CHANNELS = ("hotline", "grid", "web", "api", "open311", "sensor")
KINDS = ("咨询", "求助", "投诉", "举报", "建议", "事件", "部件", "")
MAX_EXTENSION = 365  # one extension, in the limit's own unit (工作日, 工作时 …)


class CaseInputError(ValueError):
    """Bad input, naming the field and the rule."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(f"{field}: {message}")


class TransitionRefusedError(ValueError):
    pass


class ConcurrentUpdateError(TransitionRefusedError):
    pass


@dataclass(frozen=True)
class IntakeResult:
    case: Case
    created: bool


def _check_text(field: str, value: str, *, required: bool, limit: int) -> str:
    value = (value or "").strip()
    if required and not value:
        raise CaseInputError(field, "不能为空 (required)")
    if len(value) > limit:
        raise CaseInputError(field, f"不能超过 {limit} 个字，实为 {len(value)} (too long)")
    return value


def do_intake(
    *, workflow: str, title: str, channel: str, description: str = "", category: Category | None = None,
    kind: str = "", lon: float | None = None, lat: float | None = None, datum: str = "wgs84",
    area: Area | None = None, address: str = "", reporter_name: str = "", reporter_phone: str = "",
    client_key: str | None = None, actor: Any = None, now: datetime | None = None,
) -> IntakeResult:
    """Register a case from any channel. The same ``client_key`` twice gives the same case:
    the unique key decides, so a retry racing its original cannot make a second case."""
    try:
        get_workflow(workflow)
    except LookupError as exc:
        raise CaseInputError("workflow", str(exc)) from exc
    if channel not in CHANNELS:
        raise CaseInputError("channel", f"应为 {', '.join(CHANNELS)} 之一")
    if kind not in KINDS:
        raise CaseInputError("kind", f"应为 {', '.join(k for k in KINDS if k)} 之一")
    title = _check_text("title", title, required=True, limit=200)
    description = _check_text("description", description, required=False, limit=5000)
    address = _check_text("address", address, required=False, limit=200)
    phone = ""
    if reporter_phone.strip():
        try:
            phone = check_phone(reporter_phone)
        except ValueError as exc:
            raise CaseInputError("reporter_phone", str(exc)) from exc
    if category is not None and not category.is_active:
        raise CaseInputError("category", "该类别已停用")
    grid = None
    wlon = wlat = None
    if lon is not None or lat is not None:
        if lon is None or lat is None:
            raise CaseInputError("lon/lat", "经纬度须同时提供")
        try:
            check_lonlat(lon, lat)
            wlon, wlat = (float(v) for v in to_wgs84(lon, lat, datum))
        except ValueError as exc:
            raise CaseInputError("lon/lat", str(exc)) from exc
        grid = locate_grid_ref(wlon, wlat)
        if grid is None and area is None:
            raise CaseInputError("lon/lat", f"点 ({lon}, {lat}) 不在任何网格内，请同时指定所属区域")
    if grid is None and area is None:
        raise CaseInputError("area", "须提供位置（经纬度）或所属区域")
    if grid is None and area is not None and area.level == Level.GRID:
        grid = GridRef(area.pk, area.path)  # the area given is a grid: the case is in it
    received = now or timezone.now()
    due, warn = deadlines.for_category(received, category)
    case = Case(
        number="", workflow=workflow, state=get_workflow(workflow).initial, category=category, kind=kind,
        title=title, description=description, channel=channel, lon=wlon, lat=wlat, address=address,
        grid_id=grid.id if grid else None, area_path=grid.path if grid else area.path,  # type: ignore[union-attr]
        reporter_name=reporter_name.strip(), reporter_phone=phone,
        reporter_phone_hash=hash_field_value("phone", phone), client_key=client_key or None,
        received_at=received, due_at=due, warn_at=warn, step_count=1,
        step_due_at=deadlines.step_due(category, get_workflow(workflow).initial, received),
    )
    case.reporter_user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    try:
        with transaction.atomic():
            reserved = reserve_case_id(Case._meta.db_table)
            if reserved is not None:
                case.pk = reserved
                case.number = case_number(received, reserved)
                case.save(force_insert=True)
            else:
                case.number = "T" + uuid.uuid4().hex[:19]  # unique placeholder until the id is known
                case.save(force_insert=True)
                case.number = case_number(received, case.pk)
                case.save(update_fields=["number"])
            Step.objects.create(case=case, seq=1, action="intake", from_state="", to_state=case.state,
                                actor=case.reporter_user, at=received, data={"channel": channel})
            audit.record("case.intake", actor=actor, obj=case, area_path=case.area_path)
    except IntegrityError:
        # This client key was used before (a retry, or a resubmission racing its original).
        if client_key and (existing := Case.objects.filter(client_key=client_key).first()):
            return IntakeResult(existing, created=False)
        raise
    signals.case_received.send(sender=Case, case=case, actor=actor)
    return IntakeResult(case, created=True)


def append_step(case: Case, *, action: str, from_state: str, to_state: str, at: datetime, actor: Any = None,
                unit: Unit | None = None, note: str = "", data: dict[str, Any] | None = None,
                on_time: bool | None = None) -> Step:
    """Append the next Step. The sequence number is claimed with an atomic increment, so people
    and the background sweep can write steps of one case at the same time without a clash."""
    Case.objects.filter(pk=case.pk).update(step_count=F("step_count") + 1)
    case.step_count = Case.objects.filter(pk=case.pk).values_list("step_count", flat=True).get()
    return Step.objects.create(
        case=case, seq=case.step_count, action=action, from_state=from_state, to_state=to_state,
        actor=actor if actor is not None and getattr(actor, "is_authenticated", False) else None,
        unit=unit, at=at, note=note, data=data or {}, on_time=on_time,
    )


@dataclass(frozen=True)
class Standing:
    """How a user stands towards a case: the posts they hold over its area, and which of
    those posts belong to a unit the case is assigned to."""

    by_role: dict[str, Post]
    assigned_by_role: dict[str, Post]

    def post_for(self, t: Transition) -> Post | None:
        pool = self.assigned_by_role if t.by_assignee else self.by_role
        return next((pool[r] for r in sorted(t.roles) if r in pool), None)


def standing(user: Any, case: Case, posts: list[Post] | None = None) -> Standing:
    """Pass ``posts`` (and prefetch the case's assignments) to decide for many cases without a
    query each. A department post counts only where its unit is assigned."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Standing({}, {})
    if posts is None:
        posts = list(user.posts.filter(is_active=True).select_related("unit"))
    assigned = {a.unit_id for a in case.assignments.all() if a.active}
    by_role: dict[str, Post] = {}
    assigned_by_role: dict[str, Post] = {}
    for post in posts:
        if not case.area_path.startswith(post.area_path):
            continue
        if post.unit_id in assigned:
            assigned_by_role.setdefault(post.role, post)
        if post.role != Role.DEPT_HANDLER:
            by_role.setdefault(post.role, post)
    return Standing(by_role, assigned_by_role)


def available_actions(user: Any, case: Case, posts: list[Post] | None = None) -> list[Transition]:
    if case.merged_into_id is not None:
        return []  # 并单: a merged case follows its master and takes no action of its own
    s = standing(user, case, posts)
    return get_workflow(case.workflow).available(case.state, s.by_role, s.assigned_by_role)


@transaction.atomic
def do_transition(
    user: Any, case_id: int, action: str, *, note: str = "", expected_version: int | None = None,
    units: list[Unit] | None = None, extend: tuple[float, str] | None = None,
    follow_up: dict[str, Any] | None = None, now: datetime | None = None, category: Category | None = None,
    client_key: str | None = None,
) -> Case:
    """One action on a case. ``category``, with a dispatch, is the category the dispatcher
    confirmed or corrected: a change moves the deadline to the new category's limit.
    ``client_key`` makes a retry safe: the same key on this case again returns the case as it
    is, whatever happened since, instead of refusing it or taking the action twice."""
    case = Case.objects.select_for_update().get(pk=case_id)
    if client_key:
        done = case.steps.filter(data__client_key=client_key).first()
        if done is not None:
            if done.action != action:
                raise CaseInputError("client_key", f"已用于本案的另一操作“{done.action}” (key used for another action)")
            return case
    if expected_version is not None and case.version != expected_version:
        raise ConcurrentUpdateError("案件已被他人更新，请刷新后重试 (the case changed since you opened it)")
    workflow = get_workflow(case.workflow)
    try:
        t = workflow.transition(action)
    except LookupError:
        raise TransitionRefusedError(f"流程 {workflow.name} 没有操作 {action}") from None
    if case.merged_into_id is not None:
        raise TransitionRefusedError("案件已并入他案，随主案办理 (merged into another case)")
    if case.state not in t.sources:
        raise TransitionRefusedError(
            f"当前状态“{workflow.states[case.state]}”不能执行“{t.label}” (action not allowed in this state)")
    post = standing(user, case).post_for(t)
    if post is None:
        raise TransitionRefusedError(f"您的岗位不能对此案件执行“{t.label}” (role not allowed)")
    note = note.strip()
    if t.needs_note and not note:
        raise TransitionRefusedError(f"“{t.label}”须填写说明 (note required)")
    at = now or timezone.now()
    data: dict[str, Any] = {"client_key": client_key} if client_key else {}
    on_time = None if case.due_at is None else at <= case.due_at
    if case.step_due_at is not None and t.target:
        data["step_on_time"] = at <= case.step_due_at
    previous = case.category
    if category is not None and t.effect == "dispatch" and category.pk != case.category_id:
        if not category.is_active:
            raise CaseInputError("category", "该类别已停用")
        case.category = category
        case.due_at, case.warn_at = deadlines.for_category(case.received_at, category)
        data["category"] = {"from": previous.code if previous else "", "to": category.code}
    _apply_effect(case, t, at=at, units=units, extend=extend, follow_up=follow_up, user=user, data=data)
    _apply_clock(case, t.clock, at)
    from_state = case.state
    case.state = t.target or case.state
    if t.target:
        case.step_due_at = deadlines.step_due(case.category, case.state, at)
    case.version += 1
    case.save(update_fields=["state", "version", "due_at", "warn_at", "step_due_at", "paused_at", "closed_at",
                             "escalation_level", "reminded", "category"])
    step = append_step(case, action=action, from_state=from_state, to_state=case.state, actor=user, at=at, note=note,
                       data=data, unit=post.unit, on_time=on_time)
    audit.record(f"case.{action}", actor=user, obj=case, reason=note, area_path=case.area_path)
    if t.effect == "dispatch" and case.category is not None:
        signals.category_confirmed.send(sender=Case, case=case, actor=user, previous=previous)
    signals.transitioned.send(sender=Case, case=case, step=step, transition=t, actor=user)
    return case


def _apply_effect(case: Case, t: Transition, *, at: datetime, units: list[Unit] | None,
                  extend: tuple[float, str] | None, follow_up: dict[str, Any] | None, user: Any,
                  data: dict[str, Any]) -> None:
    if t.effect in ("dispatch", "summon"):
        if not units:
            raise TransitionRefusedError("须指定至少一个单位（派遣时第一个为主办） (units required)")
        # 首接负责: a summons adds 协办 units; the unit that received the case first stays 主办.
        has_lead = case.assignments.filter(active=True, role=AssignmentRole.LEAD).exists()
        already = set(case.assignments.filter(active=True).values_list("unit_id", flat=True))
        for i, unit in enumerate(units):
            if not case.area_path.startswith(unit.area_path):
                raise TransitionRefusedError(f"单位 {unit} 的辖区不含此案件 (unit outside the case's area)")
            if unit.pk in already:
                raise TransitionRefusedError(f"单位 {unit} 已在办理此案件")
            lead = i == 0 and not has_lead
            # A unit summoned later answers on its own clock, from the moment it was summoned.
            own_due = deadlines.for_category(at, case.category)[0] if t.effect == "summon" else None
            Assignment.objects.create(case=case, unit=unit, role=AssignmentRole.LEAD if lead else AssignmentRole.ASSIST,
                                      due_at=own_due or case.due_at, assigned_at=at)
        data["units"] = [u.pk for u in units]
    elif t.effect == "undispatch":
        data["units"] = list(case.assignments.filter(active=True).values_list("unit_id", flat=True))
        case.assignments.filter(active=True).update(active=False)
    elif t.effect == "extend":
        if extend is None or case.due_at is None:
            raise TransitionRefusedError("批准延期须给出延长的时长和单位 (extension amount required)")
        amount, limit_unit = extend
        if not 0 < amount <= MAX_EXTENSION:  # NaN fails too; a huge one overflowed or scanned the calendar for minutes
            raise CaseInputError("extend_amount", f"延期时长须大于 0 且不超过 {MAX_EXTENSION} (must be > 0 and <= {MAX_EXTENSION})")
        old = case.due_at
        try:
            case.due_at, case.warn_at = deadlines.due_and_warn(old, amount, limit_unit)
        except ValueError as exc:  # 1.5 工作日, an unknown unit: the calendar cannot count it
            raise CaseInputError("extend_amount", str(exc)) from exc
        case.warn_at = max(case.warn_at, old)
        case.escalation_level, case.reminded = 0, False
        case.assignments.filter(active=True).update(due_at=case.due_at)
        data.update({"old_due_at": old.isoformat(), "new_due_at": case.due_at.isoformat(), "amount": amount, "unit": limit_unit})
    elif t.effect == "follow_up":
        if follow_up is None:
            raise TransitionRefusedError("回访须记录：是否联系、是否解决、满意度 (follow-up answers required)")
        satisfaction = str(follow_up.get("satisfaction", ""))
        if satisfaction not in Satisfaction.values:
            raise TransitionRefusedError(f"满意度应为 {', '.join(Satisfaction.values)} 之一")
        FollowUp.objects.create(case=case, at=at, valid=bool(follow_up.get("valid", True)),
                                contacted=bool(follow_up["contacted"]), solved=bool(follow_up["solved"]),
                                satisfaction=satisfaction, by=user, area_path=case.area_path)
        data.update({k: follow_up[k] for k in ("contacted", "solved", "satisfaction") if k in follow_up})
    elif t.effect == "rework":
        data["rework"] = True


def _apply_clock(case: Case, clock: Clock, at: datetime) -> None:
    if clock == Clock.PAUSE:
        case.paused_at = at
    elif clock == Clock.RESUME and case.paused_at is not None:
        unit = case.category.limit_unit if case.category else "calendar_days"
        if case.due_at is not None:
            case.due_at = deadlines.shift_for_pause(case.due_at, case.paused_at, at, unit)
        if case.warn_at is not None:
            case.warn_at = deadlines.shift_for_pause(case.warn_at, case.paused_at, at, unit)
        case.paused_at = None
    elif clock == Clock.STOP:
        case.closed_at = at
        close_merged(case, at)



MERGERS = frozenset({Role.STREET_DISPATCHER, Role.CENTER_SUPERVISOR, Role.CENTER_DUTY_CHIEF, Role.COMMUNITY_WORKER})


@transaction.atomic
def do_merge(user: Any, duplicate_id: int, into_id: int, *, note: str = "") -> Case:
    """并单: ``duplicate`` stops on its own and follows ``into``; its reporter is kept informed."""
    pair = {c.pk: c for c in Case.objects.select_for_update().filter(pk__in=[duplicate_id, into_id])}
    duplicate, into = pair.get(duplicate_id), pair.get(into_id)
    if duplicate is None or into is None or duplicate_id == into_id:
        raise TransitionRefusedError("并单须指定两个不同的案件")
    if duplicate.merged_into_id or duplicate.closed_at or into.closed_at or into.merged_into_id:
        raise TransitionRefusedError("已办结或已并单的案件不能再并单")
    s = standing(user, duplicate)
    if not (set(s.by_role) & MERGERS) or not (set(standing(user, into).by_role) & MERGERS):
        raise TransitionRefusedError("您的岗位不能并单 (role not allowed)")
    at = timezone.now()
    duplicate.merged_into, duplicate.paused_at = into, None
    duplicate.version += 1
    duplicate.save(update_fields=["merged_into", "paused_at", "version"])
    append_step(duplicate, action="merge", from_state=duplicate.state, to_state=duplicate.state, actor=user, at=at,
                note=note, data={"into": into.number})
    append_step(into, action="absorb", from_state=into.state, to_state=into.state, actor=user, at=at,
                note=note, data={"merged": duplicate.number})
    audit.record("case.merge", actor=user, obj=duplicate, reason=note, data={"into": into.number})
    return duplicate


def close_merged(case: Case, at: datetime) -> int:
    """When a case closes, the cases merged into it close with it (their reporters get the result),
    and so do the cases merged into those."""
    merged = list(Case.objects.filter(merged_into=case, closed_at__isnull=True))
    for m in merged:
        Case.objects.filter(pk=m.pk).update(closed_at=at)
        append_step(m, action="closed_with", from_state=m.state, to_state=m.state, at=at, data={"with": case.number})
    return len(merged) + sum(close_merged(m, at) for m in merged)


RATEABLE_STATES = {"reviewed", "followed_up", "closed", "fed_back", "self_handled", "evaluated"}


def find_for_reporter(number: str, phone_tail: str) -> Case | None:
    """The case if ``phone_tail`` (the last 4 digits, or the whole number) matches its reporter's
    phone. Unknown number and wrong phone look the same, so numbers cannot be probed."""
    case = Case.objects.filter(number=number.strip()).first()
    tail = "".join(ch for ch in phone_tail if ch.isdigit())
    if case is None or len(tail) < 4 or not case.reporter_phone:
        return None
    return case if case.reporter_phone.reveal().replace("-", "").endswith(tail) else None


@transaction.atomic
def do_resident_rating(case: Case, satisfaction: str) -> Case:
    if satisfaction not in Satisfaction.values:
        raise CaseInputError("satisfaction", f"应为 {', '.join(Satisfaction.values)} 之一")
    if case.state not in RATEABLE_STATES:
        raise CaseInputError("satisfaction", "案件答复后才能评价")
    if case.resident_rating:
        raise CaseInputError("satisfaction", "您已评价过此案件")
    case.resident_rating, case.resident_rated_at = satisfaction, timezone.now()
    case.save(update_fields=["resident_rating", "resident_rated_at"])
    append_step(case, action="resident_rating", from_state=case.state, to_state=case.state, at=case.resident_rated_at,
                data={"satisfaction": satisfaction})
    return case
