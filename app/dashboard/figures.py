"""What waits for the supervisor: findings by severity and age, work orders by team against their service levels,
and problems that keep coming back at the same checkpoint."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.findings.models import FINDING_STATUSES, Finding
from app.patrols.models import Answer
from app.work_orders.models import Team, WorkOrder
from app.work_orders.services import OPEN_STATUSES

SEVERITIES = ("urgent", "major", "minor")
SHOWN = 5  # the oldest few of each list
RECURRING_DAYS = 30
RECURRING_SHOWN = 10
NOT_DONE = tuple(s for s in OPEN_STATUSES if s != "done")  # "done" waits for verification, not for the team


@dataclass
class WaitingFindings:
    """Open findings per severity, split by age: under a day, one to three days, older."""

    by_severity: dict[str, tuple[int, int, int]]
    oldest: list[Finding]

    @property
    def total(self) -> int:
        return sum(sum(ages) for ages in self.by_severity.values())

    def count(self, severity: str) -> int:
        return sum(self.by_severity[severity])


@dataclass
class TeamLoad:
    team: Team
    open: int = 0
    overdue: int = 0
    awaiting: int = 0
    overdue_since: datetime | None = None  # the earliest missed due time


@dataclass
class Recurring:
    sample: Finding  # one of them: names the checkpoint and the item
    count: int
    first_at: datetime
    last_at: datetime


def waiting_findings(site_id: int, now: datetime) -> WaitingFindings:
    day, three_days = now - timedelta(days=1), now - timedelta(days=3)
    created = Finding.created_at
    rows = db.session.execute(
        select(Finding.severity, func.sum(case((created >= day, 1), else_=0)),
               func.sum(case(((created < day) & (created >= three_days), 1), else_=0)),
               func.sum(case((created < three_days, 1), else_=0)))
        .where(Finding.site_id == site_id, Finding.status == "open").group_by(Finding.severity)
    ).all()
    by_severity = {severity: (0, 0, 0) for severity in SEVERITIES}
    by_severity.update({severity: (fresh or 0, middle or 0, old or 0) for severity, fresh, middle, old in rows})
    oldest = db.session.scalars(
        select(Finding).where(Finding.site_id == site_id, Finding.status == "open")
        .order_by(Finding.created_at, Finding.id).limit(SHOWN).options(*finding_loads())
    ).all()
    return WaitingFindings(by_severity, list(oldest))


def finding_loads():
    """What a finding row shows: checkpoint, item, its work order (and the log it came from, which it names).

    Each is one row per finding, so they come joined into the same statement: a list costs one query, not four."""
    return (joinedload(Finding.checkpoint), joinedload(Finding.work_order),
            joinedload(Finding.answer).joinedload(Answer.item))


def team_loads(site_id: int, now: datetime) -> list[TeamLoad]:
    """Every team of the site with its open, overdue (past the due time its service level set) and done orders."""
    overdue = (WorkOrder.due_at < now) & WorkOrder.status.in_(NOT_DONE)
    rows = db.session.execute(
        select(WorkOrder.team_id, func.count(), func.sum(case((overdue, 1), else_=0)),
               func.sum(case((WorkOrder.status == "done", 1), else_=0)), func.min(case((overdue, WorkOrder.due_at))))
        .where(WorkOrder.site_id == site_id, WorkOrder.status.in_(OPEN_STATUSES)).group_by(WorkOrder.team_id)
    ).all()
    counts = {team_id: (count, late or 0, done or 0, since) for team_id, count, late, done, since in rows}
    teams = db.session.scalars(select(Team).where(Team.site_id == site_id).order_by(Team.id)).all()
    return [TeamLoad(team, *counts[team.id]) if team.id in counts else TeamLoad(team) for team in teams]


def order_loads():
    """What a work order row shows: team, checkpoint and item (its title in the reader's language), joined in."""
    return (joinedload(WorkOrder.team), joinedload(WorkOrder.checkpoint), joinedload(WorkOrder.item))


def oldest_overdue(site_id: int, now: datetime) -> list[WorkOrder]:
    return list(db.session.scalars(
        select(WorkOrder).where(WorkOrder.site_id == site_id, WorkOrder.status.in_(NOT_DONE), WorkOrder.due_at < now)
        .order_by(WorkOrder.due_at, WorkOrder.id).limit(SHOWN).options(*order_loads())
    ))


def oldest_awaiting_verification(site_id: int) -> list[WorkOrder]:
    return list(db.session.scalars(
        select(WorkOrder).where(WorkOrder.site_id == site_id, WorkOrder.status == "done")
        .order_by(WorkOrder.done_at, WorkOrder.id).limit(SHOWN).options(*order_loads())
    ))


def recurring(site_id: int, now: datetime, days: int = RECURRING_DAYS) -> list[Recurring]:
    """The same checkpoint and item failing twice or more in the last `days` days, most often first."""
    times = func.count()
    rows = db.session.execute(
        # Every status listed: the (site, status, created) index then serves the date range on PostgreSQL.
        select(Finding.checkpoint_id, Finding.item_code, times, func.min(Finding.created_at),
               func.max(Finding.created_at), func.max(Finding.id))
        .where(Finding.site_id == site_id, Finding.status.in_(FINDING_STATUSES), Finding.created_at >= now - timedelta(days=days))
        .group_by(Finding.checkpoint_id, Finding.item_code).having(times >= 2)
        .order_by(times.desc(), func.max(Finding.created_at).desc()).limit(RECURRING_SHOWN)
    ).all()
    if not rows:
        return []
    samples = {f.id: f for f in db.session.scalars(
        select(Finding).where(Finding.id.in_([row[5] for row in rows]))
        .options(joinedload(Finding.checkpoint), joinedload(Finding.answer).joinedload(Answer.item)))}
    return [Recurring(samples[sample_id], count, first_at, last_at) for _cp, _code, count, first_at, last_at, sample_id in rows]
