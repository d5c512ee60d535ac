from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core.models import AuditEvent


def _start_of(d: date) -> datetime:
    return timezone.make_aware(datetime.combine(d, time.min))


class AuditFilterForm(forms.Form):
    """The audit post's filters: by person, object, action, address and time."""

    actor = forms.CharField(label=_("操作人"), required=False, max_length=150,
                            help_text=_("用户名（精确）或姓名（包含）"))
    obj = forms.CharField(label=_("对象"), required=False, max_length=200,
                          help_text=_("对象类型（如 cases.case）、编号或名称"))
    action = forms.CharField(label=_("操作"), required=False, max_length=64, help_text=_("前缀，如 auth."))
    ip = forms.CharField(label=_("来源地址"), required=False, max_length=45)
    since = forms.DateField(label=_("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error("until", _("截止日期不能早于起始日期。"))
        return data

    def apply(self, events: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
        data = self.cleaned_data
        if actor := data.get("actor", "").strip():
            events = events.filter(Q(actor__username=actor) | Q(actor_name__icontains=actor))
        if obj := data.get("obj", "").strip():
            events = events.filter(Q(object_type=obj.lower()) | Q(object_id=obj) | Q(object_repr__icontains=obj))
        if action := data.get("action", "").strip():
            events = events.filter(action__startswith=action)
        if ip := data.get("ip", "").strip():
            events = events.filter(ip=ip)
        if since := data.get("since"):
            events = events.filter(at__gte=_start_of(since))
        if until := data.get("until"):
            events = events.filter(at__lt=_start_of(until + timedelta(days=1)))
        return events
