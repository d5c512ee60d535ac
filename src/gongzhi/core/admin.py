from django.contrib import admin
from django.http import HttpRequest

from gongzhi.core.admin_audit import AuditedAdmin, ReadOnlyAdmin
from gongzhi.core.audit import visible_events
from gongzhi.core.models import AuditEvent, CalendarDay


@admin.register(CalendarDay)
class CalendarDayAdmin(AuditedAdmin):
    list_display = ("date", "is_workday", "name")
    list_filter = ("is_workday",)


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    access_resource = "audit"
    list_display = ("id", "at", "actor_name", "action", "object_repr", "ip")
    list_filter = ("action",)

    def get_queryset(self, request: HttpRequest):  # type: ignore[no-untyped-def]
        return visible_events(request.user)
