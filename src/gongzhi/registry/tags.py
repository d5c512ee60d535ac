"""Key-group tags (重点人群): the default types, and checking a tag's values against its type.

A tag type is configuration: an administrator adds one in the admin with its fields, and the
pages, imports and exports pick it up. The defaults follow the groups grid workers are asked to
visit and report on (GB/T 31000 实有人口/特殊人群 and the usual 民政 lists).
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from gongzhi.registry.models import TagType

FIELD_TYPES = ("text", "int", "date", "choice", "bool")

DISABILITY_KINDS = ["视力残疾", "听力残疾", "言语残疾", "肢体残疾", "智力残疾", "精神残疾", "多重残疾"]
LEVELS = ["一级", "二级", "三级", "四级"]

DEFAULT_TAG_TYPES: list[dict[str, Any]] = [
    {"code": "living-alone-elderly", "purpose": "独居老人定期走访关爱", "name": "独居老人", "fields": [
        {"name": "visit_cycle_days", "label": "走访周期（天）", "type": "int"},
        {"name": "emergency_contact", "label": "紧急联系人", "type": "text"}]},
    {"code": "empty-nest-elderly", "purpose": "空巢老人关爱服务", "name": "空巢老人", "fields": [
        {"name": "children_contact", "label": "子女联系方式", "type": "text"}]},
    {"code": "disabled", "purpose": "残疾人帮扶与服务", "name": "残疾人", "sensitive": True, "fields": [
        {"name": "category", "label": "残疾类别", "type": "choice", "choices": DISABILITY_KINDS, "required": True},
        {"name": "level", "label": "残疾等级", "type": "choice", "choices": LEVELS, "required": True},
        {"name": "certificate", "label": "残疾证号", "type": "text"}]},
    {"code": "dibao", "purpose": "社会救助（最低生活保障）", "name": "低保", "sensitive": True, "fields": [
        {"name": "certificate", "label": "低保证号", "type": "text"},
        {"name": "since", "label": "享受起始日期", "type": "date"}]},
    {"code": "special-group", "purpose": "特殊人群服务管理", "name": "特殊群体", "sensitive": True, "fields": [
        {"name": "kind", "label": "类别", "type": "choice", "required": True,
         "choices": ["刑满释放人员", "社区矫正人员", "严重精神障碍患者", "吸毒人员", "艾滋病危险人员"]}]},
    {"code": "floating", "purpose": "流动人口居住登记服务", "name": "流动人口", "fields": [
        {"name": "residence_permit", "label": "居住证号", "type": "text"},
        {"name": "arrived", "label": "来本地日期", "type": "date"}]},
    {"code": "tenant", "purpose": "出租房屋安全管理", "name": "出租户", "fields": [
        {"name": "landlord", "label": "房东", "type": "text"},
        {"name": "lease_until", "label": "租约到期", "type": "date"}]},
    {"code": "veteran", "purpose": "退役军人服务保障", "name": "退役军人", "fields": []},
    {"code": "left-behind-child", "purpose": "留守儿童关爱保护", "name": "留守儿童", "sensitive": True, "fields": [
        {"name": "guardian", "label": "监护人", "type": "text"}]},
]


def load_default_tag_types() -> int:
    """Create the default types that are missing; an administrator's edits are kept."""
    created = 0
    for order, spec in enumerate(DEFAULT_TAG_TYPES):
        _obj, was_created = TagType.objects.get_or_create(
            code=spec["code"],
            defaults={"name": spec["name"], "fields": spec["fields"], "sensitive": spec.get("sensitive", False),
                      "purpose": spec["purpose"], "order": order},
        )
        created += was_created
    return created


class TagValueError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(f"{field}: {message}")


def check_tag_fields(fields: Any) -> list[dict[str, Any]]:
    """Validate a tag type's field list (the admin form uses this)."""
    if not isinstance(fields, list):
        raise TagValueError("fields", "应为字段列表 (a JSON list)")
    names: set[str] = set()
    for i, f in enumerate(fields):
        if not isinstance(f, dict) or not f.get("name") or not f.get("label"):
            raise TagValueError(f"fields[{i}]", "每个字段须有 name 和 label")
        if f.get("type", "text") not in FIELD_TYPES:
            raise TagValueError(f"fields[{i}].type", f"应为 {', '.join(FIELD_TYPES)} 之一")
        if f.get("type") == "choice" and not f.get("choices"):
            raise TagValueError(f"fields[{i}].choices", "选择字段须列出选项")
        if f["name"] in names:
            raise TagValueError(f"fields[{i}].name", f"字段名 {f['name']} 重复")
        names.add(f["name"])
    return fields


def check_tag_values(tag_type: TagType, raw: dict[str, Any]) -> dict[str, Any]:
    """The values for ``tag_type``, each converted to its field's type; unknown keys refused."""
    known = {f["name"]: f for f in tag_type.fields}
    by_label = {f["label"]: f["name"] for f in tag_type.fields}
    out: dict[str, Any] = {}
    for key, value in raw.items():
        name = by_label.get(key, key)
        if name not in known:
            raise TagValueError(key, f"「{tag_type.name}」没有这个字段")
        text = "" if value is None else str(value).strip()
        if text:
            out[name] = _convert(known[name], text, tag_type.name)
    for f in tag_type.fields:
        if f.get("required") and f["name"] not in out:
            raise TagValueError(f["label"], f"「{tag_type.name}」必须填写{f['label']} (required)")
    return out


def _convert(field: dict[str, Any], text: str, group: str) -> Any:
    kind = field.get("type", "text")
    label = field["label"]
    if kind == "int":
        try:
            return int(float(text))
        except ValueError:
            raise TagValueError(label, f"应为整数，实为「{text}」") from None
    if kind == "date":
        try:
            return date.fromisoformat(text[:10].replace("/", "-")).isoformat()
        except ValueError:
            raise TagValueError(label, f"应为日期 YYYY-MM-DD，实为「{text}」") from None
    if kind == "choice":
        if text not in field["choices"]:
            raise TagValueError(label, f"应为 {'/'.join(field['choices'])} 之一，实为「{text}」")
        return text
    if kind == "bool":
        if text in ("是", "1", "true", "True", "Y", "y"):
            return True
        if text in ("否", "0", "false", "False", "N", "n"):
            return False
        raise TagValueError(label, f"应为 是/否，实为「{text}」")
    if len(text) > 200:
        raise TagValueError(label, "不能超过 200 个字")
    return text


def encode_values(values: dict[str, Any]) -> str:
    return json.dumps(values, ensure_ascii=False, sort_keys=True) if values else ""


def decode_values(stored: Any) -> dict[str, Any]:
    """A tag's values from the (decrypted) column; the caller decides who may see them."""
    text = stored.reveal() if hasattr(stored, "reveal") else str(stored or "")
    return json.loads(text) if text else {}
