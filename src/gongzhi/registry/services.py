"""Writes to the registry. One checker per kind of row, shared by the pages, the phone page,
the API and the Excel import, so a rule is enforced the same way wherever data comes in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.areas.models import Area, Level
from gongzhi.cases.models import Case
from gongzhi.core import access, audit
from gongzhi.core.idcard import (
    InvalidIdNumberError,
    InvalidPhoneError,
    check_id_number,
    check_phone,
)
from gongzhi.core.pii import hash_field_value
from gongzhi.registry.models import (
    Building,
    CaseSubject,
    Gender,
    House,
    Household,
    Organisation,
    Person,
    PersonTag,
    Relation,
    Residence,
    ResidenceRole,
    ResidencyKind,
    SubjectRole,
    TagType,
)
from gongzhi.registry.tags import TagValueError, check_tag_values, decode_values, encode_values


class RegistryInputError(ValueError):
    """Bad input, naming the field and the rule."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(f"{field}: {message}")


class PersonFields(NamedTuple):
    """A person's checked fields: normalised ID and phone, with what the ID tells."""

    name: str
    id_number: str
    id_number_hash: str | None  # None without an ID number (the column's unique index skips NULLs)
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
    if len((ethnicity or "").strip()) > 20:
        raise RegistryInputError("ethnicity", _("民族不能超过 20 个字"))
    return PersonFields(
        name=name, id_number=number, id_number_hash=hash_field_value("id_number", number) or None,
        phone=clean_phone, phone_hash=hash_field_value("phone", clean_phone),
        gender=derived_gender or gender, birth_date=derived_birth or birth_date,
        residency=choice_value("residency", residency, ResidencyKind, ResidencyKind.REGISTERED),
        relation=choice_value("relation", relation, Relation), ethnicity=(ethnicity or "").strip(),
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
    for key, value in fields._asdict().items():
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
        person=person, tag_type=tag_type, defaults={"values": encode_values(values), "since": since},
        create_defaults={"values": encode_values(values), "since": since, "purpose": tag_type.purpose,
                         "legal_basis": tag_type.legal_basis})
    audit.record("registry.tag.set", actor=user, obj=person, data={"tag": tag_type.code})
    return tag


@transaction.atomic
def do_remove_tag(user: Any, person: Person, tag_type: TagType) -> None:
    if not access.can(user, access.CHANGE, "registry", person.area_path, context=False):
        raise RegistryInputError("person", "您无权修改此人员的信息")
    PersonTag.objects.filter(person=person, tag_type=tag_type).delete()
    audit.record("registry.tag.remove", actor=user, obj=person, data={"tag": tag_type.code})


# --- Pages: revealing a protected value, a visit's household, moving out, case links. ---

MIN_REASON_LENGTH = 4
REVEALABLE = ("id_number", "phone")


class RevealRefusedError(ValueError):
    pass


def check_reason(reason: str) -> str:
    reason = " ".join((reason or "").split())
    if len(reason) < MIN_REASON_LENGTH:
        raise RevealRefusedError(
            _("查看或导出完整信息须填写理由（字段 reason：至少 %(n)d 个字）。") % {"n": MIN_REASON_LENGTH})
    return reason[:200]


@dataclass(frozen=True)
class Revealed:
    label: str
    value: str = ""
    rows: tuple[tuple[str, Any], ...] = ()


@transaction.atomic
def do_reveal(user: Any, person: Person, field: str, reason: str) -> Revealed:
    """Show one protected value of ``person`` in full for a stated reason, and audit it.
    ``field`` is ``id_number``, ``phone`` or ``tag:<code>`` (a sensitive key group's values)."""
    access.check(user, access.REVEAL, "personal_data", person.area_path)
    reason = check_reason(reason)
    if field in REVEALABLE:
        label = str(getattr(Person._meta.get_field(field), "verbose_name", field))
        revealed = Revealed(label, getattr(person, field).reveal() if getattr(person, field) else "")
    elif field.startswith("tag:"):
        tag = person.tags.select_related("tag_type").filter(tag_type__code=field[4:]).first()
        if tag is None:
            raise RevealRefusedError(_("字段 field：此人没有「%(code)s」标签。") % {"code": field[4:]})
        values = decode_values(tag.values)
        labels = {f["name"]: f["label"] for f in tag.tag_type.fields}
        revealed = Revealed(tag.tag_type.name, rows=tuple((labels.get(k, k), v) for k, v in values.items()))
    else:
        raise RevealRefusedError(_("字段 field 应为 id_number、phone 或 tag:<编码>，实为「%(f)s」。") % {"f": field})
    audit.record("pii.reveal", actor=user, obj=person, reason=reason, data={"field": field})
    return revealed


