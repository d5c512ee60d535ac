from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest

from gongzhi.accounts.models import Unit, UnitKind, User
from gongzhi.areas.models import Area
from gongzhi.cases.models import Category, LimitUnit
from gongzhi.core.access import Role
from tests.builders import make_unit, make_user


@dataclass
class World:
    areas: dict[str, Area]
    chengguan: Unit
    zhujian: Unit
    street: Unit
    community: Unit
    dispatcher: User
    handler: User
    other_handler: User
    chief: User
    supervisor: User
    grid_worker: User
    community_worker: User
    garbage: Category
    lights: Category


@pytest.fixture
def world(tree: dict[str, Area]) -> World:
    district, street, community = tree["430104"], tree["430104002"], tree["430104002014"]
    chengguan = make_unit("dept-430104-chengguan", UnitKind.DEPARTMENT, district, "岳麓区城管局")
    zhujian = make_unit("dept-430104-zhujian", UnitKind.DEPARTMENT, district, "岳麓区住建局")
    street_office = make_unit("street-430104002", UnitKind.STREET_OFFICE, street, "岳麓街道办事处")
    committee = make_unit("community-430104002014", UnitKind.COMMUNITY_COMMITTEE, community, "麓山南路社区居委会")
    return World(
        areas=tree, chengguan=chengguan, zhujian=zhujian, street=street_office, community=committee,
        dispatcher=make_user("dispatcher", Role.STREET_DISPATCHER, street, unit=street_office),
        handler=make_user("cg_clerk", Role.DEPT_HANDLER, district, unit=chengguan),
        other_handler=make_user("zj_clerk", Role.DEPT_HANDLER, district, unit=zhujian),
        chief=make_user("chief", Role.CENTER_DUTY_CHIEF, district),
        supervisor=make_user("supervisor", Role.CENTER_SUPERVISOR, district),
        grid_worker=make_user("gridder", Role.GRID_WORKER, tree["430104002014001"], unit=committee),
        community_worker=make_user("community", Role.COMMUNITY_WORKER, community, unit=committee),
        garbage=Category.objects.create(code="garbage", name="暴露垃圾", workflow="grid_event",
                                        limit_amount=Decimal(4), limit_unit=LimitUnit.WORK_HOURS),
        lights=Category.objects.create(code="street-lights", name="路灯不亮", workflow="hotline",
                                       handler_level="department", department="chengguan",
                                       limit_amount=Decimal(5), limit_unit=LimitUnit.WORK_DAYS),
    )
