"""Reads of cases for pages, exports and the API — scoped through core.access."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from gongzhi.accounts.models import Post
from gongzhi.cases.models import Assignment, Case
from gongzhi.cases.workflow import all_workflows
from gongzhi.core import access
from gongzhi.core.access import Role

LIST_DEFERRED = ("reporter_name", "reporter_phone", "description")


def user_posts(user: Any) -> list[Post]:
    if not getattr(user, "is_authenticated", False):
        return []
    return list(user.posts.filter(is_active=True).select_related("unit", "area"))


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


def actionable_q(posts: list[Post]) -> Q:
    """Cases in a state where one of these posts can move them on, as SQL: states open to a
    role, and — for actions only an assigned unit may take — cases assigned to the post's unit."""
    roles = {p.role for p in posts if p.role != Role.DEPT_HANDLER}
    q = Q(pk__in=[])
    for wf in all_workflows():
        role_states: set[str] = set()
        assignee_units: dict[str, set[int]] = {}
        for t in wf.transitions:
            if not t.target:
                continue  # side actions (督办, 报到) do not make a case "need me"
            if t.by_assignee:
                units = {p.unit_id for p in posts if p.role in t.roles and p.unit_id}
                for state in t.sources if units else ():
                    assignee_units.setdefault(state, set()).update(units)
            elif t.roles & roles:
                role_states |= t.sources
        if role_states:
            q |= Q(workflow=wf.code, state__in=role_states)
        for state, units in assignee_units.items():
            if state not in role_states:
                assigned = Assignment.objects.filter(unit_id__in=units, active=True).values("case_id")
                q |= Q(workflow=wf.code, state=state, pk__in=assigned)
    return q


def inbox(user: Any) -> QuerySet[Case]:
    """What needs this user now: open cases one of their posts can move on, by deadline."""
    posts = user_posts(user)
    qs = visible_cases(user, posts).filter(actionable_q(posts), closed_at__isnull=True, merged_into__isnull=True)
    # Lists never show reporters or full texts: leave them unread (and undecrypted).
    return with_assignments(qs).defer(*LIST_DEFERRED).order_by("due_at", "id")


def supervision_queue(user: Any) -> QuerySet[Case]:
    """Escalated (overdue) open cases in the user's areas: the 督办 queue."""
    return with_assignments(visible_cases(user).filter(escalation_level__gt=0, closed_at__isnull=True)).order_by(
        "-escalation_level", "due_at").defer(*LIST_DEFERRED)


def access_case(user: Any, number: str) -> Case:
    case = with_assignments(Case.objects.filter(number=number)).first()
    if case is None:
        raise Http404(number)
    if not visible_cases(user).filter(pk=case.pk).exists():
        raise PermissionDenied("您无权查看此案件。")
    return case
