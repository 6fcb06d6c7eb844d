"""Signatures binding an authenticated person to a patrol log's content."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.model_helpers import one_of, utcnow

MEANINGS = ("performed", "witnessed", "reviewed")
AMENDMENT_STATUSES = ("open", "submitted", "signed", "withdrawn")


class Signature(db.Model):
    __tablename__ = "signatures"
    id: Mapped[int] = mapped_column(primary_key=True)
    log_id: Mapped[int] = mapped_column(ForeignKey("patrol_logs.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    full_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(16))
    meaning: Mapped[str] = mapped_column(String(16))
    # 0 signs the log as submitted; N signs the log with its amendments 1..N appended.
    amendment_no: Mapped[int] = mapped_column(default=0, server_default="0")
    content_sha256: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[datetime] = mapped_column(default=utcnow)

    user = relationship("User")

    __table_args__ = (
        UniqueConstraint("log_id", "amendment_no", "meaning"),
        UniqueConstraint("log_id", "amendment_no", "user_id", "meaning"),
        one_of("meaning", MEANINGS),
        CheckConstraint("amendment_no >= 0", name="amendment_no_non_negative"),
    )


class CosignToken(db.Model):
    """A one-time co-sign QR shown on the patroller's phone: short-lived, single use, stored as a hash."""

    __tablename__ = "cosign_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    log_id: Mapped[int] = mapped_column(ForeignKey("patrol_logs.id"), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    used_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class LogAmendment(db.Model):
    """A correction appended to a locked log (002 §4.11: records are never torn out). The original stays as signed."""

    __tablename__ = "log_amendments"
    id: Mapped[int] = mapped_column(primary_key=True)
    log_id: Mapped[int] = mapped_column(ForeignKey("patrol_logs.id"), index=True)
    number: Mapped[int]  # 1, 2, … per log
    status: Mapped[str] = mapped_column(String(10), default="open")
    reason: Mapped[str | None] = mapped_column(Text)  # required before it can be submitted for signing
    returned_note: Mapped[str | None] = mapped_column(Text)  # the supervisor's note when returned for correction
    returned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]
    signed_at: Mapped[datetime | None]

    changes: Mapped[list[AmendmentChange]] = relationship(back_populates="amendment", order_by="AmendmentChange.id")
    returned_by = relationship("User", foreign_keys=[returned_by_id])
    created_by = relationship("User", foreign_keys=[created_by_id])

    __table_args__ = (
        UniqueConstraint("log_id", "number"),
        one_of("status", AMENDMENT_STATUSES),
        CheckConstraint("number >= 1", name="number_positive"),
        CheckConstraint("status NOT IN ('submitted', 'signed') OR reason IS NOT NULL", name="submitted_has_reason"),
    )


class AmendmentChange(db.Model):
    """The corrected answer to one item; the original answer row is never changed."""

    __tablename__ = "amendment_changes"
    id: Mapped[int] = mapped_column(primary_key=True)
    amendment_id: Mapped[int] = mapped_column(ForeignKey("log_amendments.id"))
    answer_id: Mapped[int] = mapped_column(ForeignKey("answers.id"), index=True)
    result: Mapped[str] = mapped_column(String(4))
    number_value: Mapped[float | None]
    text_value: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    na_reason: Mapped[str | None] = mapped_column(String(255))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)

    amendment: Mapped[LogAmendment] = relationship(back_populates="changes")
    answer = relationship("Answer")

    __table_args__ = (
        UniqueConstraint("amendment_id", "answer_id"),
        one_of("result", ("pass", "fail", "na")),
        CheckConstraint("result <> 'fail' OR note IS NOT NULL", name="fail_has_note"),
        CheckConstraint("result <> 'na' OR na_reason IS NOT NULL", name="na_has_reason"),
    )
