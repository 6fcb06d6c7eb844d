"""Item 3, data at scale: the supervisor's pages on a big history, p95 and SQL statements each, at 1 M and 10 M answers.

Run alone: .venv/bin/python bench/dashboard_timing.py [--quick] [--pg postgresql://postgres@127.0.0.1:5432/test_e]
           [--show-sql] [--rebuild]

The data sets come from bench/scale_data.py (kept between runs in schemas bench_1m and bench_10m of the PostgreSQL
database; the first build of 10 M takes about a minute and a half). Each page is fetched through the Flask test client
signed in as the supervisor of the first site: once to warm up, then N times; p95 is of the whole request (view,
queries, template). Today's rounds fill the dashboard as the day goes on, so the site's local time is given. The monthly archive query is what the archive's sheets and workbook read for last month (its log rows with
their counts, and its findings), timed on its own because turning it into a PDF or XLSX costs more than the query.
Targets: each ≤ 150 ms p95, and the same number of statements at 1 M as at 10 M. Quick mode: 20 k answers on SQLite,
the figures for information.
"""
from __future__ import annotations

import argparse
import re
import sys
import time
from contextlib import contextmanager
from datetime import date, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.scale_data import PASSWORD, SCALES, SUPERVISOR, TZ, ensure  # noqa: E402

SECTION = "3 data at scale"
P95_MS = 150.0
REQUESTS, QUICK_REQUESTS = 40, 10
FORM_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
LABELS = {"1m": "1 M", "10m": "10 M", "quick": "20 k SQLite"}


def month_before(today: date) -> tuple[date, date]:
    last = today.replace(day=1) - timedelta(days=1)
    return last.replace(day=1), last


def pages(app, site_id: int, today: date) -> dict[str, str]:
    """Name → path, or → 'archive:YYYY-MM' for the archive query."""
    from sqlalchemy import select

    from app.extensions import db
    from app.sites.models import Building

    with app.app_context():
        building = db.session.scalar(select(Building.id).where(Building.site_id == site_id).order_by(Building.code).limit(1))
    first, last = month_before(today)
    return {
        "dashboard": "/dashboard/",
        "findings queue": "/review/findings",
        "log list, building + last month": f"/dashboard/logs?building={building}&date_from={first}&date_to={last}",
        "monthly archive query": f"archive:{first:%Y-%m}",
    }


def sign_in(client) -> None:
    token = FORM_CSRF.search(client.get("/login").get_data(as_text=True)).group(1)
    response = client.post("/login", data={"username": SUPERVISOR, "password": PASSWORD, "csrf_token": token})
    if response.status_code != 303:
        raise RuntimeError(f"could not sign in as the bench supervisor: {response.status_code}")


@contextmanager
def statements(engine):
    """Every statement run meanwhile, with its duration."""
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


def _archive_query(app, site_id: int, month_text: str) -> int:
    from app.exports.archive import patrol_rows, problem_rows
    from app.exports.months import Month
    from app.extensions import db
    from app.sites.models import Site

    with app.app_context():
        site = db.session.get(Site, site_id)
        month = Month.parse(month_text)
        return len(patrol_rows(site, month)) + len(problem_rows(site, month))


def _fetch(app, client, site_id: int, path: str):
    if path.startswith("archive:"):
        return _archive_query(app, site_id, path.partition(":")[2])
    response = client.get(path)
    if response.status_code != 200:
        raise RuntimeError(f"{path} answered {response.status_code}")
    return response


