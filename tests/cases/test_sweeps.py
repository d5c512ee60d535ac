from __future__ import annotations

import pytest
from django.core.management import call_command

from gongzhi.cases.models import Case, Step
from gongzhi.cases.services import do_transition
from gongzhi.cases.sweeps import sweep
from tests.cases.conftest import World
from tests.cases.test_engine import at, hotline_case

pytestmark = pytest.mark.django_db


def test_remind_at_80_percent_then_escalate_once_per_level(world: World) -> None:
    case = hotline_case(world)  # received Mon 2 Mar 10:00, due Mon 9 Mar 17:30 (5 工作日)
    assert sweep(at(2026, 3, 5, 9, 0)).reminded == 0
    first = sweep(at(2026, 3, 9, 10, 0))
    assert (first.reminded, first.escalated) == (1, 0)
    assert sweep(at(2026, 3, 9, 10, 5)).reminded == 0  # a second sweep changes nothing
    assert sweep(at(2026, 3, 9, 18, 0)).escalated == 1
    assert sweep(at(2026, 3, 9, 18, 1)).escalated == 0
    assert Case.objects.get(pk=case.pk).escalation_level == 1
    # One more span of the original limit (7 days 7.5 h) overdue: level 2.
    assert sweep(at(2026, 3, 17, 10, 0)).escalated == 1
    assert Case.objects.get(pk=case.pk).escalation_level == 2
    actions = list(Step.objects.filter(case=case).values_list("action", flat=True))
    assert actions == ["intake", "remind", "escalate", "escalate"]
    assert list(Step.objects.filter(case=case).values_list("seq", flat=True)) == [1, 2, 3, 4]


def test_paused_and_closed_cases_are_left_alone(world: World) -> None:
    case = hotline_case(world)
    do_transition(world.dispatcher, case.pk, "dispatch", units=[world.chengguan])
    do_transition(world.handler, case.pk, "accept")
    do_transition(world.handler, case.pk, "commit", note="纳入改造计划", now=at(2026, 3, 3, 9, 0))
    assert sweep(at(2026, 4, 1)).escalated == 0
    assert Case.objects.get(pk=case.pk).escalation_level == 0


def test_human_steps_and_sweeps_interleave_without_losing_a_seq(world: World) -> None:
    case = hotline_case(world)
    sweep(at(2026, 3, 9, 10, 0))
    do_transition(world.dispatcher, case.pk, "dispatch", units=[world.chengguan], now=at(2026, 3, 9, 10, 1))
    sweep(at(2026, 3, 9, 18, 0))
    do_transition(world.handler, case.pk, "accept", now=at(2026, 3, 9, 18, 5))
    seqs = list(Step.objects.filter(case=case).order_by("seq").values_list("seq", "action"))
    assert seqs == [(1, "intake"), (2, "remind"), (3, "dispatch"), (4, "escalate"), (5, "accept")]


def test_sweep_command(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    hotline_case(world, now=at(2020, 3, 2, 10, 0))
    call_command("cases", "sweep")
    assert "escalated 1" in capsys.readouterr().out


def test_default_catalog_loads_idempotently(capsys: pytest.CaptureFixture[str]) -> None:
    from gongzhi.cases.models import Category

    call_command("cases", "load-catalog")
    first = Category.objects.count()
    call_command("cases", "load-catalog")
    assert Category.objects.count() == first
    lights = Category.objects.get(code="street-lights")
    assert (lights.parent.name, lights.department, float(lights.limit_amount), lights.limit_unit) == (
        "公用设施", "chengguan", 5.0, "work_days")
    assert Category.objects.filter(parent__isnull=True).count() == 8


def test_sweep_loop_runs_until_stopped(world: World) -> None:
    """The loop the demo's background thread and `cases sweep --every` run: it sweeps at once,
    again at each tick, and returns when told to stop."""
    import threading
    import time

    from gongzhi.cases.sweeps import sweep_every

    case = hotline_case(world, now=at(2020, 3, 2, 10, 0))  # years overdue
    stop = threading.Event()
    threading.Timer(0.5, stop.set).start()
    started = time.monotonic()
    sweep_every(0.1, stop)
    assert 0.4 < time.monotonic() - started < 5
    assert Case.objects.get(pk=case.pk).escalation_level == 3  # the top level at once
    assert Step.objects.filter(case=case, action="escalate").count() == 1  # later ticks change nothing
