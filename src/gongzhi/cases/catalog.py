"""The default 派单目录 (written for this project): 大类 → 小类 with handler and time limits.

Limits follow the ranges cities publish (research/cn_systems_standards.md §2.2, §2.7); every
city edits them in the admin. Department codes are the suffixes of the demo's unit codes
(dept-<district>-<code>).
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from gongzhi.accounts.models import Unit, UnitKind
from gongzhi.cases.models import Category, HandlerLevel, LimitUnit

H, D, U, C = LimitUnit.WORK_HOURS, LimitUnit.WORK_DAYS, LimitUnit.URGENT_HOURS, LimitUnit.CALENDAR_DAYS
STREET, DEPT, COMMUNITY = HandlerLevel.STREET, HandlerLevel.DEPARTMENT, HandlerLevel.COMMUNITY

# (code, name, handler level, department, limit, unit, keywords)
DEFAULT_CATALOG: list[tuple[str, str, list[tuple[str, str, str, str, float, str, str]]]] = [
    ("shirong", "市容环境", [
        ("garbage-exposed", "暴露垃圾", COMMUNITY, "", 4, H, "垃圾 堆放 清运 垃圾桶 满溢"),
        ("garbage-muck", "积存垃圾渣土", STREET, "chengguan", 1, D, "渣土 建筑垃圾 积存"),
        ("road-dirty", "道路不洁", STREET, "chengguan", 2, H, "保洁 道路 脏 污水"),
        ("graffiti", "乱涂乱画、小广告", COMMUNITY, "", 1, D, "小广告 涂鸦 牛皮癣"),
    ]),
    ("jiemian", "街面秩序", [
        ("street-vending", "占道经营", STREET, "chengguan", 4, H, "占道 摆摊 夜市 流动摊贩"),
        ("illegal-building", "违法建设", DEPT, "chengguan", 15, D, "违建 搭建 加建 违章"),
        ("parking-disorder", "乱停乱放", STREET, "chengguan", 1, D, "停车 共享单车 堵塞"),
    ]),
    ("gongyong", "公用设施", [
        ("street-lights", "路灯不亮", DEPT, "chengguan", 5, D, "路灯 不亮 照明 灯"),
        ("manhole", "井盖缺失破损", DEPT, "zhujian", 2, U, "井盖 缺失 破损 下水道"),
        ("road-damage", "路面破损", DEPT, "zhujian", 5, D, "路面 坑洼 破损 塌陷"),
        ("water-leak", "供水管道漏水", DEPT, "zhujian", 24, U, "漏水 水管 爆管 停水"),
    ]),
    ("yuanlin", "园林绿化", [
        ("green-dirty", "绿地脏乱", STREET, "chengguan", 5, D, "绿地 草坪 花坛"),
        ("tree-fallen", "树木倒伏", DEPT, "chengguan", 4, U, "倒伏 断枝 树木"),
    ]),
    ("huanbao", "环境保护", [
        ("noise", "噪音扰民", DEPT, "shengtai", 3, D, "噪音 施工 扰民 夜间"),
        ("fumes", "油烟污染", DEPT, "shengtai", 5, D, "油烟 餐饮 排放 异味"),
        ("water-pollution", "水体污染", DEPT, "shengtai", 7, D, "排污 河道 黑臭"),
    ]),
    ("shichang", "市场监管", [
        ("food-safety", "食品安全", DEPT, "shichang", 5, D, "食品 过期 卫生 变质"),
        ("price", "价格投诉", DEPT, "shichang", 7, D, "价格 收费 乱收费"),
    ]),
    ("minsheng", "民生服务", [
        ("consult", "政策咨询", STREET, "", 2, D, "咨询 政策 办理 怎么"),
        ("assistance", "困难求助", COMMUNITY, "minzheng", 5, D, "求助 困难 低保 救助 老人"),
        ("property", "物业管理", COMMUNITY, "zhujian", 7, D, "物业 电梯 小区 维修基金"),
    ]),
    ("pingan", "平安建设", [
        ("dispute", "矛盾纠纷", COMMUNITY, "", 3, D, "纠纷 邻里 吵架 调解"),
        ("hazard", "安全隐患", STREET, "", 1, D, "隐患 消防 电动车 飞线 充电"),
    ]),
]


@transaction.atomic
def load_default_catalog() -> int:
    """Create or update the default categories; categories a city added are left alone."""
    count = 0
    for code, name, items in DEFAULT_CATALOG:
        parent, _ = Category.objects.update_or_create(code=code, defaults={"name": name, "parent": None})
        for item_code, item_name, level, dept, amount, unit, keywords in items:
            Category.objects.update_or_create(code=item_code, defaults={
                "name": item_name, "parent": parent, "handler_level": level, "department": dept,
                "limit_amount": Decimal(str(amount)), "limit_unit": unit, "keywords": keywords,
            })
            count += 1
    return count


def handling_unit(category: Category, area_path: str) -> Unit | None:
    """The unit the 派单目录 names for ``category`` where the case is: a department by its code
    suffix (the district's, else the city's), else the street office or the community."""
    units = Unit.objects.filter(is_active=True)

    def department() -> Unit | None:
        return (units.filter(kind=UnitKind.DEPARTMENT, code__endswith=f"-{category.department}",
                             area_path__in=[area_path[:6], area_path[:4]]).order_by("-area_path").first())

    if category.department and (category.handler_level == HandlerLevel.DEPARTMENT or len(area_path) < 9):
        found = department()
        if found is not None:
            return found
    if category.handler_level == HandlerLevel.COMMUNITY and len(area_path) >= 12:
        found = units.filter(kind=UnitKind.COMMUNITY_COMMITTEE, area_path=area_path[:12]).first()
        if found is not None:
            return found
    if len(area_path) >= 9:
        found = units.filter(kind=UnitKind.STREET_OFFICE, area_path=area_path[:9]).first()
        if found is not None:
            return found
    return department() if category.department else None