def measure(app, client, site_id: int, path: str, requests: int) -> dict:
    from app.extensions import db

    _fetch(app, client, site_id, path)  # warm up (and record missed rounds once)
    timings = []
    for _ in range(requests):
        began = time.perf_counter()
        _fetch(app, client, site_id, path)
        timings.append((time.perf_counter() - began) * 1000)
    with app.app_context():
        engine = db.engine
    with statements(engine) as seen:
        _fetch(app, client, site_id, path)
    slowest = max(seen, default=(0.0, ""))
    timings.sort()
    return {"p50": timings[len(timings) // 2], "p95": timings[max(0, -(-95 * len(timings) // 100) - 1)],
            "statements": len(seen), "sql_ms": sum(d for d, _s in seen) * 1000, "slowest_ms": slowest[0] * 1000,
            "slowest": " ".join(slowest[1].split())[:160]}


def row(measure: str, value, unit: str, target=None, ok=None, note: str = "", fatal: bool = False) -> dict:
    return {"section": SECTION, "measure": measure, "value": value, "unit": unit, "target": target, "ok": ok,
            "note": note, "fatal": fatal}


def scale_figures(scale_name: str, db_url: str | None, requests: int, rebuild: bool = False,
                  show_sql: bool = False) -> tuple[dict, dict]:
    """(what the data set is, page name → figures)."""
    from app.model_helpers import utcnow
    from app.patrols.schedules import local_today

    began = time.perf_counter()
    built = ensure(SCALES[scale_name], db_url, rebuild, log=lambda text: print(text, file=sys.stderr, flush=True))
    ready = time.perf_counter() - began
    app = built.app
    client = app.test_client()
    sign_in(client)
    figures, now = {}, utcnow()
    for name, path in pages(app, built.site_id, local_today(TZ, now)).items():
        figures[name] = measure(app, client, built.site_id, path, requests)
        if show_sql:
            print(f"{LABELS[scale_name]} {name}: {figures[name]}", file=sys.stderr)
    with app.app_context():
        from app.extensions import db

        db.engine.dispose()
    site_time = now.replace(tzinfo=timezone.utc).astimezone(ZoneInfo(TZ)).strftime("%H:%M")
    return {"answers": built.answers, "ready_s": ready, "built_now": built.built_now, "build_s": built.build_seconds,
            "built_on": built.built_on, "site_time": site_time}, figures


def data_row(label: str, facts: dict) -> dict:
    if facts["built_now"]:
        note = f"built in this run: {facts['build_s']:.0f} s for the history, {facts['ready_s']:.0f} s in all"
    else:
        note = (f"kept schema from {facts['built_on']} (first build {facts['build_s']:.0f} s); "
                f"today refreshed in {facts['ready_s']:.1f} s")
    # Today's rounds fill the dashboard as the day goes on: the site's clock says how far they had got.
    return row(f"{label} · answers in the data set", facts["answers"], "", note=f"{note}; {facts['site_time']} at the site")


def page_note(f: dict) -> str:
    return (f"p50 {f['p50']:.0f} ms, {f['statements']} statements, SQL {f['sql_ms']:.0f} ms, "
            f"slowest {f['slowest_ms']:.1f} ms")


def rows(quick: bool, db_url: str | None, rebuild: bool = False, show_sql: bool = False) -> list[dict]:
    if quick or db_url is None:
        facts, figures = scale_figures("quick", None, QUICK_REQUESTS if quick else REQUESTS, show_sql=show_sql)
        result = [data_row(LABELS["quick"], facts)]
        why = "" if quick else "; PostgreSQL not available, so no 1 M / 10 M run"
        for name, f in figures.items():
            result.append(row(f"{LABELS['quick']} · {name} p95", f["p95"], "ms", note=page_note(f) + why))
            result.append(row(f"{LABELS['quick']} · {name} statements", f["statements"], ""))
        return result
    result, counts = [], {}
    for scale_name in ("1m", "10m"):
        label = LABELS[scale_name]
        facts, figures = scale_figures(scale_name, db_url, REQUESTS, rebuild, show_sql)
        result.append(data_row(label, facts))
        for name, f in figures.items():
            result.append(row(f"{label} · {name} p95", f["p95"], "ms", f"≤ {P95_MS:.0f} ms", f["p95"] <= P95_MS,
                              note=page_note(f)))
            counts.setdefault(name, []).append(f["statements"])
    for name, (small, large) in counts.items():
        result.append(row(f"{name} · statements at 10 M", large, "", f"= {small} (1 M)", large == small,
                          note="a count that grows with the data is a query per row"))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--pg", default=None, help="PostgreSQL database holding the bench_* schemas")
    parser.add_argument("--rebuild", action="store_true", help="build the data sets again even when kept ones match")
    parser.add_argument("--show-sql", action="store_true", help="print each page's figures with its slowest statement")
    args = parser.parse_args()
    from bench.run import print_table

    print_table(rows(args.quick, args.pg, args.rebuild, args.show_sql))


if __name__ == "__main__":
    main()
