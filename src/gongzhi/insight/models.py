"""What the machine learned and what it proposed: model versions, proposals at intake with the
dispatcher's answer, hot-spot alerts."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ModelStatus(models.TextChoices):
    TRAINING = "training", _("训练中")
    READY = "ready", _("待启用")
    ACTIVE = "active", _("使用中")
    RETIRED = "retired", _("已停用")
    FAILED = "failed", _("失败")


class TextModel(models.Model):
    """One trained classifier version. The fitted model is stored here (pickled), so every
    process of the platform sees the same versions and a switch needs no restart."""

    name = models.CharField(_("模型名称"), max_length=40, default="category")
    version = models.PositiveIntegerField(_("版本"))
    recipe = models.CharField(_("方法"), max_length=40)
    status = models.CharField(_("状态"), max_length=12, choices=ModelStatus.choices, default=ModelStatus.TRAINING)
    source = models.CharField(_("训练数据"), max_length=300, blank=True)
    trained_on = models.PositiveIntegerField(_("标注条数"), default=0)
    unlabelled = models.PositiveIntegerField(_("未标注条数"), default=0)
    classes: models.JSONField[Any] = models.JSONField(_("类别"), default=list, blank=True)
    metrics: models.JSONField[Any] = models.JSONField(_("交叉验证结果"), default=dict, blank=True)
    macro_f1 = models.FloatField(_("宏平均 F1"), null=True, blank=True)
    blob = models.BinaryField(editable=False, default=b"")
    digest = models.CharField(max_length=64, blank=True, editable=False)
    message = models.TextField(_("说明"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("训练人"))
    created_at = models.DateTimeField(_("训练时间"), auto_now_add=True)
    activated_at = models.DateTimeField(_("启用时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("分类模型")
        verbose_name_plural = _("分类模型")
        ordering = ["name", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="one_model_version"),
            models.UniqueConstraint(fields=["name"], condition=models.Q(status="active"), name="one_active_model"),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class Proposal(models.Model):
    """What the model proposed for a case at intake, and what the dispatcher chose. Accepted
    and corrected proposals are the next training set."""

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="proposal")
    model = models.ForeignKey(TextModel, null=True, blank=True, on_delete=models.SET_NULL, related_name="proposals")
    category = models.ForeignKey("cases.Category", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+", verbose_name=_("建议类别"))
    unit = models.ForeignKey("accounts.Unit", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                             verbose_name=_("建议单位"))
    confidence = models.FloatField(_("置信度"), default=0.0)
    shown = models.BooleanField(_("已展示"), default=False)  # False: below the threshold, manual triage
    chosen_category = models.ForeignKey("cases.Category", null=True, blank=True, on_delete=models.SET_NULL,
                                        related_name="+", verbose_name=_("最终类别"))
    accepted = models.BooleanField(_("采纳"), null=True)  # None until the dispatcher has chosen
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("派单建议")
        verbose_name_plural = _("派单建议")

    def __str__(self) -> str:
        return f"{self.case_id}: {self.category_id} ({self.confidence:.2f})"


class HotspotAlert(models.Model):
    """A group of messages about the same problem that crossed the alert threshold (未诉先办)."""

    key = models.CharField(max_length=200, unique=True)  # the group's area, place and first case when raised
    area_path = models.CharField(max_length=18, db_index=True)
    title = models.CharField(_("热点"), max_length=200)
    place = models.CharField(_("地点"), max_length=100, blank=True)
    count = models.PositiveIntegerField(_("诉求数"))
    score = models.FloatField(_("热度"))
    first_at = models.DateTimeField(_("最早"))
    last_at = models.DateTimeField(_("最近"))
    cases: models.JSONField[Any] = models.JSONField(default=list)  # case numbers in the group when raised
    raised_at = models.DateTimeField(_("预警时间"), auto_now_add=True)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("热点预警")
        verbose_name_plural = _("热点预警")
        ordering = ["-raised_at"]

    def __str__(self) -> str:
        return f"{self.title} ({self.count})"
