"""Regressions for what the stateful workflow machine (tests/proof/test_workflow_states.py) found."""

from __future__ import annotations

import pytest

from gongzhi.cases.metrics import urban_indicators
from gongzhi.cases.models import Case, Step
from gongzhi.cases.services import (
    CaseInputError,
    TransitionRefusedError,
    available_actions,
    do_merge,
    do_transition,
)
from gongzhi.cases.sweeps import sweep
from tests.cases.conftest import World
from tests.cases.test_engine import at, hotline_case

pytestmark = pytest.mark.django_db


def accepted_case(world: World) -> Case:
    case = hotline_case(world)  # received Mon 2 Mar 10:00, 5 工作日: due Mon 9 Mar 17:30
    do_transition(world.dispatcher, case.pk, "dispatch", units=[world.chengguan], now=at(2026, 3, 2, 10, 5))
    do_transition(world.handler, case.pk, "accept", now=at(2026, 3, 2, 11, 0))
    return case


@pytest.mark.parametrize("extend", [(1.5, "work_days"), (2, "fortnights")])
def test_an_extension_the_calendar_cannot_count_is_refused_not_a_crash(world: World, extend: tuple[float, str]) -> None:
    # The page's form allows 1.5 with the unit 工作日; the working calendar counts whole
    # working days only. It was a bare ValueError (a server error on the case page); now it is
    # the engine's input error, which the page shows.
    case = accepted_case(world)
    do_transition(world.handler, case.pk, "request_extension", note="等待材料")
    with pytest.raises(CaseInputError, match="时限") as refused:
        do_transition(world.chief, case.pk, "approve_extension", extend=extend)
    assert refused.value.field == "extend_amount"
    assert Case.objects.get(pk=case.pk).state == "extension_requested"
    do_transition(world.chief, case.pk, "approve_extension", extend=(2, "work_days"))


def test_an_extension_rearms_the_reminder(world: World) -> None:
    case = accepted_case(world)
    assert sweep(at(2026, 3, 9, 10, 0)).reminded == 1  # 80 % of the time used
    do_transition(world.handler, case.pk, "request_extension", note="等待材料", now=at(2026, 3, 9, 10, 5))
    do_transition(world.chief, case.pk, "approve_extension", extend=(3, "work_days"), now=at(2026, 3, 9, 10, 10))
    extended = Case.objects.get(pk=case.pk)
    assert (extended.due_at, extended.reminded, extended.escalation_level) == (at(2026, 3, 12, 17, 30), False, 0)
    # The new deadline is near: the sweep reminds again (it did not: `reminded` stayed set).
    assert sweep(at(2026, 3, 12, 16, 0)).reminded == 1


def test_a_merged_case_takes_no_action_of_its_own(world: World) -> None:
    master, duplicate = hotline_case(world), hotline_case(world, title="麓山南路的路灯不亮了")
    do_merge(world.dispatcher, duplicate.pk, master.pk, note="同一路段")
    duplicate.refresh_from_db()
    assert available_actions(world.dispatcher, duplicate) == []
    with pytest.raises(TransitionRefusedError, match="并入"):
        do_transition(world.dispatcher, duplicate.pk, "dispatch", units=[world.chengguan])
    # It closes with its master, and stays closed at that moment.
    do_transition(world.supervisor, master.pk, "supervise", note="催办")
    for user, action, kw in [(world.dispatcher, "dispatch", {"units": [world.chengguan]}), (world.handler, "accept", {}),
                             (world.handler, "reply", {"note": "已修复"}), (world.supervisor, "approve_reply", {}),
                             (world.supervisor, "follow_up",
                              {"follow_up": {"contacted": True, "solved": True, "satisfaction": "satisfied"}}),
                             (world.supervisor, "close", {})]:
        do_transition(user, master.pk, action, now=at(2026, 3, 3, 10, 0), **kw)  # type: ignore[arg-type]
    duplicate.refresh_from_db()
    assert (duplicate.state, duplicate.closed_at) == ("received", at(2026, 3, 3, 10, 0))
    with pytest.raises(TransitionRefusedError):
        do_transition(world.dispatcher, duplicate.pk, "dispatch", units=[world.chengguan])


def test_cases_merged_into_a_merged_case_close_with_the_last_master(world: World) -> None:
    a, b, c = (hotline_case(world, title=f"路灯不亮{i}") for i in range(3))
    do_merge(world.dispatcher, a.pk, b.pk)
    do_merge(world.dispatcher, b.pk, c.pk)  # b, which a follows, follows c
    do_transition(world.dispatcher, c.pk, "dispatch", units=[world.chengguan])
    do_transition(world.handler, c.pk, "accept")
    do_transition(world.handler, c.pk, "reply", note="已修复")
    do_transition(world.supervisor, c.pk, "approve_reply")
    do_transition(world.supervisor, c.pk, "follow_up", follow_up={"contacted": True, "solved": True,
                                                                   "satisfaction": "satisfied"})
    do_transition(world.supervisor, c.pk, "close", now=at(2026, 3, 4, 9, 0))
    assert set(Case.objects.values_list("closed_at", flat=True)) == {at(2026, 3, 4, 9, 0)}
    assert list(Step.objects.filter(case=a).values_list("action", flat=True)) == ["intake", "merge", "closed_with"]


def test_accurate_dispatch_rate_stays_within_0_and_1_across_months(world: World) -> None:
    # Sent to the wrong department on 31 March, sent back on 1 April and re-dispatched, sent back
    # again on 2 April. April had one dispatch and two returns: the rate was (1 − 2) / 1 = −100 %.
    case = hotline_case(world, now=at(2026, 3, 31, 9, 0))
    do_transition(world.dispatcher, case.pk, "dispatch", units=[world.zhujian], now=at(2026, 3, 31, 10, 0))
    do_transition(world.other_handler, case.pk, "return", note="不属本部门", now=at(2026, 4, 1, 9, 0))
    do_transition(world.dispatcher, case.pk, "approve_return", now=at(2026, 4, 1, 9, 30))
    do_transition(world.dispatcher, case.pk, "dispatch", units=[world.chengguan], now=at(2026, 4, 1, 10, 0))
    do_transition(world.handler, case.pk, "return", note="不属本部门", now=at(2026, 4, 2, 9, 0))
    do_transition(world.dispatcher, case.pk, "approve_return", now=at(2026, 4, 2, 9, 30))
    # A return counts against the dispatch it undoes, in that dispatch's period.
    april = urban_indicators(Case.objects.all(), at(2026, 4, 1), at(2026, 5, 1))
    assert (april.dispatches, april.wrong_dispatches, april.accurate_dispatch_rate) == (1, 1, 0.0)
    march = urban_indicators(Case.objects.all(), at(2026, 3, 1), at(2026, 4, 1))  # as of 1 April
    assert (march.dispatches, march.wrong_dispatches, march.accurate_dispatch_rate) == (1, 0, 1.0)
    both = urban_indicators(Case.objects.all(), at(2026, 3, 1), at(2026, 5, 1))
    assert (both.dispatches, both.wrong_dispatches, both.accurate_dispatch_rate) == (2, 2, 0.0)
