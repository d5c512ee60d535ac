"""Indicators computed from the platform's own records — never typed in.

The three rates (北京 接诉即办), over valid follow-ups (有效回访):
    响应率 = contacted / valid        解决率 = solved / valid
    满意率 = (satisfied + 0.9 × basically satisfied) / valid
    综合   = 0.1·响应率 + 0.5·解决率 + 0.4·满意率   (weights: settings.GONGZHI_RATE_WEIGHTS)

数字城管 indicators (GB/T 30428 family, as research/cn_systems_standards.md §2.4), over the
cases dispatched in a period, from their Steps:
    处置率 = 处置数 / 应处置数          按期处置率 = 按期处置数 / 应处置数
    结案率 = 结案数 / 应结案数          按期结案率 = 按期结案数 / 应结案数
    应结案数 = 处置数 + 超时未处置数    返工率 = 返工案件数 / 处置数
    准确派遣率 = (派遣次数 − 回退/退单改派次数) / 派遣次数 (a dispatch sent back before the end counts as 回退)
A rate with a zero denominator is None (shown as "—"), not 0 or 100 %.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery

from gongzhi.cases.models import Assignment, AssignmentRole, Case, FollowUp, Satisfaction, Step
from gongzhi.cases.workflow import Transition, actions_where

DEFAULT_WEIGHTS = {"response": 0.1, "solve": 0.5, "satisfaction": 0.4}


def ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


@dataclass(frozen=True)
class ThreeRates:
    valid: int
    contacted: int
    solved: int
    satisfied: int
    basic: int

    @property
    def response(self) -> float | None:
        return ratio(self.contacted, self.valid)

    @property
    def solve(self) -> float | None:
        return ratio(self.solved, self.valid)

    @property
    def satisfaction(self) -> float | None:
        return ratio(self.satisfied + 0.9 * self.basic, self.valid)

    @property
    def composite(self) -> float | None:
        if not self.valid:
            return None
        w: dict[str, float] = getattr(settings, "GONGZHI_RATE_WEIGHTS", DEFAULT_WEIGHTS)
        return (w["response"] * self.contacted + w["solve"] * self.solved
                + w["satisfaction"] * (self.satisfied + 0.9 * self.basic)) / self.valid


_COUNTS = {
    "valid": Count("id"),
    "contacted": Count("id", filter=Q(contacted=True)),
    "solved": Count("id", filter=Q(solved=True)),
    "satisfied": Count("id", filter=Q(satisfaction=Satisfaction.SATISFIED)),
    "basic": Count("id", filter=Q(satisfaction=Satisfaction.BASIC)),
}


def three_rates(follow_ups: QuerySet[FollowUp]) -> ThreeRates:
    """One aggregate query over the given follow-ups (already scoped by area/unit/period)."""
    agg = follow_ups.filter(valid=True).aggregate(**_COUNTS)
    return ThreeRates(**{k: int(v or 0) for k, v in agg.items()})


def three_rates_by(follow_ups: QuerySet[FollowUp], key: Any) -> dict[str, ThreeRates]:
    """The rates per group in one GROUP BY query; ``key`` is an expression (a street's path
    prefix, the lead department's name …)."""
    rows = follow_ups.filter(valid=True).annotate(group_key=key).values("group_key").annotate(**_COUNTS)
    return {str(r["group_key"]): ThreeRates(**{k: int(r[k] or 0) for k in _COUNTS}) for r in rows
            if r["group_key"] is not None}


def lead_unit_name() -> Subquery:
    return Subquery(Assignment.objects.filter(case=OuterRef("case"), role=AssignmentRole.LEAD)
                    .order_by("-active", "-id").values("unit__name")[:1])


@dataclass(frozen=True)
class UrbanIndicators:
    should_handle: int
    handled: int
    handled_on_time: int
    overdue_unhandled: int
    closed: int
    closed_on_time: int
    rework_cases: int
    dispatches: int
    wrong_dispatches: int

    @property
    def should_close(self) -> int:
        return self.handled + self.overdue_unhandled

    @property
    def handling_rate(self) -> float | None:
        return ratio(self.handled, self.should_handle)

    @property
    def handling_on_time_rate(self) -> float | None:
        return ratio(self.handled_on_time, self.should_handle)

    @property
    def closing_rate(self) -> float | None:
        return ratio(self.closed, self.should_close)

    @property
    def closing_on_time_rate(self) -> float | None:
        return ratio(self.closed_on_time, self.should_close)

    @property
    def rework_rate(self) -> float | None:
        return ratio(self.rework_cases, self.handled)

    @property
    def accurate_dispatch_rate(self) -> float | None:
        return ratio(self.dispatches - self.wrong_dispatches, self.dispatches)


def _steps_q(predicate: Callable[[Transition], bool]) -> Q:
    """Steps whose action, in their case's workflow, satisfies ``predicate``."""
    q = Q(pk__in=[])
    for workflow, actions in actions_where(predicate).items():
        if actions:
            q |= Q(case__workflow=workflow, action__in=actions)
    return q


def _milestone_q(milestone: str) -> Q:
    return _steps_q(lambda t: t.milestone == milestone)


def _effect_q(effect: str) -> Q:
    return _steps_q(lambda t: t.effect == effect)


def urban_indicators(cases: QuerySet[Case], start: datetime, end: datetime) -> UrbanIndicators:
    """Indicators for the cases (already scoped) first dispatched in [start, end), as of ``end``."""
    steps = Step.objects.filter(case__in=cases, at__lt=end)
    dispatched = Step.objects.filter(_effect_q("dispatch"), case=OuterRef("pk"), at__gte=start, at__lt=end)
    in_period = cases.filter(Exists(dispatched))
    handled_steps = steps.filter(_milestone_q("handled"), case__in=in_period)
    closed_steps = steps.filter(_milestone_q("closed"), case__in=in_period)
    handled_cases = handled_steps.values("case").distinct()
    overdue_unhandled = in_period.filter(due_at__lt=end).exclude(pk__in=handled_cases).count()
    dispatch_steps = steps.filter(_effect_q("dispatch"), at__gte=start)
    return UrbanIndicators(
        should_handle=in_period.count(),
        handled=handled_cases.count(),
        handled_on_time=handled_steps.filter(on_time=True).values("case").distinct().count(),
        overdue_unhandled=overdue_unhandled,
        closed=closed_steps.values("case").distinct().count(),
        closed_on_time=closed_steps.filter(on_time=True).values("case").distinct().count(),
        rework_cases=steps.filter(_effect_q("rework"), case__in=in_period).values("case").distinct().count(),
        dispatches=dispatch_steps.count(),
        # A return counts against the dispatch it undoes (dispatches and returns alternate on a
        # case), so a return this period of last period's dispatch cannot push the rate below 0.
        wrong_dispatches=dispatch_steps.filter(Exists(steps.filter(
            _effect_q("undispatch"), case=OuterRef("case"), seq__gt=OuterRef("seq")))).count(),
    )
