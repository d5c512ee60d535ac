"""S4 · a hotline call typed without the mouse, flagged as a duplicate and merged;
S5 · a department returns a case that is not theirs, and asks for more time on another."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import login, shot

pytestmark = pytest.mark.e2e


def type_call(page: Page, title: str, phone: str) -> str:
    page.goto("/cases/new/")
    page.get_by_label("来电人").focus()
    # Keyboard only: Tab from field to field, Ctrl+Enter to submit.
    page.keyboard.type("周先生")
    page.keyboard.press("Tab")
    page.keyboard.type(phone)
    page.keyboard.press("Tab")
    expect(page.get_by_label("诉求类型")).to_be_focused()
    page.get_by_label("诉求类型").select_option("投诉")
    page.get_by_label("所属区域").select_option("430104002014")
    page.get_by_label("地址").fill("麓山南路3栋旁")
    page.get_by_label("诉求标题").fill(title)
    page.get_by_label("诉求内容").fill("路灯晚上不亮，行人看不清路，已经一周了。")
    # 智能派单: the model proposes the category and the unit with a confidence; Alt+A accepts.
    proposal = page.locator("#suggestion-text")
    expect(proposal).to_contain_text("建议类别：路灯不亮")
    expect(proposal).to_contain_text("承办：岳麓区城市管理和综合执法局")
    assert re.search(r"置信度 \d+%", proposal.inner_text())
    page.get_by_label("诉求内容").focus()
    page.keyboard.press("Alt+A")
    expect(page.get_by_label("类别")).to_have_value(
        page.get_by_label("类别").locator("option", has_text="路灯不亮").get_attribute("value") or "")
    page.keyboard.press("Control+Enter")
    expect(page.locator(".messages")).to_contain_text("已受理，编号")
    page.wait_for_load_state("load")
    return re.search(r"\d{14}", page.locator(".messages").inner_text()).group(0)  # type: ignore[union-attr]


def test_s4_hotline_call_duplicate_merged(new_page: Callable[..., Page]) -> None:
    page = new_page()
    login(page, "yuelu_dispatcher")
    page.get_by_role("link", name="热线受理").click()
    first = type_call(page, "麓山南路路灯一周不亮（S4 昨天）", "13973109001")
    second = type_call(page, "麓山南路的路灯不亮了（S4 今天）", "13973109002")
    expect(page.locator("h1")).to_contain_text("S4 今天")
    expect(page.locator(".meta")).to_contain_text("路灯不亮")
    assert "139****9002" in page.content()
    assert "13973109002" not in page.content()
    # Dispatch starts from the accepted category and the unit the 派单目录 gives it.
    dispatch = page.locator("details[data-action=dispatch]")
    expect(dispatch.locator("#dispatch-category option:checked")).to_contain_text("路灯不亮")
    expect(dispatch.locator("select.units option:checked")).to_have_text("岳麓区城市管理和综合执法局")
    expect(dispatch.locator("#proposed-unit")).to_contain_text("派单目录建议主办：岳麓区城市管理和综合执法局")
    expect(page.locator("#proposal")).to_contain_text("智能派单建议：路灯不亮")
    dup = page.locator("#duplicates li", has_text=first)
    expect(dup).to_have_count(1)
    shot(page, "s4-duplicate-flagged")
    dup.get_by_role("button", name="并入此案").click()
    expect(page.locator("h1")).to_contain_text("S4 昨天")
    expect(page.locator("#timeline")).to_contain_text("并入重复件")
    page.goto(f"/cases/{second}/")
    expect(page.locator(".side")).to_contain_text(f"已并入 {first}")


def test_s5_department_returns_and_asks_for_more_time(new_page: Callable[..., Page]) -> None:
    dispatcher = new_page()
    login(dispatcher, "yuelu_dispatcher")
    number = type_call(dispatcher, "小区围墙开裂（S5）", "13973109003")
    units = dispatcher.locator("details[data-action=dispatch] select.units")
    units.select_option(label="岳麓区城市管理和综合执法局")
    dispatcher.locator("details[data-action=dispatch] button").click()
    expect(dispatcher.locator("#case-state")).to_have_text("已派单")

    clerk = new_page()
    login(clerk, "yuelu_chengguan")
    clerk.get_by_role("link", name="待办").click()
    clerk.locator("#cases").get_by_role("link", name=number).click()
    ret = clerk.locator("details[data-action=return]")
    ret.evaluate("el => { el.open = true; }")
    ret.get_by_label("说明（必填）").fill("围墙属住建部门管理，建议改派住建局")
    ret.get_by_role("button", name="退单").click()
    expect(clerk.locator("#case-state")).to_have_text("退单待审")

    dispatcher.goto(f"/cases/{number}/")
    dispatcher.locator("details[data-action=approve_return] button").click()
    expect(dispatcher.locator("#case-state")).to_have_text("已受理")
    units = dispatcher.locator("details[data-action=dispatch] select.units")
    units.select_option(label="岳麓区住房和城乡建设局")
    dispatcher.locator("details[data-action=dispatch] button").click()
    expect(dispatcher.locator("#assignments")).to_have_text("岳麓区住房和城乡建设局（主办）")
    expect(dispatcher.locator("#timeline")).to_contain_text("围墙属住建部门管理")
    shot(dispatcher, "s5-rerouted")

    # Another case: 城管 needs more time and the centre's duty chief approves.
    other = type_call(dispatcher, "路灯杆倾斜（S5 延期）", "13973109004")
    units = dispatcher.locator("details[data-action=dispatch] select.units")
    units.select_option(label="岳麓区城市管理和综合执法局")
    dispatcher.locator("details[data-action=dispatch] button").click()
    expect(dispatcher.locator("#case-state")).to_have_text("已派单")
    clerk.goto(f"/cases/{other}/")
    clerk.locator("details[data-action=accept] button").click()
    ext = clerk.locator("details[data-action=request_extension]")
    ext.evaluate("el => { el.open = true; }")
    ext.get_by_label("说明（必填）").fill("需更换灯杆，等待供货")
    ext.get_by_role("button", name="申请延期").click()
    before = clerk.locator(".meta").inner_text()
    chief = new_page()
    login(chief, "yuelu_chief")
    chief.goto(f"/cases/{other}/")
    approve = chief.locator("details[data-action=approve_extension]")
    approve.evaluate("el => { el.open = true; }")
    approve.get_by_label("延长").fill("3")
    approve.get_by_role("button", name="批准延期").click()
    expect(chief.locator("#case-state")).to_have_text("办理中")
    after = chief.locator(".meta").inner_text()
    assert before != after
    expect(chief.locator("#timeline")).to_contain_text("需更换灯杆，等待供货")
    expect(chief.locator("#timeline")).to_contain_text("批准延期")
    shot(chief, "s5-extended")
