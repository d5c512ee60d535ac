from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from gongzhi.cases import deadlines
from gongzhi.cases.models import Case, FollowUp, Step
from gongzhi.cases.services import (
    CaseInputError,
    ConcurrentUpdateError,
    TransitionRefusedError,
    available_actions,
    do_intake,
    do_transition,
)
from gongzhi.cases.workflow import Transition, Workflow
from gongzhi.core.models import AuditEvent
from tests.cases.conftest import World

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")
IN_GRID_1 = (112.905, 28.205)  # 麓山南路社区第1网格 in the fixture city


def at(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=TZ)


def hotline_case(world: World, **kw: object) -> Case:
    args: dict[str, object] = {"workflow": "hotline", "title": "麓山南路路灯一周不亮", "channel": "hotline",
                               "category": world.lights, "lon": IN_GRID_1[0], "lat": IN_GRID_1[1],
                               "reporter_phone": "13800138000", "kind": "投诉", "now": at(2026, 3, 2, 10, 0)}
    args.update(kw)
    return do_intake(**args).case  # type: ignore[arg-type]


def test_a_workflow_must_be_consistent() -> None:
    bad = Transition(action="go", label="去", sources=frozenset({"a"}), target="nowhere", roles=frozenset({"leader"}))
    with pytest.raises(ValueError, match="unknown states"):
        Workflow(code="x", name="x", initial="a", states={"a": "A"}, final=frozenset(), transitions=(bad,))
    leave = Transition(action="go", label="去", sources=frozenset({"z"}), target="a", roles=frozenset({"leader"}))
    with pytest.raises(ValueError, match="leaves a final state"):
        Workflow(code="x", name="x", initial="a", states={"a": "A", "z": "Z"}, final=frozenset({"z"}), transitions=(leave,))


def test_hotline_loop_end_to_end(world: World) -> None:
    case = hotline_case(world)
    assert (case.state, case.grid.path, case.area_path) == ("received", "430104002014001", "430104002014001")
    assert case.number.startswith("20260302")
    assert str(case.reporter_phone) == "138****8000"
    assert case.due_at == at(2026, 3, 9, 17, 30)  # 5 工作日: close of the 5th following working day
    do_transition(world.dispatcher, case.pk, "dispatch", units=[world.chengguan, world.community], now=at(2026, 3, 2, 10, 5))
    assert [(a.unit.code, a.role) for a in case.assignments.all()] == [
        ("dept-430104-chengguan", "lead"), ("community-430104002014", "assist")]
    do_transition(world.handler, case.pk, "accept", now=at(2026, 3, 2, 11, 0))
    do_transition(world.handler, case.pk, "reply", note="已更换灯具，恢复照明", now=at(2026, 3, 4, 15, 0))
    do_transition(world.supervisor, case.pk, "approve_reply", now=at(2026, 3, 4, 16, 0))
    do_transition(world.supervisor, case.pk, "follow_up", now=at(2026, 3, 5, 10, 0),
                  follow_up={"contacted": True, "solved": True, "satisfaction": "basic"})
    case = do_transition(world.supervisor, case.pk, "close", now=at(2026, 3, 5, 10, 5))
    assert (case.state, case.closed_at) == ("closed", at(2026, 3, 5, 10, 5))
    steps = list(Step.objects.filter(case=case).values_list("seq", "action", "from_state", "to_state", "on_time"))
    assert [s[1] for s in steps] == ["intake", "dispatch", "accept", "reply", "approve_reply", "follow_up", "close"]
    assert [s[0] for s in steps] == list(range(1, 8))
    assert all(s[4] for s in steps[1:])
    assert FollowUp.objects.get(case=case).satisfaction == "basic"
    assert AuditEvent.objects.filter(action__startswith="case.", object_id=str(case.pk)).count() == 7
    assert deadlines.light(case, at(2026, 3, 20)) == deadlines.Light.NONE


def test_refusals_name_the_reason(world: World) -> None:
    case = hotline_case(world)
    with pytest.raises(TransitionRefusedError, match="岗位"):
        do_transition(world.grid_worker, case.pk, "dispatch", units=[world.chengguan])
    with pytest.raises(TransitionRefusedError, match="当前状态“已受理”不能执行“回复”"):
        do_transition(world.handler, case.pk, "reply", note="x")
    with pytest.raises(TransitionRefusedError, match="units required"):
        do_transition(world.dispatcher, case.pk, "dispatch")
    with pytest.raises(TransitionRefusedError, match="没有操作"):
        do_transition(world.dispatcher, case.pk, "teleport")
    do_transition(world.dispatcher, case.pk, "dispatch", units=[world.chengguan])
    # 住建's clerk is a department handler in the district, but 住建 was not assigned.
    with pytest.raises(TransitionRefusedError, match="岗位"):
        do_transition(world.other_handler, case.pk, "accept")
    with pytest.raises(TransitionRefusedError, match="说明"):
        do_transition(world.handler, case.pk, "return")
    assert Case.objects.get(pk=case.pk).state == "dispatched"
    assert [t.action for t in available_actions(world.handler, Case.objects.get(pk=case.pk))] == ["accept", "return", "report_in"]
    assert available_actions(world.other_handler, Case.objects.get(pk=case.pk)) == []


