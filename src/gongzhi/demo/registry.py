"""The demo registry: houses in the demo buildings of 岳麓街道, households living in them, and
their people — with 独居老人, 空巢老人, 残疾人 (category and level), 流动人口 and 出租户 tagged, so
the registry pages and statistics have something to show. All generated (demo/people.py).

Written with bulk inserts like the rest of the demo build; the fields the models' ``save()``
derives (area_path) are set here.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import OuterRef, Subquery
from django.utils import timezone

from gongzhi.core.paths import subtree_q
from gongzhi.core.pii import hash_field_value
from gongzhi.demo.people import GeneratedPerson, PeopleGenerator
from gongzhi.registry.models import (
    Building,
    House,
    Household,
    HouseUse,
    Person,
    PersonTag,
    Residence,
    ResidenceRole,
    TagType,
)
from gongzhi.registry.tags import DISABILITY_KINDS, LEVELS, encode_values, load_default_tag_types

DEMO_STREET = "430104002"  # 岳麓区 岳麓街道
ROOMS_PER_FLOOR = 2
MAX_FLOORS = 4  # the demo fills the lower floors only: enough people to browse, a fast build


@dataclass
class DemoRegistryReport:
    houses: int = 0
    households: int = 0
    people: int = 0
    tags: int = 0


def build_registry(street_path: str = DEMO_STREET, *, seed: int = 4301) -> DemoRegistryReport:
    load_default_tag_types()
    today = timezone.localdate()
    rng = random.Random(seed)  # noqa: S311 (generated demo data, deterministic on purpose)
    gen = PeopleGenerator(seed, today=today, local_regions=["430104"] * 6 + ["430102", "430103", "430105"],
                          floating_share=0.2, household_prefix="430104002")
    buildings = list(Building.objects.filter(subtree_q("area_path", street_path)).order_by("area_path", "id"))
    houses: list[House] = []
    for b in buildings:
        floors = min(b.floors or 3, MAX_FLOORS)
        for unit in range(1, 2):
            for floor in range(1, floors + 1):
                for r in range(1, ROOMS_PER_FLOOR + 1):
                    roll = rng.random()
                    use = HouseUse.VACANT if roll < 0.08 else HouseUse.RENTED if roll < 0.28 else HouseUse.OWNER
                    houses.append(House(building=b, grid_id=b.grid_id, area_path=b.area_path, unit_no=str(unit),
                                        room=f"{floor}{r:02d}", floor=floor, use=use,
                                        floor_area=round(rng.uniform(45, 140), 1)))
    House.objects.bulk_create(houses, batch_size=2000)

    lived = [h for h in houses if h.use != HouseUse.VACANT]
    households: list[Household] = []
    members: list[list[GeneratedPerson]] = []
    for house in lived:
        family = gen.household(1 if rng.random() < 0.12 else None)
        households.append(Household(house=house, grid_id=house.grid_id, area_path=house.area_path,
                                    number=family[0].household_number, kind=family[0].residency))
        members.append(family)
    Household.objects.bulk_create(households, batch_size=2000)

    people: list[Person] = []
    for hh, family in zip(households, members, strict=True):
        for p in family:
            people.append(Person(
                grid_id=hh.grid_id, area_path=hh.area_path, name=p.name, id_number=p.id_number,
                id_number_hash=hash_field_value("id_number", p.id_number), phone=p.phone,
                phone_hash=hash_field_value("phone", p.phone), gender=p.gender, birth_date=p.birth_date,
                ethnicity=p.ethnicity, residency=p.residency, registered_address=p.registered_address,
                household=hh, relation=p.relation))
    Person.objects.bulk_create(people, batch_size=2000)
    # One UPDATE rather than bulk_update's CASE per row: each household's head is its "self".
    Household.objects.filter(pk__in=[hh.pk for hh in households]).update(head=Subquery(
        Person.objects.filter(household=OuterRef("pk"), relation="self").values("pk")[:1]))

    by_household = {hh.pk: hh for hh in households}
    residences = [Residence(person=p, house=by_household[p.household_id].house, role=ResidenceRole.LIVES,
                            since=today - timedelta(days=rng.randrange(30, 3650)), area_path=p.area_path)
                  for p in people if p.household_id in by_household]
    Residence.objects.bulk_create(residences, batch_size=2000)
    tags = _tags(people, households, rng, today)
    PersonTag.objects.bulk_create(tags, batch_size=2000)
    return DemoRegistryReport(len(houses), len(households), len(people), len(tags))


def _age(p: Person, today: date) -> int:
    assert p.birth_date is not None
    return today.year - p.birth_date.year - ((today.month, today.day) < (p.birth_date.month, p.birth_date.day))


def _tags(people: list[Person], households: list[Household], rng: random.Random, today: date) -> list[PersonTag]:
    types = {t.code: t for t in TagType.objects.all()}
    size: dict[int | None, int] = {}
    for p in people:
        size[p.household_id] = size.get(p.household_id, 0) + 1
    house_of: dict[int | None, House | None] = {hh.pk: hh.house for hh in households}
    elders: dict[int | None, list[Person]] = {}
    for p in people:
        if _age(p, today) >= 65:
            elders.setdefault(p.household_id, []).append(p)
    out: list[PersonTag] = []

    def tag(p: Person, code: str, values: dict[str, object], since: date | None = None) -> None:
        out.append(PersonTag(person=p, tag_type=types[code], values=encode_values(values), since=since,
                             area_path=p.area_path, purpose=types[code].purpose, legal_basis=types[code].legal_basis))

    for p in people:
        age = _age(p, today)
        if size[p.household_id] == 1 and age >= 65:
            tag(p, "living-alone-elderly", {"visit_cycle_days": 7,
                                            "emergency_contact": f"子女 1{rng.randrange(3, 9)}{rng.randrange(10**9):09d}"})
        elif size[p.household_id] == 2 and len(elders.get(p.household_id, [])) == 2:
            tag(p, "empty-nest-elderly", {"children_contact": f"1{rng.randrange(3, 9)}{rng.randrange(10**9):09d}"})
        if rng.random() < 0.02:
            tag(p, "disabled", {"category": rng.choice(DISABILITY_KINDS), "level": rng.choice(LEVELS),
                                "certificate": f"{p.id_number.reveal()[:17]}{rng.randrange(1, 8)}{rng.randrange(1, 5)}"},
                today - timedelta(days=rng.randrange(100, 4000)))
        if p.residency == "floating":
            tag(p, "floating", {"arrived": (today - timedelta(days=rng.randrange(30, 2000))).isoformat()})
        house = house_of.get(p.household_id)
        if house is not None and house.use == HouseUse.RENTED and p.relation == "self":
            tag(p, "tenant", {"landlord": rng.choice("王李张刘陈杨黄赵") + rng.choice(("先生", "女士")),
                              "lease_until": (today + timedelta(days=rng.randrange(30, 700))).isoformat()})
    return out
