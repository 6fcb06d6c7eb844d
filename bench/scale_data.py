"""Builds one site with about 3 million checklist answers on PostgreSQL, for timing the dashboard (dashboard_timing.py).

Run: .venv/bin/python bench/scale_data.py [--url postgresql://postgres@127.0.0.1:5432/bench] [--answers 3000000] [--reset]

The layout is DESIGN §9's site: 20 buildings of 20 checkpoints (stairwell sections, lifts, lobby, roof, fire equipment),
one daily round per building, 08:00–17:00 local. History runs back from today as far as the answers need (about 620
days, 1.7 years, for 3 million): 4 % of windows missed, 1.5 % of items failed, 1 % N/A, 3 % of visits entered by hand,
1.5 % flagged as implausible; every failure a finding, decided after two days (12 % rejected), approved ones with a
work order that is claimed, done and closed over the following days, a few left overdue; today's rounds under way.

Speed: the estate (site, people, checkpoints, rounds) goes through the ORM; the history is generated in Python and
written with COPY, 30 days at a time, with foreign-key triggers off for the loading session (the rows are consistent by
construction), then ANALYZE. Only the database named in --url is touched; --reset empties its public schema. The
database is created when missing; names of other databases (test, postgres, ...) are refused.
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import time
from dataclasses import dataclass
from datetime import date, datetime, time as clock, timedelta

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/bench"
SUPERVISOR, PASSWORD = "bench-super", "bench-pass-1"
BUILDINGS = 20
# (checkpoint category, how many per building): 20 checkpoints, 242 answers a building a day.
LAYOUT = [("stairwell", 12), ("elevator", 4), ("lobby", 1), ("roof", 1), ("fire_equipment", 2)]
PLACE_ZH = {"stairwell": "楼梯间", "elevator": "电梯", "lobby": "大堂", "roof": "逃生天台", "fire_equipment": "消防设施"}
WINDOW = (clock(8), clock(17))
MISS, FAIL, NA, MANUAL, FLAGGED = 0.04, 0.015, 0.01, 0.03, 0.015
CHUNK_DAYS = 30

LOG_COLUMNS = ("id", "site_id", "round_id", "number", "status", "local_date", "window_position", "window_starts_at",
               "window_ends_at", "started_at", "started_by_id", "submitted_at", "reviewed_at", "reviewed_by_id", "score",
               "created_at")
VISIT_COLUMNS = ("id", "log_id", "checkpoint_id", "template_version_id", "user_id", "method", "manual_reason", "scanned_at",
                 "completed_at", "latitude", "longitude", "accuracy_m", "flags")
ANSWER_COLUMNS = ("id", "visit_id", "item_id", "result", "number_value", "text_value", "note", "na_reason", "answered_at",
                  "answered_by_id")
ORDER_COLUMNS = ("id", "site_id", "number", "team_id", "checkpoint_id", "item_code", "item_id", "title", "priority", "status",
                 "repeat_count", "due_at", "created_at", "created_by_id", "claimed_at", "claimed_by_id", "started_at",
                 "done_at", "done_by_id", "verified_at", "verified_by_id", "closed_at")
FINDING_COLUMNS = ("id", "site_id", "answer_id", "checkpoint_id", "item_code", "severity", "status", "work_order_id",
                   "reject_reason", "decided_at", "decided_by_id", "created_at")
TABLES = [("patrol_logs", LOG_COLUMNS), ("visits", VISIT_COLUMNS), ("answers", ANSWER_COLUMNS),
          ("work_orders", ORDER_COLUMNS), ("findings", FINDING_COLUMNS)]


def ensure_database(url: str, reset: bool) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1].split("?")[0]
    if not name.startswith("bench"):
        sys.exit(f"refusing database {name!r}: the benchmark only writes to a database whose name starts with 'bench'")
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')
            return
    with psycopg.connect(url, autocommit=True) as conn:
        used = conn.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'").fetchone()[0]
        if used and not reset:
            sys.exit(f"database {name!r} already has tables: pass --reset to empty it")
        if used:
            conn.execute("DROP SCHEMA public CASCADE")
            conn.execute("CREATE SCHEMA public")


@dataclass
class Stop:
    checkpoint_id: int
    version_id: int
    items: list[tuple]  # (id, code, answer_type, min, max, severity, urgent_if_fail, category, text_zh)


@dataclass
class Estate:
    site_id: int
    timezone: str
    rounds: list[tuple[int, list[Stop], int]]  # (round id, stops, patroller id)
    supervisor_id: int
    teams: dict[str, tuple[int, int]]  # code → (team id, member id)
    verifier_id: int


def build_estate(app) -> Estate:
    """Site, teams, people, buildings, checkpoints and rounds through the ORM, as an admin would set them up."""
    from sqlalchemy import select

    from app.auth.models import User
    from app.checklists.catalogue import load_catalogue
    from app.checklists.models import ChecklistTemplate, TemplateVersion
    from app.demo.estate import CATEGORY_TEMPLATE, TEAMS
    from app.extensions import db
    from app.patrols.models import Round, RoundCheckpoint, RoundWindow
    from app.sites.models import Building, Checkpoint, Site
    from app.work_orders.models import Team

    with app.app_context():
        load_catalogue()
        site = Site(code="BENCH", name_zh="压测花园", name_en="Bench Gardens", timezone="Asia/Shanghai")
        db.session.add(site)
        teams = {code: Team(site=site, code=code, name_zh=zh, name_en=en) for code, zh, en in TEAMS}
        people = {"super": User(username=SUPERVISOR, full_name="压测主管", role="supervisor", sites=[site])}
        people["super"].set_password(PASSWORD)
        for n in range(1, 9):
            people[f"p{n}"] = User(username=f"bench-patrol{n}", full_name=f"巡查员{n}", role="patroller", sites=[site],
                                   password_hash="!")
        for code in teams:
            people[code] = User(username=f"bench-{code}", full_name=f"{code}师傅", role="maintenance", team=teams[code],
                                sites=[site], password_hash="!")
        db.session.add_all(people.values())
        templates = {t.code: t for t in db.session.scalars(select(ChecklistTemplate))}
        rounds = []
        for b in range(1, BUILDINGS + 1):
            building = Building(site=site, code=f"B{b:02d}", name_zh=f"{b}栋", name_en=f"Building {b}", floors_above=30)
            checkpoints = [Checkpoint(site=site, building=building, code=f"B{b:02d}-{category[:3].upper()}{n:02d}",
                                      name_zh=f"{b}栋{PLACE_ZH[category]}{n}", name_en=f"Building {b} {category} {n}",
                                      category=category, floor=n) for category, count in LAYOUT for n in range(1, count + 1)]
            round_ = Round(site=site, name_zh=f"{b}栋每日巡查", name_en=f"Building {b} daily", schedule_kind="daily",
                           assignees=[people[f"p{(b - 1) % 8 + 1}"]])
            round_.windows = [RoundWindow(position=0, starts=WINDOW[0], ends=WINDOW[1])]
            round_.stops = [RoundCheckpoint(position=i, checkpoint=cp, template=templates[CATEGORY_TEMPLATE[cp.category]])
                            for i, cp in enumerate(checkpoints, start=1)]
            db.session.add_all([building, *checkpoints, round_])
            rounds.append(round_)
        db.session.flush()
        versions = {}
        for version in db.session.scalars(select(TemplateVersion).order_by(TemplateVersion.number)):
            versions[version.template_id] = version
        plan = []
        for round_ in rounds:
            round_.created_at = datetime(2000, 1, 1)  # before its history
            stops = [Stop(stop.checkpoint.id, versions[stop.template_id].id,
                          [(i.id, i.code, i.answer_type, i.min_value, i.max_value, i.severity, i.urgent_if_fail, i.category,
                            i.text_zh) for i in versions[stop.template_id].items]) for stop in round_.stops]
            plan.append((round_.id, stops, round_.assignees[0].id))
        db.session.commit()
        return Estate(site.id, site.timezone, plan, people["super"].id,
                      {code: (team.id, people[code].id) for code, team in teams.items()}, people["p8"].id)


class History:
    """Rows of logs, visits, answers, work orders and findings, day after day, with ids given here."""

    def __init__(self, estate: Estate, now: datetime, seed: int = 11):
        from app.work_orders.services import team_for_category

        self.estate, self.now, self.rng = estate, now, random.Random(seed)
        self.team_for = team_for_category
        self.ids = {table: 0 for table, _columns in TABLES}
        self.numbers: dict[tuple[str, int], int] = {}
        self.rows: dict[str, list[tuple]] = {table: [] for table, _columns in TABLES}
        self.answers = 0

    def next_id(self, table: str) -> int:
        self.ids[table] += 1
        return self.ids[table]

    def number(self, kind: str, prefix: str, year: int) -> str:
        self.numbers[(kind, year)] = self.numbers.get((kind, year), 0) + 1
        return f"{prefix}-{year}-{self.numbers[(kind, year)]:06d}"

    def day(self, day: date) -> None:
        from app.patrols.schedules import window_bounds

        starts, ends = window_bounds(day, WINDOW[0], WINDOW[1], self.estate.timezone)
        if starts > self.now:
            return  # today's rounds not started yet
        for round_id, stops, walker in self.estate.rounds:
            self.window(round_id, stops, walker, day, starts, ends)

    def window(self, round_id: int, stops: list[Stop], walker: int, day: date, starts: datetime, ends: datetime) -> None:
        rng, log_id = self.rng, self.next_id("patrol_logs")
        if ends <= self.now and rng.random() < MISS:
            self.rows["patrol_logs"].append((log_id, self.estate.site_id, round_id, None, "missed", day, 0, starts, ends,
                                             None, None, None, None, None, None, ends))
            return
        started = starts + timedelta(minutes=rng.randint(3, 25))
        clock_at, passed, answered = started, 0, 0
        for stop in stops:
            if clock_at > self.now:
                break  # under way: the rest of the round is still ahead
            passed_here, answered_here = self.visit(log_id, stop, walker, clock_at)
            passed, answered = passed + passed_here, answered + answered_here
            clock_at += timedelta(minutes=rng.randint(2, 6))
        number = self.number("patrol_log", "XC", day.year)
        if clock_at > self.now:
            status, submitted, reviewed = "in_progress", None, None
        else:
            submitted = clock_at + timedelta(minutes=2)
            old = self.now - submitted > timedelta(days=7)
            status, reviewed = ("reviewed", submitted + timedelta(days=2)) if old else ("signed", None)
        score = round(passed / answered, 4) if answered and submitted else None
        self.rows["patrol_logs"].append((log_id, self.estate.site_id, round_id, number, status, day, 0, starts, ends, started,
                                         walker, submitted, reviewed, self.estate.supervisor_id if reviewed else None,
                                         score, starts))

    def visit(self, log_id: int, stop: Stop, walker: int, at: datetime) -> tuple[int, int]:
        rng, visit_id = self.rng, self.next_id("visits")
        manual = rng.random() < MANUAL
        flags = rng.choice(("too_fast", "far_away")) if rng.random() < FLAGGED else None
        self.rows["visits"].append((visit_id, log_id, stop.checkpoint_id, stop.version_id, walker,
                                    "manual" if manual else "qr", "标签污损，无法扫码" if manual else None, at,
                                    at + timedelta(minutes=2), 31.2304, 121.4737, 12.0, flags))
        passed = answered = 0
        for item in stop.items:
            item_id, _code, answer_type, low, high, *_rest = item
            answer_id, roll = self.next_id("answers"), rng.random()
            result, number, text, note, na_reason = "pass", None, None, None, None
            if answer_type == "text":
                text = "现场正常"
            elif roll < FAIL:
                result, note = "fail", "发现问题，需要处理"
                number = (low or 0) - 1 if answer_type == "number" else None
            elif roll < FAIL + NA and answer_type == "pass_fail":
                result, na_reason = "na", "该处无此设施"
            elif answer_type == "number":
                number = round(rng.uniform(low or 0, high or (low or 0) + 10), 1)
            self.rows["answers"].append((answer_id, visit_id, item_id, result, number, text, note, na_reason, at, walker))
            self.answers += 1
            if result != "na":
                answered += 1
                passed += result == "pass"
            if result == "fail":
                self.finding(answer_id, stop.checkpoint_id, item, at)
        return passed, answered

    def finding(self, answer_id: int, checkpoint_id: int, item: tuple, at: datetime) -> None:
        """Urgent ones get their work order at once; the rest wait two days for the supervisor's decision."""
        rng, age = self.rng, self.now - at
        item_id, code, _type, _low, _high, severity, urgent, category, text_zh = item
        severity = "urgent" if urgent else severity
        status, order_id, reason, decided = "open", None, None, None
        if severity == "urgent":
            order_id = self.work_order(checkpoint_id, item_id, code, category, text_zh, severity, at + timedelta(minutes=1))
        if age > timedelta(days=2):
            decided = at + timedelta(hours=rng.uniform(1, 40))
            if order_id is None and rng.random() < 0.12:
                status, reason = "rejected", "属正常损耗，纳入季度计划处理"
            else:
                status = "approved"
                order_id = order_id or self.work_order(checkpoint_id, item_id, code, category, text_zh, severity, decided)
        self.rows["findings"].append((self.next_id("findings"), self.estate.site_id, answer_id, checkpoint_id, code, severity,
                                      status, order_id, reason, decided, self.estate.supervisor_id if decided else None, at))

    def work_order(self, checkpoint_id: int, item_id: int, code: str, category: str, text_zh: str, priority: str,
                   created: datetime) -> int:
        rng, order_id = self.rng, self.next_id("work_orders")
        team_id, member = self.estate.teams[self.team_for(category)]
        hours = {"urgent": 2, "major": 24, "minor": 72}[priority]
        due = created + timedelta(hours=hours)
        age = self.now - created
        claimed = started = done = verified = None
        status = "new"
        stuck = rng.random() < 0.005  # a few never finished: overdue on the dashboard
        if age > timedelta(minutes=30) and not stuck:
            claimed, status = created + timedelta(minutes=rng.randint(5, 60)), "claimed"
        if claimed and age > timedelta(hours=3):
            started, status = claimed + timedelta(minutes=rng.randint(10, 90)), "in_progress"
        work = timedelta(hours=rng.uniform(0.5, hours * 0.8))
        if started and self.now > started + work:
            done, status = started + work, "done"
        if done and self.now > done + timedelta(hours=12) and rng.random() < 0.98:
            verified, status = done + timedelta(minutes=rng.randint(5, 600)), "closed"
        self.rows["work_orders"].append((order_id, self.estate.site_id, self.number("work_order", "GD", created.year), team_id,
                                         checkpoint_id, code, item_id, text_zh[:200], priority, status, 1, due, created,
                                         self.estate.supervisor_id, claimed, member if claimed else None, started, done,
                                         member if done else None, verified, self.estate.verifier_id if verified else None,
                                         verified))
        return order_id

    def take(self) -> dict[str, list[tuple]]:
        rows, self.rows = self.rows, {table: [] for table, _columns in TABLES}
        return rows


