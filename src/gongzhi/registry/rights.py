"""A person's rights over their data (个人信息保护法 §44–47) and the end of retention.

- :func:`person_copy` — everything held about a person, in full, for them (§45), with who
  looked at it and why; needs the right to reveal in their area and a reason; audited.
- :func:`do_correct` — correct what is held (§46): the same checks as every other write, the
  changed field names and the reason in the audit trail (never the values).
- :func:`anonymise` — when the retention period after leaving ends, or a person who left asks
  for deletion (§47): nothing in the row identifies anyone any more; the row stays, so the
  cases that point at it keep their history, with the person anonymised.
- :func:`run_retention` — the scheduled task (the background sweep, daily) and
  ``gongzhi registry retention``: people who left longer ago than
  ``GONGZHI_RETENTION_DAYS_AFTER_LEAVING``; reporters' names and phones on cases closed longer
  ago than ``GONGZHI_CASE_REPORTER_RETENTION_DAYS``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.cases.models import Case
from gongzhi.core import access, audit
from gongzhi.core.models import AuditEvent
from gongzhi.core.xlsx import write_xlsx
from gongzhi.registry.export import Export
from gongzhi.registry.models import CaseSubject, Person, SubjectRole
from gongzhi.registry.selectors import tag_rows
from gongzhi.registry.services import RegistryInputError, apply_person, check_person, check_reason
from gongzhi.registry.tags import decode_values

ANONYMOUS = "（已匿名）"
# What a correction may change; the ID number and phone are checked like at registration.
CORRECTABLE = ("name", "id_number", "phone", "ethnicity", "registered_address", "residency", "relation")


def _label(field: str) -> str:
    return str(getattr(Person._meta.get_field(field), "verbose_name", field))


def _copy_rows(person: Person) -> Iterator[list[Any]]:
    yield [_("类别"), _("项目"), _("内容")]
    basic = _("基本信息")
    for field in ("name", "id_number", "phone", "gender", "birth_date", "ethnicity", "residency",
                  "registered_address", "relation", "left_at", "purpose", "legal_basis"):
        value = getattr(person, field)
        display = getattr(person, f"get_{field}_display", None)
        if field in ("id_number", "phone"):
            value = value.reveal() if value else ""
        elif display is not None:
            value = display()
        yield [basic, _label(field), "" if value is None else str(value)]
    if person.household_id:
        yield [basic, _("户"), str(person.household)]
    for tag in person.tags.select_related("tag_type").order_by("tag_type__order"):
        group = _("重点人群") + f"：{tag.tag_type.name}"
        yield [group, _("收集目的"), tag.purpose]
        yield [group, _("处理依据"), tag.get_legal_basis_display()]
        for label, value in tag_rows(tag.tag_type, decode_values(tag.values)):
            yield [group, str(label), str(value)]
    for r in person.residences.select_related("house__building").order_by("since", "id"):
        yield [_("居住情况"), str(r.house), f"{r.get_role_display()} {r.since or '—'} ~ {r.until or _('至今')}"]
    cases = Case.objects.filter(pk__in=CaseSubject.objects.filter(person=person).values("case_id")).order_by("received_at")
    for c in cases:
        yield [_("关联案件"), c.number, f"{c.title}（{timezone.localtime(c.received_at):%Y-%m-%d}）"]
    looked = AuditEvent.objects.filter(object_type=Person._meta.label_lower, object_id=str(person.pk)).order_by("id")
    for e in looked:
        yield [_("查阅和处理记录"), f"{timezone.localtime(e.at):%Y-%m-%d %H:%M} {e.actor_name}",
               f"{e.action} {e.reason}".strip()]


@transaction.atomic
def person_copy(user: Any, person: Person, reason: str) -> Export:
    """The person's own copy of their data, unmasked (they asked for it; the worker hands it over)."""
    access.check(user, access.REVEAL, "personal_data", person.area_path)
    reason = check_reason(reason)
    if person.anonymised_at:
        raise RegistryInputError("person", _("此人员信息已匿名化，无可导出的个人信息。"))
    out, count = write_xlsx(_("个人信息副本"), _copy_rows(person))
    audit.record("pii.copy", actor=user, obj=person, reason=reason, data={"rows": count})
    return Export(out, count, f"person-{person.pk}-copy-{timezone.localtime():%Y%m%d}.xlsx")


