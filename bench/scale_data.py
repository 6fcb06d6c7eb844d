"""Item 3's data: several sites with two years of daily patrols, at 1 M or 10 M answers (PostgreSQL) or 20 k (SQLite).

Run alone: .venv/bin/python bench/scale_data.py --scale 1m [--url postgresql://postgres@127.0.0.1:5432/test_e] [--rebuild]

Each site is DESIGN §9's: buildings of 20 checkpoints (stairwell sections, lifts, lobby, roof, fire equipment) with one
daily round each, 08:00–17:00 local; the scales differ in buildings per site, so the 10 M site is the full 20-building
estate. Every day: 4 % of windows missed, 1.5 % of items failed, 1 % N/A, 3 % of visits entered by hand, 1.5 % flagged;
each failure a finding, decided after two days (12 % rejected), approved ones with a work order that is claimed, done
and closed over the following days, a few left overdue; logs signed by patroller and witness, reviewed after a week.

On PostgreSQL each scale lives in its own schema (bench_1m, bench_10m) of the database in --url, created with the app's
migrations through search_path; only schemas named bench_* are ever dropped. The settled history (up to yesterday) is
built once and kept: a later run whose DATA_VERSION and migration head match reuses it, adds the days since, and only
rewrites today (rows above the recorded watermark), so the dashboard always sees a day under way. Speed: the estate goes
through the ORM; the history is generated in Python (one seeded generator per site and day, so a day comes out the same
whenever it is made) and written with COPY, foreign-key triggers off for the loading session, then ANALYZE.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from dataclasses import dataclass
from datetime import date, datetime, time as clock, timedelta

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test_e"
DATA_VERSION = "3"  # bump whenever the generator writes other rows: a kept schema of another version is rebuilt
SUPERVISOR, PASSWORD = "bench-super", "bench-pass-1"
TZ = "Asia/Shanghai"
# (checkpoint category, how many per building): 20 checkpoints, 242 answers a building a day.
LAYOUT = [("stairwell", 12), ("elevator", 4), ("lobby", 1), ("roof", 1), ("fire_equipment", 2)]
PLACE_ZH = {"stairwell": "楼梯间", "elevator": "电梯", "lobby": "大堂", "roof": "逃生天台", "fire_equipment": "消防设施"}
WINDOW = (clock(8), clock(17))
MISS, FAIL, NA, MANUAL, FLAGGED = 0.04, 0.015, 0.01, 0.03, 0.015
CHUNK_DAYS = 30
FAKE_HASH = "0" * 64  # signatures are not verified by the pages measured


@dataclass(frozen=True)
class Scale:
    name: str
    sites: int
    buildings: int  # per site
    days: int  # of history, today included

    @property
    def schema(self) -> str:
        return f"bench_{self.name}"


SCALES = {
    "quick": Scale("quick", sites=2, buildings=2, days=21),  # ≈ 20 k answers, SQLite
    "1m": Scale("1m", sites=3, buildings=2, days=730),  # ≈ 1.0 M
    "10m": Scale("10m", sites=3, buildings=20, days=730),  # ≈ 10.2 M
}

LOG_COLUMNS = ("id", "site_id", "round_id", "number", "status", "local_date", "window_position", "window_starts_at",
               "window_ends_at", "started_at", "started_by_id", "submitted_at", "reviewed_at", "reviewed_by_id", "score",
               "created_at", "answer_count", "pass_count", "fail_count")
VISIT_COLUMNS = ("id", "log_id", "checkpoint_id", "template_version_id", "user_id", "method", "manual_reason", "scanned_at",
                 "completed_at", "latitude", "longitude", "accuracy_m", "flags")
ANSWER_COLUMNS = ("id", "visit_id", "item_id", "result", "number_value", "text_value", "note", "na_reason", "answered_at",
                  "answered_by_id")
SIGNATURE_COLUMNS = ("id", "log_id", "user_id", "full_name", "role", "meaning", "amendment_no", "content_sha256", "signed_at")
ORDER_COLUMNS = ("id", "site_id", "number", "team_id", "checkpoint_id", "item_code", "item_id", "title", "priority", "status",
                 "repeat_count", "due_at", "created_at", "created_by_id", "claimed_at", "claimed_by_id", "started_at",
                 "done_at", "done_by_id", "verified_at", "verified_by_id", "closed_at")
FINDING_COLUMNS = ("id", "site_id", "answer_id", "log_id", "checkpoint_id", "item_code", "severity", "status",
                   "work_order_id", "reject_reason", "decided_at", "decided_by_id", "created_at")
# In foreign-key order (SQLite checks them on insert).
TABLES = [("patrol_logs", LOG_COLUMNS), ("visits", VISIT_COLUMNS), ("answers", ANSWER_COLUMNS),
          ("signatures", SIGNATURE_COLUMNS), ("work_orders", ORDER_COLUMNS), ("findings", FINDING_COLUMNS)]


@dataclass
class Stop:
    checkpoint_id: int
    version_id: int
    items: list[tuple]  # (id, code, answer_type, min, max, severity, urgent_if_fail, category, text_zh)


@dataclass
class SiteEstate:
    index: int
    site_id: int
    rounds: list[tuple[int, list[Stop], int]]  # (round id, stops, patroller id)
    people: dict[int, tuple[str, str]]  # user id → (full name, role), for signatures
    witness: int
    supervisor_id: int
    teams: dict[str, tuple[int, int]]  # code → (team id, member id)
    verifier_id: int


def pg_url(url: str) -> str:
    """The database URL as psycopg takes it (no SQLAlchemy driver name)."""
    return url.replace("postgresql+psycopg://", "postgresql://")


def app_for(url: str, schema: str | None):
    """The app on `url`, every connection inside `schema` (PostgreSQL) so migrations and queries stay there."""
    from app import create_app

    config = {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True, "WTF_CSRF_ENABLED": True}
    if schema:
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True,
                                               "connect_args": {"options": f"-c search_path={schema} -c lock_timeout=10000"}}
    return create_app(config)


def build_estates(app, scale: Scale) -> list[SiteEstate]:
    """Sites, teams, people, buildings, checkpoints and rounds through the ORM, as an admin would set them up."""
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
        templates = {t.code: t for t in db.session.scalars(select(ChecklistTemplate))}
        probe = User(username="probe", full_name="-", role="patroller")
        probe.set_password(PASSWORD)  # one scrypt for all: everyone shares the password
        made = []
        for s in range(1, scale.sites + 1):
            site = Site(code=f"BENCH{s}", name_zh=f"压测花园{s}期", name_en=f"Bench Gardens {s}", timezone=TZ)
            teams = {code: Team(site=site, code=code, name_zh=zh, name_en=en) for code, zh, en in TEAMS}

            def person(username, full_name, role, **extra):
                return User(username=username, full_name=full_name, role=role, sites=[site],
                            password_hash=probe.password_hash, **extra)

            people = {"super": person(SUPERVISOR if s == 1 else f"bench{s}-super", f"压测主管{s}", "supervisor")}
            for n in range(1, 9):
                people[f"p{n}"] = person(f"bench{s}-patrol{n}", f"巡查员{s}-{n}", "patroller")
            for code in teams:
                people[code] = person(f"bench{s}-{code}", f"{code}师傅{s}", "maintenance", team=teams[code])
            db.session.add_all([site, *teams.values(), *people.values()])
            rounds = []
            for b in range(1, scale.buildings + 1):
                building = Building(site=site, code=f"B{b:02d}", name_zh=f"{b}栋", name_en=f"Building {b}", floors_above=30)
                checkpoints = [Checkpoint(site=site, building=building, code=f"B{b:02d}-{category[:3].upper()}{n:02d}",
                                          name_zh=f"{b}栋{PLACE_ZH[category]}{n}", name_en=f"Building {b} {category} {n}",
                                          category=category, floor=n) for category, count in LAYOUT for n in range(1, count + 1)]
                round_ = Round(site=site, name_zh=f"{b}栋每日巡查", name_en=f"Building {b} daily", schedule_kind="daily",
                               assignees=[people[f"p{(b - 1) % 7 + 1}"]], created_at=datetime(2000, 1, 1))
                round_.windows = [RoundWindow(position=0, starts=WINDOW[0], ends=WINDOW[1])]
                round_.stops = [RoundCheckpoint(position=i, checkpoint=cp, template=templates[CATEGORY_TEMPLATE[cp.category]])
                                for i, cp in enumerate(checkpoints, start=1)]
                db.session.add_all([building, *checkpoints, round_])
                rounds.append(round_)
            made.append((s, site, teams, people, rounds))
        db.session.flush()
        versions = {v.template_id: v for v in db.session.scalars(select(TemplateVersion).order_by(TemplateVersion.number))}
        estates = []
        for s, site, teams, people, rounds in made:
            plan = [(round_.id, [Stop(stop.checkpoint.id, versions[stop.template_id].id,
                                      [(i.id, i.code, i.answer_type, i.min_value, i.max_value, i.severity, i.urgent_if_fail,
                                        i.category, i.text_zh) for i in versions[stop.template_id].items])
                                 for stop in round_.stops], round_.assignees[0].id) for round_ in rounds]
            estates.append(SiteEstate(s, site.id, plan, {u.id: (u.full_name, u.role) for u in people.values()},
                                      people["p8"].id, people["super"].id,
                                      {code: (team.id, people[code].id) for code, team in teams.items()}, people["p8"].id))
        db.session.commit()
        return estates


class History:
    """Rows of logs, visits, answers, signatures, work orders and findings, day after day, with ids given here.

    Each (site, day) has its own seeded generator, so a day comes out the same whenever it is generated."""

    def __init__(self, estates: list[SiteEstate], now: datetime, ids: dict[str, int],
                 numbers: dict[tuple[int, str, int], int]):
        from app.work_orders.services import team_for_category

        self.estates, self.now, self.team_for = estates, now, team_for_category
        self.ids, self.numbers = dict(ids), dict(numbers)
        self.rows: dict[str, list[tuple]] = {table: [] for table, _columns in TABLES}
        self.answers = 0
        self.rng = random.Random(0)

    def next_id(self, table: str) -> int:
        self.ids[table] += 1
        return self.ids[table]

    def number(self, site_id: int, kind: str, prefix: str, year: int) -> str:
        key = (site_id, kind, year)
        self.numbers[key] = self.numbers.get(key, 0) + 1
        return f"{prefix}-{year}-{self.numbers[key]:06d}"

    def day(self, day: date) -> None:
        from app.patrols.schedules import window_bounds

        starts, ends = window_bounds(day, WINDOW[0], WINDOW[1], TZ)
        if starts > self.now:
            return  # today's rounds not started yet
        for estate in self.estates:
            self.rng = random.Random(estate.index * 1_000_003 + day.toordinal())
            for round_id, stops, walker in estate.rounds:
                self.window(estate, round_id, stops, walker, day, starts, ends)

    def window(self, site: SiteEstate, round_id: int, stops: list[Stop], walker: int, day: date, starts: datetime,
               ends: datetime) -> None:
        rng, log_id = self.rng, self.next_id("patrol_logs")
        if ends <= self.now and rng.random() < MISS:
            self.rows["patrol_logs"].append((log_id, site.site_id, round_id, None, "missed", day, 0, starts, ends,
                                             None, None, None, None, None, None, ends, None, None, None))
            return
        started = starts + timedelta(minutes=rng.randint(3, 25))
        clock_at, answers, passed, failed = started, 0, 0, 0
        for stop in stops:
            if clock_at > self.now:
                break  # under way: the rest of the round is still ahead
            counts = self.visit(site, log_id, stop, walker, clock_at)
            answers, passed, failed = answers + counts[0], passed + counts[1], failed + counts[2]
            clock_at += timedelta(minutes=rng.randint(2, 6))
        number = self.number(site.site_id, "patrol_log", "XC", day.year)
        status, submitted, reviewed = "in_progress", None, None
        if clock_at <= self.now:
            submitted = clock_at + timedelta(minutes=2)
            old = self.now - submitted > timedelta(days=7)
            status, reviewed = ("reviewed", submitted + timedelta(days=2)) if old else ("signed", None)
            self.sign(site, log_id, walker, "performed", submitted + timedelta(minutes=3))
            self.sign(site, log_id, site.witness, "witnessed", submitted + timedelta(minutes=6))
            if reviewed:
                self.sign(site, log_id, site.supervisor_id, "reviewed", reviewed)
        score = round(passed / (passed + failed), 4) if passed + failed and submitted else None
        counts = (answers, passed, failed) if submitted else (None, None, None)  # stored on submit, as the app does
        self.rows["patrol_logs"].append((log_id, site.site_id, round_id, number, status, day, 0, starts, ends, started,
                                         walker, submitted, reviewed, site.supervisor_id if reviewed else None, score, starts,
                                         *counts))

    def sign(self, site: SiteEstate, log_id: int, user_id: int, meaning: str, at: datetime) -> None:
        name, role = site.people[user_id]
        self.rows["signatures"].append((self.next_id("signatures"), log_id, user_id, name, role, meaning, 0, FAKE_HASH, at))

    def visit(self, site: SiteEstate, log_id: int, stop: Stop, walker: int, at: datetime) -> tuple[int, int, int]:
        """Write the visit and its answers; (answers, passes, failures)."""
        rng, visit_id = self.rng, self.next_id("visits")
        manual = rng.random() < MANUAL
        flags = rng.choice(("too_fast", "far_away")) if rng.random() < FLAGGED else None
        self.rows["visits"].append((visit_id, log_id, stop.checkpoint_id, stop.version_id, walker,
                                    "manual" if manual else "qr", "标签污损，无法扫码" if manual else None, at,
                                    at + timedelta(minutes=2), 31.2304, 121.4737, 12.0, flags))
        answers, passed, failed = self.rows["answers"], 0, 0
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
            answers.append((answer_id, visit_id, item_id, result, number, text, note, na_reason, at, walker))
            passed += result == "pass"
            if result == "fail":
                failed += 1
                self.finding(site, answer_id, log_id, stop.checkpoint_id, item, at)
        self.answers += len(stop.items)
        return len(stop.items), passed, failed

    def finding(self, site: SiteEstate, answer_id: int, log_id: int, checkpoint_id: int, item: tuple, at: datetime) -> None:
        """Urgent ones get their work order at once; the rest wait two days for the supervisor's decision."""
        rng, age = self.rng, self.now - at
        item_id, code, _type, _low, _high, severity, urgent, category, text_zh = item
        severity = "urgent" if urgent else severity
        status, order_id, reason, decided = "open", None, None, None
        if severity == "urgent":
            order_id = self.work_order(site, checkpoint_id, item_id, code, category, text_zh, severity,
                                       at + timedelta(minutes=1))
        if age > timedelta(days=2):
            decided = at + timedelta(hours=rng.uniform(1, 40))
            if order_id is None and rng.random() < 0.12:
                status, reason = "rejected", "属正常损耗，纳入季度计划处理"
            else:
                status = "approved"
                order_id = order_id or self.work_order(site, checkpoint_id, item_id, code, category, text_zh, severity,
                                                       decided)
        self.rows["findings"].append((self.next_id("findings"), site.site_id, answer_id, log_id, checkpoint_id, code,
                                      severity, status, order_id, reason, decided, site.supervisor_id if decided else None,
                                      at))

    def work_order(self, site: SiteEstate, checkpoint_id: int, item_id: int, code: str, category: str, text_zh: str,
                   priority: str, created: datetime) -> int:
        rng, order_id = self.rng, self.next_id("work_orders")
        team_id, member = site.teams[self.team_for(category)]
        hours = {"urgent": 2, "major": 24, "minor": 72}[priority]
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
        self.rows["work_orders"].append((order_id, site.site_id, self.number(site.site_id, "work_order", "GD", created.year),
                                         team_id, checkpoint_id, code, item_id, text_zh[:200], priority, status, 1,
                                         created + timedelta(hours=hours), created, site.supervisor_id, claimed,
                                         member if claimed else None, started, done, member if done else None, verified,
                                         site.verifier_id if verified else None, verified))
        return order_id

    def take(self) -> dict[str, list[tuple]]:
        rows, self.rows = self.rows, {table: [] for table, _columns in TABLES}
        return rows


