"""Findings: failed items waiting for a supervisor's decision."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.model_helpers import one_of, utcnow
from app.patrols.models import Answer, Visit

FINDING_STATUSES = ("open", "approved", "rejected", "merged")


def _log_of_answer(context) -> int | None:
    """The log of the finding's answer, for code that names only the answer (submitting passes the log itself)."""
    answer_id = context.get_current_parameters()["answer_id"]
    return context.connection.scalar(
        select(Visit.log_id).join(Answer, Answer.visit_id == Visit.id).where(Answer.id == answer_id))


class Finding(db.Model):
    __tablename__ = "findings"
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    answer_id: Mapped[int] = mapped_column(ForeignKey("answers.id"), unique=True)
    # The log of the answer, kept on the finding so a month's findings are found by their logs (the archive)
    # without going through every answer of the month.
    log_id: Mapped[int] = mapped_column(ForeignKey("patrol_logs.id"), index=True, default=_log_of_answer)
    checkpoint_id: Mapped[int] = mapped_column(ForeignKey("checkpoints.id"))
    item_code: Mapped[str] = mapped_column(String(16))
    severity: Mapped[str] = mapped_column(String(8))
    # The problem as described where it differs from the answer's own note (a failure added by an amendment).
    note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(8), default="open")
    work_order_id: Mapped[int | None] = mapped_column(ForeignKey("work_orders.id"), index=True)
    reject_reason: Mapped[str | None] = mapped_column(String(500))
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    answer = relationship("Answer")

    @property
    def problem(self) -> str | None:
        return self.note or self.answer.note
    checkpoint = relationship("Checkpoint")
    work_order = relationship("WorkOrder")
    decided_by = relationship("User")
    site = relationship("Site")

    __table_args__ = (
        Index("ix_findings_site_status_created", "site_id", "status", "created_at"),
        Index("ix_findings_site_created", "site_id", "created_at"),  # the findings list of any status, newest first
        Index("ix_findings_checkpoint_item", "checkpoint_id", "item_code", "created_at"),
        one_of("status", FINDING_STATUSES),
        one_of("severity", ("minor", "major", "urgent")),
        CheckConstraint("status <> 'rejected' OR reject_reason IS NOT NULL", name="rejected_has_reason"),
        CheckConstraint("status NOT IN ('approved', 'merged') OR work_order_id IS NOT NULL", name="decided_has_work_order"),
    )
