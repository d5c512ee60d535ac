"""人地事物组织: the registry of a grid's buildings, houses, households, people and organisations.

Every row carries ``area_path`` (its grid's path) so access scopes it without a join. ID numbers
and phones are encrypted with a keyed-hash companion for exact search (core.pii); names stay
plain so a grid worker can search them. Which key groups exist (独居老人, 残疾人 …) and which
fields each carries is configuration (:class:`TagType`), not code.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gongzhi.areas.models import Area
from gongzhi.cases.models import Case
from gongzhi.core.pii import EncryptedField

_ADDRESS_WIDTH = str.maketrans("０１２３４５６７８９－（）", "0123456789-()")


def address_key(*parts: str) -> str:
    """Addresses compared without spaces and full-width/half-width noise: the import's identity
    for buildings and houses, so a re-imported ledger updates instead of duplicating."""
    text = "".join("".join(str(p).split()) for p in parts if p)
    return text.translate(_ADDRESS_WIDTH).lower()[:250]


class GridScoped(models.Model):
    """A registry row placed in a grid; ``area_path`` copies the grid's path on save."""

    grid = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", verbose_name=_("网格"))
    area_path = models.CharField(max_length=18, db_index=True, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.area_path = self.grid.path
        super().save(*args, **kwargs)


class Building(GridScoped):
    """A building (楼栋) standing in a grid."""

    grid = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="buildings", verbose_name=_("网格"))
    name = models.CharField(_("名称"), max_length=80)
    address = models.CharField(_("地址"), max_length=200)
    address_key = models.CharField(max_length=250, editable=False, default="")
    lon = models.FloatField(_("经度 (WGS-84)"), null=True, blank=True)
    lat = models.FloatField(_("纬度 (WGS-84)"), null=True, blank=True)
    floors = models.PositiveSmallIntegerField(_("层数"), null=True, blank=True)

    class Meta:
        verbose_name = _("楼栋")
        verbose_name_plural = _("楼栋")
        ordering = ["area_path", "name"]
        constraints = [models.UniqueConstraint(fields=["grid", "address_key"], name="one_building_per_address")]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.address_key = address_key(self.address)
        super().save(*args, **kwargs)


class HouseUse(models.TextChoices):
    OWNER = "owner", _("自住")
    RENTED = "rented", _("出租")
    VACANT = "vacant", _("空置")
    COMMERCIAL = "commercial", _("商用")


