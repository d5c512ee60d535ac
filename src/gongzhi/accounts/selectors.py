from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from gongzhi.accounts.models import Post
from gongzhi.core import access
from gongzhi.core.access import Role


def posts_at(user: Any, area_path: str, roles: list[Role] | None = None) -> QuerySet[Post]:
    """Staff posted exactly at ``area_path`` that ``user`` may see."""
    qs = Post.objects.filter(area_path=area_path, is_active=True).select_related("user", "unit")
    if roles:
        qs = qs.filter(role__in=roles)
    return access.restrict(qs, user, access.VIEW, "post")


def posts_of(user: Any) -> QuerySet[Post]:
    return Post.objects.filter(user=user, is_active=True).select_related("unit", "area").order_by("area_path")