def test_return_goes_back_to_the_dispatcher_and_is_rerouted(world: World) -> None:
    case = hotline_case(world)
    do_transition(world.dispatcher, case.pk, "dispatch", units=[world.zhujian])
    do_transition(world.other_handler, case.pk, "return", note="路灯归城管，不属本部门")
    do_transition(world.dispatcher, case.pk, "approve_return")
    assert not case.assignments.filter(active=True).exists()
    do_transition(world.dispatcher, case.pk, "dispatch", units=[world.chengguan])
    case = do_transition(world.handler, case.pk, "accept")
    assert case.state == "accepted"
    assert list(case.assignments.filter(active=True).values_list("unit__code", flat=True)) == ["dept-430104-chengguan"]


def test_extension_moves_the_deadline_with_history(world: World) -> None:
    case = hotline_case(world)
    do_transition(world.dispatcher, case.pk, "dispatch", units=[world.chengguan])
    do_transition(world.handler, case.pk, "accept")
    do_transition(world.handler, case.pk, "request_extension", note="需更换电缆，等待材料")
    with pytest.raises(TransitionRefusedError, match="岗位"):
        do_transition(world.handler, case.pk, "approve_extension", extend=(3, "work_days"))
    case = do_transition(world.chief, case.pk, "approve_extension", extend=(3, "work_days"))
    assert case.due_at == at(2026, 3, 12, 17, 30)
    step = Step.objects.get(case=case, action="approve_extension")
    assert datetime.fromisoformat(step.data["old_due_at"]) == at(2026, 3, 9, 17, 30)


def test_commitment_pauses_the_clock(world: World) -> None:
    case = hotline_case(world)
    do_transition(world.dispatcher, case.pk, "dispatch", units=[world.chengguan])
    do_transition(world.handler, case.pk, "accept")
    do_transition(world.handler, case.pk, "commit", note="纳入年度改造计划", now=at(2026, 3, 3, 9, 0))
    paused = Case.objects.get(pk=case.pk)
    assert deadlines.light(paused, at(2026, 6, 1)) == deadlines.Light.GREEN  # the clock is stopped
    case = do_transition(world.handler, case.pk, "resume", now=at(2026, 3, 5, 9, 0))
    # Two working days (14 working hours) passed while paused: the deadline moves by as much.
    assert case.due_at == at(2026, 3, 11, 17, 30)


def test_optimistic_concurrency(world: World) -> None:
    case = hotline_case(world)
    do_transition(world.dispatcher, case.pk, "dispatch", units=[world.chengguan], expected_version=0)
    with pytest.raises(ConcurrentUpdateError, match="已被他人更新"):
        do_transition(world.dispatcher, case.pk, "supervise", note="x", expected_version=0)
    assert Step.objects.filter(case=case).count() == 2


def test_grid_event_self_handled_and_verified(world: World) -> None:
    case = do_intake(workflow="grid_event", title="楼下暴露垃圾", channel="grid", category=world.garbage,
                     lon=IN_GRID_1[0], lat=IN_GRID_1[1], actor=world.grid_worker, now=at(2026, 3, 6, 16, 0)).case
    # 4 工作时 from Friday 16:00: 1.5 h on Friday, 2.5 h on Monday.
    assert case.due_at == at(2026, 3, 9, 11, 30)
    assert deadlines.light(case, at(2026, 3, 6, 17, 0)) == deadlines.Light.GREEN
    assert deadlines.light(case, at(2026, 3, 9, 11, 0)) == deadlines.Light.YELLOW
    assert deadlines.light(case, at(2026, 3, 9, 11, 31)) == deadlines.Light.RED
    do_transition(world.community_worker, case.pk, "community_accept", now=at(2026, 3, 6, 16, 10))
    do_transition(world.community_worker, case.pk, "self_handle", note="已清运", now=at(2026, 3, 6, 17, 0))
    case = do_transition(world.grid_worker, case.pk, "verify_pass", now=at(2026, 3, 9, 9, 30))
    assert case.state == "closed"


