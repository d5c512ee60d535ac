"""The one place that decides what a user may see and do, and where.

A user holds posts (role + unit + area). A rule grants a role some actions on a resource;
the grant holds inside the subtree of the post's area. Pages, API endpoints, exports and
commands ask :func:`can` for one object and :func:`restrict` for a queryset — no view
filters by hand. A resource nobody registered is an error, so a new kind of object cannot
slip through without a rule.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol, TypeVar

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongzhi.core.paths import minimal_roots, subtree_q

VIEW = "view"
CHANGE = "change"
REVEAL = "reveal"


class Role(models.TextChoices):
    GRID_WORKER = "grid_worker", _("网格员")
    COMMUNITY_WORKER = "community_worker", _("社区工作者")
    STREET_DISPATCHER = "street_dispatcher", _("街镇受理/派遣员")
    DEPT_HANDLER = "dept_handler", _("部门处置员")
    CENTER_SUPERVISOR = "center_supervisor", _("中心监督员")
    CENTER_DUTY_CHIEF = "center_duty_chief", _("中心值班长")
    LEADER = "leader", _("领导")
    SYS_ADMIN = "sys_admin", _("系统管理员")
    SECURITY_ADMIN = "security_admin", _("安全管理员")
    AUDIT_ADMIN = "audit_admin", _("审计管理员")
    RESIDENT = "resident", _("居民")
    # A department's staff see nothing of the registry by their post alone; this post, given
    # over an area, grants reading it there (masked: revealing needs a frontline post).
    DATA_READER = "data_reader", _("台账查阅员")


# 三员分立: the system administrator configures (areas, units, users, the catalogue), the
# security administrator sets policies, keys and who holds which post, the audit
# administrator reads the audit trail and nothing else. None of them sees residents' data
# or cases by these posts alone, and none can read the trail of their own work but the auditor.
ADMIN_ROLES = frozenset({Role.SYS_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})
# Staff who do the platform's work (cases, registry, services) in their area.
STAFF_ROLES = frozenset(Role) - {Role.RESIDENT} - ADMIN_ROLES
# Staff who work with residents in their area and may, with a stated reason, see a
# protected value in full. System administration alone never grants it (三员分立).
FRONTLINE_ROLES = frozenset(
    {Role.GRID_WORKER, Role.COMMUNITY_WORKER, Role.STREET_DISPATCHER,
     Role.CENTER_SUPERVISOR, Role.CENTER_DUTY_CHIEF, Role.LEADER}
)

_RULES: dict[str, dict[str, frozenset[str]]] = {}


def register(resource: str, grants: Mapping[str, Iterable[str]]) -> None:
    """Declare which roles may take which actions on ``resource`` (within their areas)."""
    unknown = set(grants) - set(Role.values)
    if unknown:
        raise ValueError(f"unknown roles in rules for {resource!r}: {sorted(unknown)}")
    _RULES[resource] = {role: frozenset(actions) for role, actions in grants.items()}


def _grant(roles: Iterable[str], actions: Iterable[str]) -> dict[str, frozenset[str]]:
    acts = frozenset(actions)
    return {str(r): acts for r in roles}


_ORG_READERS = STAFF_ROLES | {Role.SYS_ADMIN, Role.SECURITY_ADMIN}
register("area", {**_grant(_ORG_READERS, [VIEW]), Role.SYS_ADMIN: frozenset({VIEW, CHANGE})})
register("unit", {**_grant(_ORG_READERS, [VIEW]), Role.SYS_ADMIN: frozenset({VIEW, CHANGE})})
# Who holds which post (role assignment) is the security administrator's.
register("post", {**_grant(_ORG_READERS, [VIEW]), Role.SECURITY_ADMIN: frozenset({VIEW, CHANGE})})
# Configuration: user accounts, the category catalogue, the work calendar, key-group types, layers.
register("config", _grant([Role.SYS_ADMIN], [VIEW, CHANGE]))
# Security: sign-in policy and locks, API tokens, the keys' state.
register("security", _grant([Role.SECURITY_ADMIN], [VIEW, CHANGE]))
register("personal_data", _grant(FRONTLINE_ROLES, [VIEW, REVEAL]))
register(
    "building",
    {**_grant(FRONTLINE_ROLES, [VIEW]), Role.DATA_READER: frozenset({VIEW}),
     Role.GRID_WORKER: frozenset({VIEW, CHANGE}), Role.COMMUNITY_WORKER: frozenset({VIEW, CHANGE})},
)
# 人地事物组织: people, households, houses, organisations and their key-group tags.
register(
    "registry",
    {**_grant(FRONTLINE_ROLES, [VIEW]), Role.DATA_READER: frozenset({VIEW}),
     Role.GRID_WORKER: frozenset({VIEW, CHANGE}), Role.COMMUNITY_WORKER: frozenset({VIEW, CHANGE})},
)
register("audit", _grant([Role.AUDIT_ADMIN], [VIEW]))


class PostLike(Protocol):
    role: str
    area_path: str


def _posts(user: Any) -> list[tuple[str, str]]:
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return []
    cached: list[tuple[str, str]] | None = getattr(user, "_gongzhi_posts", None)
    if cached is None:
        loader = getattr(user, "active_posts", None)
        posts: Iterable[PostLike] = loader() if loader else []
        cached = [(p.role, p.area_path) for p in posts]
        user._gongzhi_posts = cached
    return cached


def forget_posts(user: Any) -> None:
    """Drop the per-request cache after a user's posts changed."""
    for attr in ("_gongzhi_posts", "_gongzhi_post_objects"):
        user.__dict__.pop(attr, None)


def roles_of(user: Any) -> set[str]:
    return {role for role, _path in _posts(user)}


def scope_roots(user: Any, action: str, resource: str) -> list[str]:
    """The area paths under which ``user`` may take ``action`` on ``resource``."""
    try:
        grants = _RULES[resource]
    except KeyError:
        raise LookupError(f"no access rule registered for resource {resource!r}") from None
    return minimal_roots([path for role, path in _posts(user) if action in grants.get(role, ())])


def can(user: Any, action: str, resource: str, path: str, *, context: bool = True) -> bool:
    """May ``user`` take ``action`` on ``resource`` at ``path``?

    With ``context`` (the default), the areas above one's own may be viewed for orientation:
    their outline, name and which of their children one may open — never their contents.
    Pass ``context=False`` to ask whether the area's contents are within the user's scope.
    """
    roots = scope_roots(user, action, resource)
    if any(path.startswith(r) for r in roots):
        return True
    return context and resource == "area" and action == VIEW and any(r.startswith(path) for r in roots)


def check(user: Any, action: str, resource: str, path: str) -> None:
    if not can(user, action, resource, path):
        raise PermissionDenied(_("您无权在此区域进行该操作。"))


def scope_q(user: Any, action: str, resource: str, field: str = "area_path") -> Q:
    roots = scope_roots(user, action, resource)
    if not roots:
        return Q(pk__in=[])
    q = Q()
    for root in roots:
        q |= subtree_q(field, root)
    return q


_M = TypeVar("_M", bound=models.Model)


def restrict(
    qs: models.QuerySet[_M], user: Any, action: str, resource: str, field: str = "area_path"
) -> models.QuerySet[_M]:
    return qs.filter(scope_q(user, action, resource, field))
