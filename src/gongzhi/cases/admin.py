from django.contrib import admin

from gongzhi.cases.models import Case, Category
from gongzhi.core.admin_audit import AuditedAdmin, ReadOnlyAdmin, ScopedAdmin


@admin.register(Category)
class CategoryAdmin(AuditedAdmin):
    list_display = ("name", "code", "parent", "handler_level", "department", "limit_amount", "limit_unit", "is_active")
    list_filter = ("handler_level", "limit_unit", "is_active")
    search_fields = ("name", "code", "keywords")


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin, ScopedAdmin):
    """Read-only: cases change only through their workflow, so every change leaves a Step."""

    access_resource = "case"

    list_display = ("number", "title", "workflow", "state", "due_at", "area_path")
    list_filter = ("workflow", "state")
    search_fields = ("number", "title")

