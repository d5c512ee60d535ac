"""The Excel 台账 the import understands: one :class:`Ledger` per kind, its columns with their
Chinese labels and the header spellings found in real ledgers.

A column is matched by its header after :func:`normalise_header` (spaces, line breaks,
full-width forms and required-markers removed), first against the label, then the aliases.
The key-group list (重点人群名单) has, besides its fixed columns, one column per field of
each tag type, matched by the field's Chinese label.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

TAG_FIELD_PREFIX = "tag."  # a key-group field column: "tag." + the field's Chinese label


@dataclass(frozen=True)
class Column:
    field: str
    label: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    masked: bool = False  # ID numbers and phones: masked in the error report


@dataclass(frozen=True)
class Ledger:
    kind: str
    label: str
    columns: tuple[Column, ...]

    def column(self, field: str) -> Column | None:
        return next((c for c in self.columns if c.field == field), None)

    @property
    def required(self) -> list[Column]:
        return [c for c in self.columns if c.required]

    def label_of(self, field: str) -> str:
        if field.startswith(TAG_FIELD_PREFIX):
            return field[len(TAG_FIELD_PREFIX):]
        col = self.column(field)
        return col.label if col else field


ID = Column("id_number", "身份证号", ("身份证号码", "公民身份号码", "公民身份证号码", "证件号码", "身份证", "证件号"),
            required=True, masked=True)
PHONE = ("联系电话", ("手机", "手机号", "手机号码", "联系方式", "电话", "电话号码", "移动电话"))
GRID = Column("grid", "所属网格", ("网格", "网格编码", "网格代码", "网格名称", "所在网格"), required=True)

LEDGERS: dict[str, Ledger] = {
    "people": Ledger("people", "人员", (
        Column("name", "姓名", ("名字", "人员姓名"), required=True),
        ID,
        Column("phone", *PHONE, masked=True),
        Column("gender", "性别"),
        Column("birth_date", "出生日期", ("出生年月日", "生日")),
        Column("ethnicity", "民族"),
        Column("residency", "人口类型", ("人员类型", "户籍类型", "户籍/流动", "人口类别")),
        Column("registered_address", "户籍地址", ("户籍地", "户籍所在地", "户籍住址", "户籍详址")),
        GRID,
        Column("building", "楼栋地址", ("楼栋", "所在楼栋", "居住楼栋", "楼栋名称", "小区楼栋")),
        Column("unit_no", "单元", ("单元号",)),
        Column("room", "房号", ("房间号", "门牌号", "室号")),
        Column("household_number", "户号", ("户编号", "家庭编号")),
        Column("relation", "与户主关系", ("关系", "家庭关系", "与户主的关系")),
        Column("since", "入住日期", ("居住起始日期", "入住时间", "居住日期")),
        Column("tags", "重点人群", ("人群类别", "标签", "重点人群类别", "人员标签")),
    )),
    "buildings": Ledger("buildings", "楼栋", (
        Column("name", "楼栋名称", ("名称", "楼栋", "楼号", "楼栋号"), required=True),
        Column("address", "地址", ("楼栋地址", "详细地址", "门牌地址"), required=True),
        GRID,
        Column("floors", "层数", ("楼层数", "总层数", "地上层数")),
        Column("lon", "经度", ("lon", "lng", "longitude")),
        Column("lat", "纬度", ("lat", "latitude")),
    )),
    "houses": Ledger("houses", "房屋", (
        Column("building", "楼栋地址", ("楼栋", "所在楼栋", "地址"), required=True),
        Column("grid", "所属网格", ("网格", "网格编码", "网格名称")),
        Column("unit_no", "单元", ("单元号",)),
        Column("room", "房号", ("房间号", "门牌号", "室号"), required=True),
        Column("floor", "楼层", ("所在楼层", "层")),
        Column("use", "房屋用途", ("用途", "房屋类型", "使用性质", "房屋性质")),
        Column("floor_area", "面积", ("建筑面积", "面积（㎡）", "建筑面积（㎡）", "面积(平方米)", "建筑面积(平方米)")),
    )),
    "organisations": Ledger("organisations", "组织", (
        Column("name", "名称", ("组织名称", "单位名称", "企业名称", "商户名称", "机构名称"), required=True),
        Column("kind", "类型", ("组织类型", "单位类型", "类别")),
        Column("credit_code", "统一社会信用代码", ("信用代码", "社会信用代码", "统一代码")),
        Column("address", "地址", ("经营地址", "单位地址", "详细地址", "注册地址")),
        GRID,
        Column("contact_name", "联系人", ("负责人", "法定代表人", "联系人姓名")),
        Column("contact_phone", *PHONE, masked=True),
    )),
    "tags": Ledger("tags", "重点人群名单", (
        ID,
        Column("tag", "重点人群类别", ("重点人群", "人群类别", "类别", "标签"), required=True),
        Column("name", "姓名", ("名字",)),
        Column("since", "起始日期", ("开始日期", "纳入日期", "登记日期")),
    )),
}
KIND_CHOICES = [("people", _("人员")), ("buildings", _("楼栋")), ("houses", _("房屋")),
                ("organisations", _("组织")), ("tags", _("重点人群名单"))]

_NOISE = re.compile(r"[\s*＊:：]+|[（(]必填[）)]")


def normalise_header(raw: object) -> str:
    """A header cell compared without spaces, line breaks, full-width forms or 必填 marks."""
    text = unicodedata.normalize("NFKC", "" if raw is None else str(raw))
    return _NOISE.sub("", text).lower()


def auto_map(ledger: Ledger, headers: Iterable[str], tag_labels: Iterable[str] = ()) -> dict[str, str]:
    """Header → field for the headers recognised; each field is taken by its first header only."""
    index: dict[str, str] = {}
    for col in ledger.columns:
        for name in (col.label, *col.aliases):
            index.setdefault(normalise_header(name), col.field)
    for label in tag_labels:
        index.setdefault(normalise_header(label), TAG_FIELD_PREFIX + label)
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for header in headers:
        field = index.get(normalise_header(header))
        if header and field and field not in taken:
            mapping[header] = field
            taken.add(field)
    return mapping


def missing_required(ledger: Ledger, mapping: dict[str, str]) -> list[Column]:
    mapped = set(mapping.values())
    return [c for c in ledger.required if c.field not in mapped]


def field_choices(ledger: Ledger, tag_labels: Iterable[str] = ()) -> list[tuple[str, str]]:
    """What a header may be mapped to on the page: the ledger's columns (required ones marked)."""
    out = [(c.field, f"{c.label}{' *' if c.required else ''}") for c in ledger.columns]
    out += [(TAG_FIELD_PREFIX + label, f"{label}（重点人群字段）") for label in tag_labels]
    return out
