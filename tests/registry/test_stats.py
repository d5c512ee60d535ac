"""Registry statistics per child area: hand-built fixture, hand-computed numbers, scoping.

The fixture (see ``registry`` below), by grid:

    麓山南路 grid 1  …014001     p1 p2 p3, p4 moved out; households h1 h2;
                                houses owner, rented, vacant
      micro-grid   …014001001  p5
    麓山南路 grid 2  …014002     p6 p7; household h3; houses commercial, rented
    枇杷塘 grid 1    …001001     p8, p9 moved out; household h4; house owner
    湖东 grid 1 (望月湖街道)      p10; household h5; house vacant
    识字里 grid 1 (芙蓉区)        p11; household h6; house owner        — another district

Tags: elderly p1 p2 p4(moved out) p6 p10 p11; disabled p1 p5 p8 p9(moved out);
retired (an inactive type) p3.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gongzhi.accounts.models import User
from gongzhi.areas.models import Area, Level
from gongzhi.core.access import Role
from gongzhi.registry.models import Building, House, Household, HouseUse, Person, PersonTag, TagType
from gongzhi.registry.stats import AreaStats, area_stats
from tests.builders import make_user

G1, M1, G2 = "430104002014001", "430104002014001001", "430104002014002"
G3, G4, G5 = "430104002001001", "430104001001001", "430102001001001"


def houses(owner: int = 0, rented: int = 0, vacant: int = 0, commercial: int = 0) -> dict[str, int]:
    return {"owner": owner, "rented": rented, "vacant": vacant, "commercial": commercial}


def tags(elderly: int = 0, disabled: int = 0) -> dict[str, int]:
    return {"elderly": elderly, "disabled": disabled}


def person(grid: Area, name: str, household: Household | None = None, *, moved_out: bool = False) -> Person:
    return Person.objects.create(grid=grid, name=name, household=household,
                                 left_at=date(2026, 1, 5) if moved_out else None)


@pytest.fixture
def registry(tree: dict[str, Area]) -> dict[str, Any]:
    elderly = TagType.objects.create(code="elderly", name="独居老人", order=1)
    disabled = TagType.objects.create(code="disabled", name="残疾人", order=2)
    retired = TagType.objects.create(code="retired", name="停用类别", is_active=False)

    def building(grid: str, *uses: str) -> None:
        b = Building.objects.create(grid=tree[grid], name=f"楼{grid}", address=f"地址{grid}")
        for i, use in enumerate(uses):
            House.objects.create(building=b, room=f"{i + 1:03d}", use=use)

    building(G1, HouseUse.OWNER, HouseUse.RENTED, HouseUse.VACANT)
    building(G2, HouseUse.COMMERCIAL, HouseUse.RENTED)
    building(G3, HouseUse.OWNER)
    building(G4, HouseUse.VACANT)
    building(G5, HouseUse.OWNER)
    h = {n: Household.objects.create(grid=tree[g], number=f"H{n}")
         for n, g in [(1, G1), (2, G1), (3, G2), (4, G3), (5, G4), (6, G5)]}
    p = {
        1: person(tree[G1], "甲", h[1]), 2: person(tree[G1], "乙", h[1]), 3: person(tree[G1], "丙", h[2]),
        4: person(tree[G1], "丁", h[2], moved_out=True), 5: person(tree[M1], "戊"),
        6: person(tree[G2], "己", h[3]), 7: person(tree[G2], "庚", h[3]),
        8: person(tree[G3], "辛", h[4]), 9: person(tree[G3], "壬", moved_out=True),
        10: person(tree[G4], "癸", h[5]), 11: person(tree[G5], "子", h[6]),
    }
    for tag_type, people in [(elderly, [1, 2, 4, 6, 10, 11]), (disabled, [1, 5, 8, 9]), (retired, [3])]:
        for n in people:
            PersonTag.objects.create(person=p[n], tag_type=tag_type)
    admin = make_user("stats_leader", Role.LEADER, tree["4301"])  # sys admins see no registry
    return {"areas": tree, "admin": admin}


def row(rows: list[AreaStats], path: str) -> AreaStats:
    return next(r for r in rows if r.path == path)


@pytest.mark.django_db
def test_street_children_are_communities_with_a_total_last(registry: dict[str, Any]) -> None:
    rows = area_stats(registry["admin"], "430104002")
    assert [r.path for r in rows] == ["430104002001", "430104002014", "430104002"]
    assert rows[0] == AreaStats("430104002001", "枇杷塘社区", people=1, households=1,
                                houses=houses(owner=1), tags=tags(disabled=1))
    assert rows[1] == AreaStats("430104002014", "麓山南路社区", people=6, households=3,
                                houses=houses(owner=1, rented=2, vacant=1, commercial=1),
                                tags=tags(elderly=3, disabled=2))
    assert rows[2] == AreaStats("430104002", "岳麓街道", people=7, households=4,
                                houses=houses(owner=2, rented=2, vacant=1, commercial=1),
                                tags=tags(elderly=3, disabled=3))


@pytest.mark.django_db
def test_district_children_are_streets(registry: dict[str, Any]) -> None:
    rows = area_stats(registry["admin"], "430104")
    assert [r.path for r in rows] == ["430104001", "430104002", "430104"]
    assert row(rows, "430104001") == AreaStats("430104001", "望月湖街道", 1, 1, houses(vacant=1), tags(elderly=1))
    assert row(rows, "430104") == AreaStats("430104", "岳麓区", people=8, households=5,
                                            houses=houses(owner=2, rented=2, vacant=2, commercial=1),
                                            tags=tags(elderly=4, disabled=3))


@pytest.mark.django_db
def test_community_children_are_grids_and_a_grid_holds_its_micro_grids(registry: dict[str, Any]) -> None:
    rows = area_stats(registry["admin"], "430104002014")
    # The micro-grid is a child of grid 1, not of the community: its people count in grid 1.
    assert [r.path for r in rows] == [G1, G2, "430104002014"]
    assert rows[0] == AreaStats(G1, "麓山南路社区第1网格", people=4, households=2,
                                houses=houses(owner=1, rented=1, vacant=1), tags=tags(elderly=2, disabled=2))
    assert rows[1] == AreaStats(G2, "麓山南路社区第2网格", people=2, households=1,
                                houses=houses(rented=1, commercial=1), tags=tags(elderly=1))


@pytest.mark.django_db
def test_a_grid_is_its_own_only_child(registry: dict[str, Any]) -> None:
    rows = area_stats(registry["admin"], G1)
    assert [r.path for r in rows] == [G1, G1]
    assert rows[0] == rows[1]
    assert rows[1].people == 4
    micro = area_stats(registry["admin"], M1)
    assert [(r.path, r.people, r.households, r.tags["disabled"]) for r in micro] == [(M1, 1, 0, 1), (M1, 1, 0, 1)]


@pytest.mark.django_db
def test_moved_out_people_and_inactive_tag_types_do_not_count(registry: dict[str, Any]) -> None:
    total = area_stats(registry["admin"], "430104002014")[-1]
    assert total.people == 6  # p4 moved out
    assert set(total.tags) == {"elderly", "disabled"}  # the inactive type is not a key
    assert total.tags == tags(elderly=3, disabled=2)  # p4's elderly tag is not counted


@pytest.mark.django_db
def test_an_empty_area_is_zero_filled(registry: dict[str, Any]) -> None:
    Area.objects.create(code="430104002015", path="430104002015", name="空社区", level=Level.COMMUNITY,
                        parent=registry["areas"]["430104002"])
    rows = area_stats(registry["admin"], "430104002")
    assert row(rows, "430104002015") == AreaStats("430104002015", "空社区", 0, 0, houses(), tags())


@pytest.mark.django_db
def test_a_grid_worker_counts_only_their_grid(registry: dict[str, Any]) -> None:
    worker = make_user("gw", Role.GRID_WORKER, registry["areas"][G1])
    rows = area_stats(worker, "430104002")
    # Only the community holding their grid is listed; its figures and the total are grid 1's.
    assert [r.path for r in rows] == ["430104002014", "430104002"]
    for r in rows:
        assert (r.people, r.households, r.houses, r.tags) == (
            4, 2, houses(owner=1, rented=1, vacant=1), tags(elderly=2, disabled=2))


@pytest.mark.django_db
def test_a_community_worker_sees_their_community_within_the_district(registry: dict[str, Any]) -> None:
    worker = make_user("cw", Role.COMMUNITY_WORKER, registry["areas"]["430104002001"])
    rows = area_stats(worker, "430104")
    assert [(r.path, r.people) for r in rows] == [("430104002", 1), ("430104", 1)]


@pytest.mark.django_db
def test_a_department_handler_is_refused(registry: dict[str, Any]) -> None:
    handler = make_user("dh", Role.DEPT_HANDLER, registry["areas"]["430104"])
    with pytest.raises(PermissionDenied):
        area_stats(handler, "430104")
    with pytest.raises(PermissionDenied):
        area_stats(handler, G1)


@pytest.mark.django_db
def test_a_grid_worker_is_refused_elsewhere(registry: dict[str, Any]) -> None:
    worker = make_user("gw", Role.GRID_WORKER, registry["areas"][G1])
    for path in (G2, "430104001", "430102"):
        with pytest.raises(PermissionDenied):
            area_stats(worker, path)


@pytest.mark.django_db
def test_a_data_reader_post_grants_the_statistics(registry: dict[str, Any]) -> None:
    reader = make_user("dr", Role.DATA_READER, registry["areas"]["430104002"])
    assert area_stats(reader, "430104002")[-1].people == 7


def queries_for(user_pk: int, path: str) -> int:
    user = User.objects.get(pk=user_pk)
    area_stats(user, path)  # warm: the user's posts are loaded once per request
    with CaptureQueriesContext(connection) as ctx:
        area_stats(user, path)
    return len(ctx.captured_queries)


@pytest.mark.django_db
def test_the_number_of_queries_does_not_grow_with_the_children(registry: dict[str, Any]) -> None:
    areas = registry["areas"]
    two = queries_for(registry["admin"].pk, "430104002")
    for n in (21, 22, 23):
        community = Area.objects.create(code=f"430104002{n:03d}", path=f"430104002{n:03d}", name=f"社区{n}",
                                        level=Level.COMMUNITY, parent=areas["430104002"])
        grid = Area.objects.create(code=f"430104002{n:03d}001", path=f"430104002{n:03d}001", name=f"网格{n}",
                                   level=Level.GRID, parent=community, layer=areas[G1].layer)
        Household.objects.create(grid=grid, number=f"X{n}")
        person(grid, f"新{n}")
    assert len(area_stats(registry["admin"], "430104002")) == 6
    assert queries_for(registry["admin"].pk, "430104002") == two
    assert two <= 8


@pytest.mark.django_db
def test_a_system_administrator_sees_no_registry_figures(registry: dict[str, Any]) -> None:
    admin = make_user("sa", Role.SYS_ADMIN, registry["areas"]["4301"])
    with pytest.raises(PermissionDenied):
        area_stats(admin, "430104")
