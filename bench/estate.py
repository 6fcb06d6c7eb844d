"""The load benchmark's estate: DESIGN §9's site (20 buildings × 30 checkpoints, 90 days of history) plus the people
who walk it under load, on SQLite or PostgreSQL.

The layout goes through the ORM as an admin would set it up; the history rows are generated here and written in bulk
(executemany; SQLAlchemy batches them into multi-row INSERTs on PostgreSQL). On top, for the load generator:
patrollers with short rounds (a lobby and a lift) open now, capacity walkers with whole-building rounds open now, and
supervisors. `build()` returns the plan the load generator plays: who signs in, which rounds, labels and items.
"""
from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from datetime import datetime, time as clock, timedelta, timezone
from types import SimpleNamespace
from zoneinfo import ZoneInfo

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

PASSWORD = "bench-pass-1"
TZ = "Asia/Shanghai"
# (checkpoint category, how many per building): 30 checkpoints, 376 answers a building a day.
LAYOUT = [("lobby", 1), ("elevator", 4), ("stairwell", 20), ("roof", 1), ("fire_equipment", 4)]
WINDOW = (clock(8), clock(17))  # the daily building rounds of the history, local time


@dataclass(frozen=True)
class Scale:
    buildings: int = 20
    days: int = 90
    patrollers: int = 200  # realistic model: each walks short rounds
    rounds_each: int = 2
    walkers: int = 16  # capacity model: each walks whole-building rounds
    walker_rounds: int = 2
    walker_stops: int = 30
    supervisors: int = 10
    sync_stops: int = 15  # the round replayed through the sync API: 210 items (stairwells of 14)


QUICK = Scale(buildings=3, days=7, patrollers=12, walkers=4, walker_rounds=4, walker_stops=2, supervisors=2)


def reset_database(url: str) -> None:
    """SQLite: a new file. PostgreSQL: the public schema emptied (the database must exist)."""
    if url.startswith("sqlite:///"):
        path = url[len("sqlite:///"):]
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(path + suffix):
                os.remove(path + suffix)
        return
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
        conn.execute("CREATE SCHEMA public")


def open_window(now: datetime) -> tuple[clock, clock]:
    """Local window from two hours ago to six hours ahead (may cross midnight, which rounds allow)."""
    local = now.replace(tzinfo=timezone.utc).astimezone(ZoneInfo(TZ))
    starts, ends = local - timedelta(hours=2), local + timedelta(hours=6)
    return starts.time().replace(second=0, microsecond=0), ends.time().replace(second=0, microsecond=0)


def _stop_plan(stop, version) -> dict:
    return {"checkpoint_id": stop.checkpoint.id, "token": stop.checkpoint.token,
            "items": [{"id": i.id, "type": i.answer_type, "min": i.min_value, "max": i.max_value,
                       "photo": bool(i.photo_on_fail)} for i in version.items]}


