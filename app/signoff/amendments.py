"""Corrections to a locked log as appended amendments (002 §4.11): the original stays, both colleagues sign again."""
from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.audit.services import record
from app.auth.models import User
from app.extensions import db
from app.patrols.answering import Decision, decide
from app.patrols.errors import PatrolError
from app.patrols.models import Answer, PatrolLog, Visit
from app.signoff.models import AmendmentChange, LogAmendment, Signature
from app.signoff.services import lock_log
from app.validation import clean_text

CORRECTABLE = ("signed", "reviewed")
CORRECTING = ("amending", "returned")
NOTE_MAX = 2000


def open_amendment(log: PatrolLog) -> LogAmendment | None:
    """The amendment being written or waiting for signatures, if any."""
    return db.session.scalar(select(LogAmendment).where(
        LogAmendment.log_id == log.id, LogAmendment.status.in_(("open", "submitted")))
        .options(selectinload(LogAmendment.changes)))


def amendments_of(log: PatrolLog) -> list[LogAmendment]:
    """Every amendment of the log, oldest first, with its changes and what they changed."""
    answer = selectinload(LogAmendment.changes).selectinload(AmendmentChange.answer)
    return list(db.session.scalars(
        select(LogAmendment).where(LogAmendment.log_id == log.id).order_by(LogAmendment.number)
        .options(answer.selectinload(Answer.item), answer.selectinload(Answer.visit).selectinload(Visit.checkpoint),
                 selectinload(LogAmendment.returned_by))))


def effective_changes(log: PatrolLog) -> dict[int, tuple[AmendmentChange, int]]:
    """answer id → (the change that counts, its amendment number): the latest signed amendment wins."""
    rows = db.session.execute(
        select(AmendmentChange, LogAmendment.number).join(LogAmendment)
        .where(LogAmendment.log_id == log.id, LogAmendment.status == "signed").order_by(LogAmendment.number)
    ).all()
    return {change.answer_id: (change, number) for change, number in rows}


def _reason(text, field: str, message) -> str:
    cleaned = clean_text(text, NOTE_MAX + 1)
    if not cleaned:
        raise PatrolError(message, 400, field)
    if len(cleaned) > NOTE_MAX:
        raise PatrolError(_("Too long: at most %(limit)d characters.", limit=NOTE_MAX), 400, field)
    return cleaned


def _next_number(log: PatrolLog) -> int:
    return (db.session.scalar(select(func.max(LogAmendment.number)).where(LogAmendment.log_id == log.id)) or 0) + 1


def _require_correctable(log: PatrolLog) -> None:
    lock_log(log)
    if log.status in CORRECTING:
        raise PatrolError(_("A correction of this log is already under way."), 409)
    if log.status not in CORRECTABLE:
        raise PatrolError(_("Only a log signed by both colleagues can be corrected."), 409)


def start_amendment(log: PatrolLog, user: User, now: datetime) -> LogAmendment:
    """The patroller who walked the round opens a correction; the log is unlocked only through it."""
    if user.id != log.started_by_id:
        raise PatrolError(_("Only the patroller who walked the round can correct the log."), 403)
    _require_correctable(log)
    amendment = LogAmendment(log_id=log.id, number=_next_number(log), created_by_id=user.id, created_at=now)
    db.session.add(amendment)
    log.status = "amending"
    db.session.flush()
    record("amendment_started", log, actor=user, amendment=amendment.number)
    db.session.commit()
    return amendment


def return_for_correction(log: PatrolLog, supervisor: User, note: str, now: datetime) -> LogAmendment:
    """A supervisor sends a signed log back to its patroller with a note saying what to correct."""
    if supervisor.role != "supervisor" or log.site_id not in supervisor.site_ids:
        raise PatrolError(_("Only a supervisor of this site can return logs for correction."), 403)
    text = _reason(note, "note", _("Say what has to be corrected."))
    _require_correctable(log)
    amendment = LogAmendment(log_id=log.id, number=_next_number(log), created_by_id=supervisor.id, created_at=now,
                             returned_note=text, returned_by_id=supervisor.id)
    db.session.add(amendment)
    log.status = "returned"
    db.session.flush()
    record("log_returned", log, actor=supervisor, amendment=amendment.number, note=text)
    db.session.commit()
    return amendment


def _editable(log: PatrolLog, user: User) -> LogAmendment:
    if user.id != log.started_by_id:
        raise PatrolError(_("Only the patroller who walked the round can correct the log."), 403)
    lock_log(log)
    amendment = open_amendment(log)
    if amendment is None or amendment.status != "open":
        raise PatrolError(_("This correction has been submitted for signing and can no longer be changed."), 409)
    return amendment


def _as_decision(value) -> Decision:
    return Decision(value.result, value.number_value, value.text_value, value.note, value.na_reason)


