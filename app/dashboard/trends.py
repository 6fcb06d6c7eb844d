"""The last 30 site-local days: patrol completion, findings, work orders opened and closed, median time to close."""
from __future__ import annotations

import bisect
import statistics
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import case, func, select

from app.dashboard.days import day_bounds
from app.extensions import db
from app.findings.models import FINDING_STATUSES, Finding
from app.patrols.models import PatrolLog
from app.patrols.schedules import local_today
from app.work_orders.models import WorkOrder

TREND_DAYS = 30
DONE_STATUSES = ("submitted", "signed", "reviewed", "amending", "returned")


@dataclass
class Trend:
    days: list[date]
    completion: list[float | None]  # % of ended windows done (done or missed); None: no window that day
    findings: list[int]
    opened: list[int]
    closed: list[int]
    median_hours: list[float | None]  # of the orders closed that day, from creation to close


def trend(site, now: datetime, days: int = TREND_DAYS) -> Trend:
    """Five series over the last `days` local days, today last, in four queries whatever the history's size."""
    last = local_today(site.timezone, now)
    first = last - timedelta(days=days - 1)
    bounds = day_bounds(first, last, site.timezone)
    closed_rows = db.session.execute(
        select(WorkOrder.created_at, WorkOrder.closed_at)
        .where(WorkOrder.site_id == site.id, WorkOrder.closed_at >= bounds[0], WorkOrder.closed_at < bounds[-1])
    ).all()
    durations: list[list[float]] = [[] for _ in range(days)]
    for created_at, closed_at in closed_rows:
        durations[bisect.bisect_right(bounds, closed_at) - 1].append((closed_at - created_at).total_seconds() / 3600)
    return Trend(
        days=[first + timedelta(days=n) for n in range(days)],
        completion=_completion(site.id, first, last),
        # Every status listed: the (site, status, created) index then serves the date range on PostgreSQL.
        findings=per_day(Finding.created_at, bounds, Finding.site_id == site.id, Finding.status.in_(FINDING_STATUSES)),
        opened=per_day(WorkOrder.created_at, bounds, WorkOrder.site_id == site.id),
        closed=[len(day) for day in durations],
        median_hours=[round(statistics.median(day), 1) if day else None for day in durations],
    )


def per_day(column, bounds: list[datetime], *where) -> list[int]:
    """How many rows fall in each day between consecutive `bounds`: one row of sums, nothing per record."""
    sums = [func.sum(case(((column >= start) & (column < end), 1), else_=0)) for start, end in zip(bounds, bounds[1:])]
    row = db.session.execute(select(*sums).where(*where, column >= bounds[0], column < bounds[-1])).one()
    return [value or 0 for value in row]


def _completion(site_id: int, first: date, last: date) -> list[float | None]:
    rows = db.session.execute(
        select(PatrolLog.local_date, func.sum(case((PatrolLog.status.in_(DONE_STATUSES), 1), else_=0)),
               func.sum(case((PatrolLog.status == "missed", 1), else_=0)))
        .where(PatrolLog.site_id == site_id, PatrolLog.local_date >= first, PatrolLog.local_date <= last)
        .group_by(PatrolLog.local_date)
    ).all()
    shares = {day: round(100 * (done or 0) / ((done or 0) + (missed or 0)), 1) for day, done, missed in rows if (done or 0) + (missed or 0)}
    return [shares.get(first + timedelta(days=n)) for n in range((last - first).days + 1)]
