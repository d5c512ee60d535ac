from __future__ import annotations

import pytest

from gongzhi.cases.duplicates import possible_duplicates, similarity
from gongzhi.cases.models import Case, Step
from gongzhi.cases.services import TransitionRefusedError, do_merge, do_transition
from tests.cases.conftest import World
from tests.cases.test_engine import at, hotline_case

pytestmark = pytest.mark.django_db


def test_similarity_of_chinese_texts() -> None:
    # 5 shared bigrams (麓山 山南 南路 路灯 不亮) of 13 distinct
    assert similarity("麓山南路路灯一周不亮", "麓山南路的路灯不亮了") == pytest.approx(5 / 13)
    assert similarity("麓山南路路灯一周不亮", "小区楼下噪音扰民") == 0
    assert similarity("", "路灯") == 0


def test_the_same_complaint_is_flagged_and_an_unrelated_one_is_not(world: World) -> None:
    yesterday = hotline_case(world, now=at(2026, 3, 1, 20, 0))
    today = hotline_case(world, title="麓山南路的路灯不亮了", description="路灯坏了好几天", now=at(2026, 3, 2, 9, 0))
    noise = hotline_case(world, title="夜间施工噪音", description="工地每晚施工", now=at(2026, 3, 2, 9, 30), category=None)
    # Same street, 2 km away, only loosely similar text: not the same problem.
    far_away = hotline_case(world, lon=112.925, lat=28.205, now=at(2026, 3, 2, 9, 45))
    found = possible_duplicates(today)
    assert [c.case.pk for c in found] == [yesterday.pk]
    assert found[0].distance == pytest.approx(0, abs=1)
    assert noise.pk not in [c.case.pk for c in possible_duplicates(far_away)]


def test_merge_keeps_both_reporters_on_the_handled_case(world: World) -> None:
    first = hotline_case(world, reporter_phone="13800138001")
    second = hotline_case(world, reporter_phone="13800138002", title="麓山南路的路灯不亮了")
    with pytest.raises(TransitionRefusedError, match="岗位"):
        do_merge(world.grid_worker, second.pk, first.pk)
    do_merge(world.dispatcher, second.pk, first.pk, note="同一路段路灯")
    second.refresh_from_db()
    assert second.merged_into_id == first.pk
    with pytest.raises(TransitionRefusedError, match="已并单"):
        do_merge(world.dispatcher, second.pk, first.pk)
    # The master case runs its course; when it closes, the merged one closes with it.
    do_transition(world.dispatcher, first.pk, "dispatch", units=[world.chengguan])
    do_transition(world.handler, first.pk, "accept")
    do_transition(world.handler, first.pk, "reply", note="已修复")
    do_transition(world.supervisor, first.pk, "approve_reply")
    do_transition(world.supervisor, first.pk, "follow_up", follow_up={"contacted": True, "solved": True, "satisfaction": "satisfied"})
    do_transition(world.supervisor, first.pk, "close")
    second = Case.objects.get(pk=second.pk)
    assert second.closed_at is not None
    assert list(Step.objects.filter(case=second).values_list("action", flat=True)) == ["intake", "merge", "closed_with"]
    assert "absorb" in Step.objects.filter(case=first).values_list("action", flat=True)
