"""`make bench` and `make bench-quick`: every benchmark section, one table, each figure beside its target.

Run: .venv/bin/python bench/run.py [--quick] [--pg URL] [--only NAME ...] [--strict]

A section is a module of bench/ with `rows(quick: bool, db_url: str | None) -> list[dict]`; db_url is the PostgreSQL
database it may empty and use (None in quick mode: SQLite only). Each row is a dict with the keys
    section  str          which part of issue #8, e.g. "1 server under load"
    measure  str          what was measured, e.g. "sqlite realistic · today p95"
    value    float | int | None   the figure (None: not measured, say why in note)
    unit     str          "ms", "req/s", "KB", "%", "" ...
    target   str | float | None   the target as printed beside the figure, e.g. "≤ 50" (None: for information)
    ok       bool | None  True PASS, False MISS, None no target
    note     str          optional: p50/p99, sizes, what limits a figure
    fatal    bool         optional: a MISS here is an error (errors, duplicates, crashes), failing even quick mode
A section whose module or rows() is missing prints a row saying so; one that raises prints the error as a fatal row.

Exit status: 1 when a section raised or a fatal row missed; with --strict also on any MISS. Quick mode (< 2 minutes,
SQLite, small scale) is what `make test` runs: machines are noisy, so a MISS there is reported, not failed.
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test_e"
# (module under bench/, section title when it cannot run)
SECTIONS = [
    ("load", "1 server under load"),
    ("photo_pipeline", "2 photo pipeline"),
    ("dashboard_timing", "3 data at scale"),
    ("page_weight", "4 page weight"),
    ("sync_replay", "5 sync"),
]


def pg_answers(url: str) -> bool:
    try:
        import psycopg

        psycopg.connect(url, connect_timeout=3).close()
        return True
    except Exception:  # noqa: BLE001 — any failure means: no PostgreSQL for this run
        return False


def section_rows(module_name: str, title: str, quick: bool, db_url: str | None) -> list[dict]:
    try:
        module = importlib.import_module(f"bench.{module_name}")
        rows_of = module.rows
    except (ImportError, AttributeError) as exc:
        return [{"section": title, "measure": f"bench/{module_name}.py has no rows()", "value": None, "unit": "",
                 "target": None, "ok": None, "note": f"skipped: {type(exc).__name__}: {exc}"}]
    began = time.perf_counter()
    try:
        rows = rows_of(quick, db_url)
    except Exception as exc:  # noqa: BLE001 — one broken section must not hide the others' figures
        traceback.print_exc()
        return [{"section": title, "measure": f"bench/{module_name}.py failed", "value": None, "unit": "",
                 "target": "runs", "ok": False, "note": f"{type(exc).__name__}: {exc}", "fatal": True}]
    print(f"  {module_name}: {len(rows)} rows in {time.perf_counter() - began:.0f} s", file=sys.stderr, flush=True)
    return rows


def figure(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.1f}" if abs(value) < 100 else f"{value:,.0f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def verdict(row: dict) -> str:
    return {True: "PASS", False: "MISS", None: ""}[row.get("ok")]


def print_table(rows: list[dict], out=sys.stdout) -> None:
    header = ("section", "measure", "figure", "target", "ok", "note")
    lines = [(r["section"], r["measure"], f"{figure(r['value'])} {r.get('unit') or ''}".strip(),
              "" if r.get("target") is None else f"{r['target']} {r.get('unit') or ''}".strip() if not isinstance(
                  r["target"], str) else r["target"], verdict(r), r.get("note") or "") for r in rows]
    widths = [max(len(h), *(len(line[i]) for line in lines)) if lines else len(h) for i, h in enumerate(header[:-1])]
    print(" | ".join(h.ljust(w) for h, w in zip(header, widths + [0])).rstrip(), file=out)
    print("-+-".join("-" * w for w in widths + [4]), file=out)
    for line in lines:
        print(" | ".join(cell.ljust(w) for cell, w in zip(line, widths + [0])).rstrip(), file=out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small scale, SQLite only, under 2 minutes")
    parser.add_argument("--pg", default=os.environ.get("PG_BENCH_URL", DEFAULT_PG),
                        help="PostgreSQL database the full run may empty and use")
    parser.add_argument("--only", nargs="*", help="run only these sections (module names)")
    parser.add_argument("--strict", action="store_true", help="exit 1 on any MISS, not only on errors")
    args = parser.parse_args()

    db_url = None
    if not args.quick:
        db_url = args.pg if pg_answers(args.pg) else None
        if db_url is None:
            print(f"PostgreSQL does not answer at {args.pg}: SQLite only", file=sys.stderr)
    began, load_before = time.perf_counter(), os.getloadavg()[0]
    rows = []
    for module_name, title in SECTIONS:
        if args.only and module_name not in args.only:
            continue
        rows += section_rows(module_name, title, args.quick, db_url)
    mode = "quick" if args.quick else "full"
    # Other work on the machine slows every figure: the load average says how busy it was (2 cores: above 2 is queueing).
    print(f"\nbench ({mode}, {time.perf_counter() - began:.0f} s, {os.cpu_count()} cores, load average "
          f"{load_before:.1f} at the start and {os.getloadavg()[0]:.1f} at the end, PostgreSQL: {'yes' if db_url else 'no'})\n")
    print_table(rows)
    misses = [r for r in rows if r.get("ok") is False]
    fatal = [r for r in misses if r.get("fatal")]
    print(f"\n{sum(r.get('ok') is True for r in rows)} PASS, {len(misses)} MISS ({len(fatal)} errors)")
    return 1 if fatal or (args.strict and misses) else 0


if __name__ == "__main__":
    sys.exit(main())
