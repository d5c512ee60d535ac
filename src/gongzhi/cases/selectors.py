"""Reads of cases for pages, exports and the API — scoped through core.access."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from gongzhi.accounts.models import Post, Unit
from gongzhi.cases.models import Assignment, AssignmentRole, Case
from gongzhi.cases.workflow import all_workflows
from gongzhi.core import access
from gongzhi.core.access import Role

LIST_DEFERRED = ("reporter_name", "reporter_phone", "description")
# What a case list shows and colours (deadlines.light); the rest of the row stays unread.
LIST_FIELDS = ("number", "workflow", "state", "title", "area_path", "received_at", "due_at", "warn_at", "paused_at",
               "closed_at", "escalation_level", "category__name")


def user_posts(user: Any) -> list[Post]:
    if not getattr(user, "is_authenticated", False):
        return []
    return list(user.active_posts())


def visible_cases(user: Any, posts: list[Post] | None = None) -> QuerySet[Case]:
    """Cases in the user's areas, plus those dispatched to their department."""
    posts = user_posts(user) if posts is None else posts
    units = [p.unit_id for p in posts if p.role == Role.DEPT_HANDLER and p.unit_id]
    q = access.scope_q(user, access.VIEW, "case")
    if units:
        q |= Q(pk__in=Assignment.objects.filter(unit_id__in=units, active=True).values("case_id"))
    return Case.objects.filter(q)


def with_assignments(qs: QuerySet[Case]) -> QuerySet[Case]:
    # The grid's boundary is a large JSON document nobody reads from a case list.
    return qs.select_related("category", "grid").defer("grid__boundary").prefetch_related(
        Prefetch("assignments", queryset=Assignment.objects.select_related("unit"))
    )


def lead_units(case_ids: list[int]) -> dict[int, Unit]:
    """The 主办 unit of each case, in one query (a list needs no other assignment)."""
    leads = Assignment.objects.filter(case_id__in=case_ids, active=True, role=AssignmentRole.LEAD).select_related("unit")
    return {a.case_id: a.unit for a in leads}


@dataclass(frozen=True)
class _Needs:
    """Per workflow and role: the states where the role moves a case on by itself, and those
    where only a post of an assigned unit may (签收, 办理 …). Fixed by the workflow data."""

    by_role: dict[str, frozenset[str]]
    by_assignee: dict[str, frozenset[str]]


@cache
def _needs(code: str) -> _Needs:
    by_role: dict[str, set[str]] = {}
    by_assignee: dict[str, set[str]] = {}
    for t in next(wf for wf in all_workflows() if wf.code == code).transitions:
        if not t.target:
            continue  # side actions (督办, 报到) do not make a case "need me"
        for role in t.roles:
            (by_assignee if t.by_assignee else by_role).setdefault(role, set()).update(t.sources)
    return _Needs({r: frozenset(v) for r, v in by_role.items()}, {r: frozenset(v) for r, v in by_assignee.items()})


def actionable_q(posts: list[Post]) -> Q:
    """Cases in a state where one of these posts can move them on, as SQL: states open to a
    role, and — for actions only an assigned unit may take — cases assigned to the post's unit.
    Kept small (one subquery per unit, not per workflow): compiling it is most of an inbox's cost."""
    roles = {p.role for p in posts if p.role != Role.DEPT_HANDLER}
    by_role = Q(pk__in=[])
    by_unit: dict[int, Q] = {}
    for wf in all_workflows():
        needs = _needs(wf.code)
        role_states = frozenset().union(*(needs.by_role.get(r, frozenset()) for r in roles))
        if role_states:
            by_role |= Q(workflow=wf.code, state__in=sorted(role_states))
        for p in posts:
            states = needs.by_assignee.get(p.role, frozenset()) - role_states
            if states and p.unit_id:
                by_unit[p.unit_id] = by_unit.get(p.unit_id, Q(pk__in=[])) | Q(workflow=wf.code, state__in=sorted(states))
    q = by_role
    for unit_id, states_q in by_unit.items():
        assigned = Assignment.objects.filter(unit_id=unit_id, active=True).values("case_id")
        q |= Q(pk__in=assigned) & states_q
    return q


def inbox(user: Any) -> QuerySet[Case]:
    """What needs this user now: open cases one of their posts can move on, by deadline."""
    posts = user_posts(user)
    qs = visible_cases(user, posts).filter(actionable_q(posts), closed_at__isnull=True, merged_into__isnull=True)
    # Lists never show reporters or full texts: leave them unread (and undecrypted).
    return qs.select_related("category").only(*LIST_FIELDS).order_by("due_at", "id")


def supervision_queue(user: Any) -> QuerySet[Case]:
    """Escalated (overdue) open cases in the user's areas: the 督办 queue."""
    return visible_cases(user).filter(escalation_level__gt=0, closed_at__isnull=True).select_related(
        "category").order_by(
        "-escalation_level", "due_at").only(*LIST_FIELDS)


def access_case(user: Any, number: str) -> Case:
    case = with_assignments(Case.objects.filter(number=number)).first()
    if case is None:
        raise Http404(number)
    if not visible_cases(user).filter(pk=case.pk).exists():
        raise PermissionDenied("您无权查看此案件。")
    return case
