from django.contrib import admin

from gongzhi.core.admin_audit import AuditedAdmin, ReadOnlyAdmin
from gongzhi.core.models import AuditEvent, CalendarDay


@admin.register(CalendarDay)
class CalendarDayAdmin(AuditedAdmin):
    list_display = ("date", "is_workday", "name")
    list_filter = ("is_workday",)


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("id", "at", "actor_name", "action", "object_repr", "ip")
    list_filter = ("action",)

