from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from gongzhi.areas.models import Area
from gongzhi.core import access
from gongzhi.core.access import Role


def shell(request: HttpRequest) -> dict[str, Any]:
    """Navigation for the signed-in user: where their area browser starts, what they may open."""
    context: dict[str, Any] = {"demo_mode": settings.DEMO_MODE}
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return context
    roots = access.scope_roots(user, access.VIEW, "area")
    context["nav_area_roots"] = list(Area.objects.filter(path__in=roots).order_by("path"))
    context["nav_can_audit"] = bool(access.scope_roots(user, access.VIEW, "audit"))
    context["nav_security"] = bool(access.scope_roots(user, access.VIEW, "security"))
    context["nav_admin"] = bool(user.is_staff and access.roles_of(user) & {Role.SYS_ADMIN, Role.SECURITY_ADMIN})
    roles = access.roles_of(user)
    context["nav_cases"] = bool(roles & access.STAFF_ROLES)
    context["nav_supervision"] = bool(roles & {Role.CENTER_SUPERVISOR, Role.CENTER_DUTY_CHIEF, Role.LEADER})
    context["nav_hotline"] = bool(roles & {Role.STREET_DISPATCHER, Role.CENTER_SUPERVISOR, Role.CENTER_DUTY_CHIEF})
    context["nav_report"] = Role.GRID_WORKER in roles
    registry_roots = access.scope_roots(user, access.VIEW, "registry")
    context["nav_registry"] = registry_roots[0] if registry_roots else ""
    context["nav_visit"] = bool(access.scope_roots(user, access.CHANGE, "registry"))
    context["nav_hotspots"] = bool(access.scope_roots(user, access.VIEW, "hotspot"))
    context["nav_models"] = bool(access.scope_roots(user, access.VIEW, "classifier"))
    return context