def change_answer(log: PatrolLog, answer_id: int, user: User, data: dict, now: datetime) -> AmendmentChange | None:
    """Record the corrected answer in the open amendment; answering as it already stands drops the change."""
    amendment = _editable(log, user)
    answer = db.session.scalar(select(Answer).join(Visit).where(Answer.id == answer_id, Visit.log_id == log.id)
                               .options(selectinload(Answer.item)))
    if answer is None:
        raise PatrolError(_("This answer is not part of this log."), 404)
    decision = decide(answer.item, data)
    current = effective_changes(log).get(answer.id)
    standing = _as_decision(current[0] if current else answer)
    change = next((c for c in amendment.changes if c.answer_id == answer.id), None)
    before = _as_decision(change).__dict__ if change else None
    if decision == standing:
        if change is not None:
            db.session.delete(change)  # an unsigned draft line, not a record: nothing is lost
            record("amendment_change_dropped", log, actor=user, amendment=amendment.number, item=answer.item.code)
            db.session.commit()
        return None
    if change is None:
        change = AmendmentChange(amendment_id=amendment.id, answer_id=answer.id)
        db.session.add(change)
    change.result, change.number_value, change.text_value = decision.result, decision.number_value, decision.text_value
    change.note, change.na_reason, change.changed_at = decision.note, decision.na_reason, now
    db.session.flush()
    record("amendment_answer_changed", log, actor=user, amendment=amendment.number, item=answer.item.code,
           before=before, after=decision.__dict__)
    db.session.commit()
    return change


def drop_change(log: PatrolLog, answer_id: int, user: User) -> None:
    """Take one corrected answer back out of the open amendment."""
    amendment = _editable(log, user)
    change = next((c for c in amendment.changes if c.answer_id == answer_id), None)
    if change is None:
        raise PatrolError(_("This answer has not been changed in the correction."), 404)
    db.session.delete(change)  # an unsigned draft line, not a record: nothing is lost
    record("amendment_change_dropped", log, actor=user, amendment=amendment.number, answer_id=answer_id)
    db.session.commit()


def submit_amendment(log: PatrolLog, user: User, reason: str, now: datetime) -> LogAmendment:
    """Close the correction with its reason; it then needs the patroller's and a colleague's signatures."""
    text = _reason(reason, "reason", _("Give the reason for the correction."))
    amendment = _editable(log, user)
    if not amendment.changes:
        raise PatrolError(_("Change at least one answer before submitting the correction."), 409)
    amendment.reason, amendment.status, amendment.submitted_at = text, "submitted", now
    record("amendment_submitted", log, actor=user, amendment=amendment.number, reason=text,
           changes=len(amendment.changes))
    db.session.commit()
    return amendment


def withdraw_amendment(log: PatrolLog, user: User, now: datetime) -> LogAmendment:
    """Drop a correction the patroller opened by mistake; one a supervisor asked for cannot be dropped."""
    amendment = _editable(log, user)
    if amendment.returned_note:
        raise PatrolError(_("A supervisor returned this log for correction: it cannot be withdrawn."), 409)
    amendment.status = "withdrawn"
    reviewed = db.session.scalar(select(func.count()).select_from(Signature).where(
        Signature.log_id == log.id, Signature.meaning == "reviewed", Signature.amendment_no == amendment.number - 1))
    log.status = "reviewed" if reviewed else "signed"
    record("amendment_withdrawn", log, actor=user, amendment=amendment.number)
    db.session.commit()
    return amendment


def amendment_signed(log: PatrolLog, number: int, now: datetime) -> None:
    """Both signed amendment N: it takes effect, the score follows it and new failures become findings."""
    from app.findings.models import Finding
    from app.findings.services import create_findings

    amendment = db.session.scalar(select(LogAmendment).where(LogAmendment.log_id == log.id, LogAmendment.number == number))
    amendment.status, amendment.signed_at = "signed", now
    db.session.flush()
    effective = effective_changes(log)
    answers = db.session.scalars(select(Answer).join(Visit).where(Visit.log_id == log.id)
                                 .options(selectinload(Answer.item), selectinload(Answer.visit))).all()
    results = {a.id: (effective[a.id][0].result if a.id in effective else a.result) for a in answers}
    passed = sum(1 for r in results.values() if r == "pass")
    counted = passed + sum(1 for r in results.values() if r == "fail")
    log.score = round(passed / counted, 4) if counted else None
    raised = set(db.session.scalars(select(Finding.answer_id).where(Finding.answer_id.in_([a.id for a in answers]))))
    newly_failed = [a for a in answers if results[a.id] == "fail" and a.id not in raised]
    notes = {a.id: effective[a.id][0].note for a in newly_failed}
    create_findings(log, newly_failed, now, notes=notes)
