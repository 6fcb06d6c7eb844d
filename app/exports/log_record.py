"""One patrol log as a printable record: who may print it, and everything it holds, loaded in a fixed number of queries."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.auth.models import User
from app.exports.archive import SUBMITTED
from app.extensions import db
from app.patrols.models import Answer, CheckpointSkip, PatrolLog, Visit
from app.signoff.amendments import amendments_of, effective_changes
from app.signoff.content import content_hash
from app.signoff.models import AmendmentChange, LogAmendment, Signature
from app.signoff.services import signature_is_valid

PRINTERS = ("patroller", "supervisor", "admin")
PRINTED_AMENDMENTS = ("submitted", "signed")  # a draft is not yet part of the record; a withdrawn one never was


def may_print_log(user: User, log: PatrolLog) -> bool:
    """Supervisors and admins print any log of their sites; a patroller prints the logs they walked or signed."""
    if user.role in ("supervisor", "admin"):
        return True
    if user.role != "patroller":
        return False
    if log.started_by_id == user.id:
        return True
    signed = db.session.scalar(select(Signature.id).where(Signature.log_id == log.id, Signature.user_id == user.id).limit(1))
    return signed is not None


@dataclass
class LogRecord:
    log: PatrolLog
    visits: list[Visit]
    skips: list[CheckpointSkip]
    signatures: list[tuple[Signature, bool]]  # with whether it still matches the content of its stage
    amendments: list[LogAmendment]
    corrected: dict[int, tuple[AmendmentChange, int]]  # answer id → (the change that counts, its amendment number)

    @property
    def failures(self) -> int:
        return self._count("fail")

    @property
    def score(self) -> float | None:
        """The score stored on submit; for logs that predate it, the same rule (passed of pass + fail) applied here."""
        if self.log.score is not None or self.log.status not in SUBMITTED:
            return self.log.score
        passed, failed = self._count("pass"), self._count("fail")
        return round(passed / (passed + failed), 4) if passed + failed else None

    def _count(self, result: str) -> int:
        return sum(1 for visit in self.visits for answer in visit.answers if self.result_of(answer) == result)

    def result_of(self, answer: Answer) -> str:
        fix = self.corrected.get(answer.id)
        return fix[0].result if fix else answer.result


def log_record(log: PatrolLog) -> LogRecord:
    visits = db.session.scalars(
        select(Visit).where(Visit.log_id == log.id).order_by(Visit.scanned_at, Visit.id)
        .options(selectinload(Visit.checkpoint), selectinload(Visit.answers).selectinload(Answer.item),
                 selectinload(Visit.answers).selectinload(Answer.photos))).all()
    for visit in visits:
        visit.answers.sort(key=lambda answer: answer.item.position)
    skips = db.session.scalars(
        select(CheckpointSkip).where(CheckpointSkip.log_id == log.id).order_by(CheckpointSkip.at)
        .options(selectinload(CheckpointSkip.checkpoint), selectinload(CheckpointSkip.user))).all()
    signatures = db.session.scalars(select(Signature).where(Signature.log_id == log.id)
                                    .order_by(Signature.amendment_no, Signature.signed_at)).all()
    digests = {stage: content_hash(log, stage) for stage in {s.amendment_no for s in signatures}}
    return LogRecord(
        log=log, visits=list(visits), skips=list(skips),
        signatures=[(s, signature_is_valid(s, digests[s.amendment_no])) for s in signatures],
        amendments=[a for a in amendments_of(log) if a.status in PRINTED_AMENDMENTS], corrected=effective_changes(log))
