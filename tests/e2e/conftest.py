"""Browser tests: Debian's Chromium driven by Playwright against a live server on the test database."""
from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

SCREENS = Path(__file__).resolve().parents[2] / "test-results" / "screens"
PHONE = {"width": 360, "height": 740}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


@pytest.fixture(scope="session")
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
    server.server_close()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    executable = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    if not os.path.exists(executable):
        pytest.fail(f"Chromium not found at {executable}: run `make chromium`")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def phone(browser):
    """A fresh phone-sized browser context (own cookies), Chinese by default."""
    context = browser.new_context(viewport=PHONE, locale="zh-CN", device_scale_factor=2, is_mobile=True, has_touch=True)
    page = context.new_page()
    yield page
    let_service_worker_settle(page)
    context.close()


def let_service_worker_settle(page, timeout_ms: int = 5000) -> None:
    """Wait for a service worker still installing: closing the context while it fetches the app shell drops connections
    mid-file, which the live server reports as unclosed files (errors under filterwarnings=error)."""
    from playwright.sync_api import Error as PlaywrightError

    try:
        page.evaluate("""(timeout) => "serviceWorker" in navigator && navigator.serviceWorker.getRegistration()
            .then((registration) => registration && (registration.installing || registration.waiting)
                  && Promise.race([navigator.serviceWorker.ready, new Promise((done) => setTimeout(done, timeout))]))""",
                      timeout_ms)
    except PlaywrightError:
        pass  # the page is gone or closed: nothing of it is still loading


@pytest.fixture
def demo(app):
    from app.demo.builder import build_demo
    from app.extensions import db

    with app.app_context():
        build_demo(days=3)
        db.session.remove()


def screenshot(page, name: str) -> None:
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / f"{name}.png"), full_page=True)


def assert_fits_phone(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"page scrolls sideways: {width}px wide"
