"""The manifest and the service worker script the server hands out, and the links every page carries to them."""
from __future__ import annotations

import json
import re
from pathlib import Path

SHELL_LINE = re.compile(r"^const SHELL = (.*);$", re.MULTILINE)


def _shell_settings(client, **headers) -> dict:
    body = client.get("/sw.js", headers=headers).get_data(as_text=True)
    [settings] = SHELL_LINE.findall(body)
    return json.loads(settings)


def test_manifest_names_the_app_in_the_visitors_language(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200 and response.mimetype == "application/manifest+json"
    assert "Accept-Language" in response.headers["Vary"]
    zh = json.loads(response.get_data(as_text=True))
    en = json.loads(client.get("/manifest.webmanifest", headers={"Accept-Language": "en"}).get_data(as_text=True))
    assert (zh["lang"], zh["short_name"]) == ("zh-CN", "巡查")
    assert (en["lang"], en["short_name"], en["name"]) == ("en", "Patrol", "Estate patrol")
    for manifest in (zh, en):
        assert {key: manifest[key] for key in ("start_url", "scope", "display", "theme_color")} == {
            "start_url": "/", "scope": "/", "display": "standalone", "theme_color": "#0f5c4d"}
        assert [(i["src"], i["sizes"], i["purpose"]) for i in manifest["icons"]] == [
            ("/static/icons/icon-192.png", "192x192", "any"), ("/static/icons/icon-512.png", "512x512", "any"),
            ("/static/icons/maskable-512.png", "512x512", "maskable")]


def test_pages_link_the_manifest_and_the_home_screen_icon(client):
    body = client.get("/login").get_data(as_text=True)
    assert '<link rel="manifest" href="/manifest.webmanifest">' in body
    assert '<link rel="apple-touch-icon" href="/static/icons/apple-touch-icon.png">' in body


def test_service_worker_is_served_at_the_root_never_cached(client):
    response = client.get("/sw.js")
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert response.headers["Cache-Control"] == "no-cache"
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]


def test_service_worker_precaches_the_whole_shell(app, client):
    static = Path(app.static_folder)
    expected = {"/static/" + p.relative_to(static).as_posix()
                for folder in ("css", "js", "vendor", "icons") if (static / folder).is_dir()
                for p in (static / folder).rglob("*") if p.is_file() and not p.name.startswith(".")}
    expected -= {"/static/js/sw.js"}  # the worker's source, never loaded by a page
    settings = _shell_settings(client)
    assert set(settings["precache"]) == expected | {"/patrol/offline", "/manifest.webmanifest"}
    assert len(settings["precache"]) == len(set(settings["precache"]))
    assert {"/static/css/app.css", "/static/js/app.js", "/static/js/pwa.js"} <= set(settings["precache"])
    assert settings["offline"] == "/patrol/offline"


def test_version_is_a_content_hash_stable_between_requests(client):
    first, second = _shell_settings(client), _shell_settings(client, **{"Accept-Language": "en"})
    assert re.fullmatch(r"[0-9a-f]{12}", first["version"])
    assert first["version"] == second["version"]


def test_offline_notice_follows_the_visitors_language(client):
    zh = _shell_settings(client)["fallback"]
    en = _shell_settings(client, **{"Accept-Language": "en"})["fallback"]
    assert '<html lang="zh-CN">' in zh and '<html lang="en">' in en
    assert "You are offline" in en and "<script" not in en
