"""Page objects: what a person sees and taps, found by role and label."""
from __future__ import annotations

import re


class LoginPage:
    def __init__(self, page, base_url: str):
        self.page, self.base_url = page, base_url

    def open(self):
        self.page.goto(f"{self.base_url}/login")
        return self

    def sign_in(self, username: str, password: str, button: str = "登录"):
        self.page.get_by_label(re.compile("用户名|Username")).fill(username)
        self.page.get_by_label(re.compile("密码|Password")).fill(password)
        self.page.get_by_role("button", name=button).click()


class AppShell:
    def __init__(self, page):
        self.page = page

    def switch_to_english(self):
        self.page.locator("details.menu summary").click()
        self.page.get_by_role("button", name="English").click()

    def sign_out(self, name: str = "退出登录"):
        self.page.locator("details.menu summary").click()
        self.page.get_by_role("button", name=name).click()
