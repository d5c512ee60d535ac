"""hotspots: places named in a message, messages grouped by problem, the heat of a group."""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from gongzhi.insight.hotspots import Message, group, group_place, heat, places

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 5, 10, 12, 0, tzinfo=TZ)

NOISE_AT_CUIZHUYUAN = [
    ("翠竹园小区夜间施工噪音", "翠竹园小区旁边工地每天晚上施工到凌晨，噪音太大睡不着。"),
    ("翠竹园小区工地噪音扰民", "翠竹园小区居民反映，隔壁工地夜间打桩噪音扰民。"),
    ("投诉翠竹园小区旁工地夜间施工", "晚上十二点了翠竹园小区边上的工地还在施工，噪音很大。"),
    ("翠竹园小区噪音问题", "翠竹园小区附近工地夜里施工，噪音吵得孩子哭。"),
    ("翠竹园小区晚上施工太吵", "每天晚上翠竹园小区外面工地机器轰鸣，噪音扰民严重。"),
]
LIGHTS_ON_JINXING = [
    ("金星北路路灯不亮", "金星北路一段的路灯连续几天晚上不亮，行人很不方便。"),
    ("金星北路路灯坏了", "金星北路路灯坏了好几盏，晚上一片漆黑。"),
    ("反映金星北路路灯不亮", "金星北路靠近公交站的路灯一直不亮，请尽快维修。"),
]
UNRELATED = [
    ("咨询社保卡办理", "请问社保卡丢了在哪里补办，需要带什么材料。"),
    ("小孩入学问题", "孩子明年上小学，户口不在本地，想咨询入学政策。"),
    ("公交线路调整建议", "建议增加一条公交线路到高铁站，方便市民出行。"),
    ("燃气费缴纳咨询", "燃气费怎么在网上缴纳，营业厅排队太久。"),
]


def messages() -> list[Message]:
    out = [Message(f"n{i}", t, b, NOW - timedelta(days=5 - i)) for i, (t, b) in enumerate(NOISE_AT_CUIZHUYUAN)]
    out += [Message(f"l{i}", t, b, NOW - timedelta(days=3 - i)) for i, (t, b) in enumerate(LIGHTS_ON_JINXING)]
    out += [Message(f"o{i}", t, b, NOW - timedelta(days=i)) for i, (t, b) in enumerate(UNRELATED)]
    random.Random(7).shuffle(out)  # the order they come in does not matter
    return out


@pytest.mark.parametrize(("text", "expected"), [
    ("麓山南路路灯不亮", {"麓山南路"}),
    ("坚决反对在诺亚山林小区建垃圾站", {"诺亚山林小区"}),
    ("关于米兰春天小区停车问题", {"米兰春天小区"}),
    ("反映枫林三路与桐梓坡路交叉口积水", {"枫林三路", "桐梓坡路"}),
    ("丽发新城门口的路", {"丽发新城"}),
    ("湖东社区", {"湖东社区"}),
    ("坚决反对在诺亚山林小区门口设置医院", {"诺亚山林小区"}),  # 门口设置医院 is what happens there
    ("幸福里小区旁边开设工厂", {"幸福里小区"}),
    ("小区门口设置医院", set()),
    ("伊景园滨河苑捆绑销售车位", {"伊景园滨河苑"}),  # 河 then 苑: the name runs on to the last place word
    ("枫林路小学门口", {"枫林路小学"}),
    ("石门村村委会", {"石门村"}),
    ("新建路口积水", {"新建路"}),
    ("请问学校什么时候开学", set()),  # a generic word alone is no place
    ("今天天气很好", set()),
    ("", set()),
])
def test_places(text: str, expected: set[str]) -> None:
    assert places(text) == expected


def test_the_two_problems_are_grouped_hottest_first() -> None:
    groups = group(messages(), now=NOW)
    assert [(g.count, g.place) for g in groups] == [(5, "翠竹园小区"), (3, "金星北路")]
    noise, lights = groups
    assert noise.keys == ["n0", "n1", "n2", "n3", "n4"]  # oldest first
    assert lights.keys == ["l0", "l1", "l2"]
    assert noise.heat > lights.heat
    assert noise.title in {t for t, _b in NOISE_AT_CUIZHUYUAN}
    assert (noise.first_at, noise.last_at) == (NOW - timedelta(days=5), NOW - timedelta(days=1))
    assert noise.signature == "|翠竹园小区|n0"
    assert [m.key for m in noise.messages] == noise.keys


def test_min_count_and_too_few_messages() -> None:
    assert [g.count for g in group(messages(), now=NOW, min_count=4)] == [5]
    assert group(messages()[:1], now=NOW) == []
    assert group([], now=NOW) == []


