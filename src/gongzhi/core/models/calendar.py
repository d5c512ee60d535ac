from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarDay(models.Model):
    """An override of the official calendar: a holiday, a 调休 working day, or a local day."""

    date = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(_("是否工作日"))
    name = models.CharField(_("名称"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("工作日历调整")
        verbose_name_plural = _("工作日历调整")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"
