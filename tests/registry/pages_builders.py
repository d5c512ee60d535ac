"""A small registry for the page, export, API and access tests, written through the services.

    麓山南路社区第1网格 G1  麓山南路1栋 (麓山南路1号): 1单元101 张三 (独居老人, 残疾人), 102 李四;
                            张三 lived in 1单元102 before (history)
    麓山南路社区第2网格 G2  麓山南路2栋: 201 王五 (独居老人)
    识字里社区第1网格 G5   (芙蓉区, another district) 识字里5栋: 501 赵六 (独居老人)
    a case in G1 linked to 张三, one in G5; an organisation 麓山便利店 in G1
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from gongzhi.accounts.models import User
from gongzhi.areas.models import Area
from gongzhi.cases.models import Case
from gongzhi.cases.services import do_intake
from gongzhi.core.idcard import id_check_char
from gongzhi.registry.models import (
    Building,
    CaseSubject,
    House,
    Organisation,
    Person,
    PersonTag,
    TagType,
)
from gongzhi.registry.services import check_person, do_save_person, do_set_tag, move_person
from gongzhi.registry.tags import load_default_tag_types

G1, G2, G5 = "430104002014001", "430104002014002", "430102001001001"


def id_number(birth: str, seq: str = "123") -> str:
    first17 = "430104" + birth + seq
    return first17 + id_check_char(first17)


ZHANG_ID = id_number("19400315", "131")  # male, born 1940
ZHANG_PHONE = "13812345678"


@dataclass
class City:
    tree: dict[str, Area]
    users: dict[str, User]
    zhang: Person
    li: Person
    wang: Person
    zhao: Person
    b1: Building
    b2: Building
    b5: Building
    h101: House
    h102: House
    h201: House
    h501: House
    org: Organisation
    case: Case
    case5: Case
    elderly: TagType
    disabled: TagType


def build(tree: dict[str, Area], users: dict[str, User]) -> City:
    load_default_tag_types()
    elderly = TagType.objects.get(code="living-alone-elderly")
    disabled = TagType.objects.get(code="disabled")
    b1 = Building.objects.create(grid=tree[G1], name="麓山南路1栋", address="麓山南路1号")
    b2 = Building.objects.create(grid=tree[G2], name="麓山南路2栋", address="麓山南路2号")
    b5 = Building.objects.create(grid=tree[G5], name="识字里5栋", address="识字里5号")
    h101 = House.objects.create(building=b1, unit_no="1", room="101")
    h102 = House.objects.create(building=b1, unit_no="1", room="102", use="rented")
    h201 = House.objects.create(building=b2, room="201")
    h501 = House.objects.create(building=b5, room="501")

    def person(grid: str, house: House, name: str, ident: str = "", phone: str = "") -> Person:
        return do_save_person(None, tree[grid], check_person(name=name, id_number=ident, phone=phone),
                              house=house, since=date(2020, 1, 1))

    zhang = person(G1, h102, "张三", ZHANG_ID, ZHANG_PHONE)
    move_person(zhang, h101, since=date(2023, 6, 1))
    li = person(G1, h102, "李四", id_number("19900101", "242"), "13900001111")
    wang = person(G2, h201, "王五", id_number("19450101", "351"))
    zhao = person(G5, h501, "赵六", id_number("19420101", "451"))
    worker = users["grid_worker"]
    do_set_tag(worker, zhang, elderly, {"visit_cycle_days": "7", "emergency_contact": "张小三"})
    do_set_tag(worker, zhang, disabled, {"category": "肢体残疾", "level": "二级"})
    do_set_tag(users["community_worker"], wang, elderly, {})
    PersonTag.objects.create(person=zhao, tag_type=elderly)
    org = Organisation.objects.create(grid=tree[G1], name="麓山便利店", kind="shop", address="麓山南路1号",
                                      building=b1, contact_phone="13700002222")
    case = do_intake(workflow="hotline", title="楼道堆物", channel="hotline", area=tree[G1]).case
    CaseSubject.objects.create(case=case, person=zhang)
    case5 = do_intake(workflow="hotline", title="识字里噪音", channel="hotline", area=tree[G5]).case
    return City(tree, users, zhang, li, wang, zhao, b1, b2, b5, h101, h102, h201, h501, org, case, case5, elderly,
                disabled)
