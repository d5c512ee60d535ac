"""Each role logs in and sees its own world; out-of-scope URLs are refused (the access half of S9)."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import login, shot

pytestmark = pytest.mark.e2e


def test_grid_worker_on_a_phone_sees_only_their_grid(new_page: Callable[..., Page]) -> None:
    page = new_page(phone=True)
    login(page, "lushan_grid1")
    expect(page.locator(".role-card")).to_contain_text("网格员 · 麓山南路社区第1网格")
    shot(page, "roles-grid-worker-phone-home")
    page.get_by_role("link", name="打开区域地图").click()
    expect(page.locator("h1")).to_contain_text("麓山南路社区第1网格")
    expect(page.locator("#buildings tbody tr").first).to_be_visible()
    shot(page, "roles-grid-worker-phone-grid")
    # Editing the URL to the neighbouring grid is refused, in Chinese.
    resp = page.goto("/areas/430104002014002/")
    assert resp is not None
    assert resp.status == 403
    expect(page.locator("h1")).to_have_text("无权访问")
    shot(page, "roles-grid-worker-refused")


def test_department_handler_and_resident(new_page: Callable[..., Page]) -> None:
    page = new_page()
    login(page, "yuelu_chengguan")
    expect(page.locator(".role-card")).to_contain_text("部门处置员 · 岳麓区")
    expect(page.locator(".role-card")).to_contain_text("岳麓区城市管理和综合执法局")
    assert page.goto("/areas/430102/").status == 403  # type: ignore[union-attr]

    resident = new_page(phone=True)
    login(resident, "resident")
    expect(resident.locator(".role-card")).to_contain_text("居民")
    expect(resident.get_by_role("link", name="区域与网格")).to_have_count(0)
    assert resident.goto("/areas/430104002014/").status == 403  # type: ignore[union-attr]
    shot(resident, "roles-resident-home")


def test_reveal_with_reason_then_admin_reads_it_in_the_audit_trail(new_page: Callable[..., Page]) -> None:
    page = new_page()
    login(page, "lushan_community")
    page.goto("/areas/430104002014001/")
    row = page.locator("#staff tr[data-role=grid_worker]")
    row.locator("summary").click()
    row.get_by_label("查看理由（将记入审计日志）").fill("联系网格员核实井盖问题")
    row.get_by_role("button", name="查看").click()
    expect(page.locator(".revealed")).to_have_text(re.compile(r"^139\d{8}$"))
    shot(page, "roles-reveal")

    auditor = new_page()  # 审计管理员: the trail is theirs alone (三员分立)
    login(auditor, "auditor")
    auditor.get_by_role("link", name="审计日志").first.click()
    expect(auditor.locator("#chain-status")).to_contain_text("哈希链校验通过")
    auditor.get_by_label("操作人").fill("lushan_community")
    auditor.get_by_label("操作", exact=True).fill("pii.")
    auditor.get_by_role("button", name="筛选").click()
    expect(auditor.locator("#audit tbody tr")).to_have_count(1)
    expect(auditor.locator("#audit")).to_contain_text("联系网格员核实井盖问题")
    expect(auditor.locator("#audit")).to_contain_text("王红梅")
    shot(auditor, "roles-audit")
    with auditor.expect_download() as download:
        auditor.locator("#audit-export").click()
    assert download.value.suggested_filename.startswith("audit-")

    admin = new_page()  # the system administrator configures, but reads neither the trail nor residents
    login(admin, "admin")
    expect(admin.get_by_role("link", name="审计日志")).to_have_count(0)
    assert admin.goto("/audit/").status == 403  # type: ignore[union-attr]


def test_english_switch(new_page: Callable[..., Page]) -> None:
    page = new_page()
    login(page, "leader")
    page.get_by_role("button", name="English").click()
    expect(page.locator("nav.main-nav")).to_contain_text("Areas & grids")
    expect(page.locator(".role-card")).to_contain_text("Leader")
    shot(page, "roles-english")
