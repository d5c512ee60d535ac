"""The grid worker's phone page: find a house, add or update its household after a visit."""

from __future__ import annotations

import pytest
from django.test import Client

from gongzhi.core.access import Role
from gongzhi.registry.models import Person, PersonTag, Relation, Residence
from tests.registry.pages_builders import G1, City, id_number

pytestmark = pytest.mark.django_db


@pytest.fixture
def worker(city: City) -> Client:
    c = Client()
    c.force_login(city.users[Role.GRID_WORKER])
    return c


def member(**over: str) -> dict[str, str]:
    data = {"name": "钱七", "id_number": id_number("19500505", "561"), "phone": "13655556666",
            "relation": Relation.SELF, "residency": "registered"}
    data.update(over)
    return data


def test_search_finds_only_houses_in_my_grids(worker: Client, city: City) -> None:
    page = worker.get("/registry/visit/", {"building": "麓山南路", "room": "10"}).content.decode()
    assert f"/registry/visit/house/{city.h101.pk}/" in page
    assert f"/registry/visit/house/{city.h102.pk}/" in page
    assert f"/registry/visit/house/{city.h201.pk}/" not in page  # the next grid's building matches the name too


def test_a_bad_id_number_is_named_next_to_its_field_and_nothing_is_lost(worker: Client, city: City) -> None:
    bad = id_number("19500505", "561")[:-1] + "0"
    resp = worker.post(f"/registry/visit/house/{city.h101.pk}/", member(id_number=bad))
    page = resp.content.decode()
    assert resp.status_code == 400
    label = page.split('name="id_number"')[1].split("</label>")[0]
    assert "校验位错误" in label
    assert "GB 11643" in label
    assert 'value="钱七"' in page
    assert f'value="{bad}"' in page
    assert 'value="13655556666"' in page
    assert not Person.objects.filter(name="钱七").exists()


def test_a_tag_missing_a_required_field_is_refused_next_to_the_tag(worker: Client, city: City) -> None:
    resp = worker.post(f"/registry/visit/house/{city.h101.pk}/", member(tag_disabled="on",
                                                                        **{"tag_disabled__level": "二级"}))
    assert resp.status_code == 400
    box = resp.content.decode().split('data-tag="disabled"')[1].split('data-tag=')[0]
    assert "必须填写残疾类别" in box
    assert not Person.objects.filter(name="钱七").exists()  # the person was not half-saved


def test_adding_a_member_saves_person_residence_household_and_tags(worker: Client, city: City) -> None:
    resp = worker.post(f"/registry/visit/house/{city.h101.pk}/", member(
        **{"tag_living-alone-elderly": "on", "tag_living-alone-elderly__visit_cycle_days": "14"}))
    assert resp.status_code == 302
    p = Person.objects.get(name="钱七")
    assert (p.gender, p.birth_date.year, p.area_path) == ("M", 1950, G1)  # type: ignore[union-attr]
    assert Residence.objects.filter(person=p, house=city.h101, until__isnull=True).exists()
    assert p.household is not None
    assert p.household.house_id == city.h101.pk
    assert p.household.head_id == p.pk
    tag = PersonTag.objects.get(person=p)
    assert tag.tag_type.code == "living-alone-elderly"
    assert '"visit_cycle_days": 14' in tag.values.reveal()
    page = worker.get(f"/registry/visit/house/{city.h101.pk}/").content.decode()
    assert "钱七" in page
    assert "已保存" in page


def test_updating_keeps_protected_values_and_untick_removes_a_group(worker: Client, city: City) -> None:
    zhang = city.zhang
    page = worker.get(f"/registry/visit/house/{city.h101.pk}/", {"person": zhang.pk}).content.decode()
    assert zhang.id_number.reveal() not in page
    assert zhang.id_number.masked in page
    assert "肢体残疾" not in page.split('data-tag="disabled"')[1].split("data-tag=")[0].replace(
        '<option value="肢体残疾">肢体残疾</option>', "")  # sensitive values are never pre-filled
    resp = worker.post(f"/registry/visit/house/{city.h101.pk}/", {
        "person": zhang.pk, "name": "张三", "id_number": "", "phone": "", "relation": "self",
        "residency": "registered", "tag_disabled": "on"})
    assert resp.status_code == 302
    zhang.refresh_from_db()
    assert zhang.id_number.reveal()
    assert zhang.phone.reveal() == "13812345678"
    codes = set(PersonTag.objects.filter(person=zhang).values_list("tag_type__code", flat=True))
    assert codes == {"disabled"}  # elderly unticked → removed; disabled ticked, left empty → kept
    assert "肢体残疾" in PersonTag.objects.get(person=zhang).values.reveal()


def test_moved_out_ends_the_residence_and_keeps_history(worker: Client, city: City) -> None:
    resp = worker.post(f"/registry/visit/house/{city.h102.pk}/moved-out/", {"person": city.li.pk})
    assert resp.status_code == 302
    r = Residence.objects.get(person=city.li, house=city.h102)
    assert r.until is not None
    city.li.refresh_from_db()
    assert city.li.left_at == r.until
    history = worker.get(f"/registry/house/{city.h102.pk}/").content.decode().split('id="history"')[1]
    assert "李四" in history
    again = worker.post(f"/registry/visit/house/{city.h102.pk}/moved-out/", {"person": city.li.pk}, follow=True)
    assert "目前不住在" in again.content.decode()


def test_visit_pages_are_for_those_who_may_change_the_registry(city: City) -> None:
    for role in (Role.DATA_READER, Role.DEPT_HANDLER, Role.LEADER):
        c = Client()
        c.force_login(city.users[role])
        assert c.get("/registry/visit/").status_code == 403, role
        assert c.get(f"/registry/visit/house/{city.h101.pk}/").status_code == 403, role
        assert c.post(f"/registry/visit/house/{city.h101.pk}/", member()).status_code == 403, role
    assert not Person.objects.filter(name="钱七").exists()
