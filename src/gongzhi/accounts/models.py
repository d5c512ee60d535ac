from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongzhi.areas.models import Area
from gongzhi.core.access import Role
from gongzhi.core.pii import EncryptedField


class UnitKind(models.TextChoices):
    CENTER = "center", _("网格化服务管理中心")
    DEPARTMENT = "department", _("职能部门")
    STREET_OFFICE = "street_office", _("街道办事处/镇政府")
    COMMUNITY_COMMITTEE = "community_committee", _("社区居委会/村委会")
    GRID_STATION = "grid_station", _("网格站")
    PARTY_ORG = "party_org", _("党组织")


class Unit(models.Model):
    """An organisation that receives, handles or supervises work in an area."""

    code = models.SlugField(_("编码"), max_length=60, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=30, choices=UnitKind.choices)
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="units", verbose_name=_("辖区"))
    area_path = models.CharField(max_length=18, db_index=True, editable=False)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children",
        verbose_name=_("上级单位"),
    )
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        ordering = ["area_path", "kind", "name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.area_path = self.area.path
        super().save(*args, **kwargs)


class User(AbstractUser):
    full_name = models.CharField(_("姓名"), max_length=50, blank=True)
    phone = EncryptedField(_("手机号"), kind="phone", blank=True, default="")
    phone_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    # Set when someone else chose the password (an administrator, a seed): outside demo mode
    # the user must choose their own before doing anything else.
    must_change_password = models.BooleanField(_("须修改密码"), default=False)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def get_full_name(self) -> str:
        return self.full_name or super().get_full_name()

    def active_posts(self) -> list[Post]:
        """The user's active posts, read once per user object (one request);
        ``core.access.forget_posts`` drops them after a change."""
        cached: list[Post] | None = self.__dict__.get("_gongzhi_post_objects")
        if cached is None:
            cached = list(self.posts.filter(is_active=True).select_related("unit", "area"))
            self.__dict__["_gongzhi_post_objects"] = cached
        return cached


class Post(models.Model):
    """A user's position: a role held in a unit over an area."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="posts", verbose_name=_("用户"))
    role = models.CharField(_("角色"), max_length=30, choices=Role.choices)
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="posts", verbose_name=_("单位")
    )
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="posts", verbose_name=_("负责区域"))
    area_path = models.CharField(max_length=18, db_index=True, editable=False)
    is_active = models.BooleanField(_("在岗"), default=True)
    since = models.DateField(_("任职日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("岗位")
        verbose_name_plural = _("岗位")
        ordering = ["area_path", "role"]
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "area"], name="one_post_per_role_area")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.area}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.area_path = self.area.path
        super().save(*args, **kwargs)


class ApiToken(models.Model):
    """A key for an integration (a hotline system, an Open311 client): acts as its user.

    Only a hash of the key is stored; the key is shown once, when it is created.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("用户"))
    name = models.CharField(_("名称"), max_length=60)
    prefix = models.CharField(max_length=8, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("接口密钥")
        verbose_name_plural = _("接口密钥")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class LoginThrottle(models.Model):
    """Failed sign-ins counted per account and per address (`accounts.throttle`): a key that
    fails too often in a window is locked for a while, correct password or not."""

    key = models.CharField(max_length=200, unique=True)  # "user:<name>" or "ip:<address>"
    failures = models.PositiveIntegerField(default=0)
    window_start = models.DateTimeField()
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("登录限制")
        verbose_name_plural = _("登录限制")

    def __str__(self) -> str:
        return f"{self.key}: {self.failures}"


class PasswordHistory(models.Model):
    """Hashes of a user's earlier passwords, so a new one cannot repeat them."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(max_length=128)
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user_id} {self.changed_at:%Y-%m-%d}"
