"""S9 · Someone pokes at it: another person's case number, another grid's URL, garbage posted
to the API and Open311, a password guessed 20 times — in the browser and over HTTP against the
real demo server."""

from __future__ import annotations

import http.client
import json
import re
from collections.abc import Callable
from urllib.parse import urlencode, urlparse

from playwright.sync_api import Page, expect

from tests.e2e.conftest import login, shot

GUESSER = "127.0.0.2"  # the guessing script runs from another address than the people using the site


def _http(base: str, method: str, path: str, body: str | bytes = b"", headers: dict[str, str] | None = None,
          source: str = GUESSER) -> tuple[int, dict[str, str], str]:
    u = urlparse(base)
    conn = http.client.HTTPConnection(u.hostname or "127.0.0.1", u.port, timeout=20, source_address=(source, 0))
    conn.request(method, path, body=body, headers=headers or {})
    resp = conn.getresponse()
    text = resp.read().decode(errors="replace")
    conn.close()
    return resp.status, {k.lower(): v for k, v in resp.getheaders()}, text


def test_a_resident_cannot_open_another_persons_case(new_page: Callable[..., Page]) -> None:
    mine = new_page(phone=True)
    mine.goto("/track/report/")
    mine.get_by_label("反映的问题（一句话）").fill("小区门口路灯不亮")
    mine.get_by_label("联系电话（用于回访和查询）").fill("13912345678")
    mine.get_by_label("所在街道/镇（无法定位时必选）").select_option(index=1)
    mine.get_by_role("button", name="提交").click()
    number = mine.locator(".case-number").inner_text()
    assert re.fullmatch(r"\d{14}", number), number

    other = new_page(phone=True)
    other.goto("/track/")
    other.locator("input[name=number]").fill(number)
    other.locator("input[name=phone]").fill("0000")
    other.get_by_role("button", name="查询").click()
    expect(other.locator("main")).to_contain_text("编号或电话不匹配")
    expect(other.locator("main")).not_to_contain_text("小区门口路灯不亮")
    shot(other, "s9-01-other-case-refused")


def test_a_grid_worker_edits_the_url_to_another_grid(new_page: Callable[..., Page]) -> None:
    page = new_page(phone=True)
    login(page, "lushan_grid1")
    mine = page.goto("/areas/430104002014001/")
    assert mine is not None
    assert mine.status == 200
    other = page.goto("/areas/430104002014002/")
    assert other is not None
    assert other.status == 403
    expect(page.locator("h1")).to_have_text("无权访问")
    shot(page, "s9-02-other-grid-refused")


def test_garbage_to_the_api_and_open311_gets_4xx_with_a_message(demo_server: tuple[str, str]) -> None:
    base = demo_server[0]
    attempts = [
        ("POST", "/api/cases", "{not json", {"Content-Type": "application/json"}),
        ("POST", "/api/cases", json.dumps({"title": 123, "lon": "东经"}), {"Content-Type": "application/json",
                                                                       "Authorization": "Bearer not-a-key"}),
        ("GET", "/api/cases?page=abc&area=%00", "", {}),
        ("POST", "/open311/v2/requests.json", urlencode({"service_code": "<script>", "lat": "north", "long": "1e999"}),
         {"Content-Type": "application/x-www-form-urlencoded"}),
        ("POST", "/open311/v2/requests.json", b"\xff\xfe\x00garbage", {"Content-Type": "application/x-www-form-urlencoded"}),
        ("GET", "/open311/v2/requests/%00%ff.json", "", {}),
        ("GET", "/open311/v2/requests.json?start_date=yesterday&status=maybe", "", {}),
    ]
    for method, path, body, headers in attempts:
        status, head, text = _http(base, method, path, body, headers)
        assert 400 <= status < 500, (method, path, status, text[:300])
        assert text.strip(), (method, path)
        if "json" in head.get("content-type", ""):
            assert json.loads(text), (method, path, text)


def _guess(base: str, username: str, password: str) -> str:
    status, head, page = _http(base, "GET", "/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    cookie = re.search(r"csrftoken=([^;]+)", head.get("set-cookie", ""))
    assert token is not None
    assert cookie is not None
    body = urlencode({"csrfmiddlewaretoken": token.group(1), "username": username, "password": password})
    status, _h, text = _http(base, "POST", "/login/", body, {"Content-Type": "application/x-www-form-urlencoded",
                                                             "Cookie": f"csrftoken={cookie.group(1)}",
                                                             "Referer": base + "/login/"})
    return "locked" if "已暂时锁定" in text else "wrong" if status == 200 else f"status {status}"


def test_a_guessed_password_is_throttled_and_the_security_post_lifts_it(
        new_page: Callable[..., Page], demo_server: tuple[str, str]) -> None:
    base = demo_server[0]
    outcomes = [_guess(base, "yuelu_leader", f"guess-{i:04d}") for i in range(20)]
    # The 5th wrong password locks the account at once (and says so); after that nothing is checked.
    assert outcomes[:4] == ["wrong"] * 4
    assert outcomes[4:] == ["locked"] * 16
    assert _guess(base, "yuelu_leader", "gongzhi-demo-2026") == "locked"  # the right one too, for now

    user = new_page()
    user.goto("/login/")
    user.get_by_label("用户名").fill("yuelu_leader")
    user.get_by_label("密码").fill("gongzhi-demo-2026")
    user.get_by_role("button", name="登录").click()
    expect(user.locator("main")).to_contain_text("已暂时锁定")
    shot(user, "s9-03-account-locked")

    security = new_page()
    login(security, "security")
    security.get_by_role("link", name="安全管理").first.click()
    locks = security.locator("#locks tbody tr", has_text="user:yuelu_leader")
    expect(locks).to_have_count(1)
    shot(security, "s9-04-security-locks")
    locks.get_by_role("button", name="解除锁定").click()
    expect(security.locator("#locks")).not_to_contain_text("user:yuelu_leader")
    for row in security.locator("#locks tbody tr", has_text=GUESSER).all():  # the guesser's address too
        row.get_by_role("button", name="解除锁定").click()

    login(user, "yuelu_leader")
    expect(user.locator(".role-card")).to_contain_text("领导")
