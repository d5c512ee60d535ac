from django.contrib import admin

from gongzhi.cases.models import Case, Category
from gongzhi.core.admin_audit import AuditedAdmin


@admin.register(Category)
class CategoryAdmin(AuditedAdmin):
    list_display = ("name", "code", "parent", "handler_level", "department", "limit_amount", "limit_unit", "is_active")
    list_filter = ("handler_level", "limit_unit", "is_active")
    search_fields = ("name", "code", "keywords")


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    """Read-only: cases change only through their workflow, so every change leaves a Step."""

    list_display = ("number", "title", "workflow", "state", "due_at", "area_path")
    list_filter = ("workflow", "state")
    search_fields = ("number", "title")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
