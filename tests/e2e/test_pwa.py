"""The patrol app installs like an app and opens with no network: manifest, icons, service worker, the shell from its cache."""
from __future__ import annotations

import io
import re
import time

import pytest
from PIL import Image

from tests.e2e.conftest import screenshot
from tests.e2e.pages import InstalledApp, LoginPage

pytestmark = pytest.mark.e2e

BRAND_RGB = "rgb(15, 92, 77)"


def _png(page, url: str) -> Image.Image:
    response = page.request.get(url)
    assert response.ok, f"{url}: {response.status} (icons are drawn by `make static`)"
    image = Image.open(io.BytesIO(response.body()))
    assert image.format == "PNG", url
    return image


def _offline_marker(page, base: str) -> str:
    """What an uncached page shows offline: the offline page where the server has one, else the worker's own notice."""
    return "[data-offline-shell]" if page.request.get(f"{base}/patrol/offline").ok else "[data-offline-fallback]"


def _wait_for_caches(app_view: InstalledApp, expected: set[str], seconds: float = 15) -> set[str]:
    deadline = time.monotonic() + seconds
    names = set(app_view.cache_names())
    while names != expected and time.monotonic() < deadline:
        time.sleep(0.2)
        names = set(app_view.cache_names())
    return names


def test_manifest_is_linked_and_names_the_app_with_its_icons(phone, live_server):
    LoginPage(phone, live_server).open()
    href = phone.locator('link[rel="manifest"]').get_attribute("href")
    response = phone.request.get(live_server + href)
    assert response.ok and response.headers["content-type"].startswith("application/manifest+json")
    manifest = response.json()
    assert manifest["lang"] == "zh-CN" and manifest["short_name"] == "巡查" and manifest["name"]
    assert (manifest["start_url"], manifest["scope"], manifest["display"]) == ("/", "/", "standalone")
    assert manifest["theme_color"] == "#0f5c4d" and manifest["background_color"].startswith("#")

    purposes = []
    for icon in manifest["icons"]:
        image = _png(phone, live_server + icon["src"])
        assert f"{image.width}x{image.height}" == icon["sizes"], icon["src"]
        purposes.append((icon["purpose"], icon["sizes"]))
    assert sorted(purposes) == [("any", "192x192"), ("any", "512x512"), ("maskable", "512x512")]

    touch = phone.locator('link[rel="apple-touch-icon"]').get_attribute("href")
    assert _png(phone, live_server + touch).size == (180, 180)
    screenshot(phone, "pwa-login-with-manifest")


def test_chromium_finds_the_app_installable(phone, live_server):
    LoginPage(phone, live_server).open()
    InstalledApp(phone).wait_until_active()
    devtools = phone.context.new_cdp_session(phone)
    assert devtools.send("Page.getAppManifest")["errors"] == []
    errors = [e["errorId"] for e in devtools.send("Page.getInstallabilityErrors")["installabilityErrors"]]
    assert errors in ([], ["in-incognito"])  # a Playwright context is incognito: nothing else may stand in the way


def test_service_worker_activates_and_answers_navigations_offline(phone, live_server):
    LoginPage(phone, live_server).open()
    worker = InstalledApp(phone).wait_until_active()
    assert worker == {"state": "activated", "script": f"{live_server}/sw.js", "scope": f"{live_server}/"}
    marker = _offline_marker(phone, live_server)

    phone.context.set_offline(True)
    response = phone.goto(f"{live_server}/login")  # never kept: only the worker can answer it now
    assert response.status == 200 and response.from_service_worker
    assert phone.locator(marker).count() == 1


