"""Browser tests: the real `gongzhi demo` server in a subprocess, driven by Playwright in
Debian's Chromium. The server gets a fresh database (SQLite file, or a fresh PostgreSQL
database when DATABASE_URL points at PostgreSQL), exactly as a newcomer's first run would."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.pg import fresh_pg_database

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "var" / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """(base URL, everything the server printed before it was ready)."""
    port = _free_port()
    var = tmp_path_factory.mktemp("demo-var")
    env = {**os.environ, "GONGZHI_VAR_DIR": str(var), "GONGZHI_DEMO": "1", "PYTHONUNBUFFERED": "1"}
    env.pop("GONGZHI_PII_KEYS", None)
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        env["DATABASE_URL"] = fresh_pg_database(url, f"gongzhi_e2e_{port}")
    else:
        env.pop("DATABASE_URL", None)
    log = var / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "gongzhi.cli", "demo", "--addr", f"127.0.0.1:{port}"],
                                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 600
    while True:
        if proc.poll() is not None:
            pytest.fail(f"demo server exited with {proc.returncode}:\n{log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(base + "/login/", timeout=2) as resp:
                if resp.status == 200:
                    break
        except OSError:
            pass
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail("demo server did not come up within 600 s")
        time.sleep(0.5)
    try:
        yield base, log.read_text(errors="replace")
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        if os.environ.get("CI") or os.environ.get("GONGZHI_REQUIRE_BROWSER"):
            pytest.fail("Chromium is required for the browser tests: apt-get install chromium fonts-wqy-microhei")
        pytest.skip("Chromium not installed")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def new_page(browser: Browser, demo_server: tuple[str, str]) -> Iterator[Callable[..., Page]]:
    """A factory of fresh browser sessions (phone-sized with ``phone=True``)."""
    contexts = []

    def make(phone: bool = False) -> Page:
        viewport = {"width": 390, "height": 844} if phone else {"width": 1366, "height": 900}
        ctx = browser.new_context(viewport=viewport, locale="zh-CN", base_url=demo_server[0])
        ctx.set_default_timeout(15000)
        contexts.append(ctx)
        return ctx.new_page()

    yield make
    for ctx in contexts:
        ctx.close()


def shot(page: Page, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def login(page: Page, username: str, password: str = "gongzhi-demo-2026") -> None:
    page.goto("/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/")
