"""Walking a round: start it, open checkpoints, skip them, and submit the log."""
from __future__ import annotations

import random
import time
import uuid
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, OperationalError

from app.audit.services import record
from app.checklists.models import ChecklistTemplate, TemplateVersion
from app.extensions import db
from app.model_helpers import worth_another_attempt
from app.patrols import plausibility
from app.patrols.errors import PatrolError
from app.patrols.models import Answer, CheckpointSkip, PatrolLog, Round, RoundCheckpoint, Visit
from app.patrols.schedules import Occurrence, local_today, occurrences_on
from app.patrols.services import next_log_number, rounds_for


START_ATTEMPTS = 6


def assigned_to(user, round_: Round) -> bool:
    return round_.site_id in user.site_ids and (
        any(a.id == user.id for a in round_.assignees) or (user.team_id and round_.assigned_team_id == user.team_id)
    )


def current_occurrence(round_: Round, tz_name: str, now: datetime) -> Occurrence | None:
    """The window of this round open now (today's or one that started yesterday and crosses midnight)."""
    today = local_today(tz_name, now)
    for day in (today, today.fromordinal(today.toordinal() - 1)):
        for occ in occurrences_on(round_, day, tz_name):
            if occ.state(now) == "open":
                return occ
    return None


def start_round(user, round_: Round, now: datetime) -> PatrolLog:
    """Start the round's open window: the log gets the site's next number. Starting twice returns the same log."""
    if not assigned_to(user, round_):
        raise PatrolError(_("This round is not assigned to you."), 403)
    site_id, tz_name = round_.site_id, round_.site.timezone
    if round_.purpose != "patrol":  # the site keeps its stops: bring them up to date before the day's log starts
        from app.patrols.site_rounds import refresh
        refresh(round_.site, round_.purpose, now)
        db.session.commit()
    occ = current_occurrence(round_, tz_name, now)
    if occ is None:
        raise PatrolError(_("This round has no time window open now."), 409)
    for attempt in range(START_ATTEMPTS):
        began = time.monotonic()
        log = _log_for(occ)
        if log is not None and log.status == "in_progress":
            return log
        if log is not None and log.status != "scheduled":
            raise PatrolError(_("This round has already been done in this window."), 409)
        try:
            if log is None:
                log = PatrolLog(site_id=site_id, round_id=occ.round_id, local_date=occ.local_date,
                                window_position=occ.position, window_starts_at=occ.starts_at, window_ends_at=occ.ends_at)
                db.session.add(log)
            log.number = next_log_number(round_.site, occ.local_date.year)
            log.status, log.started_at, log.started_by_id = "in_progress", now, user.id
            record("patrol_started", log, number=log.number, round_id=occ.round_id)
            db.session.commit()
            return log
        except (IntegrityError, OperationalError) as exc:
            # A colleague started the same window, or took the counter, a moment earlier: the whole
            # transaction (number included) rolls back, so numbers stay gap-free; look again.
            db.session.rollback()
            if not worth_another_attempt(exc, began):
                raise  # the app answers 503 with Retry-After
            round_ = db.session.get(Round, occ.round_id)
            if attempt == START_ATTEMPTS - 1:
                raise PatrolError(_("The round could not be started. Try again."), 409) from None
            time.sleep(random.uniform(0.01, 0.05 * (attempt + 1)))
    raise AssertionError("unreachable")


def _log_for(occ: Occurrence) -> PatrolLog | None:
    return db.session.scalar(select(PatrolLog).where(
        PatrolLog.round_id == occ.round_id, PatrolLog.local_date == occ.local_date, PatrolLog.window_position == occ.position))


def require_walking(log: PatrolLog, user) -> None:
    if log.status != "in_progress":
        raise PatrolError(_("This log has been submitted and can no longer be changed."), 409, code="log_locked")
    if not assigned_to(user, log.round):
        raise PatrolError(_("This round is not assigned to you."), 403, code="not_assigned")


