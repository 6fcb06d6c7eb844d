"""The last 30 site-local days: patrol completion, findings, work orders opened and closed, median time to close."""
from __future__ import annotations

import bisect
import statistics
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, case, func, or_, select

from app.dashboard.days import day_bounds
from app.extensions import db
from app.findings.models import Finding
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
    """Five series over the last `days` local days, today last, in three queries whatever the history's size.

    Only the rows of the period are read, each through an index on (site, time): their times are sorted into days
    here, which costs less than asking the database for a sum per day."""
    last = local_today(site.timezone, now)
    first = last - timedelta(days=days - 1)
    bounds = day_bounds(first, last, site.timezone)
    start, end = bounds[0], bounds[-1]
    orders = db.session.execute(
        select(WorkOrder.created_at, WorkOrder.closed_at).where(
            WorkOrder.site_id == site.id,
            or_(and_(WorkOrder.created_at >= start, WorkOrder.created_at < end),
                and_(WorkOrder.closed_at >= start, WorkOrder.closed_at < end)))
    ).all()
    opened = [0] * days
    durations: list[list[float]] = [[] for _ in range(days)]
    for created_at, closed_at in orders:
        if start <= created_at < end:
            opened[bisect.bisect_right(bounds, created_at) - 1] += 1
        if closed_at is not None and start <= closed_at < end:
            durations[bisect.bisect_right(bounds, closed_at) - 1].append((closed_at - created_at).total_seconds() / 3600)
    findings = [0] * days
    raised = select(Finding.created_at).where(Finding.site_id == site.id, Finding.created_at >= start,
                                              Finding.created_at < end)
    for (created_at,) in db.session.execute(raised):
        findings[bisect.bisect_right(bounds, created_at) - 1] += 1
    return Trend(
        days=[first + timedelta(days=n) for n in range(days)],
        completion=_completion(site.id, first, last),
        findings=findings,
        opened=opened,
        closed=[len(day) for day in durations],
        median_hours=[round(statistics.median(day), 1) if day else None for day in durations],
    )


def _completion(site_id: int, first: date, last: date) -> list[float | None]:
    rows = db.session.execute(
        select(PatrolLog.local_date, func.sum(case((PatrolLog.status.in_(DONE_STATUSES), 1), else_=0)),
               func.sum(case((PatrolLog.status == "missed", 1), else_=0)))
        .where(PatrolLog.site_id == site_id, PatrolLog.local_date >= first, PatrolLog.local_date <= last)
        .group_by(PatrolLog.local_date)
    ).all()
    shares = {day: round(100 * (done or 0) / ((done or 0) + (missed or 0)), 1) for day, done, missed in rows if (done or 0) + (missed or 0)}
    return [shares.get(first + timedelta(days=n)) for n in range((last - first).days + 1)]
