"""routing: the unit for a category where the case is, the proposal at intake, the
dispatcher's answer at dispatch."""

from __future__ import annotations

from decimal import Decimal

import pytest

from gongzhi.accounts.models import Unit, UnitKind
from gongzhi.cases.catalog import handling_unit
from gongzhi.cases.models import Case, Category, LimitUnit, Step
from gongzhi.cases.services import do_intake, do_transition
from gongzhi.insight import routing, store
from gongzhi.insight.models import Proposal, TextModel
from tests.builders import make_unit
from tests.cases.conftest import World
from tests.insight.conftest import fitted, stored

pytestmark = pytest.mark.django_db
LIGHTS = ("麓山南路路灯一周不亮", "麓山南路靠近学校的几盏路灯一周没亮了，晚上很黑，请尽快维修。")
NOISE = ("楼下工地夜间施工太吵", "工地每天晚上施工到凌晨，噪音很大，居民睡不着。")
IN_GRID_1 = (112.905, 28.205)  # 麓山南路社区第1网格 (430104002014001) of the fixture city
GRID_1 = "430104002014001"


def intake(world: World, title_body: tuple[str, str] = LIGHTS, **kw: object) -> Case:
    title, body = title_body
    args: dict[str, object] = {"workflow": "hotline", "title": title, "description": body, "channel": "hotline",
                               "lon": IN_GRID_1[0], "lat": IN_GRID_1[1], "kind": "投诉"}
    args.update(kw)
    return do_intake(**args).case  # type: ignore[arg-type]


# -- the unit (cases.catalog.handling_unit, what suggest() proposes) --------------------------------------------------------------------------------

def test_a_department_category_goes_to_the_district_department_by_code_suffix(world: World) -> None:
    make_unit("dept-4301-chengguan", UnitKind.DEPARTMENT, world.areas["4301"], "长沙市城管局")
    make_unit("dept-430102-chengguan", UnitKind.DEPARTMENT, world.areas["430102"], "芙蓉区城管局")
    assert handling_unit(world.lights, GRID_1) == world.chengguan  # 岳麓区's, not the city's or 芙蓉区's
    assert handling_unit(world.lights, "430104001001001") == world.chengguan  # anywhere in 岳麓区
    assert handling_unit(world.lights, "430102001001001") == Unit.objects.get(code="dept-430102-chengguan")
    assert handling_unit(world.lights, "430104") == world.chengguan


def test_without_a_district_department_the_citys_is_used(world: World) -> None:
    city = make_unit("dept-4301-chengguan", UnitKind.DEPARTMENT, world.areas["4301"], "长沙市城管局")
    assert handling_unit(world.lights, "430102001001001") == city  # 芙蓉区 has no 城管局 of its own
    world.chengguan.is_active = False
    world.chengguan.save()
    assert handling_unit(world.lights, GRID_1) == city  # a disbanded unit is not proposed


def test_the_department_suffix_must_match(world: World) -> None:
    zhujian_work = Category.objects.create(code="leaks", name="房屋漏水", handler_level="department",
                                           department="zhujian")
    assert handling_unit(zhujian_work, GRID_1) == world.zhujian
    unknown = Category.objects.create(code="rail", name="轨道交通", handler_level="department", department="metro")
    assert handling_unit(unknown, GRID_1) == world.street  # no such department: the street office


def test_a_street_category_goes_to_the_street_office(world: World) -> None:
    noise = Category.objects.create(code="noise", name="噪音扰民", handler_level="street", department="chengguan")
    assert handling_unit(noise, GRID_1) == world.street  # the department is only a fallback
    assert handling_unit(world.garbage, "430104002001001") == world.street  # 枇杷塘社区, same street
    # 望月湖街道 has no office in the fixture: the department named, or nothing.
    assert handling_unit(noise, "430104001001001") == world.chengguan
    assert handling_unit(world.garbage, "430104001001001") is None


