from __future__ import annotations

import pytest
from django.test import Client

from gongzhi.accounts.models import User
from gongzhi.areas.models import Area
from gongzhi.core.access import Role
from gongzhi.core.models import AuditEvent
from tests.builders import client_for

pytestmark = pytest.mark.django_db


def test_login_page_is_chinese_by_default(client: Client) -> None:
    body = client.get("/login/").content.decode()
    assert "登录" in body
    assert 'lang="zh-hans"' in body


def test_pages_need_login(client: Client, tree: dict[str, Area]) -> None:
    for url in ("/", "/areas/4301/", "/audit/"):
        resp = client.get(url)
        assert resp.status_code == 302, url
        assert resp["Location"].startswith("/login/"), url


@pytest.mark.parametrize(
    ("role", "expected", "absent"),
    [
        (Role.GRID_WORKER, "网格员 · 麓山南路社区第1网格", "审计日志"),
        (Role.COMMUNITY_WORKER, "社区工作者 · 麓山南路社区", "审计日志"),
        (Role.DEPT_HANDLER, "部门处置员 · 岳麓区", "审计日志"),
        (Role.SYS_ADMIN, "系统管理员 · 长沙市", "您还没有任何岗位"),
        (Role.RESIDENT, "居民 · 麓山南路社区", "区域与网格"),
    ],
)
def test_home_differs_by_role(role: Role, expected: str, absent: str, role_users: dict[str, User]) -> None:
    body = client_for(role_users[role]).get("/").content.decode()
    assert expected in body
    assert absent not in body


def test_each_administrator_home_links_to_their_own_page(role_users: dict[str, User]) -> None:
    auditor = client_for(role_users[Role.AUDIT_ADMIN]).get("/").content.decode()
    assert 'href="/audit/"' in auditor
    assert 'href="/admin/"' not in auditor
    admin = client_for(role_users[Role.SYS_ADMIN]).get("/").content.decode()
    assert 'href="/admin/"' in admin
    assert 'href="/audit/"' not in admin
    security = client_for(role_users[Role.SECURITY_ADMIN]).get("/").content.decode()
    assert 'href="/accounts/security/"' in security
    assert 'href="/audit/"' not in security


def test_grid_worker_is_refused_another_grid(role_users: dict[str, User]) -> None:
    c = client_for(role_users[Role.GRID_WORKER])
    assert c.get("/areas/430104002014001/").status_code == 200
    assert c.get("/areas/430104002014002/").status_code == 403
    assert c.get("/areas/430102001001001/").status_code == 403
    assert c.get("/areas/999999/").status_code == 404


def test_ancestor_page_shows_outline_not_contents(role_users: dict[str, User]) -> None:
    body = client_for(role_users[Role.GRID_WORKER]).get("/areas/430104002014/").content.decode()
    assert "仅显示轮廓" in body
    assert 'id="staff"' not in body
    # Only its own grid is a link among the community's grids.
    assert 'href="/areas/430104002014001/"' in body
    assert 'href="/areas/430104002014002/"' not in body


def test_resident_sees_no_areas(role_users: dict[str, User]) -> None:
    assert client_for(role_users[Role.RESIDENT]).get("/areas/430104002014/").status_code == 403


def test_grid_page_lists_its_worker_with_masked_phone(role_users: dict[str, User]) -> None:
    body = client_for(role_users[Role.COMMUNITY_WORKER]).get("/areas/430104002014001/").content.decode()
    assert "u_grid_worker" in body
    assert "139****0000" in body
    assert "13907310000" not in body


def test_reveal_needs_a_reason_and_is_audited(role_users: dict[str, User]) -> None:
    worker_post = role_users[Role.GRID_WORKER].posts.get()
    c = client_for(role_users[Role.COMMUNITY_WORKER])
    url = f"/accounts/posts/{worker_post.pk}/reveal-phone/"
    refused = c.post(url, {"reason": " "})
    assert refused.status_code == 400
    assert "reason" in refused.content.decode()
    assert not AuditEvent.objects.filter(action="pii.reveal").exists()
    shown = c.post(url, {"reason": "联系网格员核实情况"})
    assert shown.status_code == 200
    assert "13907310000" in shown.content.decode()
    event = AuditEvent.objects.get(action="pii.reveal")
    assert (event.actor_id, event.reason, event.object_id) == (
        role_users[Role.COMMUNITY_WORKER].pk, "联系网格员核实情况", str(role_users[Role.GRID_WORKER].pk))


@pytest.mark.parametrize("role", [Role.DEPT_HANDLER, Role.SYS_ADMIN, Role.RESIDENT])
def test_reveal_refused_without_the_right(role: Role, role_users: dict[str, User]) -> None:
    worker_post = role_users[Role.GRID_WORKER].posts.get()
    resp = client_for(role_users[role]).post(f"/accounts/posts/{worker_post.pk}/reveal-phone/", {"reason": "想看看号码"})
    assert resp.status_code == 403
    assert not AuditEvent.objects.filter(action="pii.reveal").exists()


def test_logins_are_audited(role_users: dict[str, User], client: Client) -> None:
    from tests.builders import PASSWORD

    assert client.post("/login/", {"username": "u_leader", "password": "wrong-password"}).status_code == 200
    assert client.post("/login/", {"username": "u_leader", "password": PASSWORD}).status_code == 302
    actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
    assert actions[-2:] == ["auth.login_failed", "auth.login"]


def test_audit_page_only_for_audit_posts(role_users: dict[str, User]) -> None:
    for role in (Role.LEADER, Role.SYS_ADMIN, Role.SECURITY_ADMIN):
        assert client_for(role_users[role]).get("/audit/").status_code == 403
    resp = client_for(role_users[Role.AUDIT_ADMIN]).get("/audit/")
    assert resp.status_code == 200
    assert "哈希链校验通过" in resp.content.decode()


def test_english_switch(role_users: dict[str, User]) -> None:
    c = client_for(role_users[Role.LEADER])
    c.post("/i18n/setlang/", {"language": "en", "next": "/"})
    body = c.get("/").content.decode()
    assert 'lang="en"' in body
    assert "Leader" in body


def test_browser_language_does_not_switch_the_ui(client: Client) -> None:
    body = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "用户名" in body


def test_map_tiles_are_a_setting(role_users: dict[str, User], settings: object) -> None:
    c = client_for(role_users[Role.LEADER])
    assert 'data-tiles=""' in c.get("/areas/430104/").content.decode()
    settings.GONGZHI_MAP_TILES_URL = "https://tiles.example.gov.cn/{z}/{x}/{y}.png"  # type: ignore[attr-defined]
    assert 'data-tiles="https://tiles.example.gov.cn/{z}/{x}/{y}.png"' in c.get("/areas/430104/").content.decode()
