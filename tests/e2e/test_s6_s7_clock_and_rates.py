"""S6 · nobody acts: the overdue case is red, escalated and in the centre's 督办 queue;
S7 · the 回访 and the resident's own rating; the rates page shows the figures as charts."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import login, shot
from tests.e2e.test_s2_s3_grid_cases import open_action
from tests.e2e.test_s4_s5_hotline import type_call

pytestmark = pytest.mark.e2e


def test_s6_overdue_case_is_red_and_in_the_supervision_queue(new_page: Callable[..., Page]) -> None:
    page = new_page()
    login(page, "yuelu_supervisor")
    page.get_by_role("link", name="督办").click()
    row = page.locator("#cases tr", has_text="夜间施工噪音扰民")
    expect(row).to_have_attribute("data-light", "red")
    expect(row).to_contain_text("升级")
    shot(page, "s6-supervision")
    row.get_by_role("link").first.click()
    expect(page.locator("#timeline")).to_contain_text("超期升级")
    sup = open_action(page, "supervise")
    sup.get_by_label("说明（必填）").fill("请于今日内反馈处置进展")
    sup.get_by_role("button", name="督办").click()
    expect(page.locator("#timeline")).to_contain_text("请于今日内反馈处置进展")


def test_s7_follow_up_resident_rating_and_rates(new_page: Callable[..., Page]) -> None:
    dispatcher = new_page()
    login(dispatcher, "yuelu_dispatcher")
    number = type_call(dispatcher, "楼道灯不亮（S7）", "13973109007")
    dispatcher.locator("details[data-action=dispatch] select.units").select_option(label="岳麓区城市管理和综合执法局")
    dispatcher.locator("details[data-action=dispatch] button").click()
    expect(dispatcher.locator("#case-state")).to_have_text("已派单")
    clerk = new_page()
    login(clerk, "yuelu_chengguan")
    clerk.goto(f"/cases/{number}/")
    clerk.locator("details[data-action=accept] button").click()
    reply = open_action(clerk, "reply")
    reply.get_by_label("说明（必填）").fill("已更换楼道灯，恢复照明")
    reply.get_by_role("button", name="回复").click()
    supervisor = new_page()
    login(supervisor, "yuelu_supervisor")
    supervisor.goto(f"/cases/{number}/")
    supervisor.locator("details[data-action=approve_reply] button").click()
    follow = open_action(supervisor, "follow_up")
    follow.get_by_label("已联系").check()
    follow.get_by_label("已解决").check()
    follow.get_by_label("满意度").select_option("basic")
    follow.get_by_role("button", name="回访").click()
    expect(supervisor.locator("#case-state")).to_have_text("已回访")

    resident = new_page(phone=True)
    resident.goto("/track/")
    resident.get_by_label("诉求编号").fill(number)
    resident.get_by_label("联系电话后四位").fill("9007")
    resident.get_by_role("button", name="查询").click()
    expect(resident.locator("#public-reply")).to_have_text("已更换楼道灯，恢复照明")
    resident.get_by_label("基本满意").check()
    resident.get_by_role("button", name="提交评价").click()
    expect(resident.locator("body")).to_contain_text("感谢您的评价")
    shot(resident, "s7-resident-rated")

    supervisor.get_by_role("link", name="三率考评").click()
    expect(supervisor.locator("#area-chart")).to_have_attribute("data-ready", "1")
    row = supervisor.locator("#rates-areas tr[data-key='430104002']")
    expect(row).to_contain_text("岳麓街道")
    expect(row.locator("td.composite")).to_have_text(re.compile(r"^0\.\d{3}$"))
    shot(supervisor, "s7-rates")
