"""Writes to the registry. One checker per kind of row, shared by the pages, the phone page,
the API and the Excel import, so a rule is enforced the same way wherever data comes in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from gongzhi.areas.models import Area, Level
from gongzhi.core import access, audit
from gongzhi.core.idcard import (
    InvalidIdNumberError,
    InvalidPhoneError,
    check_id_number,
    check_phone,
)
from gongzhi.core.pii import hash_field_value
from gongzhi.registry.models import (
    Gender,
    House,
    Household,
    Person,
    PersonTag,
    Relation,
    Residence,
    ResidenceRole,
    ResidencyKind,
    TagType,
)
from gongzhi.registry.tags import check_tag_values, encode_values


class RegistryInputError(ValueError):
    """Bad input, naming the field and the rule."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(f"{field}: {message}")


@dataclass(frozen=True)
class PersonFields:
    """A person's checked fields: normalised ID and phone, with what the ID tells."""

    name: str
    id_number: str
    id_number_hash: str
    phone: str
    phone_hash: str
    gender: str
    birth_date: date | None
    residency: str
    relation: str
    ethnicity: str
    registered_address: str


def choice_value(field: str, raw: str, choices: Any, default: str = "") -> str:
    """Accept a choice by its code or its Chinese label (自住 or owner)."""
    raw = (raw or "").strip()
    if not raw:
        return default
    for value, label in choices.choices:
        if raw in (value, str(label)):
            return str(value)
    labels = "/".join(str(label) for _v, label in choices.choices)
    raise RegistryInputError(field, f"应为 {labels} 之一，实为「{raw}」")


def check_person(
    *, name: str, id_number: str = "", phone: str = "", gender: str = "", birth_date: date | None = None,
    residency: str = "", relation: str = "", ethnicity: str = "", registered_address: str = "",
    today: date | None = None,
) -> PersonFields:
    name = " ".join((name or "").split())
    if not name:
        raise RegistryInputError("name", "姓名不能为空 (required)")
    if len(name) > 60:
        raise RegistryInputError("name", "姓名不能超过 60 个字")
    number = ""
    derived_gender, derived_birth = "", None
    if (id_number or "").strip():
        try:
            info = check_id_number(id_number, today=today)
        except InvalidIdNumberError as exc:
            raise RegistryInputError("id_number", str(exc)) from None
        number, derived_birth = info.number, info.birth_date
        derived_gender = Gender.MALE if info.gender == "男" else Gender.FEMALE
    clean_phone = ""
    if (phone or "").strip():
        try:
            clean_phone = check_phone(phone)
        except (InvalidPhoneError, ValueError) as exc:
            raise RegistryInputError("phone", str(exc)) from None
    gender = choice_value("gender", gender, Gender) if gender else ""
    if derived_gender and gender and gender != derived_gender:
        raise RegistryInputError("gender", "性别与身份证号第17位不符 (GB 11643: odd = male)")
    if derived_birth and birth_date and birth_date != derived_birth:
        raise RegistryInputError("birth_date", "出生日期与身份证号不符")
    if len(registered_address or "") > 200:
        raise RegistryInputError("registered_address", "户籍地址不能超过 200 个字")
    return PersonFields(
        name=name, id_number=number, id_number_hash=hash_field_value("id_number", number),
        phone=clean_phone, phone_hash=hash_field_value("phone", clean_phone),
        gender=derived_gender or gender, birth_date=derived_birth or birth_date,
        residency=choice_value("residency", residency, ResidencyKind, ResidencyKind.REGISTERED),
        relation=choice_value("relation", relation, Relation), ethnicity=(ethnicity or "").strip()[:20],
        registered_address=(registered_address or "").strip(),
    )


def check_grid(user: Any, grid: Area | None, action: str = access.CHANGE) -> Area:
    if grid is None:
        raise RegistryInputError("grid", "须指定所属网格")
    if grid.level not in (Level.GRID, Level.MICRO_GRID):
        raise RegistryInputError("grid", f"「{grid.name}」不是网格")
    if user is not None and not access.can(user, action, "registry", grid.path, context=False):
        raise RegistryInputError("grid", f"您无权登记「{grid.name}」的人员信息")
    return grid


def apply_person(person: Person, fields: PersonFields) -> Person:
    for key, value in fields.__dict__.items():
        if key in ("id_number", "phone") and not value and getattr(person, key):
            continue  # an update without the value keeps the one on file
        if key.endswith("_hash") and not value and getattr(person, key.removesuffix("_hash")):
            continue
        setattr(person, key, value)
    return person


@transaction.atomic
def do_save_person(user: Any, grid: Area, fields: PersonFields, *, household: Household | None = None,
                   house: House | None = None, since: date | None = None, person: Person | None = None) -> Person:
    """Create or update a person; the same ID number twice is the same person (moved if needed).
    With ``house``, the person's current residence becomes that house (the old one ends)."""
    check_grid(user, grid)
    if person is None and fields.id_number_hash:
        person = Person.objects.filter(id_number_hash=fields.id_number_hash).first()
    created = person is None
    person = apply_person(person or Person(), fields)
    person.grid = grid
    if household is not None:
        person.household = household
    person.save()
    if house is not None:
        move_person(person, house, since=since)
    audit.record("registry.person.create" if created else "registry.person.update", actor=user, obj=person)
    return person


def move_person(person: Person, house: House, *, since: date | None = None,
                role: str = ResidenceRole.LIVES) -> Residence:
    """End the person's current residence of this role elsewhere and start one in ``house``."""
    today = since or timezone.localdate()
    current = Residence.objects.filter(person=person, role=role, until__isnull=True)
    same = current.filter(house=house).first()
    if same is not None:
        return same
    current.update(until=today)
    return Residence.objects.create(person=person, house=house, role=role, since=today)


@transaction.atomic
def do_set_tag(user: Any, person: Person, tag_type: TagType, raw: dict[str, Any], *,
               since: date | None = None) -> PersonTag:
    if not access.can(user, access.CHANGE, "registry", person.area_path, context=False):
        raise RegistryInputError("person", "您无权修改此人员的信息")
    if not tag_type.is_active:
        raise RegistryInputError("tag", f"「{tag_type.name}」已停用")
    values = check_tag_values(tag_type, raw)
    tag, _created = PersonTag.objects.update_or_create(
        person=person, tag_type=tag_type, defaults={"values": encode_values(values), "since": since})
    audit.record("registry.tag.set", actor=user, obj=person, data={"tag": tag_type.code})
    return tag


@transaction.atomic
def do_remove_tag(user: Any, person: Person, tag_type: TagType) -> None:
    if not access.can(user, access.CHANGE, "registry", person.area_path, context=False):
        raise RegistryInputError("person", "您无权修改此人员的信息")
    PersonTag.objects.filter(person=person, tag_type=tag_type).delete()
    audit.record("registry.tag.remove", actor=user, obj=person, data={"tag": tag_type.code})
