from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongzhi.accounts.models import Unit
from gongzhi.areas.models import Area
from gongzhi.core.pii import EncryptedField


class LimitUnit(models.TextChoices):
    URGENT_HOURS = "urgent_hours", _("紧急时")
    WORK_HOURS = "work_hours", _("工作时")
    WORK_DAYS = "work_days", _("工作日")
    CALENDAR_DAYS = "calendar_days", _("自然日")


class HandlerLevel(models.TextChoices):
    STREET = "street", _("属地（街镇）")
    COMMUNITY = "community", _("社区")
    DEPARTMENT = "department", _("职能部门")


class Category(models.Model):
    """An entry of the 派单目录: 大类 → 中类 → 小类, with who handles it and how long it may take."""

    code = models.SlugField(_("编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=60)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children",
                               verbose_name=_("上级类别"))
    workflow = models.CharField(_("流程"), max_length=30, default="hotline")
    handler_level = models.CharField(_("处置层级"), max_length=20, choices=HandlerLevel.choices,
                                     default=HandlerLevel.STREET)
    department = models.CharField(_("主办部门编码"), max_length=40, blank=True,
                                  help_text=_("职能部门单位编码的后缀，例如 chengguan"))
    limit_amount = models.DecimalField(_("整体时限"), max_digits=6, decimal_places=1, null=True, blank=True)
    limit_unit = models.CharField(_("时限单位"), max_length=20, choices=LimitUnit.choices, default=LimitUnit.WORK_DAYS)
    step_limits: models.JSONField[Any] = models.JSONField(
        _("环节时限"), default=dict, blank=True,
        help_text=_('案件在某一状态最多停留多久，例如 {"received": [1, "work_hours"], "dispatched": [1, "work_days"]}'),
    )
    keywords = models.TextField(_("关键词"), blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("派单目录类别")
        verbose_name_plural = _("派单目录")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASIC = "basic", _("基本满意")
    UNSATISFIED = "unsatisfied", _("不满意")


class Case(models.Model):
    """Anything that must be handled, moving through a workflow; its history is its Steps."""

    number = models.CharField(_("编号"), max_length=20, unique=True)
    workflow = models.CharField(_("流程"), max_length=30)
    state = models.CharField(_("状态"), max_length=30, db_index=True)
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("类别"))
    kind = models.CharField(_("诉求类型"), max_length=10, blank=True)
    title = models.CharField(_("标题"), max_length=200)
    description = models.TextField(_("内容"), blank=True)
    channel = models.CharField(_("来源渠道"), max_length=20)
    lon = models.FloatField(_("经度 (WGS-84)"), null=True, blank=True)
    lat = models.FloatField(_("纬度 (WGS-84)"), null=True, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    grid = models.ForeignKey(Area, null=True, blank=True, on_delete=models.PROTECT, related_name="cases",
                             verbose_name=_("网格"))
    area_path = models.CharField(max_length=18, db_index=True)
    reporter_name = EncryptedField(_("反映人"), kind="name", blank=True, default="")
    reporter_phone = EncryptedField(_("联系电话"), kind="phone", blank=True, default="")
    reporter_phone_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    reporter_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="reported_cases")
    client_key = models.CharField(max_length=64, null=True, blank=True, unique=True)
    received_at = models.DateTimeField(_("受理时间"))
    due_at = models.DateTimeField(_("办理时限"), null=True, blank=True, db_index=True)
    warn_at = models.DateTimeField(null=True, blank=True)
    step_due_at = models.DateTimeField(_("环节时限"), null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(_("升级层级"), default=0)
    reminded = models.BooleanField(default=False)
    step_count = models.PositiveIntegerField(default=0)
    version = models.PositiveIntegerField(default=0)
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged")
    resident_rating = models.CharField(_("群众评价"), max_length=12, blank=True, choices=Satisfaction.choices)
    resident_rated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("案件")
        verbose_name_plural = _("案件")
        ordering = ["due_at", "id"]
        indexes = [models.Index(fields=["area_path", "state"], name="case_area_state_idx")]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class AssignmentRole(models.TextChoices):
    LEAD = "lead", _("主办")
    ASSIST = "assist", _("协办")


class Assignment(models.Model):
    """A unit asked to act on a case (主办 or 协办), each on its own clock."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assignments")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="assignments")
    role = models.CharField(max_length=10, choices=AssignmentRole.choices)
    due_at = models.DateTimeField(null=True, blank=True)
    assigned_at = models.DateTimeField()
    active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("派遣")
        ordering = ["case", "-role", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} → {self.unit} ({self.role})"


class Step(models.Model):
    """One transition of a case: immutable; every metric is computed from these."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="steps")
    seq = models.PositiveIntegerField()
    action = models.CharField(max_length=40)
    from_state = models.CharField(max_length=30)
    to_state = models.CharField(max_length=30)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(db_index=True)
    note = models.TextField(blank=True)
    on_time = models.BooleanField(null=True)
    data: models.JSONField[Any] = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("环节记录")
        ordering = ["case", "seq"]
        constraints = [models.UniqueConstraint(fields=["case", "seq"], name="one_step_per_seq")]

    def __str__(self) -> str:
        return f"{self.case_id}#{self.seq} {self.action}"


class FollowUp(models.Model):
    """回访: was the reporter contacted, is it solved, are they satisfied."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="follow_ups")
    at = models.DateTimeField()
    valid = models.BooleanField(_("有效回访"), default=True)
    contacted = models.BooleanField(_("是否联系"))
    solved = models.BooleanField(_("是否解决"))
    satisfaction = models.CharField(_("满意度"), max_length=12, choices=Satisfaction.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    area_path = models.CharField(max_length=18, db_index=True)

    class Meta:
        verbose_name = _("回访")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.satisfaction}"


class Attachment(models.Model):
    """A photo or document on a case (现场照片, 处置后照片), stored under MEDIA_ROOT."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    step = models.ForeignKey(Step, null=True, blank=True, on_delete=models.SET_NULL, related_name="attachments")
    file = models.FileField(upload_to="cases/%Y/%m/")
    content_type = models.CharField(max_length=60)
    size = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("附件")
        ordering = ["id"]

    def __str__(self) -> str:
        return str(self.file.name)