def test_a_community_category_goes_to_the_community(world: World) -> None:
    estate = Category.objects.create(code="property", name="物业管理", handler_level="community")
    assert handling_unit(estate, GRID_1) == world.community
    assert handling_unit(estate, "430104002014002") == world.community  # the other grid of 麓山南路社区
    assert handling_unit(estate, "430104002014") == world.community
    # 枇杷塘社区 has no committee in the fixture: its street office.
    assert handling_unit(estate, "430104002001001") == world.street


# -- suggest -----------------------------------------------------------------------------------

def test_suggest_without_an_active_model_shows_nothing(catalog: dict[str, Category]) -> None:
    stored(fitted({y: c.code for y, c in catalog.items()}))  # trained, never switched on
    s = routing.suggest(*LIGHTS, GRID_1)
    assert (s.shown, s.category, s.unit, s.model_id, s.confidence) == (False, None, None, None, 0.0)
    assert s.as_dict() == {"shown": False, "confidence": 0.0, "model": None, "category": None, "unit": None,
                           "alternatives": []}


def test_suggest_proposes_the_category_and_its_unit(world: World, catalog: dict[str, Category],
                                                    active_model: TextModel) -> None:
    s = routing.suggest(*LIGHTS, GRID_1)
    assert s.shown
    assert s.category == world.lights
    assert s.unit == world.chengguan
    assert s.model_id == active_model.pk
    assert 0.45 <= s.confidence <= 1.0
    assert s.alternatives[0][0] == world.lights
    assert len(s.alternatives) == 3
    d = s.as_dict()
    assert d["category"] == {"id": world.lights.pk, "code": "street-lights", "name": "路灯不亮"}
    assert d["unit"] == {"id": world.chengguan.pk, "name": "岳麓区城管局"}
    noise = routing.suggest(*NOISE, GRID_1)
    assert (noise.category, noise.unit) == (catalog["噪音"], world.street)


def test_suggest_below_the_threshold_shows_nothing(world: World, catalog: dict[str, Category]) -> None:
    row = stored(fitted({y: c.code for y, c in catalog.items()}, threshold=0.999), active=True)
    s = routing.suggest(*LIGHTS, GRID_1)
    assert not s.shown
    assert s.model_id == row.pk
    assert s.category == world.lights  # the best guess is kept for the record…
    assert s.unit is None
    assert 0.0 < s.confidence < 0.999
    d = s.as_dict()
    assert (d["shown"], d["category"], d["unit"], d["alternatives"]) == (False, None, None, [])  # …not shown


def test_suggest_skips_categories_switched_off_since_training(world: World, catalog: dict[str, Category],
                                                             active_model: TextModel) -> None:
    world.lights.is_active = False
    world.lights.save()
    s = routing.suggest(*LIGHTS, GRID_1)
    assert world.lights not in [c for c, _p in s.alternatives]
    assert s.category != world.lights


# -- intake and dispatch -------------------------------------------------------------------------

def test_intake_without_a_model_records_no_proposal(world: World) -> None:
    case = intake(world)
    assert not Proposal.objects.filter(case=case).exists()


def test_intake_records_the_proposal(world: World, active_model: TextModel) -> None:
    case = intake(world)
    p = Proposal.objects.get(case=case)
    assert p.shown
    assert (p.category, p.unit, p.model_id) == (world.lights, world.chengguan, active_model.pk)
    assert 0.45 <= p.confidence <= 1.0
    assert (p.accepted, p.chosen_category, p.decided_at) == (None, None, None)  # nobody has chosen yet
    assert case.category is None


def test_a_category_chosen_at_intake_is_the_answer(world: World, catalog: dict[str, Category],
                                                  active_model: TextModel) -> None:
    same = Proposal.objects.get(case=intake(world, category=world.lights))
    assert (same.accepted, same.chosen_category) == (True, world.lights)
    assert same.decided_at is not None
    other = Proposal.objects.get(case=intake(world, category=catalog["噪音"]))
    assert (other.accepted, other.chosen_category, other.category) == (False, catalog["噪音"], world.lights)