class House(GridScoped):
    """A house or flat (房屋) in a building: 单元 + 房号."""

    building = models.ForeignKey(Building, on_delete=models.PROTECT, related_name="houses", verbose_name=_("楼栋"))
    unit_no = models.CharField(_("单元"), max_length=20, blank=True)
    room = models.CharField(_("房号"), max_length=20)
    floor = models.SmallIntegerField(_("楼层"), null=True, blank=True)
    use = models.CharField(_("房屋用途"), max_length=12, choices=HouseUse.choices, default=HouseUse.OWNER)
    floor_area = models.DecimalField(_("建筑面积（㎡）"), max_digits=8, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = _("房屋")
        verbose_name_plural = _("房屋")
        ordering = ["building", "unit_no", "room"]
        constraints = [models.UniqueConstraint(fields=["building", "unit_no", "room"], name="one_house_per_room")]
        indexes = [models.Index(fields=["area_path", "use"], name="house_area_use_idx")]

    def __str__(self) -> str:
        unit = f"{self.unit_no}单元" if self.unit_no and not self.unit_no.endswith("单元") else self.unit_no
        return f"{self.building.name}{unit}{self.room}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.grid = self.building.grid
        super().save(*args, **kwargs)


class ResidencyKind(models.TextChoices):
    REGISTERED = "registered", _("户籍人口")
    FLOATING = "floating", _("流动人口")
    OVERSEAS = "overseas", _("境外人员")


class Household(GridScoped):
    """A household (户): the people registered or living together, with a head."""

    house = models.ForeignKey(House, null=True, blank=True, on_delete=models.SET_NULL, related_name="households",
                              verbose_name=_("房屋"))
    number = models.CharField(_("户号"), max_length=30, null=True, blank=True, unique=True)  # NULL: none given
    kind = models.CharField(_("户别"), max_length=12, choices=ResidencyKind.choices, default=ResidencyKind.REGISTERED)
    head = models.ForeignKey("Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                             verbose_name=_("户主"))

    class Meta:
        verbose_name = _("户")
        verbose_name_plural = _("户")
        ordering = ["area_path", "id"]

    def __str__(self) -> str:
        return self.number or f"户 {self.pk}"


class Relation(models.TextChoices):
    SELF = "self", _("户主")
    SPOUSE = "spouse", _("配偶")
    CHILD = "child", _("子女")
    PARENT = "parent", _("父母")
    GRANDCHILD = "grandchild", _("孙子女")
    SIBLING = "sibling", _("兄弟姐妹")
    OTHER = "other", _("其他")


class Gender(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class LegalBasis(models.TextChoices):
    """个人信息保护法 §13: the ground on which personal information is processed."""

    DUTY = "duty", _("履行法定职责")
    CONSENT = "consent", _("个人同意")
    EMERGENCY = "emergency", _("应对突发公共卫生事件或紧急情况")
    OTHER_LAW = "other_law", _("法律、行政法规规定的其他情形")


class Person(GridScoped):
    """A person (人) known in a grid: where they actually live is their grid; their 户籍 may be
    elsewhere. Gender and birth date come from the ID number when there is one."""

    name = models.CharField(_("姓名"), max_length=60, db_index=True)
    id_number = EncryptedField(_("身份证号"), kind="id_number", blank=True, default="")
    # NULL for a person without an ID number: a plain unique index that SQLite uses for
    # `= x` too (a partial index on != '' it would use only when a query repeats the condition).
    # The hash indexes are declared in Meta: a field's own index gets a second, "_like" one on
    # PostgreSQL, which a hash never needs and every imported person would pay for.
    id_number_hash = models.CharField(max_length=64, null=True, blank=True, editable=False)  # noqa: DJ001 (NULL: see above)
    phone = EncryptedField(_("联系电话"), kind="phone", blank=True, default="")
    phone_hash = models.CharField(max_length=64, blank=True, editable=False)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices, blank=True)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    ethnicity = models.CharField(_("民族"), max_length=20, blank=True)
    residency = models.CharField(_("人口类型"), max_length=12, choices=ResidencyKind.choices,
                                 default=ResidencyKind.REGISTERED)
    registered_address = models.CharField(_("户籍地址"), max_length=200, blank=True)
    household = models.ForeignKey(Household, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="members", verbose_name=_("户"))
    relation = models.CharField(_("与户主关系"), max_length=12, choices=Relation.choices, blank=True)
    left_at = models.DateField(_("迁出日期"), null=True, blank=True)
    # Why this data is held (个人信息保护法 §17): recorded with the row, shown on the card.
    purpose = models.CharField(_("收集目的"), max_length=120, blank=True, default="基层治理实有人口登记")
    legal_basis = models.CharField(_("处理依据"), max_length=12, choices=LegalBasis.choices, default=LegalBasis.DUTY)
    # Set when the retention period ended or the person asked to be deleted after leaving: the row
    # stays (cases keep their links) but nothing in it identifies anyone any more.
    anonymised_at = models.DateTimeField(_("匿名化时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        ordering = ["area_path", "name", "id"]
        # Statistics count current residents per grid (bench/registry_stats.py: 4x on a district).
        indexes = [models.Index(fields=["area_path", "left_at"], name="person_area_left_idx"),
                   models.Index(fields=["phone_hash"], name="person_phone_hash_idx")]
        constraints = [models.UniqueConstraint(fields=["id_number_hash"], name="person_id_number_hash_unique")]

    def __str__(self) -> str:
        return self.name


class ResidenceRole(models.TextChoices):
    LIVES = "lives", _("居住")
    OWNS = "owns", _("产权人")
    WORKS = "works", _("工作")


class Residence(models.Model):
    """人房关联: who lives, owns or works in which house, from when until when. People move:
    ending a residence sets ``until``; history is never overwritten."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="residences", verbose_name=_("人员"))
    house = models.ForeignKey(House, on_delete=models.CASCADE, related_name="residences", verbose_name=_("房屋"))
    role = models.CharField(_("关系"), max_length=10, choices=ResidenceRole.choices, default=ResidenceRole.LIVES)
    since = models.DateField(_("起始日期"), null=True, blank=True)
    until = models.DateField(_("截止日期"), null=True, blank=True)
    area_path = models.CharField(max_length=18, db_index=True, editable=False)

    class Meta:
        verbose_name = _("人房关联")
        verbose_name_plural = _("人房关联")
        ordering = ["-since", "id"]
        constraints = [
            models.UniqueConstraint(fields=["person", "house", "role"], condition=Q(until__isnull=True),
                                    name="one_current_residence"),
        ]

    def __str__(self) -> str:
        return f"{self.person} @ {self.house}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.area_path = self.house.area_path
        super().save(*args, **kwargs)


class OrgKind(models.TextChoices):
    SHOP = "shop", _("商铺")
    COMPANY = "company", _("企业")
    SOCIAL = "social", _("社会组织")
    SCHOOL = "school", _("学校")
    HOSPITAL = "hospital", _("医疗机构")
    PUBLIC = "public", _("机关事业单位")
    OTHER = "other", _("其他")


class Organisation(GridScoped):
    """An organisation (组织) with its place and contact: shops, companies, schools …"""

    name = models.CharField(_("名称"), max_length=120, db_index=True)
    kind = models.CharField(_("类型"), max_length=12, choices=OrgKind.choices, default=OrgKind.COMPANY)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    building = models.ForeignKey(Building, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="organisations", verbose_name=_("楼栋"))
    lon = models.FloatField(_("经度 (WGS-84)"), null=True, blank=True)
    lat = models.FloatField(_("纬度 (WGS-84)"), null=True, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=60, blank=True)
    contact_phone = EncryptedField(_("联系电话"), kind="phone", blank=True, default="")
    contact_phone_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    identity_key = models.CharField(max_length=250, unique=True, editable=False)

    class Meta:
        verbose_name = _("组织")
        verbose_name_plural = _("组织")
        ordering = ["area_path", "name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.identity_key = org_key(self.credit_code, self.name, self.address)
        super().save(*args, **kwargs)


def org_key(credit_code: str, name: str, address: str) -> str:
    """An organisation is the same one again by its credit code, else by name + address."""
    # Cut to the column (250): a 120-character name and a 200-character address would not fit.
    return f"uscc:{credit_code.upper()}" if credit_code else ("na:" + address_key(name, "@", address))[:250]


class TagType(models.Model):
    """A key group (重点人群) and the fields it carries, e.g. 残疾人: 残疾类别 (choice), 残疾等级.

    ``fields`` is a list of ``{"name": "level", "label": "残疾等级", "type": "choice",
    "choices": ["一级", "二级"], "required": true}``; types are text, int, date, choice, bool.
    """

    code = models.SlugField(_("编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=40)
    fields: models.JSONField[Any] = models.JSONField(_("字段"), default=list, blank=True)
    sensitive = models.BooleanField(_("敏感（健康、残疾等）"), default=False)
    # What a person's membership is recorded for; copied onto each tag when it is collected.
    purpose = models.CharField(_("收集目的"), max_length=120, blank=True, default="重点人群服务管理")
    legal_basis = models.CharField(_("处理依据"), max_length=12, choices=LegalBasis.choices, default=LegalBasis.DUTY)
    is_active = models.BooleanField(_("启用"), default=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("重点人群类别")
        verbose_name_plural = _("重点人群类别")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


class PersonTag(models.Model):
    """A person in a key group, with the group's fields. The values are encrypted: they are
    often health or disability data; only the group itself is searchable."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="tags", verbose_name=_("人员"))
    tag_type = models.ForeignKey(TagType, on_delete=models.PROTECT, related_name="person_tags",
                                 verbose_name=_("重点人群类别"))
    values = EncryptedField(_("字段值"), kind="text", blank=True, default="")
    since = models.DateField(_("起始日期"), null=True, blank=True)
    # Key groups are often sensitive personal information (个人信息保护法 §28): why and on what
    # ground each was recorded is kept with it.
    purpose = models.CharField(_("收集目的"), max_length=120, blank=True, default="")
    legal_basis = models.CharField(_("处理依据"), max_length=12, choices=LegalBasis.choices, default=LegalBasis.DUTY)
    area_path = models.CharField(max_length=18, db_index=True, editable=False)

    class Meta:
        verbose_name = _("重点人群标签")
        verbose_name_plural = _("重点人群标签")
        constraints = [models.UniqueConstraint(fields=["person", "tag_type"], name="one_tag_per_type")]
        indexes = [models.Index(fields=["tag_type", "area_path"], name="tag_type_area_idx")]

    def __str__(self) -> str:
        return f"{self.person} · {self.tag_type}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.area_path = self.person.area_path
        super().save(*args, **kwargs)


class SubjectRole(models.TextChoices):
    CONCERNS = "concerns", _("涉及")
    REPORTED_BY = "reported_by", _("反映人")


class CaseSubject(models.Model):
    """A case points at the people, houses, buildings and organisations it concerns."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="subjects")
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.CASCADE, related_name="case_links")
    house = models.ForeignKey(House, null=True, blank=True, on_delete=models.CASCADE, related_name="case_links")
    building = models.ForeignKey(Building, null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="case_links")
    organisation = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.CASCADE,
                                     related_name="case_links")
    role = models.CharField(max_length=12, choices=SubjectRole.choices, default=SubjectRole.CONCERNS)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("案件关联对象")
        constraints = [
            models.CheckConstraint(
                condition=(Q(person__isnull=False, house__isnull=True, building__isnull=True, organisation__isnull=True)
                           | Q(person__isnull=True, house__isnull=False, building__isnull=True, organisation__isnull=True)
                           | Q(person__isnull=True, house__isnull=True, building__isnull=False, organisation__isnull=True)
                           | Q(person__isnull=True, house__isnull=True, building__isnull=True, organisation__isnull=False)),
                name="subject_exactly_one",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} → {self.subject}"

    @property
    def subject(self) -> models.Model:
        return self.person or self.house or self.building or self.organisation  # type: ignore[return-value]


class ImportStatus(models.TextChoices):
    MAPPING = "mapping", _("待确认表头")
    VALIDATING = "validating", _("校验中")
    VALIDATED = "validated", _("校验完成")
    IMPORTING = "importing", _("导入中")
    DONE = "done", _("已导入")
    REFUSED = "refused", _("有错误，未导入")
    FAILED = "failed", _("文件无法读取")
    CANCELLED = "cancelled", _("已取消")


class ImportJob(models.Model):
    """One upload of a 台账 and its progress: counts are updated every batch, so a page can poll
    them while the import runs in the background."""

    kind = models.CharField(_("台账类型"), max_length=20)
    file_name = models.CharField(_("文件名"), max_length=200)
    file_path = models.CharField(max_length=500, editable=False)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("上传人"))
    status = models.CharField(_("状态"), max_length=12, choices=ImportStatus.choices, default=ImportStatus.MAPPING)
    headers: models.JSONField[Any] = models.JSONField(default=list, blank=True)
    mapping: models.JSONField[Any] = models.JSONField(default=dict, blank=True)
    valid_rows_only = models.BooleanField(_("仅导入有效行"), default=False)
    total_rows = models.PositiveIntegerField(_("总行数"), default=0)
    processed = models.PositiveIntegerField(_("已处理"), default=0)
    valid = models.PositiveIntegerField(_("有效行"), default=0)
    rejected = models.PositiveIntegerField(_("错误行"), default=0)
    written = models.PositiveIntegerField(_("已写入"), default=0)
    problems: models.JSONField[Any] = models.JSONField(default=list, blank=True)  # the first 200, for the page
    message = models.TextField(_("说明"), blank=True)
    report_path = models.CharField(max_length=500, blank=True, editable=False)
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("台账导入")
        verbose_name_plural = _("台账导入")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.kind})"

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.processed / self.total_rows)) if self.total_rows else 0
