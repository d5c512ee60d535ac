"""replies.check: relevance, completeness and timeliness of a department's reply."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from gongzhi.cases.models import Step
from gongzhi.cases.services import do_intake, do_transition
from gongzhi.insight.replies import WEAK, check, completeness, relevance, timeliness
from tests.cases.conftest import World

TZ = ZoneInfo("Asia/Shanghai")
REQUEST = "金星北路路灯不亮 金星北路靠近公交站的几盏路灯连续一周晚上不亮，行人出行很不方便，请尽快维修。"
OTHER_REQUEST = "翠竹园小区工地夜间施工噪音扰民 翠竹园小区旁边工地每天晚上施工到凌晨，打桩噪音太大，居民睡不着。"
GOOD = ("您好，来信收悉。经我局工作人员现场核实，金星北路靠近公交站处的路灯因线路老化不亮。"
        "我局已安排维修班组于5月12日更换线路和灯具，目前路灯已恢复照明。"
        "如有疑问，请联系岳麓区城管局路灯管理所，电话0731-88881234。")
BOILERPLATE = "您好，来信已收悉。"
RECEIVED = datetime(2026, 5, 1, 9, 0, tzinfo=TZ)
DUE = datetime(2026, 5, 8, 17, 30, tzinfo=TZ)


def test_a_good_reply_scores_well() -> None:
    c = check(REQUEST, GOOD)
    assert not c.weak
    assert c.score >= 0.8
    assert c.found == ["核实情况", "处理结果或措施", "时间安排", "联系方式"]
    assert c.reasons == []
    assert 0.8 <= c.relevance <= 1.0
    assert 0.8 <= c.completeness <= 1.0


def test_boilerplate_is_weak_and_says_why() -> None:
    good, empty = check(REQUEST, GOOD), check(REQUEST, BOILERPLATE)
    assert empty.score < good.score
    assert empty.score < WEAK
    assert empty.weak
    assert empty.found == []
    assert "缺少核实情况" in empty.reasons
    assert "缺少处理结果或措施" in empty.reasons
    assert any(r.startswith("答复过短") for r in empty.reasons)
    assert any("金星北路" in r for r in empty.reasons)  # the place it should have named
    d = empty.as_dict()
    assert d["weak"] is True
    assert d["reasons"] == empty.reasons
    assert d["score"] == round(empty.score, 3)


def test_each_missing_part_costs_completeness() -> None:
    full, _r, _f = completeness(GOOD)
    no_phone, _r, found = completeness(GOOD.split("如有疑问")[0])
    assert "联系方式" not in found
    assert no_phone < full
    no_dates = "经现场核实，路灯线路老化。我局已安排维修班组更换线路和灯具，路灯已恢复照明，请放心。"
    value, reasons, found = completeness(no_dates)
    assert found == ["核实情况", "处理结果或措施"]
    assert value < no_phone
    assert reasons == []  # 核实情况 and 处理结果 are there; the text is long enough


def test_a_reply_to_another_request_is_less_relevant() -> None:
    right, wrong = check(REQUEST, GOOD), check(OTHER_REQUEST, GOOD)
    assert wrong.relevance < right.relevance
    assert wrong.relevance < 0.3
    assert wrong.weak  # complete, on time, and about something else
    assert any("翠竹园小区" in r for r in wrong.reasons)
    assert "答复与诉求内容关联很少" in wrong.reasons


def test_relevance_counts_the_place() -> None:
    named, _r = relevance(REQUEST, GOOD)
    unnamed, _r = relevance(REQUEST, GOOD.replace("金星北路", "该路段"))
    assert unnamed < named
    assert relevance("", "已处理") == (1.0, [])  # nothing to look for


def test_late_replies_lose_timeliness() -> None:
    on_time = check(REQUEST, GOOD, received_at=RECEIVED, due_at=DUE, replied_at=DUE - timedelta(days=1))
    hours = check(REQUEST, GOOD, received_at=RECEIVED, due_at=DUE, replied_at=DUE + timedelta(hours=3))
    days = check(REQUEST, GOOD, received_at=RECEIVED, due_at=DUE, replied_at=DUE + timedelta(days=3))
    weeks = check(REQUEST, GOOD, received_at=RECEIVED, due_at=DUE, replied_at=DUE + timedelta(days=30))
    assert on_time.timeliness == 1.0
    assert 1.0 > hours.timeliness > days.timeliness > weeks.timeliness > 0.0
    assert on_time.score > hours.score > days.score > weeks.score
    assert on_time.reasons == []
    assert hours.reasons == ["超过办理时限 3.0 小时答复"]
    assert days.reasons == ["超过办理时限 3.0 天答复"]
    assert check(REQUEST, GOOD, replied_at=DUE + timedelta(days=30)).timeliness == 1.0  # no time limit known


def test_timeliness_decays_over_the_time_allowed() -> None:
    """e^(−late / allowed): as late as the whole time allowed → 1/e."""
    allowed = DUE - RECEIVED
    value, _r = timeliness(DUE + allowed, RECEIVED, DUE)
    assert value == pytest.approx(0.36788, abs=1e-4)
    assert timeliness(DUE, RECEIVED, DUE) == (1.0, [])
    assert timeliness(None, RECEIVED, DUE) == (1.0, [])


@pytest.mark.django_db
def test_a_reply_step_carries_its_check(world: World) -> None:
    """The engine's reply (回复, a "handled" milestone) is checked and the result kept on its Step."""
    def replied(note: str) -> dict[str, object]:
        case = do_intake(workflow="hotline", title="金星北路路灯不亮", channel="hotline", category=world.lights,
                         description=REQUEST, lon=112.905, lat=28.205, kind="投诉", now=RECEIVED).case
        do_transition(world.dispatcher, case.pk, "dispatch", units=[world.chengguan], now=RECEIVED + timedelta(hours=1))
        do_transition(world.handler, case.pk, "accept", now=RECEIVED + timedelta(hours=2))
        do_transition(world.handler, case.pk, "reply", note=note, now=RECEIVED + timedelta(days=2))
        data = Step.objects.get(case=case, action="reply").data
        assert "reply_check" not in Step.objects.get(case=case, action="accept").data
        return data["reply_check"]  # type: ignore[no-any-return]

    good = replied(GOOD)
    assert good["weak"] is False
    assert good["found"] == ["核实情况", "处理结果或措施", "时间安排", "联系方式"]
    assert good["timeliness"] == 1.0
    weak = replied(BOILERPLATE)
    assert weak["weak"] is True
    assert "缺少核实情况" in weak["reasons"]  # type: ignore[operator]
