"""Each demo account signs in on a phone and lands on its role's home, in Chinese and English."""
from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import assert_fits_phone, screenshot
from tests.e2e.pages import AppShell, LoginPage

pytestmark = pytest.mark.e2e

HOMES = {
    "patrol1": ("/patrol/", "今日巡查", "Today's rounds"),
    "super1": ("/dashboard/", "示例花园", "Demo Gardens"),
    "maint1": ("/work-orders/", "的任务", "Tasks for"),
    "clean1": ("/work-orders/", "的任务", "Tasks for"),
    "admin": ("/admin/", "管理", "Administration"),
}


def test_login_page_on_a_phone_is_chinese_and_fits(phone, live_server):
    LoginPage(phone, live_server).open()
    assert phone.get_by_role("heading", name="登录").is_visible()
    assert_fits_phone(phone)
    screenshot(phone, "login-zh")


def test_wrong_password_shows_a_message(phone, live_server, demo):
    LoginPage(phone, live_server).open().sign_in("patrol1", "not-the-password")
    assert phone.get_by_role("alert").inner_text().strip() == "用户名或密码错误。"


@pytest.mark.parametrize("username", sorted(HOMES))
def test_demo_account_lands_on_its_home(phone, live_server, demo, username):
    path, heading_zh, heading_en = HOMES[username]
    LoginPage(phone, live_server).open().sign_in(username, "demo-pass")
    phone.wait_for_url(re.compile(re.escape(path) + "$"))
    assert heading_zh in phone.locator("h1").first.inner_text()
    assert_fits_phone(phone)
    screenshot(phone, f"{username}-home-zh")
    AppShell(phone).switch_to_english()
    phone.locator("html[lang='en']").wait_for(state="attached")
    assert heading_en in phone.locator("h1").first.inner_text()
    assert_fits_phone(phone)
    screenshot(phone, f"{username}-home-en")
    AppShell(phone).sign_out("Sign out")
    phone.wait_for_url(re.compile("/login$"))