def _layout(app, scale: Scale, now: datetime):
    """Site, teams, people, buildings, checkpoints, the history's daily rounds and the load rounds; returns the plan."""
    from sqlalchemy import select

    from app.auth.models import User
    from app.checklists.catalogue import load_catalogue
    from app.checklists.models import ChecklistTemplate, TemplateVersion
    from app.demo.estate import CATEGORY_TEMPLATE, TEAMS
    from app.extensions import db
    from app.patrols.models import Round, RoundCheckpoint, RoundWindow
    from app.sites.models import Building, Checkpoint, Site
    from app.work_orders.models import Team
    load_catalogue()
    site = Site(code="LOAD", name_zh="压测花园", name_en="Load Gardens", timezone=TZ)
    db.session.add(site)
    teams = {code: Team(site=site, code=code, name_zh=zh, name_en=en) for code, zh, en in TEAMS}
    probe = User(username="probe", full_name="-", role="patroller")
    probe.set_password(PASSWORD)
    hashed = probe.password_hash  # one scrypt for everyone who signs in: same password, valid hash

    def person(username: str, role: str, **extra) -> User:
        user = User(username=username, full_name=username, role=role, sites=[site], password_hash=hashed, **extra)
        db.session.add(user)
        return user

    supervisors = [person(f"load-super{n}", "supervisor") for n in range(1, scale.supervisors + 1)]
    history_walkers = [person(f"load-history{n}", "patroller") for n in range(1, 9)]
    fixers = {code: person(f"load-{code}", "maintenance", team=team) for code, team in teams.items()}
    templates = {t.code: t for t in db.session.scalars(select(ChecklistTemplate))}
    buildings = []
    for b in range(1, scale.buildings + 1):
        building = Building(site=site, code=f"B{b:02d}", name_zh=f"{b}栋", name_en=f"Building {b}", floors_above=30)
        points = [Checkpoint(site=site, building=building, code=f"B{b:02d}-{category[:3].upper()}{n:02d}",
                             name_zh=f"{b}栋{category}{n}", name_en=f"Building {b} {category} {n}", category=category,
                             floor=n, latitude=31.2304, longitude=121.4737)
                  for category, count in LAYOUT for n in range(1, count + 1)]
        db.session.add_all([building, *points])
        buildings.append(points)

    def make_round(name: str, points, assignees, window) -> Round:
        round_ = Round(site=site, name_zh=name, name_en=name, schedule_kind="daily", assignees=assignees,
                       created_at=datetime(2000, 1, 1))
        round_.windows = [RoundWindow(position=0, starts=window[0], ends=window[1])]
        round_.stops = [RoundCheckpoint(position=i, checkpoint=cp, template=templates[CATEGORY_TEMPLATE[cp.category]])
                        for i, cp in enumerate(points, start=1)]
        db.session.add(round_)
        return round_

    daily = [make_round(f"{b + 1}栋每日巡查", points, [history_walkers[b % 8]], WINDOW) for b, points in enumerate(buildings)]
    window = open_window(now)
    patrollers, walkers = [], []
    for n in range(scale.patrollers):
        user, points = person(f"load-patrol{n + 1}", "patroller"), buildings[n % scale.buildings]
        patrollers.append((user, [make_round(f"巡查{n + 1}-{r}", [points[0], points[1 + r % 4]], [user], window)
                                  for r in range(scale.rounds_each)]))
    for n in range(scale.walkers):
        user, points = person(f"load-walker{n + 1}", "patroller"), buildings[n % scale.buildings]
        walkers.append((user, [make_round(f"整栋巡查{n + 1}-{r}", points[:scale.walker_stops], [user], window)
                               for r in range(scale.walker_rounds)]))
    db.session.flush()
    versions = {}
    for version in db.session.scalars(select(TemplateVersion).order_by(TemplateVersion.number)):
        versions[version.template_id] = version

    def people_plan(group) -> list[dict]:
        return [{"username": user.username, "rounds": [{"id": r.id, "stops": [_stop_plan(s, versions[s.template_id])
                                                                               for s in r.stops]} for r in rounds]}
                for user, rounds in group]

    # Spare people for the page-weight and sync benchmarks, whose rounds the load generator leaves alone.
    pages_user, sync_user = person("load-pages", "patroller"), person("load-sync", "patroller")
    stairwells = [cp for cp in buildings[0] if cp.category == "stairwell"][:scale.sync_stops]
    spares = [(pages_user, [make_round("页面重量", [buildings[0][0], buildings[0][1]], [pages_user], window)]),
              (sync_user, [make_round("离线同步", stairwells, [sync_user], window)])]
    db.session.flush()
    plan = {"password": PASSWORD, "supervisors": [u.username for u in supervisors],
            "patrollers": people_plan(patrollers), "walkers": people_plan(walkers), "spares": people_plan(spares)}
    db.session.commit()
    return site, daily, versions, teams, fixers, supervisors[0], plan


