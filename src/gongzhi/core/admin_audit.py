"""The Django admin under the platform's rules: a model shows only to holders of a post with
rights on its resource (``core.access``; the superuser flag grants nothing here — 三员分立),
and every change made in it goes to the audit trail like any other change."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.http import HttpRequest

from gongzhi.core import access, audit


def _may(request: HttpRequest, action: str, resource: str) -> bool:
    return bool(access.scope_roots(request.user, action, resource))


class PostGatedAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Viewing needs VIEW on ``access_resource``, adding/changing/deleting needs CHANGE."""

    access_resource = "config"

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _may(request, access.VIEW, self.access_resource)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _may(request, access.VIEW, self.access_resource)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return _may(request, access.CHANGE, self.access_resource)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _may(request, access.CHANGE, self.access_resource)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _may(request, access.CHANGE, self.access_resource)


class PostGatedInline(admin.TabularInline):  # type: ignore[type-arg]
    access_resource = "config"

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _may(request, access.VIEW, self.access_resource)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _may(request, access.CHANGE, self.access_resource)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _may(request, access.CHANGE, self.access_resource)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _may(request, access.CHANGE, self.access_resource)


class AuditedAdmin(PostGatedAdmin):
    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        audit.record("admin.change" if change else "admin.add", actor=request.user, obj=obj,
                     data={"fields": sorted(form.changed_data)})

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        super().save_formset(request, form, formset, change)
        for obj in formset.new_objects:
            audit.record("admin.add", actor=request.user, obj=obj)
        for obj, fields in formset.changed_objects:
            audit.record("admin.change", actor=request.user, obj=obj, data={"fields": sorted(fields)})
        for obj in formset.deleted_objects:
            audit.record("admin.delete", actor=request.user, obj=obj)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        audit.record("admin.delete", actor=request.user, obj=obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: models.QuerySet[Any]) -> None:
        for obj in queryset:
            audit.record("admin.delete", actor=request.user, obj=obj)
        super().delete_queryset(request, queryset)


class ScopedAdmin(AuditedAdmin):
    """Rows tied to an area: only those inside the user's posts for ``access_resource``."""

    scope_field = "area_path"

    def get_queryset(self, request: HttpRequest) -> models.QuerySet[Any]:
        return access.restrict(super().get_queryset(request), request.user, access.VIEW, self.access_resource,
                               self.scope_field)


class ReadOnlyAdmin(PostGatedAdmin):
    """For records that change only through their own services (audit events, cases)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
