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


class InstalledApp:
    """The service worker and its caches, as the page sees them."""

    def __init__(self, page):
        self.page = page

    def wait_until_active(self) -> dict:
        return self.page.evaluate("""async () => {
            const registration = await navigator.serviceWorker.ready;
            const worker = registration.active;
            if (worker.state !== "activated") {
                await new Promise((done) => worker.addEventListener("statechange", () => worker.state === "activated" && done()));
            }
            return {state: worker.state, script: worker.scriptURL, scope: registration.scope};
        }""")

    def wait_until_controlling(self) -> None:
        self.wait_until_active()
        self.page.wait_for_function("navigator.serviceWorker.controller !== null")

    def cache_names(self) -> list[str]:
        return self.page.evaluate("caches.keys()")

    def cached_urls(self, name: str) -> list[str]:
        return self.page.evaluate("async (name) => (await (await caches.open(name)).keys()).map((r) => r.url)", name)

    def keep_for_offline(self, urls: list[str]) -> dict:
        """Ask the worker to keep these pages ({type: "cache-urls"}) and return its reply."""
        return self.page.evaluate("""async (urls) => {
            const registration = await navigator.serviceWorker.ready;
            const channel = new MessageChannel();
            const reply = new Promise((done) => { channel.port1.onmessage = (event) => done(event.data); });
            registration.active.postMessage({type: "cache-urls", urls}, [channel.port2]);
            return reply;
        }""", urls)

    def check_for_update(self) -> None:
        self.page.evaluate("navigator.serviceWorker.getRegistration().then((registration) => registration.update())")