class History:
    """Rows of 90 days of the daily building rounds: logs, visits, answers; failures become findings, most of them
    approved into work orders that were closed. Ids are given here (the tables start empty), numbers continue after."""

    FAIL, NA, MISS = 0.015, 0.01, 0.04

    def __init__(self, site: SimpleNamespace, rounds: list[tuple[int, list[tuple[int, int, list]], int]], supervisor_id: int,
                 teams: dict[str, tuple[int, int]], now: datetime, seed: int = 11):
        import random

        self.site, self.rounds, self.supervisor_id, self.teams, self.now = site, rounds, supervisor_id, teams, now
        self.rng = random.Random(seed)
        self.ids = {"patrol_logs": 0, "visits": 0, "answers": 0, "findings": 0, "work_orders": 0}
        self.numbers: dict[tuple[str, int], int] = {}
        self.rows: dict[str, list[dict]] = {table: [] for table in self.ids}

    def next_id(self, table: str) -> int:
        self.ids[table] += 1
        return self.ids[table]

    def number(self, kind: str, prefix: str, year: int) -> str:
        self.numbers[(kind, year)] = self.numbers.get((kind, year), 0) + 1
        return f"{prefix}-{year}-{self.numbers[(kind, year)]:06d}"

    def day(self, day) -> None:
        from app.patrols.schedules import window_bounds

        starts, ends = window_bounds(day, WINDOW[0], WINDOW[1], self.site.timezone)
        if ends > self.now:
            return  # today's windows are still open: no history for them
        for round_id, stops, walker in self.rounds:
            log = {"id": self.next_id("patrol_logs"), "site_id": self.site.id, "round_id": round_id, "local_date": day,
                   "window_position": 0, "window_starts_at": starts, "window_ends_at": ends, "created_at": starts,
                   "number": None, "started_at": None, "started_by_id": None, "submitted_at": None, "reviewed_at": None,
                   "reviewed_by_id": None, "score": None}
            if self.rng.random() < self.MISS:
                self.rows["patrol_logs"].append({**log, "status": "missed"})
                continue
            at = starts + timedelta(minutes=self.rng.randint(3, 25))
            log.update(number=self.number("patrol_log", "XC", day.year), started_at=at, started_by_id=walker)
            passed = counted = 0
            for checkpoint_id, version_id, items in stops:
                visit_id = self.next_id("visits")
                self.rows["visits"].append({"id": visit_id, "log_id": log["id"], "checkpoint_id": checkpoint_id,
                                            "template_version_id": version_id, "user_id": walker, "method": "qr",
                                            "scanned_at": at, "completed_at": at + timedelta(minutes=2)})
                for item in items:
                    result = self.answer(visit_id, checkpoint_id, item, walker, at)
                    counted += result != "na"
                    passed += result == "pass"
                at += timedelta(minutes=self.rng.randint(1, 3))
            reviewed = self.now - at > timedelta(days=7)
            self.rows["patrol_logs"].append({**log, "status": "reviewed" if reviewed else "signed", "submitted_at": at,
                                             "reviewed_at": at + timedelta(days=2) if reviewed else None,
                                             "reviewed_by_id": self.supervisor_id if reviewed else None,
                                             "score": round(passed / counted, 4) if counted else None})

    def answer(self, visit_id: int, checkpoint_id: int, item, walker: int, at: datetime) -> str:
        roll, answer_id = self.rng.random(), self.next_id("answers")
        row = {"id": answer_id, "visit_id": visit_id, "item_id": item.id, "result": "pass", "number_value": None,
               "text_value": None, "note": None, "na_reason": None, "answered_at": at, "answered_by_id": walker}
        if item.answer_type == "text":
            row["text_value"] = "现场正常"
        elif roll < self.FAIL:
            row.update(result="fail", note="发现问题，需要处理")
            if item.answer_type == "number":
                row["number_value"] = (item.min_value or 0) - 1
            self.finding(answer_id, checkpoint_id, item, at)
        elif roll < self.FAIL + self.NA and item.answer_type == "pass_fail":
            row.update(result="na", na_reason="该处无此设施")
        elif item.answer_type == "number":
            low = item.min_value or 0
            row["number_value"] = round(self.rng.uniform(low, item.max_value or low + 10), 1)
        self.rows["answers"].append(row)
        return row["result"]

    def finding(self, answer_id: int, checkpoint_id: int, item, at: datetime) -> None:
        from app.work_orders.services import team_for_category

        severity = "urgent" if item.urgent_if_fail else item.severity
        row = {"id": self.next_id("findings"), "site_id": self.site.id, "answer_id": answer_id,
               "checkpoint_id": checkpoint_id, "item_code": item.code, "severity": severity, "status": "open",
               "work_order_id": None, "reject_reason": None, "decided_at": None, "decided_by_id": None,
               "created_at": at}
        if self.now - at > timedelta(days=2) or severity == "urgent":
            decided = at + timedelta(hours=3)
            row.update(decided_at=decided, decided_by_id=self.supervisor_id, status="approved")
            if severity != "urgent" and self.rng.random() < 0.12:
                row.update(status="rejected", reject_reason="属正常损耗，纳入季度计划处理")
            else:
                team_id, member = self.teams[team_for_category(item.category)]
                done = decided + timedelta(hours=self.rng.uniform(2, 30))
                closed = self.now - done > timedelta(hours=12)
                order_id = self.next_id("work_orders")
                self.rows["work_orders"].append({
                    "id": order_id, "site_id": self.site.id, "number": self.number("work_order", "GD", decided.year),
                    "team_id": team_id, "checkpoint_id": checkpoint_id, "item_code": item.code, "item_id": item.id,
                    "title": item.text_zh[:200], "priority": severity, "status": "closed" if closed else "claimed",
                    "repeat_count": 1, "due_at": decided + timedelta(hours=24), "created_at": decided,
                    "created_by_id": self.supervisor_id, "claimed_at": decided + timedelta(minutes=20),
                    "claimed_by_id": member, "started_at": decided + timedelta(hours=1) if closed else None,
                    "done_at": done if closed else None, "done_by_id": member if closed else None,
                    "verified_at": done + timedelta(hours=1) if closed else None,
                    "verified_by_id": self.supervisor_id if closed else None,
                    "closed_at": done + timedelta(hours=1) if closed else None})
                row["work_order_id"] = order_id
        self.rows["findings"].append(row)

    def take(self) -> dict[str, list[dict]]:
        rows, self.rows = self.rows, {table: [] for table in self.ids}
        return rows


