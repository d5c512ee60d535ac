"""S1 · A newcomer installs it: the demo prints its address and logins; the district leader
sees the city's districts on a map and drills down to a grid, its worker and its buildings."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import login, shot

pytestmark = pytest.mark.e2e


def test_demo_prints_address_and_logins(demo_server: tuple[str, str]) -> None:
    base, output = demo_server
    assert f"{base}/" in output
    for username in ("admin", "security", "auditor", "leader", "yuelu_leader", "yuelu_dispatcher", "lushan_community", "lushan_grid1",
                     "yuelu_chengguan", "yuelu_chief", "yuelu_supervisor", "resident"):
        assert re.search(rf"^\s+{username}\s", output, re.M), username
    assert "gongzhi-demo-2026" in output


def test_district_leader_drills_down_to_a_grid(new_page: Callable[..., Page]) -> None:
    page = new_page()
    login(page, "yuelu_leader")
    expect(page.locator(".role-card")).to_contain_text("领导 · 岳麓区")
    shot(page, "s1-01-home-leader")

    page.get_by_role("link", name="区域与网格").click()
    expect(page.locator("h1")).to_contain_text("岳麓区")
    page.locator(".crumbs").get_by_role("link", name="长沙市").click()
    expect(page.locator("h1")).to_contain_text("长沙市")
    # The map draws the city and its nine districts; only 岳麓区 opens for this leader.
    expect(page.locator("#map")).to_have_attribute("data-ready", "10")
    expect(page.locator("#children tbody tr")).to_have_count(9)
    expect(page.locator("#children a")).to_have_count(1)
    expect(page.locator("#map path.area-open")).to_have_count(1)
    expect(page.locator("#map path.area-closed")).to_have_count(8)
    shot(page, "s1-02-city-map")

    for name, heading in [("岳麓区", "岳麓区"), ("岳麓街道", "岳麓街道"), ("麓山南路社区居委会", "麓山南路社区居委会"),
                          ("麓山南路社区第1网格", "麓山南路社区第1网格")]:
        page.locator("#children").get_by_role("link", name=name, exact=True).click()
        expect(page.locator("h1")).to_contain_text(heading)
        shot(page, f"s1-03-{heading}")

    expect(page.locator(".meta")).to_contain_text("生成边界")
    # The grid's own outline and its three micro-grids.
    expect(page.locator("#map")).to_have_attribute("data-ready", "4")
    worker = page.locator("#staff tr[data-role=grid_worker]")
    expect(worker).to_contain_text("李思雨")
    expect(worker.locator(".masked")).to_have_text(re.compile(r"^139\*{4}\d{4}$"))
    expect(page.locator("#buildings tbody tr").first).to_be_visible()
    assert page.locator("#buildings tbody tr").count() >= 1
    shot(page, "s1-04-grid")


def test_grid_shows_its_micro_grids(new_page: Callable[..., Page]) -> None:
    page = new_page()
    login(page, "lushan_grid1")
    page.goto("/areas/430104002014001/")
    expect(page.locator("#children tbody tr")).to_have_count(3)
    page.locator("#children").get_by_role("link", name="麓山南路社区第1网格第1微网格").click()
    expect(page.locator("h1")).to_contain_text("微网格")
