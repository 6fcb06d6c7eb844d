"""Times the supervisor's dashboard and the filtered lists on the database scale_data.py built.

Run: .venv/bin/python bench/dashboard_timing.py [--url postgresql://postgres@127.0.0.1:5432/bench] [--requests 30]

Each page is fetched through the Flask test client signed in as the bench supervisor: once to warm up, then N times;
it prints p50 and p95 of the whole request (view, queries, template), the number of SQL statements one request runs,
and the slowest of them, so a missing index shows by name.
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from contextlib import contextmanager

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from bench.scale_data import DEFAULT_URL, PASSWORD, SUPERVISOR  # noqa: E402


def pages(app) -> dict[str, str]:
    """Name → path: the dashboard, each list bare and filtered, and deep pages reached through the 'Older' links."""
    from sqlalchemy import select

    from app.auth.models import User
    from app.extensions import db
    from app.patrols.models import Round
    from app.sites.models import Building, Site
    from app.work_orders.models import Team

    with app.app_context():
        site = db.session.scalar(select(Site).where(Site.code == "BENCH"))
        building = db.session.scalar(select(Building.id).where(Building.site_id == site.id).order_by(Building.code).limit(1))
        round_id = db.session.scalar(select(Round.id).where(Round.site_id == site.id).order_by(Round.id).limit(1))
        team = db.session.scalar(select(Team.id).where(Team.site_id == site.id, Team.code == "engineering"))
        fixer = db.session.scalar(select(User.id).where(User.team_id == team).limit(1))  # answers no checklist
    return {
        "dashboard": "/dashboard/",
        "logs": "/dashboard/logs",
        "logs, building + month": f"/dashboard/logs?building={building}&date_from=2026-01-01&date_to=2026-01-31",
        "logs, missed": "/dashboard/logs?status=missed",
        "logs, page 2": "older:/dashboard/logs",
        "logs, page 40": "older40:/dashboard/logs",
        "findings": "/dashboard/findings",
        "findings, round": f"/dashboard/findings?round={round_id}",
        "findings, open": "/dashboard/findings?status=open",
        "findings, person w/o any": f"/dashboard/findings?person={fixer}",
        "findings, page 2": "older:/dashboard/findings",
        "work orders": "/dashboard/work-orders",
        "work orders, overdue": "/dashboard/work-orders?status=overdue",
        "work orders, team + open": f"/dashboard/work-orders?team={team}&status=open",
        "work orders, round": f"/dashboard/work-orders?round={round_id}",
        "work orders, page 2": "older:/dashboard/work-orders",
    }


def sign_in(client) -> None:
    token = re.search(r'"X-CSRFToken": "([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
    response = client.post("/login", data={"username": SUPERVISOR, "password": PASSWORD, "csrf_token": token})
    if response.status_code != 303:
        sys.exit("could not sign in as the bench supervisor: run bench/scale_data.py first")


def resolve(client, spec: str) -> str:
    """'olderN:/path' → the URL N 'Older' links down from /path."""
    if not spec.startswith("older"):
        return spec
    hops, _, url = spec.partition(":")
    for _ in range(int(hops[len("older"):] or 1)):
        html = client.get(url).get_data(as_text=True)
        url = re.search(r'rel="next" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    return url


@contextmanager
def statements(engine):
    """Every statement a request runs, with its duration."""
    from sqlalchemy import event

    seen: list[tuple[float, str]] = []
    started: list[float] = []

    def before(*_args):
        started.append(time.perf_counter())

    def after(_conn, _cursor, statement, *_args):
        seen.append((time.perf_counter() - started.pop(), statement))

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)


def measure(app, client, path: str, requests: int) -> dict:
    from app.extensions import db

    assert client.get(path).status_code == 200, path  # warm up (and record missed rounds once)
    timings = []
    for _ in range(requests):
        began = time.perf_counter()
        response = client.get(path)
        timings.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200, path
    with app.app_context(), statements(db.engine) as seen:
        client.get(path)
    slowest = max(seen)
    timings.sort()
    return {"p50": statistics.median(timings), "p95": timings[max(0, -(-95 * len(timings) // 100) - 1)],
            "statements": len(seen), "sql_ms": sum(d for d, _s in seen) * 1000,
            "slowest_ms": slowest[0] * 1000, "slowest": " ".join(slowest[1].split())[:150]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--show-sql", action="store_true", help="print the slowest statement of each page")
    args = parser.parse_args()

    from sqlalchemy import text

    from app import create_app
    from app.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": args.url, "SECRET_KEY": "bench", "TESTING": True})
    with app.app_context():
        answers = db.session.scalar(text("SELECT count(*) FROM answers"))
    client = app.test_client()
    sign_in(client)
    print(f"{answers:,} answers; {args.requests} requests per page after one warm-up\n")
    print(f"{'page':<28}{'p50 ms':>9}{'p95 ms':>9}{'stmts':>7}{'SQL ms':>9}{'slowest':>9}")
    for name, spec in pages(app).items():
        figures = measure(app, client, resolve(client, spec), args.requests)
        print(f"{name:<28}{figures['p50']:>9.1f}{figures['p95']:>9.1f}{figures['statements']:>7}"
              f"{figures['sql_ms']:>9.1f}{figures['slowest_ms']:>9.1f}", flush=True)
        if args.show_sql:
            print(f"    {figures['slowest']}")


if __name__ == "__main__":
    main()
