"""The supervisor's dashboard in a browser: fits a phone, two columns on a desktop, charts drawn without any script or
style attribute the Content-Security-Policy would block, and the log list filters by a form."""
from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import assert_fits_phone, let_service_worker_settle, screenshot
from tests.e2e.pages import LoginPage

pytestmark = pytest.mark.e2e


def _violations(page) -> list[str]:
    found: list[str] = []
    page.on("console", lambda message: found.append(message.text) if message.type == "error" else None)
    return found


def test_dashboard_on_a_phone(phone, live_server, demo):
    errors = _violations(phone)
    LoginPage(phone, live_server).open().sign_in("super1", "demo-pass")
    phone.wait_for_url(re.compile(r"/dashboard/$"))
    assert "示例花园" in phone.locator("h1").first.inner_text()
    assert phone.locator("svg.chart-svg").count() == 4
    assert phone.locator("svg.chart-svg rect.bar").count() > 0
    assert_fits_phone(phone)
    screenshot(phone, "dashboard-phone")
    assert errors == []


@pytest.fixture
def desktop(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    page = context.new_page()
    yield page
    let_service_worker_settle(page)
    context.close()


def test_dashboard_on_a_desktop_sets_panels_side_by_side(desktop, live_server, demo):
    errors = _violations(desktop)
    LoginPage(desktop, live_server).open().sign_in("super1", "demo-pass")
    desktop.wait_for_url(re.compile(r"/dashboard/$"))
    first, second = (desktop.locator(".dash-panel").nth(i).bounding_box() for i in range(2))
    assert first["y"] == second["y"] and second["x"] > first["x"] + first["width"]
    screenshot(desktop, "dashboard-desktop")
    assert errors == []


def test_log_list_filters_through_its_form(phone, live_server, demo):
    LoginPage(phone, live_server).open().sign_in("super1", "demo-pass")
    phone.wait_for_url(re.compile(r"/dashboard/$"))
    phone.get_by_role("navigation", name="主导航").get_by_role("link").nth(2).click()
    phone.wait_for_url(re.compile(r"/dashboard/logs"))
    phone.locator("details.filter-box > summary").click()
    phone.locator("#f-status").select_option("signed")
    phone.locator(".dash-filters button[type=submit]").click()
    phone.wait_for_url(re.compile(r"status=signed"))
    badges = phone.locator(".list .badge").all_inner_texts()
    assert badges and all(text == "已签名" for text in badges)
    assert "status=signed" in phone.get_by_role("link", name=re.compile("CSV")).get_attribute("href")
    assert_fits_phone(phone)
