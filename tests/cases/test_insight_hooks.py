"""What the case engine's signals drive in 智能派单: hot-spot alerts from repeated cases, and
the reply check written on a reply step for the reviewer."""

from __future__ import annotations

from datetime import timedelta

import pytest

from gongzhi.cases.models import Case, Step
from gongzhi.cases.services import do_merge, do_transition
from gongzhi.insight.models import HotspotAlert
from gongzhi.insight.services import ALERT_COUNT, ALERT_DAYS, hot_spots, raise_alerts
from tests.cases.conftest import World
from tests.cases.test_engine import at, hotline_case

pytestmark = pytest.mark.django_db


def test_repeated_complaints_raise_one_alert_that_grows(world: World) -> None:
    start = at(2026, 3, 2, 9, 0)
    cases = [hotline_case(world, title=f"麓山南路路灯不亮第{i}次反映", description="麓山南路晚上路灯全黑",
                          reporter_phone=f"1380013800{i}", now=start + timedelta(hours=i))
             for i in range(ALERT_COUNT - 1)]
    hotline_case(world, title="小区垃圾没人清运", description="垃圾堆了三天", category=world.garbage,
                 workflow="grid_event", channel="grid", now=start)
    now = start + timedelta(days=1)
    assert raise_alerts(now) == []  # one short of the threshold
    cases.append(hotline_case(world, title="麓山南路路灯又不亮了", description="麓山南路晚上路灯全黑",
                              reporter_phone="13800138099", now=start + timedelta(hours=9)))
    raised = raise_alerts(now)
    assert len(raised) == 1
    alert = raised[0]
    assert alert.count == ALERT_COUNT
    assert set(alert.cases) == {c.number for c in cases}
    assert "麓山南路" in alert.place
    # A later check brings the same alert up to date instead of raising another.
    hotline_case(world, title="麓山南路路灯坏了", description="麓山南路晚上路灯全黑", reporter_phone="13800138098",
                 now=start + timedelta(hours=10))
    assert raise_alerts(now + timedelta(hours=1)) == []
    assert HotspotAlert.objects.count() == 1
    assert HotspotAlert.objects.get().count == ALERT_COUNT + 1


def test_a_problem_still_coming_in_keeps_its_one_alert_when_its_first_case_leaves_the_window(world: World) -> None:
    """The alert follows its cases: the group's first message, place or area may change as it
    grows and the window slides; a group sharing a case with a known alert updates that alert."""
    start = at(2026, 3, 2, 9, 0)
    numbers = []
    for i in range(ALERT_COUNT + 3):  # one every day
        case = hotline_case(world, title=f"麓山南路路灯不亮第{i}次反映", description="麓山南路晚上路灯全黑",
                            reporter_phone=f"1380013810{i}", now=start + timedelta(days=i))
        numbers.append(case.number)
    first_check = start + timedelta(days=ALERT_COUNT - 1, hours=1)
    assert len(raise_alerts(first_check)) == 1
    later = start + timedelta(days=ALERT_DAYS + 2, hours=1)  # the first cases are out of the window now
    assert raise_alerts(later) == []
    alert = HotspotAlert.objects.get()
    assert numbers[0] in alert.cases  # every case the alert has counted stays on it
    assert numbers[-1] in alert.cases
    assert alert.count == len(numbers)
    assert alert.last_at == Case.objects.get(number=numbers[-1]).received_at


def test_merged_duplicates_count_as_support_not_as_messages(world: World) -> None:
    first = hotline_case(world, title="麓山南路路灯不亮", description="路灯全黑")
    second = hotline_case(world, title="麓山南路路灯不亮了", description="路灯全黑", reporter_phone="13800138001")
    third = hotline_case(world, title="麓山南路路灯坏了", description="路灯全黑", reporter_phone="13800138002")
    do_merge(world.dispatcher, third.pk, first.pk)
    groups = hot_spots("430104", days=30, now=at(2026, 3, 3))
    assert len(groups) == 1
    assert groups[0].count == 2
    assert groups[0].support == 1
    assert set(groups[0].keys) == {first.number, second.number}


def test_a_weak_reply_is_flagged_on_its_step(world: World) -> None:
    case = hotline_case(world)
    do_transition(world.dispatcher, case.pk, "dispatch", units=[world.chengguan])
    do_transition(world.handler, case.pk, "accept")
    do_transition(world.handler, case.pk, "reply", note="您好，来信已收悉。")
    step = Step.objects.get(case=case, action="reply")
    check = step.data["reply_check"]
    assert check["weak"] is True
    assert any("过短" in r for r in check["reasons"])
    other = hotline_case(world, reporter_phone="13800138005")
    do_transition(world.dispatcher, other.pk, "dispatch", units=[world.chengguan])
    do_transition(world.handler, other.pk, "accept")
    do_transition(world.handler, other.pk, "reply", note=(
        "经现场核实，麓山南路路灯因线路老化不亮，已于3月3日更换线路并恢复照明。"
        "如仍有问题请致电城管热线 0731-88888888。"))
    good = Step.objects.get(case=other, action="reply").data["reply_check"]
    assert good["weak"] is False
    assert good["score"] > check["score"]


def test_a_model_whose_labels_are_not_catalog_codes_is_not_switched_on_for_intake(world: World) -> None:
    from gongzhi.insight import store
    from gongzhi.insight.classifier import RECIPES, TextClassifier

    docs = [("路灯不亮", "晚上很黑"), ("路灯坏了", "看不清路"), ("噪音扰民", "夜里施工"), ("施工噪音", "吵得睡不着")]
    model = TextClassifier(RECIPES["baseline"]).fit(docs, ["城乡建设", "城乡建设", "环境保护", "环境保护"])
    row = store.save(model, name=store.INTAKE_MODEL, source="file", metrics={}, trained_on=4)
    with pytest.raises(ValueError, match="不是派单目录中的类别"):
        store.activate(row)
    other = store.save(model, name="teddycup", source="file", metrics={}, trained_on=4)
    assert store.activate(other).status == "active"  # under another name it is only evaluated


def test_a_case_filed_to_a_grid_without_a_point_is_in_that_grid(world: World) -> None:
    grid = world.areas["430104002014001"]
    case = hotline_case(world, lon=None, lat=None, area=grid)
    assert case.grid_id == grid.pk
    assert case.area_path == grid.path


def test_government_offices_are_not_places() -> None:
    from gongzhi.insight.hotspots import places

    assert places("请市委市政府关注麓山南路拥堵") == {"麓山南路"}