def test_app_shell_opens_offline_after_one_online_visit(phone, live_server, demo):
    LoginPage(phone, live_server).open().sign_in("patrol1", "demo-pass")
    phone.wait_for_url(re.compile("/patrol/$"))
    InstalledApp(phone).wait_until_controlling()
    marker = _offline_marker(phone, live_server)

    phone.context.set_offline(True)
    static = []
    phone.on("response", lambda r: static.append((r.url, r.from_service_worker)) if "/static/" in r.url else None)
    response = phone.reload()
    assert response.status == 200 and response.from_service_worker
    assert phone.locator(marker).count() == 1
    # Pages name static files with their content hash (?v=...); the worker answers them from the shell it keeps.
    assert (f"{live_server}/static/css/app.css", True) in [(url.split("?")[0], worker) for url, worker in static]
    assert all(from_worker for _url, from_worker in static), static
    assert phone.locator(".topbar").evaluate("el => getComputedStyle(el).backgroundColor") == BRAND_RGB
    screenshot(phone, "pwa-offline-reload")

    response = phone.goto(f"{live_server}/patrol/logs/424242")
    assert response.status == 200 and response.from_service_worker
    assert phone.locator(marker).count() == 1
    # The API is the network's business: offline, its requests fail instead of being answered from a cache.
    assert phone.evaluate("fetch('/api/v1/sites').then(() => 'answered', () => 'failed')") == "failed"


def test_pages_a_page_asks_to_keep_open_offline_as_they_were(phone, live_server, demo):
    LoginPage(phone, live_server).open().sign_in("patrol1", "demo-pass")
    phone.wait_for_url(re.compile("/patrol/$"))
    installed = InstalledApp(phone)
    installed.wait_until_controlling()
    reply = installed.keep_for_offline(["/patrol/my-logs", "https://example.com/elsewhere", "/patrol/no-such-page"])
    assert reply == {"type": "cached", "count": 1, "failed": 1}
    assert installed.cached_urls("patrol-data-v1") == [f"{live_server}/patrol/my-logs"]
    phone.goto(f"{live_server}/patrol/my-logs")
    heading = phone.locator("h1").inner_text()

    phone.context.set_offline(True)
    response = phone.goto(f"{live_server}/patrol/my-logs")
    assert response.status == 200 and response.from_service_worker
    assert phone.locator("h1").inner_text() == heading


def test_new_version_deletes_the_old_shell_cache_and_keeps_round_data(phone, live_server, app, monkeypatch):
    from app.pwa import shell

    LoginPage(phone, live_server).open()
    installed = InstalledApp(phone)
    installed.wait_until_active()
    [old] = [name for name in installed.cache_names() if name.startswith("patrol-shell-")]
    phone.evaluate("""async () => {
        await (await caches.open("patrol-data-v1")).put("/round-data", new Response("kept"));
        await caches.open("another-app");
    }""")

    monkeypatch.setattr(shell, "content_version", lambda files, base: "0f5c4d000001")
    monkeypatch.delitem(app.extensions, shell.EXTENSION_KEY)  # the live server hashes the shell again
    installed.check_for_update()

    expected = {"patrol-shell-0f5c4d000001", "patrol-data-v1", "another-app"}
    assert _wait_for_caches(installed, expected) == expected, f"{old} should be gone"
    assert f"{live_server}/static/css/app.css" in installed.cached_urls("patrol-shell-0f5c4d000001")
    assert phone.evaluate("caches.match('/round-data').then((r) => r.text())") == "kept"


def test_worker_installs_without_the_offline_page_and_shows_its_own_notice(phone, live_server, app, monkeypatch):
    monkeypatch.setitem(app.view_functions, "patrols.offline", lambda: ("not deployed", 404))
    LoginPage(phone, live_server).open()
    installed = InstalledApp(phone)
    assert installed.wait_until_active()["state"] == "activated"
    [shell_cache] = [name for name in installed.cache_names() if name.startswith("patrol-shell-")]
    kept = installed.cached_urls(shell_cache)
    assert f"{live_server}/static/css/app.css" in kept and f"{live_server}/patrol/offline" not in kept

    phone.context.set_offline(True)
    response = phone.goto(f"{live_server}/patrol/")
    assert response.status == 200 and response.from_service_worker
    assert phone.locator("[data-offline-fallback] h1").inner_text().strip()  # in the language the worker was fetched in
    assert phone.locator(".topbar").evaluate("el => getComputedStyle(el).backgroundColor") == BRAND_RGB
    screenshot(phone, "pwa-offline-fallback")
