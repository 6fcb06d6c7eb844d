"""Lighthouse on a phone (its default mobile profile) for the pages a patroller lives in: login, Today, a checkpoint.

Run: make lighthouse   (installs lighthouse into bench/node_modules, then runs this script)
  or CHROME_PATH=/usr/bin/chromium .venv/bin/python bench/lighthouse.py [--reports DIR]

The script builds a throw-away SQLite database with the demo estate, adds a round of patrol1's open now (the demo's
rounds run in daytime only), serves the app with gunicorn on a free port, signs in as patrol1, starts that round at a
checkpoint, and hands the session cookie to Lighthouse for the signed-in pages.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
BIN = Path(sys.executable).parent
CATEGORIES = ("performance", "accessibility", "best-practices")
CSRF = re.compile(r'"X-CSRFToken": "([^"]+)"')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare_database(env: dict) -> None:
    for command in (["db", "upgrade"], ["catalogue", "load"], ["demo"]):
        done = subprocess.run([str(BIN / "flask"), "--app", "wsgi", *command], cwd=ROOT, env=env, capture_output=True,
                              text=True)
        if done.returncode != 0:
            raise SystemExit(f"flask {' '.join(command)} failed:\n{done.stdout}{done.stderr}")


def open_round_now(env: dict) -> str:
    """A round of patrol1's over a demo stairwell, open for the next hours; returns the checkpoint's label token."""
    script = """
from sqlalchemy import select
from app import create_app
from app.auth.models import User
from app.extensions import db
from app.sites.models import Checkpoint
from tests.factories import make_round
from tests.integration.patrol_world import window_around_now
app = create_app()
with app.app_context():
    patrol1 = db.session.scalar(select(User).where(User.username == "patrol1"))
    checkpoint = db.session.scalar(select(Checkpoint).where(Checkpoint.category == "stairwell",
                                                            Checkpoint.site_id == patrol1.sites[0].id).limit(1))
    make_round(patrol1.sites[0], [checkpoint], [patrol1], windows=window_around_now(), name="Lighthouse 巡查")
    db.session.commit()
    print(checkpoint.token)
"""
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    return done.stdout.strip().splitlines()[-1]


def serve(env: dict, port: int) -> subprocess.Popen:
    server = subprocess.Popen([str(BIN / "gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{port}", "wsgi:app"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                if response.status == 200:
                    return server
        except OSError:  # refused, reset or timed out while gunicorn boots (URLError is one too)
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("the app did not answer /healthz within 20 s")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def signed_in_checkpoint(base: str, token: str) -> tuple[str, str]:
    """Sign in as patrol1, start the round at the checkpoint; returns (session cookie, the checkpoint's checklist URL)."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect())

    def post(path: str, page: str, fields: dict) -> str:
        with opener.open(base + page) as response:
            csrf = CSRF.search(response.read().decode()).group(1)
        data = urllib.parse.urlencode({**fields, "csrf_token": csrf}).encode()
        try:
            opener.open(base + path, data=data)
        except urllib.error.HTTPError as answer:  # the 303 after a successful post
            if answer.code != 303:
                raise
            return answer.headers["Location"]
        raise SystemExit(f"POST {path} did not redirect")

    post("/login", "/login", {"username": "patrol1", "password": "demo-pass"})
    with opener.open(f"{base}/c/{token}") as response:
        start = re.search(r'action="(/patrol/rounds/\d+/start)"', response.read().decode())
    if start is None:
        raise SystemExit("the checkpoint page offers no round to start")
    visit = post(start.group(1), f"/c/{token}", {"token": token})
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    return cookie, urllib.parse.urljoin(base, visit)


def lighthouse(url: str, cookie: str | None, report: Path) -> dict:
    command = ["npx", "--no", "lighthouse", url, "--output=json", f"--output-path={report}", "--quiet",
               "--chrome-flags=--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage",
               "--only-categories=" + ",".join(CATEGORIES)]
    if cookie:
        command.append("--extra-headers=" + json.dumps({"Cookie": cookie}))
    env = {**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")}
    subprocess.run(command, cwd=BENCH, env=env, check=True)
    return json.loads(report.read_text())


def figures(result: dict) -> dict:
    audits = result["audits"]
    scripts = [item for item in audits["resource-summary"]["details"]["items"] if item["resourceType"] == "script"]
    row = {name: round(result["categories"][name]["score"] * 100) for name in CATEGORIES}
    row["bytes"] = int(audits["total-byte-weight"]["numericValue"])
    row["js bytes"] = int(scripts[0]["transferSize"]) if scripts else 0
    row["final url"] = result.get("finalDisplayedUrl") or result.get("finalUrl")
    return row


def print_table(rows: dict[str, dict]) -> None:
    head = f"{'page':<12} {'performance':>11} {'accessibility':>13} {'best-practices':>14} {'transferred':>12} {'JS':>9}"
    print(head)
    print("-" * len(head))
    for page, row in rows.items():
        print(f"{page:<12} {row['performance']:>11} {row['accessibility']:>13} {row['best-practices']:>14} "
              f"{row['bytes']:>12,} {row['js bytes']:>9,}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=Path, help="keep the Lighthouse JSON reports in this folder")
    args = parser.parse_args()
    if not (BENCH / "node_modules" / ".bin" / "lighthouse").exists():
        raise SystemExit("lighthouse is not installed: run `make lighthouse`")

    with tempfile.TemporaryDirectory(prefix="patrol-lighthouse-") as tmp:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite", "UPLOAD_DIR": f"{tmp}/uploads",
               "PATROL_DEV": "1", "BASE_URL": base, "PYTHONPATH": str(ROOT)}
        prepare_database(env)
        token = open_round_now(env)
        server = serve(env, port)
        try:
            cookie, checkpoint_url = signed_in_checkpoint(base, token)
            reports = args.reports or Path(tmp)
            reports.mkdir(parents=True, exist_ok=True)
            pages = {"login": (f"{base}/login", None), "today": (f"{base}/patrol/", cookie),
                     "checkpoint": (checkpoint_url, cookie)}
            rows = {name: figures(lighthouse(url, with_cookie, reports / f"{name}.json"))
                    for name, (url, with_cookie) in pages.items()}
        finally:
            server.terminate()
            server.wait(timeout=10)
    print_table(rows)
    for name, row in rows.items():
        print(f"{name}: {row['final url']}")


if __name__ == "__main__":
    main()
