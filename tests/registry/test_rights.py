"""个人信息保护法 duties on the registry: purpose and legal basis kept with what is collected,
a person's own copy, correction, deletion after leaving, and the retention task."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from gongzhi.cases.models import Case
from gongzhi.cases.services import do_intake
from gongzhi.core import audit
from gongzhi.core.access import Role
from gongzhi.core.models import AuditEvent
from gongzhi.core.pii import hash_field_value
from gongzhi.registry import rights
from gongzhi.registry.models import CaseSubject, Person, PersonTag, SubjectRole
from gongzhi.registry.services import RegistryInputError, RevealRefusedError, do_set_tag
from gongzhi.registry.xlsx_rows import iter_xlsx_rows
from tests.builders import client_for
from tests.registry.pages_builders import ZHANG_ID, ZHANG_PHONE, City, id_number

pytestmark = pytest.mark.django_db


def test_tags_keep_the_purpose_and_basis_they_were_collected_for(city: City) -> None:
    tag = PersonTag.objects.get(person=city.zhang, tag_type=city.disabled)
    assert (tag.purpose, tag.legal_basis) == ("残疾人帮扶与服务", "duty")
    city.disabled.purpose = "别的目的"
    city.disabled.save()
    do_set_tag(city.users[Role.GRID_WORKER], city.zhang, city.disabled, {"category": "视力残疾", "level": "一级"})
    tag.refresh_from_db()
    assert tag.purpose == "残疾人帮扶与服务"  # recorded at collection, not rewritten by configuration
    body = client_for(city.users[Role.GRID_WORKER]).get(f"/registry/person/{city.zhang.pk}/").content.decode()
    assert "残疾人帮扶与服务 · 履行法定职责" in body
    assert "处理依据：履行法定职责" in body


def _copy(city: City, role: Role, reason: str = "本人申请查阅") -> Any:
    return client_for(city.users[role]).post(f"/registry/person/{city.zhang.pk}/copy/", {"reason": reason})


def test_a_person_gets_a_full_copy_with_who_looked(city: City) -> None:
    audit.record("pii.reveal", actor=city.users[Role.COMMUNITY_WORKER], obj=city.zhang, reason="核实低保材料")
    resp = _copy(city, Role.GRID_WORKER)
    assert resp.status_code == 200
    rows = list(iter_xlsx_rows(io.BytesIO(b"".join(resp.streaming_content))))
    flat = {(r[1], r[2]) for r in rows[1:]}
    assert ("身份证号", ZHANG_ID) in flat
    assert ("联系电话", ZHANG_PHONE) in flat
    assert ("残疾类别", "肢体残疾") in flat
    assert any(r[0] == "关联案件" and r[1] == city.case.number for r in rows)
    assert any(r[0] == "查阅和处理记录" and "核实低保材料" in str(r[2]) for r in rows)
    event = AuditEvent.objects.get(action="pii.copy")
    assert (event.object_id, event.reason) == (str(city.zhang.pk), "本人申请查阅")


def test_a_copy_needs_reveal_rights_and_a_reason(city: City) -> None:
    assert _copy(city, Role.GRID_WORKER, reason="").status_code == 400
    assert _copy(city, Role.DATA_READER).status_code == 403
    assert not AuditEvent.objects.filter(action="pii.copy").exists()
    with pytest.raises(RevealRefusedError):
        rights.person_copy(city.users[Role.GRID_WORKER], city.zhang, "短")


def test_correction_checks_like_registration_and_audits_field_names(city: City) -> None:
    worker = city.users[Role.GRID_WORKER]
    new_id = id_number("19500505", "132")
    changed = rights.do_correct(worker, city.zhang, {"id_number": new_id, "registered_address": "长沙市岳麓区桃子湖路1号"},
                                "本人持身份证申请更正")
    assert changed == ["id_number", "registered_address"]
    p = Person.objects.get(pk=city.zhang.pk)
    assert p.id_number.reveal() == new_id
    assert p.id_number_hash == hash_field_value("id_number", new_id)
    assert p.birth_date == date(1950, 5, 5)
    assert p.phone.reveal() == ZHANG_PHONE
    event = AuditEvent.objects.get(action="registry.person.correct")
    assert event.data == {"fields": ["id_number", "registered_address"]}
    assert new_id not in str(event.data)
    with pytest.raises(RegistryInputError) as bad:
        rights.do_correct(worker, p, {"id_number": "430104195005051330"}, "本人申请更正")
    assert bad.value.field == "id_number"
    with pytest.raises(RegistryInputError, match="另一人"):
        rights.do_correct(worker, p, {"id_number": city.li.id_number.reveal()}, "本人申请更正")
    assert rights.do_correct(worker, p, {"name": "张三"}, "本人申请更正") == []


def test_correction_page(city: City) -> None:
    c = client_for(city.users[Role.GRID_WORKER])
    url = f"/registry/person/{city.zhang.pk}/correct/"
    page = c.get(url).content.decode()
    assert ZHANG_ID not in page
    assert ZHANG_PHONE not in page
    resp = c.post(url, {"name": "张叁", "residency": "registered", "reason": "本人申请更正"})
    assert resp.status_code == 302
    assert Person.objects.get(pk=city.zhang.pk).name == "张叁"
    resp = c.post(url, {"name": "张叁", "residency": "registered", "phone": "12345", "reason": "本人申请更正"})
    assert resp.status_code == 400
    assert "手机号" in resp.content.decode()
    assert client_for(city.users[Role.DATA_READER]).post(url, {"name": "X", "residency": "registered",
                                                               "reason": "本人申请更正"}).status_code == 403
    assert Person.objects.get(pk=city.zhang.pk).name == "张叁"


def _reported_case(city: City) -> Case:
    case = do_intake(workflow="hotline", title="噪音扰民", channel="hotline", area=city.tree["430104002014001"],
                     reporter_name="张三", reporter_phone=ZHANG_PHONE).case
    CaseSubject.objects.create(case=case, person=city.zhang, role=SubjectRole.REPORTED_BY)
    return case


def test_deletion_after_leaving_keeps_cases_and_removes_identity(city: City) -> None:
    worker = city.users[Role.GRID_WORKER]
    case = _reported_case(city)
    with pytest.raises(RegistryInputError) as not_left:
        rights.anonymise_by_request(worker, city.zhang, "本人迁出后申请删除")
    assert not_left.value.field == "left_at"
    Person.objects.filter(pk=city.zhang.pk).update(left_at=date(2026, 1, 1))
    p = Person.objects.get(pk=city.zhang.pk)
    resp = client_for(worker).post(f"/registry/person/{p.pk}/delete/", {"reason": "本人迁出后申请删除"})
    assert resp.status_code == 302
    p.refresh_from_db()
    assert (p.name, str(p.id_number), str(p.phone), p.id_number_hash, p.birth_date) == ("（已匿名）", "", "", None, None)
    assert p.anonymised_at is not None
    assert not p.tags.exists()
    assert not p.residences.exists()
    assert CaseSubject.objects.filter(person=p).count() == 2  # the cases keep their link
    case.refresh_from_db()
    assert (str(case.reporter_name), str(case.reporter_phone), case.reporter_phone_hash) == ("", "", "")
    assert case.steps.exists()
    assert not Person.objects.filter(id_number_hash=hash_field_value("id_number", ZHANG_ID)).exists()
    event = AuditEvent.objects.get(action="registry.person.anonymise")
    assert event.data == {"tags": 2, "residences": 2, "cases": 1}
    assert event.reason == "本人迁出后申请删除"
    assert audit.verify_chain().ok
    page = client_for(worker).get(f"/registry/person/{p.pk}/").content.decode()
    assert "已匿名化" in page
    assert ZHANG_ID[-4:] not in page


def test_retention_task_and_command(city: City, settings: Any, capsys: pytest.CaptureFixture[str]) -> None:
    settings.GONGZHI_RETENTION_DAYS_AFTER_LEAVING = 30
    settings.GONGZHI_CASE_REPORTER_RETENTION_DAYS = 100
    today = timezone.localdate()
    Person.objects.filter(pk=city.li.pk).update(left_at=today - timedelta(days=31))
    Person.objects.filter(pk=city.wang.pk).update(left_at=today - timedelta(days=29))  # not yet
    old = do_intake(workflow="hotline", title="旧案", channel="hotline", area=city.tree["430104002014001"],
                    reporter_name="钱七", reporter_phone="13811112222").case
    Case.objects.filter(pk=old.pk).update(closed_at=timezone.now() - timedelta(days=101))
    recent = do_intake(workflow="hotline", title="新案", channel="hotline", area=city.tree["430104002014001"],
                       reporter_name="孙八", reporter_phone="13833334444").case
    Case.objects.filter(pk=recent.pk).update(closed_at=timezone.now() - timedelta(days=99))
    call_command("registry", "retention", "--dry-run")
    assert "人员 1，案件反映人 1" in capsys.readouterr().out
    assert Person.objects.get(pk=city.li.pk).anonymised_at is None
    call_command("registry", "retention")
    assert "已匿名化：人员 1，案件反映人 1" in capsys.readouterr().out
    assert Person.objects.get(pk=city.li.pk).name == "（已匿名）"
    assert Person.objects.get(pk=city.wang.pk).name == "王五"
    assert str(Case.objects.get(pk=old.pk).reporter_name) == ""
    assert Case.objects.get(pk=recent.pk).reporter_name.reveal() == "孙八"
    call_command("registry", "retention")
    assert "人员 0，案件反映人 0" in capsys.readouterr().out  # nothing twice


def test_the_background_sweep_runs_retention(city: City, settings: Any) -> None:
    from gongzhi.cases import signals
    from gongzhi.registry import apps

    settings.GONGZHI_RETENTION_DAYS_AFTER_LEAVING = 1
    Person.objects.filter(pk=city.li.pk).update(left_at=timezone.localdate() - timedelta(days=5))
    apps._last_retention[0] = float("-inf")
    signals.swept.send(sender=None, now=timezone.now())
    assert Person.objects.get(pk=city.li.pk).anonymised_at is not None
