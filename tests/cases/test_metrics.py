"""The indicators against fixtures counted by hand (the arithmetic is in the comments)."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest

from gongzhi.cases.metrics import three_rates, urban_indicators
from gongzhi.cases.models import Case, Category, FollowUp, LimitUnit
from gongzhi.cases.services import do_intake, do_transition
from tests.cases.conftest import World
from tests.cases.test_engine import IN_GRID_1, at

pytestmark = pytest.mark.django_db


def test_three_rates_as_beijing_counts_them(world: World) -> None:
    answers = [  # contacted, solved, satisfaction, valid
        (True, True, "satisfied", True),
        (True, True, "basic", True),
        (True, False, "unsatisfied", True),
        (False, False, "unsatisfied", True),
        (True, True, "basic", True),
        (True, True, "satisfied", False),  # an invalid follow-up counts nowhere
    ]
    for i, (contacted, solved, satisfaction, valid) in enumerate(answers):
        case = do_intake(workflow="hotline", title=f"诉求{i}", channel="hotline", lon=IN_GRID_1[0], lat=IN_GRID_1[1]).case
        FollowUp.objects.create(case=case, at=at(2026, 3, 5), contacted=contacted, solved=solved,
                                satisfaction=satisfaction, valid=valid, area_path=case.area_path)
    rates = three_rates(FollowUp.objects.all())
    # valid 5, contacted 4, solved 3, satisfied 1, basic 2
    assert (rates.valid, rates.contacted, rates.solved, rates.satisfied, rates.basic) == (5, 4, 3, 1, 2)
    assert rates.response == pytest.approx(0.8)
    assert rates.solve == pytest.approx(0.6)
    assert rates.satisfaction == pytest.approx((1 + 0.9 * 2) / 5)  # 0.56
    assert rates.composite == pytest.approx(0.1 * 0.8 + 0.5 * 0.6 + 0.4 * 0.56)  # 0.604
    empty = three_rates(FollowUp.objects.none())
    assert (empty.response, empty.composite) == (None, None)


def test_weights_are_configurable(world: World, settings: object) -> None:
    case = do_intake(workflow="hotline", title="诉求", channel="hotline", lon=IN_GRID_1[0], lat=IN_GRID_1[1]).case
    FollowUp.objects.create(case=case, at=at(2026, 3, 5), contacted=True, solved=False, satisfaction="basic",
                            area_path=case.area_path)
    settings.GONGZHI_RATE_WEIGHTS = {"response": 0.2, "solve": 0.4, "satisfaction": 0.4}  # type: ignore[attr-defined]
    assert three_rates(FollowUp.objects.all()).composite == pytest.approx(0.2 * 1 + 0.4 * 0 + 0.4 * 0.9)


def test_urban_indicators_by_hand(world: World) -> None:
    urban = Category.objects.create(code="urban-garbage", name="暴露垃圾", workflow="urban",
                                    limit_amount=Decimal(1), limit_unit=LimitUnit.WORK_DAYS)

    def case(title: str) -> Case:
        c = do_intake(workflow="urban", title=title, channel="grid", category=urban, lon=IN_GRID_1[0],
                      lat=IN_GRID_1[1], now=at(2026, 3, 2, 9, 0)).case
        assert c.due_at == at(2026, 3, 3, 17, 30)
        do_transition(world.chief, c.pk, "register", now=at(2026, 3, 2, 9, 30))
        return c

    def go(user: object, c: Case, action: str, when: tuple[int, ...], **kw: object) -> None:
        do_transition(user, c.pk, action, now=at(*when), note=kw.pop("note", "处理说明"), **kw)  # type: ignore[arg-type]

    a, b, c, d = case("A"), case("B"), case("C"), case("D")
    case("E")  # registered, never dispatched: outside every count
    for x in (a, b, c):
        go(world.dispatcher, x, "dispatch", (2026, 3, 2, 10, 0), units=[world.chengguan])
        go(world.handler, x, "accept", (2026, 3, 2, 10, 30))
    go(world.handler, a, "feed_back", (2026, 3, 2, 15, 0))            # handled on time
    go(world.chief, a, "check_pass", (2026, 3, 2, 16, 0))             # closed on time
    go(world.handler, b, "feed_back", (2026, 3, 4, 10, 0))            # handled late
    go(world.chief, b, "check_fail", (2026, 3, 4, 11, 0))             # 返工
    go(world.handler, b, "feed_back", (2026, 3, 4, 14, 0))
    go(world.chief, b, "check_pass", (2026, 3, 4, 15, 0))             # closed late
    # C is accepted and never handled: overdue from Tue 17:30.
    go(world.dispatcher, d, "dispatch", (2026, 3, 2, 10, 0), units=[world.zhujian])
    go(world.other_handler, d, "return", (2026, 3, 2, 11, 0), note="不属本部门")  # 错误派遣
    go(world.dispatcher, d, "dispatch", (2026, 3, 2, 11, 30), units=[world.chengguan])
    go(world.handler, d, "accept", (2026, 3, 2, 12, 0))
    go(world.handler, d, "feed_back", (2026, 3, 3, 10, 0))            # handled on time, not yet closed

    got = urban_indicators(Case.objects.all(), at(2026, 3, 2), at(2026, 3, 7))
    assert (got.should_handle, got.handled, got.handled_on_time, got.overdue_unhandled) == (4, 3, 2, 1)
    assert (got.should_close, got.closed, got.closed_on_time) == (4, 2, 1)
    assert (got.rework_cases, got.dispatches, got.wrong_dispatches) == (1, 5, 1)
    assert got.handling_rate == pytest.approx(3 / 4)
    assert got.handling_on_time_rate == pytest.approx(2 / 4)
    assert got.closing_rate == pytest.approx(2 / 4)
    assert got.closing_on_time_rate == pytest.approx(1 / 4)
    assert got.rework_rate == pytest.approx(1 / 3)
    assert got.accurate_dispatch_rate == pytest.approx(4 / 5)
    # A period before anything was dispatched: nothing to count, every rate undefined.
    none = urban_indicators(Case.objects.all(), at(2026, 2, 1), at(2026, 3, 1))
    assert (none.should_handle, none.handling_rate, none.accurate_dispatch_rate) == (0, None, None)


def test_rates_page_per_street_and_department_this_month_against_last(world: World, client: object) -> None:
    from django.test import Client

    from gongzhi.cases.rates import rates_overview

    def followed(when: tuple[int, ...], unit: object, contacted: bool, solved: bool, satisfaction: str) -> None:
        case = do_intake(workflow="hotline", title="诉求", channel="hotline", lon=IN_GRID_1[0], lat=IN_GRID_1[1]).case
        do_transition(world.dispatcher, case.pk, "dispatch", units=[unit])
        FollowUp.objects.create(case=case, at=at(*when), contacted=contacted, solved=solved,
                                satisfaction=satisfaction, area_path=case.area_path)

    followed((2026, 3, 5), world.chengguan, True, True, "satisfied")
    followed((2026, 3, 6), world.chengguan, True, False, "basic")
    followed((2026, 3, 7), world.zhujian, False, False, "unsatisfied")
    followed((2026, 2, 10), world.chengguan, True, True, "basic")
    overview = rates_overview(world.supervisor, at(2026, 3, 20))
    (street,) = overview["areas"]
    assert (street.key, street.name) == ("430104002", "岳麓街道")
    # This month: 3 valid, 2 contacted, 1 solved, 1 satisfied, 1 basic.
    assert street.this_month.composite == pytest.approx(0.1 * 2 / 3 + 0.5 * 1 / 3 + 0.4 * (1 + 0.9) / 3)
    # Last month: one follow-up, contacted, solved, basically satisfied.
    assert street.last_month.composite == pytest.approx(0.1 + 0.5 + 0.4 * 0.9)
    depts = {r.name: r for r in overview["departments"]}
    assert depts["岳麓区城管局"].this_month.valid == 2
    assert depts["岳麓区住建局"].this_month.response == 0
    c = Client()
    c.force_login(world.supervisor)
    assert c.get("/cases/rates/").status_code == 200
    import time_machine

    with time_machine.travel(at(2026, 3, 20), tick=False):
        export = c.get("/cases/rates/?format=xlsx")
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_filelike(io.BytesIO(export.content))
    assert book.sheet_names == ["按区域", "按主办部门", "按类别"]
    area_rows = book.get_sheet_by_name("按区域").to_python()
    assert area_rows[1][:2] == ["岳麓街道", 3]  # 3 valid follow-ups this month
    assert area_rows[1][5] == pytest.approx(0.1 * 2 / 3 + 0.5 * 1 / 3 + 0.4 * (1 + 0.9) / 3)
    c.force_login(world.handler)
    assert c.get("/cases/rates/").status_code == 403


def test_indicators_page(world: World) -> None:
    from django.test import Client

    case = do_intake(workflow="hotline", title="诉求", channel="hotline", lon=IN_GRID_1[0], lat=IN_GRID_1[1]).case
    do_transition(world.dispatcher, case.pk, "dispatch", units=[world.chengguan])
    do_transition(world.handler, case.pk, "accept")
    do_transition(world.handler, case.pk, "reply", note="已处理")
    c = Client()
    c.force_login(world.supervisor)
    page = c.get("/cases/indicators/").content.decode()
    assert "处置率" in page
    assert "岳麓街道" in page
    # One case dispatched this month and replied on time: handling rate 1.000 for the district and its street.
    assert page.count("1.000 / —") >= 2
    c.force_login(world.handler)
    assert c.get("/cases/indicators/").status_code == 403


def test_rates_per_top_category(world: World) -> None:
    """Follow-ups grouped by the 大类 of their case's category; cases without one are left out."""
    from gongzhi.cases.catalog import load_default_catalog
    from gongzhi.cases.models import Category
    from gongzhi.cases.rates import rates_overview

    load_default_catalog()

    def followed(code: str | None, contacted: bool, solved: bool, satisfaction: str) -> None:
        category = Category.objects.get(code=code) if code else None
        case = do_intake(workflow="hotline", title="诉求", channel="hotline", category=category,
                         lon=IN_GRID_1[0], lat=IN_GRID_1[1]).case
        FollowUp.objects.create(case=case, at=at(2026, 3, 5), contacted=contacted, solved=solved,
                                satisfaction=satisfaction, area_path=case.area_path)

    followed("street-lights", True, True, "satisfied")   # 公用设施
    followed("manhole", True, False, "basic")            # 公用设施
    followed("garbage-exposed", False, False, "unsatisfied")  # 市容环境
    followed(None, True, True, "satisfied")              # no category: in the totals only
    rows = {r.name: r for r in rates_overview(world.supervisor, at(2026, 3, 20))["categories"]}
    assert set(rows) == {"公用设施", "市容环境"}
    public = rows["公用设施"].this_month
    assert (public.valid, public.response, public.solve) == (2, 1.0, 0.5)
    assert public.satisfaction == pytest.approx((1 + 0.9) / 2)
    assert rows["市容环境"].this_month.composite == pytest.approx(0.0)
