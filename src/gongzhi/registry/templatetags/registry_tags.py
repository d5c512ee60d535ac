"""``{% case_subjects case %}``: a case's linked registry rows and a search to link more, for the
case page — so the cases app shows registry data without importing the registry."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from gongzhi.cases.models import Case
from gongzhi.core import access
from gongzhi.registry import selectors
from gongzhi.registry.forms import LinkForm

register = template.Library()


@register.inclusion_tag("registry/_case_subjects.html", takes_context=True)
def case_subjects(context: template.Context, case: Case) -> dict[str, Any]:
    user = context["request"].user
    shown, hidden = selectors.subjects_of(user, case)
    subjects = []
    for s in shown:
        obj = s.subject
        kind = obj._meta.model_name
        subjects.append({"kind": kind, "label": obj._meta.verbose_name, "text": str(obj),
                         "url": reverse(f"registry-{kind}", args=[obj.pk]) if kind != "organisation" else ""})
    return {"case": case, "subjects": subjects, "hidden": hidden, "can_link": selectors.may_link(user, case),
            "kind": "person", "link_kinds": LinkForm.base_fields["kind"].choices}  # type: ignore[attr-defined]


@register.filter
def get(mapping: dict[str, Any], key: str) -> Any:
    """``{{ row.tags|get:code }}`` — a dict entry by a variable key (0 when absent)."""
    return mapping.get(str(key), 0) if isinstance(mapping, dict) else 0


@register.simple_tag(takes_context=True)
def registry_allowed(context: template.Context, area_path: str) -> bool:
    """``{% registry_allowed area.path as ok %}`` — may the user open the registry there?"""
    return access.can(context["request"].user, access.VIEW, "registry", area_path)