def stop_for(log: PatrolLog, checkpoint_id: int) -> RoundCheckpoint | None:
    return db.session.scalar(select(RoundCheckpoint).where(
        RoundCheckpoint.round_id == log.round_id, RoundCheckpoint.checkpoint_id == checkpoint_id))


def open_visit(log: PatrolLog, checkpoint, user, method: str, now: datetime, manual_reason: str | None = None,
               client_uuid: str | None = None) -> Visit:
    """Arrive at a checkpoint of this log; opening it again returns the same visit."""
    try:
        visit = arrive(log, checkpoint, user, method, now, manual_reason, client_uuid)
        db.session.commit()
    except IntegrityError:  # the same label opened twice at once (camera apps do): one visit
        db.session.rollback()
        visit = db.session.scalar(select(Visit).where(Visit.log_id == log.id, Visit.checkpoint_id == checkpoint.id))
        if visit is None:
            raise
    return visit


def arrive(log: PatrolLog, checkpoint, user, method: str, now: datetime, manual_reason: str | None = None,
           client_uuid: str | None = None, version: TemplateVersion | None = None) -> Visit:
    """open_visit's work inside the caller's transaction (flushed and audited, not committed).

    `now` is when the phone was at the checkpoint; `version` the checklist it showed (default: the latest)."""
    require_walking(log, user)
    stop = stop_for(log, checkpoint.id)
    if stop is None:
        raise PatrolError(_("This checkpoint is not part of this round."), 404, code="not_in_round")
    if not checkpoint.active:
        raise PatrolError(_("This checkpoint has been retired."), 409, code="checkpoint_retired")
    visit = db.session.scalar(select(Visit).where(Visit.log_id == log.id, Visit.checkpoint_id == checkpoint.id))
    if visit is not None:
        return visit
    if version is None:
        version = db.session.get(ChecklistTemplate, stop.template_id).latest_version()
    elif version.template_id != stop.template_id:
        raise PatrolError(_("This checklist is not the one of this checkpoint."), 400, "template_version_id", code="invalid")
    if version is None:
        raise PatrolError(_("This checkpoint's checklist has no published version."), 409)
    # The visit just before this one in time: with phones sending later, a later visit may already be stored.
    previous = db.session.scalar(select(Visit).where(Visit.log_id == log.id, Visit.scanned_at <= now)
                                 .order_by(Visit.scanned_at.desc()).limit(1))
    visit = Visit(log_id=log.id, checkpoint_id=checkpoint.id, template_version_id=version.id, user_id=user.id,
                  client_uuid=client_uuid or str(uuid.uuid4()), method=method, manual_reason=manual_reason, scanned_at=now)
    if previous is not None and plausibility.too_fast(previous.scanned_at, None, now, None):
        visit.flags = "too_fast"
    skip = db.session.scalar(select(CheckpointSkip).where(CheckpointSkip.log_id == log.id,
                                                          CheckpointSkip.checkpoint_id == checkpoint.id))
    if skip is not None:  # got there after all: the visit replaces the skip (the audit trail keeps both)
        record("checkpoint_skip_withdrawn", skip, site_id=log.site_id, checkpoint_id=checkpoint.id, reason=skip.reason)
        db.session.delete(skip)
    db.session.add(visit)
    db.session.flush()
    record("checkpoint_visited", visit, site_id=log.site_id, method=method, checkpoint_id=checkpoint.id,
           manual_reason=manual_reason)
    return visit


def record_location(visit: Visit, checkpoint, user, latitude: float, longitude: float, accuracy_m: float) -> None:
    """Keep the phone's first position fix for this visit and flag it when implausible."""
    locate(visit, checkpoint, user, latitude, longitude, accuracy_m)
    db.session.commit()