def write(conn, rows: dict[str, list[tuple]]) -> None:
    with conn.cursor() as cursor:
        for table, columns in TABLES:
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows[table]:
                    copy.write_row(row)


def finish(conn, history: History, site_id: int) -> None:
    """Record numbers continue after the history; sequences after the ids given here; planner statistics fresh."""
    for (kind, year), last in history.numbers.items():
        conn.execute("INSERT INTO sequence_counters (site_id, kind, year, last) VALUES (%s, %s, %s, %s)",
                     (site_id, kind, year, last))
    for table, _columns in TABLES:
        conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), greatest((SELECT max(id) FROM {table}), 1))")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--answers", type=int, default=3_000_000, help="how many answers to write (history length follows)")
    parser.add_argument("--reset", action="store_true", help="empty the bench database first")
    args = parser.parse_args()

    import psycopg
    from flask_migrate import upgrade

    from app import create_app
    from app.model_helpers import utcnow
    from app.patrols.schedules import local_today

    began = time.perf_counter()
    ensure_database(args.url, args.reset)
    app = create_app({"SQLALCHEMY_DATABASE_URI": args.url, "SECRET_KEY": "bench", "TESTING": True})
    with app.app_context():
        upgrade()
    estate = build_estate(app)
    per_day = sum(len(stop.items) for _round, stops, _walker in estate.rounds for stop in stops)
    days = int(args.answers / (per_day * (1 - MISS))) + 3  # missed windows have no answers; today is partly done
    now = utcnow()
    today = local_today(estate.timezone, now)
    history = History(estate, now)
    print(f"estate ready in {time.perf_counter() - began:.1f}s: {len(estate.rounds)} rounds, {per_day} answers a day, "
          f"{days} days from {today - timedelta(days=days - 1)}", flush=True)
    with psycopg.connect(args.url) as conn:
        conn.execute("SET session_replication_role = replica")  # no foreign-key triggers while loading
        for first in range(days - 1, -1, -CHUNK_DAYS):
            for back in range(first, max(first - CHUNK_DAYS, -1), -1):
                history.day(today - timedelta(days=back))
            write(conn, history.take())
            conn.commit()
            print(f"  {history.answers:>9,} answers by {today - timedelta(days=max(first - CHUNK_DAYS + 1, 0))} "
                  f"({time.perf_counter() - began:.0f}s)", flush=True)
        finish(conn, history, estate.site_id)
        conn.execute("SET session_replication_role = DEFAULT")
        conn.commit()
    with psycopg.connect(args.url, autocommit=True) as conn:
        conn.execute("ANALYZE")
        counts = {table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table, _columns in TABLES}
    print(f"done in {time.perf_counter() - began:.0f}s: " + ", ".join(f"{n:,} {table}" for table, n in counts.items()))
    print(f"sign in as {SUPERVISOR} / {PASSWORD}")


if __name__ == "__main__":
    main()
