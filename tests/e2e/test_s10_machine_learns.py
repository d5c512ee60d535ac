"""S10 · the machine learns: the centre retrains the classifier from the cases dispatched on
the platform; the new version's score is shown beside the one in use before it is switched
on, and intake uses it from then on without a restart."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import login, shot

pytestmark = pytest.mark.e2e


def test_s10_retrain_compare_and_switch(new_page: Callable[..., Page]) -> None:
    page = new_page()
    login(page, "yuelu_supervisor")
    page.get_by_role("link", name="智能派单").click()
    models = page.locator("#models")
    current = models.locator("tr.current")
    expect(current).to_have_count(1)
    old_version = current.get_attribute("data-version")
    assert old_version is not None
    page.get_by_role("button", name="用已派单案件重新训练").click()
    expect(page.locator(".messages")).to_contain_text("已开始用已派单案件训练新版本")
    new_version = str(int(old_version) + 1)
    new_row = models.locator(f"tr[data-version='{new_version}']")
    # The page reloads itself while the version trains in the background.
    expect(new_row).to_contain_text("待启用", timeout=120_000)
    assert re.fullmatch(r"[01]\.\d{4}", new_row.locator("td.score").inner_text().strip())
    assert re.fullmatch(r"[01]\.\d{4}", current.locator("td.score").inner_text().strip())
    expect(new_row).to_contain_text("platform")
    expect(new_row.locator("td").nth(6)).to_have_text(re.compile(r"^[+-]\d\.\d{4}$"))
    shot(page, "s10-new-version-beside-current")
    new_row.get_by_role("button", name="启用此版本").click()
    expect(page.locator(".messages")).to_contain_text(f"v{new_version} 已启用")
    expect(models.locator("tr.current")).to_have_attribute("data-version", new_version)
    expect(models.locator(f"tr[data-version='{old_version}']")).to_contain_text("已停用")
    # The next proposal at intake comes from the new version, in the same server process.
    answer = page.request.get("/insight/suggest/?title=麓山南路路灯不亮&description=晚上一片漆黑")
    assert answer.ok
    assert answer.json()["model"] is not None
    auditor = new_page()
    login(auditor, "auditor")
    auditor.goto("/audit/")
    expect(auditor.locator("body")).to_contain_text("insight.model_activated")


def test_hot_spots_of_a_district(new_page: Callable[..., Page]) -> None:
    """热点: the demo's street-light history (one problem reported again and again in one
    street) is the top group of the district, with its cases linked."""
    page = new_page()
    login(page, "yuelu_supervisor")
    page.get_by_role("link", name="热点").click()
    page.get_by_label("最近天数").fill("60")
    page.get_by_role("button", name="查看").click()
    top = page.locator("#hotspots tbody tr").first
    expect(top).to_contain_text("路灯故障")
    count = int(top.locator("td").nth(3).inner_text())
    assert count >= 5
    expect(top.locator("a")).to_have_count(min(count, 6))
    shot(page, "s10-hot-spots")
    answer = page.request.get("/api/insight/hotspots?area=430104&days=60")
    assert answer.ok
    assert answer.json()[0]["count"] == count
    assert page.request.get("/api/insight/hotspots?area=430104&days=0").status == 422
