"""Finishing a log: everything visited or skipped, every item answered; failures become findings."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import case, func, select, update
from sqlalchemy.orm import selectinload

from app.audit.services import record
from app.checklists.models import TemplateVersion
from app.extensions import db
from app.patrols.errors import PatrolError
from app.patrols.events import log_submitted
from app.patrols.models import Answer, CheckpointSkip, PatrolLog, RoundCheckpoint, Visit
from app.patrols.walking import require_walking


@dataclass
class Progress:
    """Where a log stands: per stop, visited / skipped / answered counts, and what blocks submitting."""

    stops: list = field(default_factory=list)  # (RoundCheckpoint, Visit | None, CheckpointSkip | None, answered, total)
    missing: list[str] = field(default_factory=list)  # human-readable reasons the log cannot be submitted yet
    passed: int = 0
    failed: int = 0

    @property
    def done(self) -> int:
        return sum(1 for _stop, visit, skip, answered, total in self.stops if skip or (visit and answered == total))

    @property
    def score(self) -> float | None:
        counted = self.passed + self.failed
        return round(self.passed / counted, 4) if counted else None


def progress(log: PatrolLog, lang: str = "zh") -> Progress:
    """Compute the log's progress in a fixed number of queries."""
    stops = db.session.scalars(select(RoundCheckpoint).where(RoundCheckpoint.round_id == log.round_id)
                               .order_by(RoundCheckpoint.position).options(selectinload(RoundCheckpoint.checkpoint))).all()
    visits = {v.checkpoint_id: v for v in db.session.scalars(
        select(Visit).where(Visit.log_id == log.id).options(selectinload(Visit.answers).selectinload(Answer.photos),
                                                            selectinload(Visit.answers).selectinload(Answer.item)))}
    skips = {s.checkpoint_id: s for s in db.session.scalars(select(CheckpointSkip).where(CheckpointSkip.log_id == log.id))}
    version_ids = {v.template_version_id for v in visits.values()}
    versions = {v.id: v for v in db.session.scalars(
        select(TemplateVersion).where(TemplateVersion.id.in_(version_ids)).options(selectinload(TemplateVersion.items)))}
    result = Progress()
    for stop in stops:
        visit, skip = visits.get(stop.checkpoint_id), skips.get(stop.checkpoint_id)
        name = stop.checkpoint.name(lang)
        total = len(versions[visit.template_version_id].items) if visit else 0
        answered = len(visit.answers) if visit else 0
        result.stops.append((stop, visit, skip, answered, total))
        if visit is None and skip is None:
            result.missing.append(_("%(checkpoint)s: not visited yet (visit it or skip it with a reason).", checkpoint=name))
        elif visit is not None and answered < total:
            result.missing.append(_("%(checkpoint)s: %(left)d items not answered.", checkpoint=name, left=total - answered))
        for answer in visit.answers if visit else []:
            if answer.result == "pass":
                result.passed += 1
            elif answer.result == "fail":
                result.failed += 1
                if answer.item.photo_on_fail and not answer.photos:
                    result.missing.append(_("%(checkpoint)s: a failed item needs a photo.", checkpoint=name))
    return result


def answer_counts(log_id: int) -> tuple[int, int, int]:
    """(answers, passes, failures) of every visit of the log, also at stops removed from the round meanwhile."""
    answers, passes, failures = db.session.execute(
        select(func.count(Answer.id), func.sum(case((Answer.result == "pass", 1), else_=0)),
               func.sum(case((Answer.result == "fail", 1), else_=0)))
        .join(Visit, Visit.id == Answer.visit_id).where(Visit.log_id == log_id)
    ).one()
    return answers, passes or 0, failures or 0


def submit_log(log: PatrolLog, user, now: datetime, lang: str = "zh") -> Progress:
    """Submit a complete log: failures become findings (urgent ones dispatched at once). Locked afterwards."""
    from app.findings.services import create_findings  # findings build on patrols, not the reverse

    require_walking(log, user)
    state = progress(log, lang)
    if state.missing:
        raise PatrolError(_("The log is not complete yet."), 409, code="incomplete")
    answers, passes, failures = answer_counts(log.id)
    changed = db.session.execute(
        update(PatrolLog).where(PatrolLog.id == log.id, PatrolLog.status == "in_progress")
        .values(status="submitted", submitted_at=now, score=state.score, answer_count=answers, pass_count=passes,
                fail_count=failures)
    ).rowcount
    if changed != 1:  # submitted twice at once: the first one counts
        db.session.rollback()
        raise PatrolError(_("This log has been submitted and can no longer be changed."), 409, code="log_locked")
    # Every failure recorded in the log becomes a finding, also at a stop removed from the round meanwhile.
    failed = db.session.scalars(select(Answer).join(Visit).where(Visit.log_id == log.id, Answer.result == "fail")
                                .options(selectinload(Answer.item), selectinload(Answer.visit))).all()
    findings = create_findings(log, failed, now)
    log_submitted.send(log, findings=findings, user=user, now=now)
    record("patrol_submitted", log, number=log.number, score=state.score, findings=len(findings))
    db.session.commit()
    db.session.refresh(log)
    return state
