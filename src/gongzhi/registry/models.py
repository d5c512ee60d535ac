from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from gongzhi.areas.models import Area


class Building(models.Model):
    """A building (楼栋) standing in a grid. Houses and people come with the registry."""

    grid = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="buildings", verbose_name=_("网格"))
    area_path = models.CharField(max_length=18, db_index=True, editable=False)
    name = models.CharField(_("名称"), max_length=80)
    address = models.CharField(_("地址"), max_length=200)
    lon = models.FloatField(_("经度 (WGS-84)"))
    lat = models.FloatField(_("纬度 (WGS-84)"))
    floors = models.PositiveSmallIntegerField(_("层数"), null=True, blank=True)

    class Meta:
        verbose_name = _("楼栋")
        verbose_name_plural = _("楼栋")
        ordering = ["area_path", "name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: object, **kwargs: object) -> None:
        self.area_path = self.grid.path
        super().save(*args, **kwargs)  # type: ignore[arg-type]
