"""S2 · a grid worker reports from a phone (photo, position, flaky network: still one case);
S3 · the community handles it, or passes it up and the street dispatches 主办 + 协办."""

from __future__ import annotations

import json
import re
import struct
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, Route, expect
from shapely.geometry import shape

from tests.e2e.conftest import login, shot

pytestmark = pytest.mark.e2e
GRID = "430104002014001"


def png(path: Path) -> Path:
    """A small real PNG (a 'photo' of the scene)."""
    raw = b"".join(b"\x00" + bytes([200, 120, 40]) * 8 for _ in range(8))
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
    return path


def open_action(page: Page, action: str) -> Locator:
    details = page.locator(f"details[data-action={action}]")
    details.evaluate("el => { el.open = true; }")
    return details


def grid_point(page: Page) -> tuple[float, float]:
    boundary = json.loads(page.request.get(f"/api/areas/{GRID}").text())["boundary"]
    p = shape(boundary).representative_point()
    return p.x, p.y


def report_from_phone(new_page: Callable[..., Page], tmp_path: Path, title: str) -> tuple[Page, str]:
    page = new_page(phone=True)
    login(page, "lushan_grid1")
    lon, lat = grid_point(page)
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"longitude": lon, "latitude": lat, "accuracy": 8})
    page.get_by_role("link", name="上报").click()
    expect(page.locator("#gps-status")).to_contain_text("已定位")
    page.get_by_label("类别").select_option(label="暴露垃圾")
    page.get_by_label("一句话描述").fill(title)
    page.get_by_label("现场照片").set_input_files(png(tmp_path / "scene.png"))
    # The first two attempts die on the network; the page retries with the same client key.
    failures = {"left": 2}

    def flaky(route: Route) -> None:
        if route.request.method == "POST" and failures["left"] > 0:
            failures["left"] -= 1
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route("**/cases/report/", flaky)
    page.get_by_role("button", name="上报").click()
    number = page.locator(".case-number")
    expect(number).to_have_text(re.compile(r"^\d{14}$"), timeout=20000)
    shot(page, "s2-reported")
    return page, number.inner_text()


def test_s2_report_survives_a_flaky_network_as_one_case(new_page: Callable[..., Page], tmp_path: Path) -> None:
    page, number = report_from_phone(new_page, tmp_path, "3栋门口暴露垃圾（S2）")
    page.unroute("**/cases/report/")
    page.goto(f"/cases/{number}/")
    expect(page.locator("h1")).to_contain_text("3栋门口暴露垃圾（S2）")
    expect(page.locator("img.thumb")).to_have_count(1)
    expect(page.locator("#timeline li")).to_have_count(1)
    # Only one case with this title exists, whatever the retries did.
    admin = new_page()
    login(admin, "lushan_community")
    admin.goto("/cases/")
    expect(admin.locator("#cases tr", has_text="3栋门口暴露垃圾（S2）")).to_have_count(1)


def test_s3_community_handles_it_and_the_grid_worker_verifies(new_page: Callable[..., Page], tmp_path: Path) -> None:
    _page, number = report_from_phone(new_page, tmp_path, "垃圾桶满溢（S3 自办）")
    community = new_page()
    login(community, "lushan_community")
    community.get_by_role("link", name="待办").click()
    row = community.locator("#cases tr", has_text="垃圾桶满溢（S3 自办）")
    expect(row).to_have_attribute("data-light", "green")
    shot(community, "s3-community-inbox")
    row.get_by_role("link", name=number).click()
    community.locator("details[data-action=community_accept] button").click()
    expect(community.locator("#case-state")).to_have_text("社区受理")
    action = open_action(community, "self_handle")
    action.get_by_label("说明（必填）").fill("已联系环卫清运，现场已清理")
    action.get_by_label("照片（可选）").set_input_files(png(tmp_path / "after.png"))
    action.get_by_role("button", name="社区自办").click()
    expect(community.locator("#case-state")).to_have_text("社区自办完成")
    expect(community.locator("img.thumb")).to_have_count(2)
    worker = new_page(phone=True)
    login(worker, "lushan_grid1")
    worker.goto(f"/cases/{number}/")
    worker.locator("details[data-action=verify_pass] button").click()
    expect(worker.locator("#case-state")).to_have_text("已结案")
    shot(worker, "s3-closed")


def test_s3_bigger_thing_goes_to_the_street_and_out_to_departments(new_page: Callable[..., Page], tmp_path: Path) -> None:
    _page, number = report_from_phone(new_page, tmp_path, "人行道塌陷（S3 上报）")
    community = new_page()
    login(community, "lushan_community")
    community.goto(f"/cases/{number}/")
    community.locator("details[data-action=community_accept] button").click()
    up = open_action(community, "escalate")
    up.get_by_label("说明（必填）").fill("塌陷面积大，需专业部门处置")
    up.get_by_role("button", name="上报街镇").click()
    expect(community.locator("#case-state")).to_have_text("街镇受理")
    street = new_page()
    login(street, "yuelu_dispatcher")
    street.goto(f"/cases/{number}/")
    units = street.locator("details[data-action=dispatch] select.units")
    units.select_option(label="岳麓区城市管理和综合执法局")
    units.select_option(label=["岳麓区城市管理和综合执法局", "麓山南路社区居委会"])
    street.locator("details[data-action=dispatch] button").click()
    expect(street.locator("#assignments")).to_have_text("岳麓区城市管理和综合执法局（主办）、麓山南路社区居委会（协办）")
    shot(street, "s3-dispatched")
    clerk = new_page()
    login(clerk, "yuelu_chengguan")
    clerk.get_by_role("link", name="待办").click()
    expect(clerk.locator("#cases tr", has_text="人行道塌陷（S3 上报）")).to_have_count(1)
