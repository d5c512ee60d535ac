from django.contrib import admin

from gongzhi.core.admin_audit import AuditedAdmin
from gongzhi.registry.models import Building


@admin.register(Building)
class BuildingAdmin(AuditedAdmin):
    list_display = ("name", "address", "grid", "floors")
    search_fields = ("name", "address")
    raw_id_fields = ("grid",)
