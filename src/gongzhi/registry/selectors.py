"""Reads of the registry for pages, exports and the API — every one scoped through core.access."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from gongzhi.core import access
from gongzhi.core.idcard import normalise_id_number
from gongzhi.core.paths import subtree_q
from gongzhi.core.pii import hash_field_value
from gongzhi.registry.models import Building, House, Household, Organisation, Person, PersonTag


def buildings_in(user: Any, area_path: str) -> QuerySet[Building]:
    """Buildings under ``area_path`` that ``user`` may see."""
    qs = Building.objects.filter(subtree_q("area_path", area_path))
    return access.restrict(qs, user, access.VIEW, "building")


def houses_in(user: Any, area_path: str) -> QuerySet[House]:
    qs = House.objects.filter(subtree_q("area_path", area_path))
    return access.restrict(qs, user, access.VIEW, "registry")


def households_in(user: Any, area_path: str) -> QuerySet[Household]:
    qs = Household.objects.filter(subtree_q("area_path", area_path))
    return access.restrict(qs, user, access.VIEW, "registry")


def people_in(user: Any, area_path: str) -> QuerySet[Person]:
    """People living in grids under ``area_path`` whom ``user`` may see (moved-out ones too)."""
    qs = Person.objects.filter(subtree_q("area_path", area_path))
    return access.restrict(qs, user, access.VIEW, "registry")


def organisations_in(user: Any, area_path: str) -> QuerySet[Organisation]:
    qs = Organisation.objects.filter(subtree_q("area_path", area_path))
    return access.restrict(qs, user, access.VIEW, "registry")


def tagged_in(user: Any, area_path: str, tag_code: str) -> QuerySet[Person]:
    """People of one key group (独居老人 …) under ``area_path``: the one-click list."""
    tags = PersonTag.objects.filter(subtree_q("area_path", area_path), tag_type__code=tag_code)
    return people_in(user, area_path).filter(pk__in=tags.values("person_id"))


def search_people(user: Any, area_path: str, text: str) -> QuerySet[Person]:
    """By ID number or phone (exact, through the keyed hash) or by name (prefix)."""
    text = "".join((text or "").split())
    qs = people_in(user, area_path)
    if not text:
        return qs.none()
    digits = normalise_id_number(text)
    if len(digits) == 18 and digits[:17].isdigit():
        return qs.filter(id_number_hash=hash_field_value("id_number", digits))
    if text.isdigit() and len(text) >= 7:
        return qs.filter(phone_hash=hash_field_value("phone", text))
    return qs.filter(Q(name__startswith=text))
