from __future__ import annotations

import json

import pytest
from django.test import Client

from gongzhi.accounts.models import User
from gongzhi.areas.locate import locate_grid
from gongzhi.areas.models import Area, Level
from gongzhi.core.access import Role
from gongzhi.core.models import AuditEvent
from tests.builders import square

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(role_users: dict[str, User]) -> Client:
    admin = role_users[Role.SYS_ADMIN]
    admin.is_staff = True  # the post, not a superuser flag, opens the admin (三员分立)
    admin.save()
    c = Client()
    c.force_login(admin)
    return c


def form(tree: dict[str, Area], **over: object) -> dict[str, object]:
    data = {"code": "430104002014009", "name": "新网格", "level": Level.GRID, "parent": tree["430104002014"].pk,
            "layer": tree["430104002014001"].layer_id, "boundary": json.dumps(square(113.2, 28.0)), "is_active": "on"}
    data.update(over)
    return data


def test_admin_refuses_bad_boundaries_and_codes(admin_client: Client, tree: dict[str, Area]) -> None:
    bowtie = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
    resp = admin_client.post("/admin/areas/area/add/", form(tree, boundary=json.dumps(bowtie)))
    assert resp.status_code == 200
    assert "边界几何无效" in resp.content.decode()
    resp = admin_client.post("/admin/areas/area/add/", form(tree, code="430102001001009"))
    assert "代码应以上级" in resp.content.decode()
    assert not Area.objects.filter(name="新网格").exists()


def test_admin_adds_a_grid_locatable_at_once_and_audited(admin_client: Client, tree: dict[str, Area]) -> None:
    assert locate_grid(113.205, 28.005) is None
    resp = admin_client.post("/admin/areas/area/add/", form(tree))
    assert resp.status_code == 302
    grid = Area.objects.get(code="430104002014009")
    assert (grid.path, grid.min_lon) == ("430104002014009", 113.2)
    assert locate_grid(113.205, 28.005) == grid
    event = AuditEvent.objects.get(action="admin.add")
    assert event.object_id == str(grid.pk)
    assert event.area_path == grid.path