def test_a_category_confirmed_at_dispatch_is_accepted(world: World, active_model: TextModel) -> None:
    case = intake(world)
    do_transition(world.dispatcher, case.pk, "dispatch", units=[world.chengguan], category=world.lights)
    p = Proposal.objects.get(case=case)
    assert (p.accepted, p.chosen_category, p.decided_by) == (True, world.lights, world.dispatcher)
    case.refresh_from_db()
    assert case.category == world.lights
    step = Step.objects.get(case=case, action="dispatch")
    assert step.data["category"] == {"from": "", "to": "street-lights"}


def test_a_dispatch_on_another_category_is_a_correction(world: World, catalog: dict[str, Category],
                                                       active_model: TextModel) -> None:
    case = intake(world, category=world.lights)  # 5 working days
    before_due = case.due_at
    other = catalog["噪音"]  # 3 working days
    do_transition(world.dispatcher, case.pk, "dispatch", units=[world.street], category=other)
    p = Proposal.objects.get(case=case)
    assert (p.accepted, p.chosen_category, p.category) == (False, other, world.lights)
    assert p.decided_by == world.dispatcher
    case.refresh_from_db()
    assert case.category == other
    assert case.due_at is not None
    assert before_due is not None
    assert case.due_at < before_due
    step = Step.objects.get(case=case, action="dispatch")
    assert step.data["category"] == {"from": "street-lights", "to": "noise"}


def test_a_dispatch_keeping_the_category_confirms_it(world: World, active_model: TextModel) -> None:
    case = intake(world, category=world.lights)
    Proposal.objects.filter(case=case).update(accepted=None, chosen_category=None, decided_at=None)
    do_transition(world.dispatcher, case.pk, "dispatch", units=[world.chengguan])
    p = Proposal.objects.get(case=case)
    assert (p.accepted, p.chosen_category) == (True, world.lights)
    assert "category" not in Step.objects.get(case=case, action="dispatch").data  # nothing changed


def test_a_dispatch_without_any_category_leaves_the_proposal_open(world: World, active_model: TextModel) -> None:
    case = intake(world)
    do_transition(world.dispatcher, case.pk, "dispatch", units=[world.chengguan])
    assert Proposal.objects.get(case=case).accepted is None


def test_an_unsure_proposal_is_never_accepted(world: World, catalog: dict[str, Category]) -> None:
    stored(fitted({y: c.code for y, c in catalog.items()}, threshold=0.999), active=True)
    case = intake(world)
    p = Proposal.objects.get(case=case)
    assert (p.shown, p.unit) == (False, None)
    do_transition(world.dispatcher, case.pk, "dispatch", units=[world.chengguan], category=world.lights)
    p.refresh_from_db()
    assert p.chosen_category == world.lights
    assert p.accepted is False  # nothing was shown to accept


def test_a_switched_off_category_cannot_be_dispatched_on(world: World, active_model: TextModel) -> None:
    from gongzhi.cases.services import CaseInputError

    gone = Category.objects.create(code="old", name="旧类别", is_active=False, limit_amount=Decimal(1),
                                   limit_unit=LimitUnit.WORK_DAYS)
    case = intake(world)
    with pytest.raises(CaseInputError, match="已停用"):
        do_transition(world.dispatcher, case.pk, "dispatch", units=[world.chengguan], category=gone)
    assert Proposal.objects.get(case=case).accepted is None
    case.refresh_from_db()
    assert (case.state, case.category) == ("received", None)


def test_a_broken_model_does_not_break_intake(world: World, active_model: TextModel) -> None:
    TextModel.objects.filter(pk=active_model.pk).update(blob=b"not a model")
    store.forget()
    case = intake(world)  # raises ValueError (模型数据校验失败) today, though the case was committed
    assert Case.objects.filter(pk=case.pk).exists()
    assert not Proposal.objects.filter(case=case).exists()
