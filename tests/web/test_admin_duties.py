"""三员分立 in the Django admin: each administrative post reaches its own models only, the
superuser flag opens nothing, and no administrative post shows residents."""

from __future__ import annotations

import pytest
from django.test import Client

from gongzhi.accounts.models import Post, User
from gongzhi.areas.models import Area
from gongzhi.core.access import Role
from gongzhi.core.models import AuditEvent
from tests.builders import client_for

pytestmark = pytest.mark.django_db

PAGES = {
    "users": "/admin/accounts/user/",
    "units": "/admin/accounts/unit/",
    "areas": "/admin/areas/area/",
    "catalogue": "/admin/cases/category/",
    "calendar": "/admin/core/calendarday/",
    "tag_types": "/admin/registry/tagtype/",
    "posts": "/admin/accounts/post/",
    "tokens": "/admin/accounts/apitoken/",
    "audit": "/admin/core/auditevent/",
    "people": "/admin/registry/person/",
    "households": "/admin/registry/household/",
    "cases": "/admin/cases/case/",
}
OPENS = {
    Role.SYS_ADMIN: {"users", "units", "areas", "catalogue", "calendar", "tag_types", "posts"},  # posts: read only
    Role.SECURITY_ADMIN: {"units", "areas", "posts", "tokens"},  # units, areas: read only (to give posts)
    Role.AUDIT_ADMIN: {"audit"},
}


def staff_client(user: User) -> Client:
    user.is_staff = True
    user.save()
    return client_for(user)


@pytest.mark.parametrize("role", sorted(OPENS))
def test_each_administrator_opens_only_their_models(role: Role, role_users: dict[str, User]) -> None:
    c = staff_client(role_users[role])
    for name, url in PAGES.items():
        status = c.get(url).status_code
        assert (status == 200) == (name in OPENS[role]), (role, name, status)
        if name not in OPENS[role]:
            assert status == 403, (role, name, status)


def test_a_superuser_without_posts_sees_nothing(tree: dict[str, Area]) -> None:
    root = User.objects.create_user("root", password="Unused-pass-2026", is_staff=True, is_superuser=True)
    c = client_for(root)
    assert c.get("/admin/").status_code == 200
    for url in PAGES.values():
        assert c.get(url).status_code == 403, url


def test_system_administrator_makes_accounts_but_gives_no_posts(role_users: dict[str, User], tree: dict[str, Area]) -> None:
    c = staff_client(role_users[Role.SYS_ADMIN])
    form = c.get(f"/admin/accounts/user/{role_users[Role.GRID_WORKER].pk}/change/").content.decode()
    assert 'name="is_superuser"' not in form
    assert 'name="user_permissions"' not in form
    assert 'name="posts-0-role"' not in form  # the posts inline is read only for this post
    resp = c.post("/admin/accounts/post/add/", {"user": role_users[Role.LEADER].pk, "role": Role.AUDIT_ADMIN,
                                                "area": tree["4301"].pk, "is_active": "on"})
    assert resp.status_code == 403
    assert not Post.objects.filter(user=role_users[Role.LEADER], role=Role.AUDIT_ADMIN).exists()


def test_security_administrator_gives_a_post_and_it_is_audited(role_users: dict[str, User], tree: dict[str, Area]) -> None:
    c = staff_client(role_users[Role.SECURITY_ADMIN])
    leader = role_users[Role.LEADER]
    resp = c.post("/admin/accounts/post/add/", {"user": leader.pk, "role": Role.DATA_READER,
                                                "area": tree["430104002"].pk, "is_active": "on"})
    assert resp.status_code == 302, resp.content.decode()[:500]
    post = Post.objects.get(user=leader, role=Role.DATA_READER)
    event = AuditEvent.objects.get(action="admin.add", object_type="accounts.post")
    assert (event.object_id, event.actor_id) == (str(post.pk), role_users[Role.SECURITY_ADMIN].pk)
    assert c.get(f"/admin/accounts/user/{leader.pk}/change/").status_code == 403
