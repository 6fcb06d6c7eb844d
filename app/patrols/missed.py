"""Recording missed rounds: a window that ended without a submitted log (run from cron, and on overview pages)."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.audit.services import SYSTEM, record
from app.extensions import db
from app.patrols import site_rounds
from app.patrols.models import PatrolLog, Round
from app.patrols.schedules import local_today, occurrences_on

GRACE = timedelta(hours=1)  # a round under way at the window's end may still be finished within this
LOOKBACK_DAYS = 7


def mark_missed(site, now: datetime, lookback_days: int = LOOKBACK_DAYS) -> int:
    """Mark every ended window of the last days without a submitted log as missed; returns how many. Idempotent."""
    rounds = db.session.scalars(select(Round).where(Round.site_id == site.id, Round.active.is_(True))
                                .options(selectinload(Round.windows))).all()
    if not rounds:
        return 0
    today = local_today(site.timezone, now)
    first = today - timedelta(days=lookback_days)
    logs = {(log.round_id, log.local_date, log.window_position): log for log in db.session.scalars(
        select(PatrolLog).where(PatrolLog.site_id == site.id, PatrolLog.local_date >= first))}
    try:
        marked = _mark(site, rounds, logs, first, lookback_days, now)
        if marked:  # a commit with nothing written would still expire everything the page has loaded so far
            db.session.commit()
    except IntegrityError:  # another worker marked the same window at the same moment (at a flush or at the commit)
        db.session.rollback()
        return 0
    return marked


def _had_stops(site, round_, occ, today, cache: dict) -> bool:
    """Whether a site-kept round had stops in this window. Its stops follow what is due day by day and no past day's
    are kept, so only a window that ended today counts, and only if something was due on its day: a vacant-unit round
    resting between weekly visits (or a renovation round with no permit live) has missed nothing."""
    if local_today(site.timezone, occ.ends_at) != today:
        return False
    key = (round_.purpose, occ.local_date)
    if key not in cache:
        cache[key] = bool(site_rounds.wanted_on(site, round_.purpose, occ.local_date))
    return cache[key]


def _mark(site, rounds, logs, first, lookback_days: int, now: datetime) -> int:
    marked = 0
    today, had_stops = first + timedelta(days=lookback_days), {}
    for offset in range(lookback_days + 1):
        day = first + timedelta(days=offset)
        for round_ in rounds:
            for occ in occurrences_on(round_, day, site.timezone):
                if occ.ends_at <= round_.created_at:
                    continue  # the round did not exist yet
                log = logs.get((round_.id, day, occ.position))
                if log is None and now >= occ.ends_at:
                    if round_.purpose != "patrol" and not _had_stops(site, round_, occ, today, had_stops):
                        continue
                    log = PatrolLog(site_id=site.id, round_id=round_.id, local_date=day, window_position=occ.position,
                                    window_starts_at=occ.starts_at, window_ends_at=occ.ends_at, status="missed")
                    db.session.add(log)
                elif log is not None and log.status in ("scheduled", "in_progress") and now >= occ.ends_at + GRACE:
                    log.status = "missed"
                else:
                    continue
                db.session.flush()
                record("patrol_missed", log, actor=SYSTEM, round_id=round_.id, local_date=day.isoformat())
                marked += 1
    return marked
