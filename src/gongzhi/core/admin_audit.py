"""Configuration changes made in the Django admin go to the audit trail like any other change."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.http import HttpRequest

from gongzhi.core import audit


class AuditedAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
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


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """For records that change only through their own services (audit events, cases)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