def test_intake_is_idempotent_by_client_key(world: World) -> None:
    first = do_intake(workflow="grid_event", title="井盖缺失", channel="grid", lon=IN_GRID_1[0], lat=IN_GRID_1[1],
                      client_key="phone-7f3a-0001")
    again = do_intake(workflow="grid_event", title="井盖缺失", channel="grid", lon=IN_GRID_1[0], lat=IN_GRID_1[1],
                      client_key="phone-7f3a-0001")
    assert first.created
    assert not again.created
    assert again.case.pk == first.case.pk
    assert Case.objects.count() == 1
    assert Step.objects.count() == 1


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"title": "  "}, "title"),
        ({"reporter_phone": "12345"}, "reporter_phone"),
        ({"lon": 100.0, "lat": 40.0}, "lon/lat"),
        ({"lon": 112.9, "lat": None}, "lon/lat"),
        ({"lon": 300.0, "lat": 28.2}, "lon/lat"),
        ({"channel": "fax"}, "channel"),
        ({"kind": "表扬"}, "kind"),
        ({"lon": None, "lat": None}, "area"),
    ],
)
def test_intake_refuses_bad_input_naming_the_field(world: World, kw: dict[str, object], field: str) -> None:
    with pytest.raises(CaseInputError) as info:
        hotline_case(world, **kw)
    assert info.value.field == field
    assert not Case.objects.exists()


def test_gcj02_point_from_a_phone_lands_in_its_grid(world: World) -> None:
    from gongzhi.areas.geo import wgs84_to_gcj02

    lon, lat = wgs84_to_gcj02(*IN_GRID_1)
    case = hotline_case(world, lon=lon, lat=lat, datum="gcj02")
    assert case.grid.path == "430104002014001"
    assert case.lon == pytest.approx(IN_GRID_1[0], abs=1e-7)


def test_whistle_summons_departments_who_report_in(world: World) -> None:
    case = do_intake(workflow="grid_event", title="小区消防通道被占", channel="grid", lon=IN_GRID_1[0], lat=IN_GRID_1[1]).case
    do_transition(world.community_worker, case.pk, "community_accept")
    do_transition(world.community_worker, case.pk, "escalate", note="需多部门联合处置")
    do_transition(world.dispatcher, case.pk, "dispatch", units=[world.community])
    # The street blows the whistle: 城管 and 住建 must report to the case.
    do_transition(world.dispatcher, case.pk, "whistle", note="联合整治", units=[world.chengguan, world.zhujian])
    roles = dict(case.assignments.filter(active=True).values_list("unit__code", "role"))
    assert roles == {"community-430104002014": "lead", "dept-430104-chengguan": "assist", "dept-430104-zhujian": "assist"}
    do_transition(world.other_handler, case.pk, "report_in", note="住建已到场")
    with pytest.raises(TransitionRefusedError, match="已在办理"):
        do_transition(world.dispatcher, case.pk, "whistle", note="再次", units=[world.zhujian])
    assert Case.objects.get(pk=case.pk).state == "dispatched"
    assert list(Step.objects.filter(case=case, action="report_in").values_list("unit__code", flat=True)) == ["dept-430104-zhujian"]


def test_step_limits_and_summoned_units_own_clock(world: World) -> None:
    world.lights.step_limits = {"received": [1, "work_hours"], "dispatched": [1, "work_days"]}
    world.lights.save()
    case = hotline_case(world)  # Mon 2 Mar 10:00
    assert case.step_due_at == at(2026, 3, 2, 11, 0)  # 派单 within 1 工作时
    late = do_transition(world.dispatcher, case.pk, "dispatch", units=[world.chengguan], now=at(2026, 3, 2, 14, 0))
    assert late.step_due_at == at(2026, 3, 3, 17, 30)  # 签收 within 1 工作日
    assert Step.objects.get(case=case, action="dispatch").data["step_on_time"] is False
    accepted = do_transition(world.handler, case.pk, "accept", now=at(2026, 3, 3, 9, 0))
    assert accepted.step_due_at is None  # no limit set for 办理中
    assert Step.objects.get(case=case, action="accept").data["step_on_time"] is True
    # The street summons 住建 on Thursday: its own 5 工作日 start then, not at intake.
    do_transition(world.dispatcher, case.pk, "whistle", note="联合处置", units=[world.zhujian], now=at(2026, 3, 5, 10, 0))
    dues = dict(case.assignments.values_list("unit__code", "due_at"))
    assert dues["dept-430104-chengguan"] == at(2026, 3, 9, 17, 30)
    assert dues["dept-430104-zhujian"] == at(2026, 3, 12, 17, 30)
