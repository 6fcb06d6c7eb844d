"""The supervisor's weekly review (003 §3): the week's logs signed by both colleagues, approved one by one or as a set."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.audit.services import record
from app.auth.models import User
from app.extensions import db
from app.patrols.errors import PatrolError
from app.patrols.models import Answer, PatrolLog, Visit
from app.patrols.schedules import local_today
from app.reviews.models import ReviewBatch
from app.reviews.periods import IsoWeek
from app.signoff.models import Signature
from app.signoff.services import approve

BATCH_LIMIT = 100  # logs per "review all": each is hashed again on signing, so a batch stays one quick request
LIST_LIMIT = 500
WAITING = ("submitted", "amending", "returned")


@dataclass
class WeekLogs:
    """A site's logs of one week as one supervisor sees them for review."""

    week: IsoWeek
    pending: list[PatrolLog] = field(default_factory=list)  # signed by both, this supervisor may approve
    own: list[PatrolLog] = field(default_factory=list)  # signed by both, but this supervisor signed it too
    reviewed: list[PatrolLog] = field(default_factory=list)
    failures: dict[int, int] = field(default_factory=dict)
    waiting: int = 0  # walked, still waiting for signatures or under correction
    missed: int = 0
    batches: list[ReviewBatch] = field(default_factory=list)

    @property
    def listed(self) -> list[PatrolLog]:
        """What "review all listed" signs: the first BATCH_LIMIT pending logs."""
        return self.pending[:BATCH_LIMIT]


def _in_week(site_id: int, week: IsoWeek):
    return (PatrolLog.site_id == site_id, PatrolLog.local_date >= week.first, PatrolLog.local_date <= week.last)


def default_week(site, now: datetime) -> IsoWeek:
    """Last week while it still has logs to review, else this week."""
    this_week = IsoWeek.of(local_today(site.timezone, now))
    last_week = this_week.shifted(-1)
    pending = db.session.scalar(select(func.count()).select_from(PatrolLog).where(
        *_in_week(site.id, last_week), PatrolLog.status == "signed"))
    return last_week if pending else this_week


def failure_counts(log_ids: list[int]) -> dict[int, int]:
    """Failed answers per log, as walked (corrections show on the log itself)."""
    if not log_ids:
        return {}
    return dict(db.session.execute(
        select(Visit.log_id, func.count()).join(Answer).where(Visit.log_id.in_(log_ids), Answer.result == "fail")
        .group_by(Visit.log_id)).all())


def week_logs(site_id: int, week: IsoWeek, supervisor: User) -> WeekLogs:
    """The week's signed and reviewed logs, split by what this supervisor may approve, plus counts of the rest."""
    logs = db.session.scalars(
        select(PatrolLog).where(*_in_week(site_id, week), PatrolLog.status.in_(("signed", "reviewed")))
        .options(selectinload(PatrolLog.round), selectinload(PatrolLog.started_by))
        .order_by(PatrolLog.local_date, PatrolLog.number).limit(LIST_LIMIT)).all()
    signed = [log.id for log in logs if log.status == "signed"]
    mine = set(db.session.scalars(select(Signature.log_id).where(
        Signature.log_id.in_(signed), Signature.user_id == supervisor.id, Signature.meaning != "reviewed"))) if signed else set()
    counts = dict(db.session.execute(
        select(PatrolLog.status, func.count()).where(*_in_week(site_id, week), PatrolLog.status.in_(WAITING + ("missed",)))
        .group_by(PatrolLog.status)).all())
    result = WeekLogs(week, waiting=sum(counts.get(s, 0) for s in WAITING), missed=counts.get("missed", 0))
    for log in logs:
        if log.status == "reviewed":
            result.reviewed.append(log)
        else:
            (result.own if log.id in mine else result.pending).append(log)
    result.failures = failure_counts([log.id for log in result.pending[:BATCH_LIMIT] + result.own])
    result.batches = list(db.session.scalars(
        select(ReviewBatch).where(ReviewBatch.site_id == site_id, ReviewBatch.iso_year == week.year,
                                  ReviewBatch.iso_week == week.week).order_by(ReviewBatch.signed_at.desc()).limit(20)))
    return result


def set_digest(pairs: list[tuple[int, str]]) -> str:
    """SHA-256 over the sorted "log id:content hash" lines of a reviewed set."""
    lines = "\n".join(f"{log_id}:{digest}" for log_id, digest in sorted(pairs))
    return hashlib.sha256(lines.encode("ascii")).hexdigest()


def review_week(site, supervisor: User, week: IsoWeek, log_ids: list[int], now: datetime) -> ReviewBatch:
    """Approve every listed log in one transaction (each gets its own signature) and sign the set; all or nothing."""
    if supervisor.role != "supervisor" or site.id not in supervisor.site_ids:
        raise PatrolError(_("Only a supervisor of this site can approve logs."), 403)
    ids = sorted(set(log_ids))
    if not ids:
        raise PatrolError(_("There are no logs to review in this list."), 400)
    if len(ids) > BATCH_LIMIT:
        raise PatrolError(_("At most %(limit)d logs can be reviewed at once.", limit=BATCH_LIMIT), 400)
    # In id order, so two supervisors reviewing overlapping lists take the row locks in the same order.
    logs = db.session.scalars(select(PatrolLog).where(PatrolLog.id.in_(ids), *_in_week(site.id, week))
                              .order_by(PatrolLog.id)).all()
    if len(logs) != len(ids):
        raise PatrolError(_("Some of these logs are not logs of this site in that week. Reload the list."), 400)
    pairs = []
    for log in logs:
        try:
            signature = approve(log, supervisor, now)
        except PatrolError as exc:
            db.session.rollback()
            raise PatrolError(_("Log %(number)s: %(reason)s Nothing was signed; reload the list.",
                                number=log.number, reason=exc.message), exc.status) from None
        pairs.append((log.id, signature.content_sha256))
    batch = ReviewBatch(site_id=site.id, iso_year=week.year, iso_week=week.week, supervisor_id=supervisor.id,
                        full_name=supervisor.full_name, log_ids=ids, log_count=len(ids), set_sha256=set_digest(pairs),
                        signed_at=now)
    db.session.add(batch)
    record("weekly_review_signed", batch, actor=supervisor, week=str(week), log_count=len(ids), set_sha256=batch.set_sha256)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise PatrolError(_("Someone has already approved some of these logs. Nothing was signed; reload the list."), 409) from None
    return batch
