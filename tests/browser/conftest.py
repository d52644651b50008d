"""Browser tests: the real application served by uvicorn on a free port, driven by Playwright in
Debian's headless Chromium (``executable_path``; Playwright's own browser download is not used).

Each test's pages are kept as screenshots under ``test-artifacts/screenshots/``. Without Chromium the
tests are skipped, except where ``ANXIN_REQUIRE_BROWSER=1`` (``.ci/run`` sets it) makes that a failure.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import uvicorn

from tests.web.conftest import app, password, province, web_db  # noqa: F401  (fixtures)

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


def chromium_path() -> str | None:
    return os.environ.get("ANXIN_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    executable = chromium_path()
    if executable is None:
        if os.environ.get("ANXIN_REQUIRE_BROWSER") == "1":
            pytest.fail("Chromium is required (ANXIN_REQUIRE_BROWSER=1) but was not found")
        pytest.skip("Chromium not installed: browser tests skipped (apt-get install chromium fonts-noto-cjk)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=executable, headless=True, args=["--no-sandbox"]
        )
        yield launched
        launched.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(application) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """Serve ``application`` over real HTTP on a free port; yields its base URL."""
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(application, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def live_server(app) -> Iterator[str]:  # noqa: F811
    """The test province's app served for the duration of one test."""
    with serving(app) as base:
        yield base


class Screens:
    """Saves a numbered screenshot of the page under the test's name."""

    def __init__(self, page, test_name: str) -> None:  # type: ignore[no-untyped-def]
        self.page = page
        self.folder = ARTIFACTS / re.sub(r"[^\w.-]+", "_", test_name)
        self.count = 0

    def __call__(self, label: str) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.count += 1
        path = self.folder / f"{self.count:02d}-{label}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def page(browser, request) -> Iterator[object]:
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 1280, "height": 900}, accept_downloads=True
    )
    opened = context.new_page()
    yield opened
    context.close()


@pytest.fixture
def shot(page, request) -> Screens:
    return Screens(page, request.node.name)


def sign_in(page, base: str, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password(username))
    page.click("button[type=submit]")
    page.wait_for_load_state()