def current_household(house: House) -> Household | None:
    return house.households.order_by("id").first()


@dataclass(frozen=True)
class TagInput:
    """A key group as a visit form gives it: ticked or not, with the values typed."""

    tag_type: TagType
    checked: bool
    raw: dict[str, Any]


@transaction.atomic
def do_visit_member(user: Any, house: House, fields: PersonFields, tags: list[TagInput], *,
                    person: Person | None = None) -> Person:
    """Add or update one member of the household living in ``house`` after a visit.

    The person lives in the house from now on, joins its household (created with the first
    member; a member related as 户主 becomes its head), and carries exactly the ticked key
    groups. A sensitive group already on file and ticked with no values typed keeps its values:
    the form never shows them, so an empty field means "unchanged", not "erase"."""
    grid = house.grid
    check_grid(user, grid)
    household = current_household(house)
    if household is None:
        household = Household.objects.create(grid=grid, house=house)
    saved = do_save_person(user, grid, fields, household=household, house=house, person=person)
    if saved.left_at is not None:
        saved.left_at = None
        saved.save(update_fields=["left_at"])
    if fields.relation == Relation.SELF and household.head_id != saved.pk:
        household.head = saved
        household.save(update_fields=["head", "updated_at"])
    on_file = {t.tag_type_id: t for t in saved.tags.all()}
    for item in tags:
        existing = on_file.get(item.tag_type.pk)
        if not item.checked:
            if existing is not None:
                do_remove_tag(user, saved, item.tag_type)
            continue
        typed = {k: v for k, v in item.raw.items() if str(v or "").strip()}
        if existing is not None and item.tag_type.sensitive and not typed:
            continue
        try:
            do_set_tag(user, saved, item.tag_type, item.raw, since=existing.since if existing else None)
        except TagValueError as exc:
            raise RegistryInputError(f"tag_{item.tag_type.code}", str(exc)) from None
    return saved


@transaction.atomic
def do_end_residence(user: Any, person: Person, house: House, *, until: date | None = None) -> int:
    """The person moved out of ``house``: their residence there ends (kept as history). With no
    other home left, the person is marked as having left. Returns residences ended."""
    access.check(user, access.CHANGE, "registry", house.area_path)
    day = until or timezone.localdate()
    ended = Residence.objects.filter(person=person, house=house, until__isnull=True).update(until=day)
    if not ended:
        raise RegistryInputError("person", f"{person.name} 目前不住在 {house}")
    if not Residence.objects.filter(person=person, until__isnull=True, role=ResidenceRole.LIVES).exists():
        person.left_at = day
        person.save(update_fields=["left_at", "updated_at"])
    audit.record("registry.residence.end", actor=user, obj=person, data={"house": house.pk, "until": day.isoformat()})
    return ended


@transaction.atomic
def do_link_subject(user: Any, case: Case, subject: Building | House | Organisation | Person, *,
                    role: str = SubjectRole.CONCERNS) -> CaseSubject:
    """Point ``case`` at a registry row. The caller has checked the case is visible to ``user``;
    the row must be within the user's registry scope, and the user must work with residents'
    data there (a frontline post): a 台账查阅员 reads the registry but links nothing."""
    if not access.can(user, access.VIEW, "registry", subject.area_path):
        raise RegistryInputError("subject", "您无权查看此台账记录")
    if not access.can(user, access.VIEW, "personal_data", subject.area_path):
        raise RegistryInputError("subject", "您的岗位只能查阅台账，不能关联案件")
    kind = subject._meta.model_name or ""
    link, created = CaseSubject.objects.get_or_create(case=case, **{kind: subject},
                                                      defaults={"role": role, "added_by": user})
    if created:
        audit.record("registry.case.link", actor=user, obj=case,
                     data={"subject": kind, "id": subject.pk, "repr": str(subject)[:80]})
    return link
