"""Today's patrol coverage per round and per building: windows done, under way, not started, missed; checkpoints
visited; visits flagged for a supervisor's look (entered by hand, implausibly fast, far from the checkpoint)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import joinedload

from app.auth.models import User
from app.extensions import db
from app.patrols.models import RoundCheckpoint, Visit
from app.patrols.schedules import local_today
from app.patrols.services import due_today
from app.sites.models import Building, Checkpoint

# DueRound.state() → the four columns a supervisor reads.
STATE_GROUPS = {
    "submitted": "done", "signed": "done", "reviewed": "done", "amending": "done", "returned": "done",
    "in_progress": "in_progress", "overdue": "in_progress",
    "due": "not_started", "upcoming": "not_started", "scheduled": "not_started",
    "missed": "missed",
}
FLAGGED = or_(Visit.method == "manual", func.coalesce(Visit.flags, "") != "")
FLAGGED_SHOWN = 10


@dataclass
class Coverage:
    """One row of today's table: a round or a building (None: places outside any building), over today's windows."""

    record: object | None = None
    done: int = 0
    in_progress: int = 0
    not_started: int = 0
    missed: int = 0
    visited: int = 0
    expected: int = 0
    flagged: int = 0

    def add(self, group: str, visited: int, expected: int, flagged: int) -> None:
        setattr(self, group, getattr(self, group) + 1)
        self.visited += visited
        self.expected += expected
        self.flagged += flagged

    @property
    def windows(self) -> int:
        return self.done + self.in_progress + self.not_started + self.missed

    @property
    def share(self) -> float | None:
        return self.visited / self.expected if self.expected else None


@dataclass
class Today:
    local_date: date
    rounds: list[Coverage] = field(default_factory=list)
    buildings: list[Coverage] = field(default_factory=list)
    total: Coverage = field(default_factory=Coverage)
    flagged_visits: list[tuple[Visit, object]] = field(default_factory=list)  # with the round of its log


def today_coverage(user, site, now: datetime) -> Today:
    """Every window due today (and last night's still open) of the site's rounds, in a fixed number of queries."""
    today = Today(local_today(site.timezone, now))
    dues = due_today(user, site, now)
    if not dues:
        return today
    stops = _stops_per_building([due.round.id for due in dues])
    log_ids = [due.log.id for due in dues if due.log is not None]
    visits = _visits_per_building(log_ids)
    flagged_by_log: dict[int, int] = {}
    for (log_id, _building_id), (_seen, flags) in visits.items():
        flagged_by_log[log_id] = flagged_by_log.get(log_id, 0) + flags
    buildings = {b.id: b for b in db.session.scalars(select(Building).where(Building.site_id == site.id))}
    by_round: dict[int, Coverage] = {}
    by_building: dict[int | None, Coverage] = {}
    for due in dues:
        group = STATE_GROUPS.get(due.state(now), "not_started")
        log_id = due.log.id if due.log is not None else None
        flagged = flagged_by_log.get(log_id, 0)
        by_round.setdefault(due.round.id, Coverage(due.round)).add(group, due.visited, due.total, flagged)
        today.total.add(group, due.visited, due.total, flagged)
        for building_id, expected in stops.get(due.round.id, {}).items():
            seen, flags = visits.get((log_id, building_id), (0, 0))
            by_building.setdefault(building_id, Coverage(buildings.get(building_id))).add(group, seen, expected, flags)
    today.rounds = sorted(by_round.values(), key=lambda row: row.record.id)
    today.buildings = sorted(by_building.values(), key=lambda row: (row.record is None, row.record.code if row.record else ""))
    round_of_log = {due.log.id: due.round for due in dues if due.log is not None}
    today.flagged_visits = [(visit, round_of_log[visit.log_id]) for visit in _flagged_visits(log_ids)]
    return today


def _stops_per_building(round_ids: list[int]) -> dict[int, dict[int | None, int]]:
    rows = db.session.execute(
        select(RoundCheckpoint.round_id, Checkpoint.building_id, func.count())
        .join(Checkpoint, Checkpoint.id == RoundCheckpoint.checkpoint_id)
        .where(RoundCheckpoint.round_id.in_(set(round_ids)))
        .group_by(RoundCheckpoint.round_id, Checkpoint.building_id)
    ).all()
    stops: dict[int, dict[int | None, int]] = {}
    for round_id, building_id, count in rows:
        stops.setdefault(round_id, {})[building_id] = count
    return stops


def _visits_per_building(log_ids: list[int]) -> dict[tuple[int, int | None], tuple[int, int]]:
    """(log, building) → (visits, flagged visits)."""
    if not log_ids:
        return {}
    rows = db.session.execute(
        select(Visit.log_id, Checkpoint.building_id, func.count(), func.sum(case((FLAGGED, 1), else_=0)))
        .join(Checkpoint, Checkpoint.id == Visit.checkpoint_id)
        .where(Visit.log_id.in_(log_ids))
        .group_by(Visit.log_id, Checkpoint.building_id)
    ).all()
    return {(log_id, building_id): (count, flagged or 0) for log_id, building_id, count, flagged in rows}


def _flagged_visits(log_ids: list[int]) -> list[Visit]:
    if not log_ids:
        return []
    return list(db.session.scalars(
        select(Visit).where(Visit.log_id.in_(log_ids), FLAGGED).order_by(Visit.scanned_at.desc(), Visit.id.desc())
        .limit(FLAGGED_SHOWN)
        .options(joinedload(Visit.checkpoint), joinedload(Visit.user).lazyload(User.sites))
    ))
