from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from gongzhi.core import access
from gongzhi.core.paths import subtree_q
from gongzhi.registry.models import Building


def buildings_in(user: Any, area_path: str) -> QuerySet[Building]:
    """Buildings under ``area_path`` that ``user`` may see."""
    qs = Building.objects.filter(subtree_q("area_path", area_path))
    return access.restrict(qs, user, access.VIEW, "building")
