"""Patrol queries and rules: what is due today, log progress, log numbering."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import false, func, select
from sqlalchemy.orm import selectinload

from app.auth.models import User
from app.extensions import db
from app.numbering import next_number
from app.patrols.models import PatrolLog, Round, RoundCheckpoint, Visit, round_assignees
from app.patrols.schedules import Occurrence, local_today, occurrences_on


# What needs the patroller first: work under way, then work due, then what is done or past.
STATE_ORDER = {"overdue": 0, "in_progress": 1, "due": 2, "upcoming": 3, "submitted": 4, "signed": 4, "reviewed": 4, "missed": 5}


@dataclass
class DueRound:
    """A round's window today, its log if one exists, and progress through its checkpoints."""

    round: Round
    occurrence: Occurrence
    log: PatrolLog | None
    visited: int
    total: int
    mine: bool = False  # assigned to the viewer, who may start it

    @property
    def window(self):
        return next(w for w in self.round.windows if w.position == self.occurrence.position)

    def state(self, now: datetime) -> str:
        if self.log is not None and self.log.status not in ("scheduled", "in_progress"):
            return self.log.status
        window = self.occurrence.state(now)
        if self.log is not None and self.log.status == "in_progress":
            return "overdue" if window == "closed" else "in_progress"
        if window == "closed":
            return "missed"
        return "upcoming" if window == "upcoming" else "due"


def rounds_for(user, site_id: int):
    """Active rounds of a site assigned to this user, directly or through their team."""
    query = select(Round).where(Round.site_id == site_id, Round.active.is_(True))
    if user.role == "patroller" or user.role == "maintenance":
        assigned = select(round_assignees.c.round_id).where(round_assignees.c.user_id == user.id)
        team_rounds = Round.assigned_team_id == user.team_id if user.team_id else false()
        query = query.where(Round.id.in_(assigned) | team_rounds)
    # Assignees are only compared by id: their own sites are not needed.
    return query.options(selectinload(Round.windows), selectinload(Round.assignees).lazyload(User.sites)).order_by(Round.id)


def due_today(user, site, now: datetime) -> list[DueRound]:
    """Today's windows of the user's rounds (and last night's still open) with logs and progress, in fixed queries."""
    today = local_today(site.timezone, now)
    yesterday = today - timedelta(days=1)
    rounds = db.session.scalars(rounds_for(user, site.id)).all()
    if not rounds:
        return []
    ids = [r.id for r in rounds]
    totals = dict(db.session.execute(
        select(RoundCheckpoint.round_id, func.count()).where(RoundCheckpoint.round_id.in_(ids)).group_by(RoundCheckpoint.round_id)
    ).all())
    logs = {
        (log.round_id, log.local_date, log.window_position): log
        for log in db.session.scalars(select(PatrolLog).where(PatrolLog.round_id.in_(ids), PatrolLog.local_date >= yesterday))
    }
    visited = visit_counts([log.id for log in logs.values()])
    result = []
    for round_ in rounds:
        mine = any(a.id == user.id for a in round_.assignees) or bool(user.team_id and round_.assigned_team_id == user.team_id)
        late = [o for o in occurrences_on(round_, yesterday, site.timezone) if o.ends_at > now]  # crossing midnight
        for occ in late + occurrences_on(round_, today, site.timezone):
            log = logs.get((round_.id, occ.local_date, occ.position))
            result.append(DueRound(round_, occ, log, visited.get(log.id, 0) if log else 0, totals.get(round_.id, 0), mine))
    return sorted(result, key=lambda due: (STATE_ORDER.get(due.state(now), 9), due.occurrence.starts_at))


def visit_counts(log_ids: list[int]) -> dict[int, int]:
    if not log_ids:
        return {}
    rows = db.session.execute(
        select(Visit.log_id, func.count()).where(Visit.log_id.in_(log_ids)).group_by(Visit.log_id)
    ).all()
    return dict(rows)


def next_log_number(site, year: int) -> str:
    """The next gap-free patrol log number for this site and year, e.g. XC-2026-000123."""
    return next_number(site.id, "patrol_log", year, site.log_prefix)


def log_page_query(site_id: int, *, user_id: int | None = None, status: str | None = None,
                   date_from: date | None = None, date_to: date | None = None):
    """Logs of a site, newest first, optionally one person's or one status."""
    query = select(PatrolLog).where(PatrolLog.site_id == site_id)
    if status != "missed":  # missed windows may have no number: only listed when asked for
        query = query.where(PatrolLog.number.is_not(None))
    if user_id is not None:
        query = query.where(PatrolLog.started_by_id == user_id)
    if status:
        query = query.where(PatrolLog.status == status)
    if date_from:
        query = query.where(PatrolLog.local_date >= date_from)
    if date_to:
        query = query.where(PatrolLog.local_date <= date_to)
    return query.options(selectinload(PatrolLog.round), selectinload(PatrolLog.started_by)).order_by(
        PatrolLog.local_date.desc(), PatrolLog.id.desc()
    )
