"""demo/people.py: deterministic, valid, realistic generated residents."""

from __future__ import annotations

from collections import Counter
from datetime import date

from gongzhi.core.idcard import check_id_number
from gongzhi.demo.people import PeopleGenerator, people

TODAY = date(2026, 6, 1)


def test_same_seed_same_people_other_seed_others() -> None:
    a = [p.id_number for p in people(500, seed=1, today=TODAY)]
    assert a == [p.id_number for p in people(500, seed=1, today=TODAY)]
    assert a != [p.id_number for p in people(500, seed=2, today=TODAY)]


def test_ids_valid_unique_and_agree_with_gender_and_birth() -> None:
    made = list(people(20_000, seed=3, today=TODAY))
    assert len({p.id_number for p in made}) == len(made) == 20_000
    for p in made[:3000]:
        info = check_id_number(p.id_number, today=TODAY)
        assert info.birth_date == p.birth_date
        assert (info.gender == "男") == (p.gender == "M")
    assert all(p.phone == "" or (len(p.phone) == 11 and p.phone[0] == "1") for p in made)
    assert all(p.age(TODAY) < 12 for p in made if not p.phone)


def test_names_and_households_look_real() -> None:
    gen = PeopleGenerator(5, today=TODAY, local_regions=["430104"])
    families = list(gen.households(3000))
    made = [p for f in families for p in f]
    surnames = Counter(p.name[0] for p in made)
    assert {s for s, _n in surnames.most_common(3)} <= {"王", "李", "张", "刘"}
    assert {len(p.name) for p in made} <= {2, 3, 4}
    assert Counter(len(p.name) for p in made)[3] > len(made) / 2
    sizes = Counter(len(f) for f in families)
    assert set(sizes) == {1, 2, 3, 4, 5}
    assert sizes[2] > sizes[5]
    for f in families:
        assert f[0].relation == "self"
        assert len({p.household_number for p in f}) == 1
        if len(f) >= 2:
            assert f[1].relation == "spouse"
            assert f[1].gender != f[0].gender
        for child in (p for p in f if p.relation == "child"):
            assert child.name.startswith(f[0].name[0])
            assert child.birth_date > f[0].birth_date
    registered = [p for p in made if p.residency == "registered"]
    assert registered
    assert all(p.id_number.startswith("430104") for p in registered)
    assert all(not p.id_number.startswith("430104") for p in made if p.residency == "floating")
