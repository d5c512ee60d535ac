"""Reads of cases for pages, exports and the API — scoped through core.access."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from gongzhi.accounts.models import Post
from gongzhi.cases.models import Assignment, Case
from gongzhi.cases.services import available_actions
from gongzhi.cases.workflow import all_workflows
from gongzhi.core import access
from gongzhi.core.access import Role

INBOX_LIMIT = 500
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


def inbox(user: Any) -> list[Case]:
    """What needs this user now: open cases where one of their roles has an action, by deadline."""
    posts = user_posts(user)
    roles = {p.role for p in posts}
    actionable = Q(pk__in=[])
    for wf in all_workflows():
        states = {s for t in wf.transitions if t.roles & roles and t.target for s in t.sources}
        if states:
            actionable |= Q(workflow=wf.code, state__in=states)
    # Lists never show reporters or full texts: leave them unread (and undecrypted).
    candidates = with_assignments(visible_cases(user, posts).filter(actionable, closed_at__isnull=True,
                                                                    merged_into__isnull=True)).defer(*LIST_DEFERRED)
    return [c for c in candidates.order_by("due_at", "id")[:INBOX_LIMIT]
            if any(t.target for t in available_actions(user, c, posts))]


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
