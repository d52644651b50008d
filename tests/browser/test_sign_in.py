"""Signing in through the browser, in Chinese, and the language switch."""

from __future__ import annotations

from tests.browser.conftest import sign_in


def test_sign_in_shows_chinese_and_switches_to_english(page, live_server, shot):
    page.goto(f"{live_server}/dashboard")
    assert page.url.endswith("/login?next=/dashboard")
    page.fill("input[name=username]", "manager")
    page.fill("input[name=password]", "wrong password")
    page.click("button[type=submit]")
    assert page.locator("[role=alert]").inner_text() == "用户名或密码不正确"
    shot("wrong-password")
    sign_in(page, live_server, "manager")
    assert page.locator("nav").inner_text().startswith("首页")
    shot("signed-in")
    page.click("text=English")
    assert "Dashboard" in page.locator("nav").inner_text()
    shot("english")