@transaction.atomic
def do_correct(user: Any, person: Person, changes: dict[str, str], reason: str) -> list[str]:
    """Apply a correction the person asked for; returns the names of the fields that changed."""
    if not access.can(user, access.CHANGE, "registry", person.area_path, context=False):
        raise RegistryInputError("person", _("您无权修改此人员的信息"))
    if person.anonymised_at:
        raise RegistryInputError("person", _("此人员信息已匿名化，不能更正。"))
    reason = check_reason(reason)
    unknown = set(changes) - set(CORRECTABLE)
    if unknown:
        raise RegistryInputError(sorted(unknown)[0], _("不可更正的字段"))
    current = {f: str(getattr(person, f).reveal() if f in ("id_number", "phone") and getattr(person, f)
                      else getattr(person, f) or "") for f in CORRECTABLE}
    wanted = {**current, **{k: v for k, v in changes.items() if v is not None}}
    new_id = bool(changes.get("id_number")) and changes["id_number"].strip().upper() != current["id_number"]
    fields = check_person(name=wanted["name"], id_number=wanted["id_number"], phone=wanted["phone"],
                          ethnicity=wanted["ethnicity"], registered_address=wanted["registered_address"],
                          residency=wanted["residency"], relation=wanted["relation"],
                          # a new ID number tells gender and birth date afresh; otherwise keep what is on file
                          gender="" if new_id else person.gender, birth_date=None if new_id else person.birth_date)
    if fields.id_number_hash and Person.objects.filter(id_number_hash=fields.id_number_hash).exclude(pk=person.pk).exists():
        raise RegistryInputError("id_number", _("该身份证号已登记为另一人"))
    changed = [f for f in CORRECTABLE if str(getattr(fields, f) or "") != current[f]]
    if not changed:
        return []
    apply_person(person, fields)
    person.save()
    audit.record("registry.person.correct", actor=user, obj=person, reason=reason, data={"fields": changed})
    return changed


@transaction.atomic
def anonymise(person: Person, *, actor: Any = None, reason: str) -> dict[str, int]:
    """Remove everything that identifies ``person``; cases keep their link to the anonymised row."""
    if person.anonymised_at:
        return {"tags": 0, "residences": 0, "cases": 0}
    reported = Case.objects.filter(pk__in=CaseSubject.objects.filter(person=person, role=SubjectRole.REPORTED_BY)
                                   .values("case_id"))
    counts = {"tags": person.tags.count(), "residences": person.residences.count(),
              "cases": reported.update(reporter_name="", reporter_phone="", reporter_phone_hash="")}
    person.tags.all().delete()
    person.residences.all().delete()
    if person.household_id and person.household and person.household.head_id == person.pk:
        type(person.household).objects.filter(pk=person.household_id).update(head=None)
    for field, blank in (("name", ANONYMOUS), ("id_number", ""), ("id_number_hash", None), ("phone", ""),
                         ("phone_hash", ""), ("gender", ""), ("birth_date", None), ("ethnicity", ""),
                         ("registered_address", ""), ("relation", ""), ("household", None)):
        setattr(person, field, blank)
    person.anonymised_at = timezone.now()
    person.save()
    audit.record("registry.person.anonymise", actor=actor, obj=person, reason=reason, data=counts)
    return counts


def anonymise_by_request(user: Any, person: Person, reason: str) -> dict[str, int]:
    """A person who left the area asked to be deleted: only once they have left."""
    if not access.can(user, access.CHANGE, "registry", person.area_path, context=False):
        raise RegistryInputError("person", _("您无权修改此人员的信息"))
    if person.left_at is None:
        raise RegistryInputError("left_at", _("只有已迁出的人员才能匿名化（先登记迁出）。"))
    return anonymise(person, actor=user, reason=check_reason(reason))


@dataclass(frozen=True)
class RetentionReport:
    people: int
    case_reporters: int


def run_retention(now: datetime | None = None, *, dry_run: bool = False, batch: int = 500) -> RetentionReport:
    now = now or timezone.now()
    left_before = timezone.localdate(now) - timedelta(days=settings.GONGZHI_RETENTION_DAYS_AFTER_LEAVING)
    due = Person.objects.filter(left_at__lt=left_before, anonymised_at__isnull=True)
    closed_before = now - timedelta(days=settings.GONGZHI_CASE_REPORTER_RETENTION_DAYS)
    cases = Case.objects.filter(closed_at__lt=closed_before).exclude(reporter_name="", reporter_phone="")
    if dry_run:
        return RetentionReport(due.count(), cases.count())
    people = 0
    while chunk := list(due[:batch]):
        for person in chunk:
            anonymise(person, reason=_("保存期限届满（迁出满 %(d)d 天）") % {"d": settings.GONGZHI_RETENTION_DAYS_AFTER_LEAVING})
        people += len(chunk)
    reporters = 0
    while ids := list(cases.values_list("pk", flat=True)[:batch]):
        with transaction.atomic():
            n = Case.objects.filter(pk__in=ids).update(reporter_name="", reporter_phone="", reporter_phone_hash="")
            audit.record("cases.reporter.anonymise", reason=_("保存期限届满（办结满 %(d)d 天）") % {
                "d": settings.GONGZHI_CASE_REPORTER_RETENTION_DAYS}, data={"cases": n, "first": ids[0], "last": ids[-1]})
        reporters += n
    return RetentionReport(people, reporters)