def test_the_same_words_about_another_road_stay_apart() -> None:
    other_road = Message("x", "银杉路路灯不亮", "银杉路一段的路灯连续几天晚上不亮，行人很不方便。", NOW)
    groups = group([*messages(), other_road], now=NOW)
    assert [g.keys for g in groups] == [["n0", "n1", "n2", "n3", "n4"], ["l0", "l1", "l2"]]


def test_messages_close_on_the_map_are_one_problem() -> None:
    """Texts alike (cosine 0.39 here: under CLOSE, over NEAR) naming no place are one problem
    when they come from points 100 m apart, not when 4 km apart."""
    def pair(lon_b: float) -> list[Message]:
        return [Message("a", "人行道塌陷", "人行道塌了一个大坑，晚上看不见容易踩空", NOW, lon=112.9400, lat=28.2000),
                Message("b", "人行道有坑", "人行道塌陷出一个大坑，已经有人摔倒", NOW, lon=lon_b, lat=28.2000)]

    assert [g.keys for g in group(pair(112.9410), now=NOW)] == [["a", "b"]]
    assert group(pair(112.9800), now=NOW) == []
    no_points = pair(112.9410)
    no_points[1].lon = no_points[1].lat = None
    assert group(no_points, now=NOW) == []


def test_support_makes_a_group_hotter() -> None:
    plain = group(messages(), now=NOW)
    backed = messages()
    for m in backed:
        if m.key.startswith("l"):
            m.support = 20  # votes or merged duplicates behind the 金星北路 messages
    groups = group(backed, now=NOW)
    assert groups[0].place == "金星北路"  # now hotter than the five about noise
    assert groups[0].support == 60
    assert groups[0].heat > plain[1].heat


def test_heat_by_hand() -> None:
    t = NOW
    assert heat(4, 0, t, t, t) == pytest.approx(4.0)  # no support, no span, just now
    # support 7 → × (1 + ln 8 / 3); thirty days' span → × 2 (the most); last message just now.
    assert heat(2, 7, t - timedelta(days=30), t, t) == pytest.approx(2 * (1 + math.log(8) / 3) * 2)
    assert heat(2, 0, t - timedelta(days=90), t, t) == pytest.approx(4.0)  # span counts up to 30 days
    # Fourteen days since the last message: × (0.5 + 0.5/e).
    assert heat(3, 0, t, t, t + timedelta(days=14)) == pytest.approx(3 * (0.5 + 0.5 / math.e))


def test_heat_grows_with_count_and_support_and_decays_with_age() -> None:
    first, last = NOW - timedelta(days=3), NOW - timedelta(days=1)
    assert heat(5, 0, first, last, NOW) > heat(3, 0, first, last, NOW)
    assert heat(3, 10, first, last, NOW) > heat(3, 2, first, last, NOW) > heat(3, 0, first, last, NOW)
    ages = [heat(5, 0, first, last, NOW + timedelta(days=d)) for d in (0, 3, 10, 30, 365)]
    assert ages == sorted(ages, reverse=True)
    assert len(set(ages)) == len(ages)
    assert ages[-1] > 0.5 * ages[0] * 0.99  # old groups halve, they do not vanish
    assert heat(5, 0, first, last, last - timedelta(days=1)) == heat(5, 0, first, last, last)  # no future boost


def test_a_street_lamp_is_not_a_road() -> None:
    """路灯, 路面: the 路 is not a road's (楼下路灯 once gave the place 楼下路)."""
    assert places("三盏路灯不亮") == set()
    assert places("金星北路楼下路灯不亮") == {"金星北路"}
    assert places("东方红路路面塌陷") == {"东方红路"}


def test_lamps_on_two_roads_are_two_problems() -> None:
    """Alike texts naming different roads: not linked by a false shared place (楼下路)."""
    a = Message("a", "金星北路路灯不亮", "我住金星北路，楼下路灯不亮一周了。", NOW)
    b = Message("b", "银杉路路灯不亮", "我住银杉路，楼下路灯不亮一周了。", NOW)
    assert group([a, b], now=NOW) == []


def test_a_group_is_named_by_its_most_named_place_ties_by_the_longer_name() -> None:
    where = [{"眼科医院", "诺亚山林小区"}, {"眼科医院", "诺亚山林小区"}, {"诺亚山林小区"}]
    assert group_place(where) == "诺亚山林小区"
    tie = [{"眼科医院"}, {"诺亚山林小区"}]
    assert group_place(tie) == "诺亚山林小区"
    assert group_place(list(reversed(tie))) == "诺亚山林小区"
    same_length = [{"乙小区"}, {"甲小区"}]
    assert group_place(same_length) == group_place(list(reversed(same_length)))
    assert group_place([set(), set()]) == ""