def locate(visit: Visit, checkpoint, user, latitude: float, longitude: float, accuracy_m: float) -> None:
    """record_location's work inside the caller's transaction."""
    require_walking(visit.log, user)  # a submitted log's content is signed: no late changes
    if visit.latitude is not None:
        return
    visit.latitude, visit.longitude, visit.accuracy_m = latitude, longitude, accuracy_m
    flags = set(filter(None, (visit.flags or "").split(",")))
    if plausibility.far_away((checkpoint.latitude, checkpoint.longitude), (latitude, longitude), accuracy_m):
        flags.add("far_away")
    previous = db.session.scalar(select(Visit).where(
        Visit.log_id == visit.log_id, Visit.scanned_at < visit.scanned_at, Visit.latitude.is_not(None)
    ).order_by(Visit.scanned_at.desc()).limit(1))
    if previous and plausibility.too_fast(previous.scanned_at, (previous.latitude, previous.longitude),
                                          visit.scanned_at, (latitude, longitude)):
        flags.add("too_fast")
    visit.flags = plausibility.join_flags(*flags)
    record("visit_located", visit, site_id=visit.log.site_id, accuracy_m=accuracy_m, flags=visit.flags)


def skip_checkpoint(log: PatrolLog, checkpoint_id: int, user, reason: str) -> CheckpointSkip:
    try:
        skip = leave_out(log, checkpoint_id, user, reason)
        db.session.commit()
    except IntegrityError:  # skipped twice at once: the first stands
        db.session.rollback()
        skip = db.session.scalar(select(CheckpointSkip).where(CheckpointSkip.log_id == log.id,
                                                              CheckpointSkip.checkpoint_id == checkpoint_id))
        if skip is None:
            raise
    return skip


def leave_out(log: PatrolLog, checkpoint_id: int, user, reason: str) -> CheckpointSkip:
    """skip_checkpoint's work inside the caller's transaction (flushed and audited, not committed)."""
    require_walking(log, user)
    if stop_for(log, checkpoint_id) is None:
        raise PatrolError(_("This checkpoint is not part of this round."), 404, code="not_in_round")
    if db.session.scalar(select(Visit.id).where(Visit.log_id == log.id, Visit.checkpoint_id == checkpoint_id)):
        raise PatrolError(_("This checkpoint has been visited; it cannot be skipped."), 409, code="already_visited")
    skip = db.session.scalar(select(CheckpointSkip).where(CheckpointSkip.log_id == log.id, CheckpointSkip.checkpoint_id == checkpoint_id))
    if skip is None:
        skip = CheckpointSkip(log_id=log.id, checkpoint_id=checkpoint_id, user_id=user.id, reason=reason)
        db.session.add(skip)
    else:
        skip.reason = reason
    db.session.flush()
    record("checkpoint_skipped", skip, site_id=log.site_id, checkpoint_id=checkpoint_id, reason=reason)
    return skip


def rounds_with_checkpoint(user, site, checkpoint_id: int, now: datetime) -> list[Round]:
    """The user's rounds that include this checkpoint and have a window open now."""
    ids = select(RoundCheckpoint.round_id).where(RoundCheckpoint.checkpoint_id == checkpoint_id)
    rounds = db.session.scalars(rounds_for(user, site.id).where(Round.id.in_(ids))).all()
    return [r for r in rounds if current_occurrence(r, site.timezone, now) is not None]


def open_logs_with_checkpoint(user, checkpoint_id: int) -> list[PatrolLog]:
    """My logs in progress whose round includes this checkpoint, newest first."""
    ids = select(RoundCheckpoint.round_id).where(RoundCheckpoint.checkpoint_id == checkpoint_id)
    logs = db.session.scalars(select(PatrolLog).where(
        PatrolLog.status == "in_progress", PatrolLog.round_id.in_(ids), PatrolLog.site_id.in_(user.site_ids)
    ).order_by(PatrolLog.started_at.desc())).all()
    return [log for log in logs if assigned_to(user, log.round)]


def answered_counts(visit_ids: list[int]) -> dict[int, int]:
    if not visit_ids:
        return {}
    return dict(db.session.execute(
        select(Answer.visit_id, func.count()).where(Answer.visit_id.in_(visit_ids)).group_by(Answer.visit_id)
    ).all())
