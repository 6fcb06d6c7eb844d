"""Item 4, page weight: bytes a phone downloads for a cold first load of Today, then for a checkpoint page opened after
it (caches warm), as Chromium counts them on the wire (compressed bodies and headers), with the share that is JavaScript.

Run alone: .venv/bin/python bench/page_weight.py [--quick]

Chromium (/usr/bin/chromium, or $CHROMIUM) at phone size loads the pages from the app under gunicorn, signed in as a
patroller with a round open now; the counts come from the DevTools protocol (Network.loadingFinished's
encodedDataLength), so only what the page actually asked for is counted. The service worker is kept out, so the HTTP
cache alone decides what a second page fetches; what the worker downloads in the background to work offline (its
precache) is shown beside, for information. Targets: first load ≤ 60 KB, checkpoint page ≤ 12 KB.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import re
import sys
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.server import Server, database  # noqa: E402

SECTION = "4 page weight"
FIRST_LOAD_KB, CHECKPOINT_KB = 60, 12
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
CSRF = re.compile(r'"X-CSRFToken": "([^"]+)"')
FORM_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class Wire:
    """Bytes received per request as the DevTools protocol reports them, by resource type."""

    def __init__(self):
        self.types: dict[str, str] = {}
        self.urls: dict[str, str] = {}
        self.bytes: dict[str, int] = {}

    def attach(self, cdp) -> None:
        cdp.on("Network.requestWillBeSent", self._sent)
        cdp.on("Network.loadingFinished", self._finished)

    def _sent(self, event) -> None:
        request_id = event["requestId"]
        self.types[request_id] = event.get("type", "Other")
        self.urls[request_id] = event["request"]["url"]
        if "redirectResponse" in event:  # the label's 303: same request id, its bytes reported here
            self._add(request_id, event["redirectResponse"].get("encodedDataLength", 0))

    def _finished(self, event) -> None:
        self._add(event["requestId"], event["encodedDataLength"])

    def _add(self, request_id: str, size) -> None:
        self.bytes[request_id] = self.bytes.get(request_id, 0) + int(size)

    def take(self) -> dict[str, int]:
        by_type: dict[str, int] = defaultdict(int)
        for request_id, size in self.bytes.items():
            by_type[self.types.get(request_id, "Other")] += size
        self.bytes = {}
        return dict(by_type)

    def listing(self) -> list[tuple[str, int]]:
        return [(self.urls.get(r, "?"), size) for r, size in self.bytes.items()]


def sign_in(base: str, username: str, password: str):
    """An httpx client signed in, and the CSRF token of its session."""
    import httpx

    client = httpx.Client(base_url=base, timeout=30)
    token = FORM_CSRF.search(client.get("/login").text).group(1)
    response = client.post("/login", data={"username": username, "password": password, "csrf_token": token})
    if response.status_code != 303:
        raise RuntimeError(f"sign-in refused: {response.status_code}")
    return client


def precache_bytes(client) -> tuple[int, int]:
    """(files, compressed bytes) the service worker downloads to keep the app working offline."""
    import json

    script = client.get("/sw.js").text
    settings = json.loads(re.search(r"^const SHELL = (.*);$", script, re.MULTILINE).group(1))
    total = 0
    for url in settings["precache"]:
        response = client.get(url, headers={"Accept-Encoding": "br, gzip"})
        total += response.num_bytes_downloaded
    return len(settings["precache"]), total


async def measure(base: str, cookies: list[dict], checkpoint_path: str) -> tuple[dict, dict, list, list]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"),
                                                   args=CHROMIUM_ARGS)
        context = await browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True,
                                            service_workers="block", locale="zh-CN")
        await context.add_cookies(cookies)
        page = await context.new_page()
        cdp = await context.new_cdp_session(page)
        wire = Wire()
        wire.attach(cdp)
        await cdp.send("Network.enable")
        await page.goto(f"{base}/patrol/", wait_until="networkidle")
        first_list = wire.listing()
        first = wire.take()
        await page.goto(f"{base}{checkpoint_path}", wait_until="networkidle")
        if "/patrol/visits/" not in page.url:
            raise RuntimeError(f"the label opened {page.url}, not a checkpoint's checklist")
        second_list = wire.listing()
        second = wire.take()
        await browser.close()
    return first, second, first_list, second_list


def summary(by_type: dict[str, int]) -> tuple[float, float]:
    total = sum(by_type.values())
    return total / 1024, (by_type.get("Script", 0) / total * 100 if total else 0.0)


def listing(found: list[tuple[str, int]]) -> str:
    """'N fetched: path KB, ...; M from the cache' for a note."""
    fetched = [(urlsplit(url).path, size) for url, size in found if size]
    cached = len(found) - len(fetched)
    return (f"{len(fetched)} fetched: " + ", ".join(f"{path} {size / 1024:.1f}" for path, size in fetched)
            + (f"; {cached} from the cache" if cached else ""))


def row(measure: str, value, unit: str, target=None, ok=None, note: str = "", fatal: bool = False) -> dict:
    return {"section": SECTION, "measure": measure, "value": value, "unit": unit, "target": target, "ok": ok,
            "note": note, "fatal": fatal}


def rows(quick: bool, db_url: str | None) -> list[dict]:
    from bench.estate import QUICK, Scale

    url, plan, _facts, uploads = database("sqlite", QUICK if quick else Scale(), None)
    person = plan["spares"][0]
    round_ = person["rounds"][0]
    with Server(url, uploads, workers=2) as server:
        client = sign_in(server.base, person["username"], plan["password"])
        token = CSRF.search(client.get("/patrol/").text).group(1)
        started = client.post(f"/patrol/rounds/{round_['id']}/start", data={"csrf_token": token})
        if started.status_code != 303:
            raise RuntimeError(f"could not start the round: {started.status_code}")
        cookies = [{"name": c.name, "value": c.value, "domain": "127.0.0.1", "path": "/"} for c in client.cookies.jar]
        first, second, first_list, second_list = asyncio.run(
            measure(server.base, cookies, f"/c/{round_['stops'][0]['token']}"))
        files, precache = precache_bytes(client)
    first_kb, first_js = summary(first)
    second_kb, second_js = summary(second)
    return [
        row("Today, cold first load", first_kb, "KB", f"≤ {FIRST_LOAD_KB} KB", first_kb <= FIRST_LOAD_KB,
            note=listing(first_list)),
        row("Today, JavaScript share", first_js, "%", note=f"{first.get('Script', 0) / 1024:.1f} KB of scripts"),
        row("checkpoint page after it (caches warm)", second_kb, "KB", f"≤ {CHECKPOINT_KB} KB",
            second_kb <= CHECKPOINT_KB, note=listing(second_list)),
        row("checkpoint page, JavaScript share", second_js, "%"),
        row("service worker precache (background, once per version)", precache / 1024, "KB",
            note=f"{files} files, compressed; lets the app open offline"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    from bench.run import print_table

    print_table(rows(args.quick, None))


if __name__ == "__main__":
    main()
