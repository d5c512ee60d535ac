"""Role × area level × read/write: who may see and change what, written out by hand.

The expectations below are the specification, not derived from the code under test: each
role is posted at its natural level (tests.builders.ROLE_POSTS) and must reach exactly its
own subtree, and nothing in the neighbouring branch at any level.
"""

from __future__ import annotations

import pytest

from gongzhi.accounts.models import User
from gongzhi.areas.models import Area
from gongzhi.core import access
from gongzhi.core.access import Role

# Targets at every level: one inside the Yuelu/麓山南路 branch, one beside it.
TARGETS = {
    "city": "4301",
    "district": "430104", "district_other": "430102",
    "street": "430104002", "street_other": "430104001",
    "community": "430104002014", "community_other": "430104002001",
    "grid": "430104002014001", "grid_other": "430104002014002",
    "micro_grid": "430104002014001001",
}
BELOW_DISTRICT = {"district", "street", "street_other", "community", "community_other", "grid", "grid_other", "micro_grid"}
BELOW_STREET = {"street", "community", "community_other", "grid", "grid_other", "micro_grid"}
BELOW_COMMUNITY = {"community", "grid", "grid_other", "micro_grid"}
BELOW_GRID = {"grid", "micro_grid"}
EVERYWHERE = set(TARGETS)

READ = {
    Role.GRID_WORKER: BELOW_GRID,
    Role.COMMUNITY_WORKER: BELOW_COMMUNITY,
    Role.STREET_DISPATCHER: BELOW_STREET,
    Role.DEPT_HANDLER: BELOW_DISTRICT,
    Role.CENTER_SUPERVISOR: BELOW_DISTRICT,
    Role.CENTER_DUTY_CHIEF: BELOW_DISTRICT,
    Role.LEADER: BELOW_DISTRICT,
    Role.SYS_ADMIN: EVERYWHERE,
    Role.SECURITY_ADMIN: EVERYWHERE,
    Role.AUDIT_ADMIN: set(),  # reads the audit trail and nothing else
    Role.RESIDENT: set(),
    Role.DATA_READER: BELOW_STREET,
}
WRITE = {role: (EVERYWHERE if role == Role.SYS_ADMIN else set()) for role in Role}
# For orientation every staff member may open the areas above their own post (outline only).
ANCESTORS = {
    Role.GRID_WORKER: {"city", "district", "street", "community"},
    Role.COMMUNITY_WORKER: {"city", "district", "street"},
    Role.STREET_DISPATCHER: {"city", "district"},
    Role.DEPT_HANDLER: {"city"},
    Role.CENTER_SUPERVISOR: {"city"},
    Role.CENTER_DUTY_CHIEF: {"city"},
    Role.LEADER: {"city"},
    Role.SYS_ADMIN: set(),
    Role.SECURITY_ADMIN: set(),
    Role.AUDIT_ADMIN: set(),
    Role.RESIDENT: set(),
    Role.DATA_READER: {"city", "district"},
}
CASES = [(role, target) for role in Role for target in TARGETS]


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "target"), CASES)
def test_area_scope(role: Role, target: str, role_users: dict[str, User], tree: dict[str, Area]) -> None:
    user = role_users[role]
    path = TARGETS[target]
    assert access.can(user, access.VIEW, "area", path, context=False) == (target in READ[role])
    assert access.can(user, access.CHANGE, "area", path) == (target in WRITE[role])
    assert access.can(user, access.VIEW, "area", path) == (target in READ[role] | ANCESTORS[role])


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role))
def test_restrict_returns_exactly_the_readable_areas(role: Role, role_users: dict[str, User], tree: dict[str, Area]) -> None:
    visible = set(access.restrict(Area.objects.all(), role_users[role], access.VIEW, "area", "path").values_list("path", flat=True))
    expected = {TARGETS[t] for t in READ[role]}
    assert expected <= visible
    # Nothing outside the expected subtrees, whatever other areas the tree holds.
    roots = {TARGETS[t] for t in READ[role]}
    assert all(any(p.startswith(r) for r in roots) for p in visible)
    if not READ[role]:
        assert visible == set()


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role))
def test_personal_data_reveal_scope(role: Role, role_users: dict[str, User], tree: dict[str, Area]) -> None:
    user = role_users[role]
    frontline = role in {Role.GRID_WORKER, Role.COMMUNITY_WORKER, Role.STREET_DISPATCHER,
                         Role.CENTER_SUPERVISOR, Role.CENTER_DUTY_CHIEF, Role.LEADER}
    for target, path in TARGETS.items():
        expected = frontline and target in READ[role]
        assert access.can(user, access.REVEAL, "personal_data", path) == expected, (role, target)


