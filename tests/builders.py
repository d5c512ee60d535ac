"""A small hand-made city for the tests: two districts, enough branches to tell scopes apart.

长沙市 4301
├─ 岳麓区 430104
│  ├─ 岳麓街道 430104002
│  │  ├─ 麓山南路社区 430104002014 ── 网格 …014001, …014002 (微网格 …014001001)
│  │  └─ 枇杷塘社区 430104002001 ── 网格 …001001
│  └─ 望月湖街道 430104001 ── 湖东社区 430104001001 ── 网格 …001001
└─ 芙蓉区 430102 ── 文艺路街道 430102001 ── 识字里社区 430102001001 ── 网格 …001001
Grid boundaries are 0.01° squares laid side by side so points can be placed in them exactly.
"""

from __future__ import annotations

from typing import Any

from django.test import Client

from gongzhi.accounts.models import Post, Unit, UnitKind, User
from gongzhi.accounts.services import save_new_user
from gongzhi.areas.models import PATH_LENGTH, Area, GridLayer, Level
from gongzhi.areas.services import set_boundary_fields
from gongzhi.core.access import Role

PASSWORD = "test-password-2026"

TREE = [
    ("4301", "长沙市", Level.CITY),
    ("430104", "岳麓区", Level.DISTRICT),
    ("430104002", "岳麓街道", Level.STREET),
    ("430104002014", "麓山南路社区", Level.COMMUNITY),
    ("430104002014001", "麓山南路社区第1网格", Level.GRID),
    ("430104002014001001", "麓山南路社区第1网格第1微网格", Level.MICRO_GRID),
    ("430104002014002", "麓山南路社区第2网格", Level.GRID),
    ("430104002001", "枇杷塘社区", Level.COMMUNITY),
    ("430104002001001", "枇杷塘社区第1网格", Level.GRID),
    ("430104001", "望月湖街道", Level.STREET),
    ("430104001001", "湖东社区", Level.COMMUNITY),
    ("430104001001001", "湖东社区第1网格", Level.GRID),
    ("430102", "芙蓉区", Level.DISTRICT),
    ("430102001", "文艺路街道", Level.STREET),
    ("430102001001", "识字里社区", Level.COMMUNITY),
    ("430102001001001", "识字里社区第1网格", Level.GRID),
]
GRID_ORIGIN = (112.90, 28.20)


def square(lon: float, lat: float, size: float = 0.01) -> dict[str, Any]:
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def grid_square_origin(index: int) -> tuple[float, float]:
    return GRID_ORIGIN[0] + 0.01 * index, GRID_ORIGIN[1]


def make_tree() -> dict[str, Area]:
    layer = GridLayer.objects.create(code="quanke", name="全科网格", is_authoritative=True)
    areas: dict[str, Area] = {}
    grid_index = 0
    for path, name, level in TREE:
        parent = areas[path[: PATH_LENGTH[Level(level - 1)]]] if level > Level.CITY else None
        area = Area(code=path.ljust(12, "0") if len(path) <= 12 else path, path=path, name=name,
                    level=level, parent=parent, layer=layer if level >= Level.GRID else None)
        if level == Level.GRID:
            set_boundary_fields(area, square(*grid_square_origin(grid_index)))
            grid_index += 1
        area.save()
        areas[path] = area
    return areas


def make_unit(code: str, kind: str, area: Area, name: str = "") -> Unit:
    return Unit.objects.create(code=code, name=name or code, kind=kind, area=area)


def make_user(username: str, role: str, area: Area, *, unit: Unit | None = None, phone: str = "13907310000") -> User:
    user = User(username=username, full_name=username)
    user.phone = phone  # type: ignore[assignment]
    user.set_password(PASSWORD)
    save_new_user(user)
    Post.objects.create(user=user, role=role, area=area, unit=unit)
    return user


# Each role posted where it naturally works, for the access matrix.
ROLE_POSTS = {
    Role.GRID_WORKER: "430104002014001",
    Role.COMMUNITY_WORKER: "430104002014",
    Role.STREET_DISPATCHER: "430104002",
    Role.DEPT_HANDLER: "430104",
    Role.CENTER_SUPERVISOR: "430104",
    Role.CENTER_DUTY_CHIEF: "430104",
    Role.LEADER: "430104",
    Role.SYS_ADMIN: "4301",
    Role.SECURITY_ADMIN: "4301",
    Role.AUDIT_ADMIN: "4301",
    Role.RESIDENT: "430104002014",
    Role.DATA_READER: "430104002",
}
UNIT_KIND = {Role.DEPT_HANDLER: UnitKind.DEPARTMENT}


def make_role_users(areas: dict[str, Area]) -> dict[str, User]:
    return {role: make_user(f"u_{role}", role, areas[path]) for role, path in ROLE_POSTS.items()}


def client_for(user: User) -> Client:
    """A test client signed in as ``user``."""
    c = Client()
    c.force_login(user)
    return c