# --- where the rows go: COPY on PostgreSQL, executemany on SQLite ------------------------------------------------

class PgSink:
    """COPY into the tables of one schema, foreign-key triggers off (the rows are consistent by construction)."""

    def __init__(self, url: str, schema: str):
        import psycopg

        self.url, self.schema = pg_url(url), schema
        self.conn = psycopg.connect(self.url, options=f"-c search_path={schema}")
        self.conn.execute("SET session_replication_role = replica")
        self.conn.execute("SET synchronous_commit = off")

    def write(self, rows: dict[str, list[tuple]]) -> None:
        with self.conn.cursor() as cursor:
            for table, columns in TABLES:
                if rows[table]:
                    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                        for row in rows[table]:
                            copy.write_row(row)
        self.conn.commit()

    def vacuum(self) -> None:
        """What autovacuum would do to loaded tables before long: visibility map, hint bits and planner statistics."""
        import psycopg

        self.conn.commit()
        with psycopg.connect(self.url, options=f"-c search_path={self.schema}", autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")

    def execute(self, sql: str, params=()) -> list[tuple]:
        cursor = self.conn.execute(sql, params)
        return cursor.fetchall() if cursor.description else []

    def close(self) -> None:
        self.conn.commit()
        self.conn.close()


class SqliteSink:
    """The same rows through SQLAlchemy Core, for the small quick-mode set."""

    def __init__(self, app):
        from app.extensions import db

        self.app, self.db = app, db

    def write(self, rows: dict[str, list[tuple]]) -> None:
        with self.app.app_context():
            tables = self.db.metadata.tables
            with self.db.engine.begin() as conn:
                for table, columns in TABLES:
                    if rows[table]:
                        conn.execute(tables[table].insert(), [dict(zip(columns, row)) for row in rows[table]])

    def execute(self, sql: str, params=()) -> list[tuple]:
        from sqlalchemy import text

        names = {f"p{n}": value for n, value in enumerate(params)}
        statement = sql
        for n in range(len(params)):
            statement = statement.replace("%s", f":p{n}", 1)
        with self.app.app_context(), self.db.engine.begin() as conn:
            result = conn.execute(text(statement), names)
            return result.fetchall() if result.returns_rows else []

    def close(self) -> None:
        pass


# --- building, keeping and refreshing a scale -------------------------------------------------------------------

@dataclass
class Built:
    """What dashboard_timing needs to know about a data set."""

    app: object
    scale: Scale
    answers: int
    build_seconds: float  # of the settled history, when it was built
    built_now: bool
    built_on: str
    site_id: int  # the first site's: its supervisor is the one signed in


def _migration_head() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config(os.path.join(ROOT, "migrations", "alembic.ini"))
    config.set_main_option("script_location", os.path.join(ROOT, "migrations"))
    return ScriptDirectory.from_config(config).get_current_head()


def _read_meta(url: str, schema: str) -> dict | None:
    import psycopg

    with psycopg.connect(pg_url(url), autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM information_schema.tables WHERE table_schema = %s "
                             "AND table_name = 'bench_data'", (schema,)).fetchone()
        if not found:
            return None
        row = conn.execute(f'SELECT value FROM "{schema}".bench_data WHERE key = %s', ("meta",)).fetchone()
        return json.loads(row[0]) if row else None


def _reset_schema(url: str, schema: str) -> None:
    import psycopg

    if not schema.startswith("bench_"):
        raise ValueError(f"refusing to drop schema {schema!r}: only bench_* schemas are the benchmark's")
    with psycopg.connect(pg_url(url), autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        conn.execute(f'CREATE SCHEMA "{schema}"')


def _settle(history: History, sink, first: date, last: date, log=None) -> None:
    """Generate and write every day from first to last, a chunk at a time."""
    day, began = first, time.perf_counter()
    while day <= last:
        end = min(day + timedelta(days=CHUNK_DAYS - 1), last)
        while day <= end:
            history.day(day)
            day += timedelta(days=1)
        sink.write(history.take())
        if log:
            log(f"  {history.answers:>11,} answers up to {end} ({time.perf_counter() - began:.0f} s)")


def _finish(sink, history: History, engine: str) -> None:
    """Numbers continue after the history; id sequences after the ids given here."""
    sink.execute("DELETE FROM sequence_counters WHERE kind IN ('patrol_log', 'work_order')")
    for (site_id, kind, year), last in sorted(history.numbers.items()):
        sink.execute("INSERT INTO sequence_counters (site_id, kind, year, last) VALUES (%s, %s, %s, %s)",
                     (site_id, kind, year, last))
    if engine == "postgresql":
        for table, _columns in TABLES:
            sink.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                         f"greatest((SELECT max(id) FROM {table}), 1))")


def _estates_of(meta: dict) -> list[SiteEstate]:
    estates = []
    for raw in meta["estates"]:
        raw = dict(raw)
        raw["rounds"] = [(r, [Stop(c, v, [tuple(i) for i in items]) for c, v, items in stops], w)
                         for r, stops, w in raw["rounds"]]
        raw["people"] = {int(k): tuple(v) for k, v in raw["people"].items()}
        raw["teams"] = {k: tuple(v) for k, v in raw["teams"].items()}
        estates.append(SiteEstate(**raw))
    return estates


def _meta_of(estates: list[SiteEstate], head: str, settled_through: date, ids: dict, numbers: dict, answers: int,
             seconds: float) -> dict:
    return {"version": DATA_VERSION, "head": head, "settled_through": settled_through.isoformat(), "ids": ids,
            "numbers": [[*key, last] for key, last in numbers.items()], "answers": answers,
            "build_seconds": round(seconds, 1), "built_on": date.today().isoformat(),
            "estates": [{**e.__dict__, "rounds": [(r, [(s.checkpoint_id, s.version_id, s.items) for s in stops], w)
                                                  for r, stops, w in e.rounds]} for e in estates]}


def _write_meta(sink, schema: str, meta: dict) -> None:
    sink.execute(f'CREATE TABLE IF NOT EXISTS "{schema}".bench_data (key text PRIMARY KEY, value text NOT NULL)')
    sink.execute(f'DELETE FROM "{schema}".bench_data WHERE key = %s', ("meta",))
    sink.execute(f'INSERT INTO "{schema}".bench_data (key, value) VALUES (%s, %s)', ("meta", json.dumps(meta)))


def _live(history: History, sink, today: date, watermark: dict[str, int], engine: str) -> None:
    """Replace today's rows (and whatever the app added while being measured) by today as of now."""
    for table, _columns in reversed(TABLES):
        sink.execute(f"DELETE FROM {table} WHERE id > %s", (watermark[table],))
    history.day(today)
    sink.write(history.take())
    _finish(sink, history, engine)


def ensure(scale: Scale, url: str | None, rebuild: bool = False, log=print) -> Built:
    """The data set of `scale`: a PostgreSQL schema kept or built (url given), else a new SQLite file; today fresh."""
    from app.model_helpers import utcnow
    from app.patrols.schedules import local_today

    now = utcnow()
    today = local_today(TZ, now)
    yesterday = today - timedelta(days=1)
    began = time.perf_counter()
    if url is None:
        return _build_sqlite(scale, now, today)
    schema, head = scale.schema, _migration_head()
    meta = None if rebuild else _read_meta(url, schema)
    if meta and (meta.get("version") != DATA_VERSION or meta.get("head") != head):
        log(f"{schema}: kept data is version {meta.get('version')} at migration {meta.get('head')}; "
            f"rebuilding for version {DATA_VERSION} at {head}")
        meta = None
    app = app_for(url, schema)
    built_now = meta is None
    if built_now:
        from flask_migrate import upgrade

        _reset_schema(url, schema)
        with app.app_context():
            upgrade()
        estates = build_estates(app, scale)
        ids = {table: 0 for table, _columns in TABLES}
        history = History(estates, now, ids, {})
        sink = PgSink(url, schema)
        log(f"{schema}: building {scale.sites} sites × {scale.buildings} buildings × {scale.days} days")
        _settle(history, sink, today - timedelta(days=scale.days - 1), yesterday, log)
        sink.vacuum()
        settled_seconds = time.perf_counter() - began
        meta = _meta_of(estates, head, yesterday, history.ids, history.numbers, history.answers, settled_seconds)
    else:
        estates = _estates_of(meta)
        numbers = {(s, k, y): last for s, k, y, last in meta["numbers"]}
        history = History(estates, now, meta["ids"], numbers)
        history.answers = meta["answers"]
        sink = PgSink(url, schema)
        for table, _columns in reversed(TABLES):  # today's rows of the last run, and what the app added meanwhile
            sink.execute(f"DELETE FROM {table} WHERE id > %s", (meta["ids"][table],))
        settled = date.fromisoformat(meta["settled_through"])
        if settled < yesterday:
            log(f"{schema}: adding the days from {settled + timedelta(days=1)} to {yesterday}")
            _settle(history, sink, settled + timedelta(days=1), yesterday)
            meta.update(settled_through=yesterday.isoformat(), ids=history.ids, answers=history.answers,
                        numbers=[[*key, last] for key, last in history.numbers.items()])
    _write_meta(sink, schema, meta)
    watermark = dict(history.ids)
    _live(history, sink, today, watermark, "postgresql")
    sink.close()
    site_id = estates[0].site_id
    return Built(app, scale, history.answers, meta["build_seconds"], built_now, meta["built_on"], site_id)


def _build_sqlite(scale: Scale, now: datetime, today: date) -> Built:
    """A new SQLite file with the whole data set: small enough to build on every quick run."""
    import atexit
    import shutil
    import tempfile

    from flask_migrate import upgrade

    began = time.perf_counter()
    folder = tempfile.mkdtemp(prefix="patrol-bench-scale-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    app = app_for(f"sqlite:///{folder}/scale.sqlite", None)
    with app.app_context():
        upgrade()
    estates = build_estates(app, scale)
    history = History(estates, now, {table: 0 for table, _columns in TABLES}, {})
    sink = SqliteSink(app)
    _settle(history, sink, today - timedelta(days=scale.days - 1), today - timedelta(days=1))
    _live(history, sink, today, dict(history.ids), "sqlite")
    seconds = time.perf_counter() - began
    return Built(app, scale, history.answers, seconds, True, date.today().isoformat(), estates[0].site_id)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="1m")
    parser.add_argument("--url", default=os.environ.get("PG_BENCH_URL", DEFAULT_URL), help="PostgreSQL database")
    parser.add_argument("--rebuild", action="store_true", help="build again even when the kept schema matches")
    args = parser.parse_args()
    began = time.perf_counter()
    scale = SCALES[args.scale]
    built = ensure(scale, None if scale.name == "quick" else args.url, args.rebuild)
    state = (f"built in {built.build_seconds:.0f} s" if built.built_now
             else f"kept (built {built.built_on} in {built.build_seconds:.0f} s)")
    print(f"{scale.name}: {built.answers:,} answers, {state}; ready after {time.perf_counter() - began:.0f} s; "
          f"sign in as {SUPERVISOR} / {PASSWORD}")


if __name__ == "__main__":
    main()