# 三员分立: what each administrative post may do, and that none reaches residents or cases.
ADMIN_RIGHTS = {
    Role.SYS_ADMIN: {("config", access.VIEW), ("config", access.CHANGE), ("area", access.CHANGE), ("unit", access.CHANGE)},
    Role.SECURITY_ADMIN: {("security", access.VIEW), ("security", access.CHANGE), ("post", access.CHANGE)},
    Role.AUDIT_ADMIN: {("audit", access.VIEW)},
}
PROBED = [(res, act) for res in ("config", "security", "post", "area", "unit", "audit") for act in (access.VIEW, access.CHANGE)]
OFF_LIMITS = [("personal_data", access.VIEW), ("personal_data", access.REVEAL), ("registry", access.VIEW),
              ("building", access.VIEW), ("case", access.VIEW), ("hotspot", access.VIEW), ("classifier", access.VIEW)]


@pytest.mark.django_db
@pytest.mark.parametrize("role", sorted(ADMIN_RIGHTS))
def test_three_administrators_are_separate(role: Role, role_users: dict[str, User], tree: dict[str, Area]) -> None:
    user = role_users[role]
    others = set().union(*(rights for r, rights in ADMIN_RIGHTS.items() if r != role))
    for resource, action in PROBED:
        expected = (resource, action) in ADMIN_RIGHTS[role] or (
            action == access.VIEW and resource in ("area", "unit", "post") and role != Role.AUDIT_ADMIN)
        assert bool(access.scope_roots(user, action, resource)) == expected, (role, resource, action)
    assert not any(access.scope_roots(user, action, resource) for resource, action in others - ADMIN_RIGHTS[role]
                   if action == access.CHANGE or resource in ("audit", "security", "config"))
    for resource, action in OFF_LIMITS:
        assert access.scope_roots(user, action, resource) == [], (role, resource, action)


@pytest.mark.django_db
def test_only_the_auditor_reads_the_trail(role_users: dict[str, User], tree: dict[str, Area]) -> None:
    readers = {role for role, user in role_users.items() if access.scope_roots(user, access.VIEW, "audit")}
    assert readers == {Role.AUDIT_ADMIN}


@pytest.mark.django_db
def test_inactive_users_and_posts_grant_nothing(role_users: dict[str, User]) -> None:
    admin = role_users[Role.SYS_ADMIN]
    admin.posts.update(is_active=False)
    access.forget_posts(admin)
    assert not access.can(admin, access.VIEW, "area", "4301")
    chief = role_users[Role.CENTER_DUTY_CHIEF]
    chief.is_active = False
    assert not access.can(chief, access.VIEW, "area", "430104")


def test_anonymous_user_has_no_scope() -> None:
    from django.contrib.auth.models import AnonymousUser

    assert access.scope_roots(AnonymousUser(), access.VIEW, "area") == []
    assert not access.can(AnonymousUser(), access.VIEW, "area", "4301")


def test_unknown_resource_is_an_error() -> None:
    with pytest.raises(LookupError, match="no access rule"):
        access.scope_roots(None, access.VIEW, "no-such-thing")
