from __future__ import annotations

import uuid
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Level(models.IntegerChoices):
    CITY = 1, _("市")
    DISTRICT = 2, _("区/县")
    STREET = 3, _("街道/镇")
    COMMUNITY = 4, _("社区/村")
    GRID = 5, _("网格")
    MICRO_GRID = 6, _("微网格")


# Significant digits of the code at each level; see core.paths.
PATH_LENGTH = {Level.CITY: 4, Level.DISTRICT: 6, Level.STREET: 9, Level.COMMUNITY: 12,
               Level.GRID: 15, Level.MICRO_GRID: 18}


class GridLayer(models.Model):
    """One way of cutting the territory into grids (多网合一: one layer is the 全科网格)."""

    code = models.SlugField(_("编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=60)
    is_authoritative = models.BooleanField(_("全科网格（权威图层）"), default=False)
    description = models.TextField(_("说明"), blank=True)
    # Replaced whenever a grid of this layer changes, so every process rebuilds its
    # point-in-grid index on next use instead of answering from a stale one. A random token
    # rather than a counter: a counter can repeat after a database is rebuilt or restored.
    version = models.UUIDField(default=uuid.uuid4, editable=False)

    class Meta:
        verbose_name = _("网格图层")
        verbose_name_plural = _("网格图层")
        constraints = [
            models.UniqueConstraint(
                fields=["is_authoritative"], condition=Q(is_authoritative=True),
                name="one_authoritative_grid_layer",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Area(models.Model):
    """A node of the 市/区/街镇/社区/网格/微网格 tree.

    Real places carry their 12-digit 统计用区划代码. A grid's code is its community's
    12 digits plus a 3-digit sequence (001–999); a micro-grid's is its grid's 15 digits plus
    3 more. ``path`` is the code's significant digits and answers subtree queries by range.
    """

    code = models.CharField(_("代码"), max_length=18, unique=True)
    path = models.CharField(_("路径"), max_length=18, unique=True)
    name = models.CharField(_("名称"), max_length=80)
    level = models.PositiveSmallIntegerField(_("层级"), choices=Level.choices, db_index=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children",
        verbose_name=_("上级"),
    )
    layer = models.ForeignKey(
        GridLayer, null=True, blank=True, on_delete=models.PROTECT, related_name="grids",
        verbose_name=_("网格图层"),
    )
    boundary: models.JSONField[Any] = models.JSONField(_("边界 (GeoJSON, WGS-84)"), null=True, blank=True)
    min_lon = models.FloatField(null=True, blank=True)
    min_lat = models.FloatField(null=True, blank=True)
    max_lon = models.FloatField(null=True, blank=True)
    max_lat = models.FloatField(null=True, blank=True)
    boundary_generated = models.BooleanField(
        _("边界为生成数据"), default=False,
        help_text=_("演示用的生成边界，不是实测边界。"),
    )
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("区域")
        verbose_name_plural = _("区域")
        ordering = ["path"]
        indexes = [models.Index(fields=["level", "path"], name="area_level_path_idx")]

    def __str__(self) -> str:
        return self.name

    @property
    def area_path(self) -> str:
        return self.path

    @property
    def is_grid(self) -> bool:
        return self.level in (Level.GRID, Level.MICRO_GRID)