def _write_history(app, history: History, days: int) -> int:
    """The history's rows, 30 days at a time, in bulk (executemany / insertmanyvalues), then fresh planner statistics."""
    from sqlalchemy import insert, text

    from app.extensions import db
    from app.numbering import SequenceCounter
    from app.patrols.schedules import local_today

    order = ("patrol_logs", "visits", "work_orders", "answers", "findings")  # foreign keys point backwards
    today = local_today(history.site.timezone, history.now)
    with app.app_context(), db.engine.begin() as conn:
        tables = db.metadata.tables
        for first in range(days - 1, -1, -30):
            for back in range(first, max(first - 30, -1), -1):
                history.day(today - timedelta(days=back))
            rows = history.take()
            for table in order:
                if rows[table]:
                    conn.execute(insert(tables[table]), rows[table])
        for (kind, year), last in history.numbers.items():
            conn.execute(insert(SequenceCounter.__table__), {"site_id": history.site.id, "kind": kind, "year": year,
                                                             "last": last})
        if conn.dialect.name == "postgresql":
            for table in order:
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                  f"greatest((SELECT max(id) FROM {table}), 1))"))
    with app.app_context(), db.engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
    return history.ids["answers"]


def _items(version) -> list[SimpleNamespace]:
    """A version's items as plain values, usable after the session is gone."""
    names = ("id", "code", "answer_type", "min_value", "max_value", "severity", "urgent_if_fail", "category", "text_zh")
    return [SimpleNamespace(**{name: getattr(item, name) for name in names}) for item in version.items]


def build(url: str, scale: Scale, upload_dir: str) -> tuple[dict, dict]:
    """A fresh database at url with the estate and its history; returns (plan, facts about what was built)."""
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db
    from app.model_helpers import utcnow

    began = time.perf_counter()
    reset_database(url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True, "UPLOAD_DIR": upload_dir})
    now = utcnow()
    with app.app_context():
        upgrade()
        site, daily, versions, teams, fixers, supervisor, plan = _layout(app, scale, now)
        rounds = [(round_.id, [(stop.checkpoint_id, versions[stop.template_id].id, _items(versions[stop.template_id]))
                               for stop in round_.stops], round_.assignees[0].id) for round_ in daily]
        history = History(SimpleNamespace(id=site.id, timezone=site.timezone), rounds, supervisor.id, {code: (team.id, fixers[code].id) for code, team in teams.items()},
                          now)
        db.session.expunge_all()
    answers = _write_history(app, history, scale.days)
    with app.app_context():
        db.engine.dispose()
    return plan, {"answers": answers, "seconds": time.perf_counter() - began,
                  "checkpoints": scale.buildings * sum(n for _c, n in LAYOUT)}
