"""Shift handover at the duty desk (002 值班 §4.2): what was open, a note, and both staff's signatures."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.model_helpers import utcnow


class Handover(db.Model):
    __tablename__ = "handovers"
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    number: Mapped[str] = mapped_column(String(32))
    shift_starts_at: Mapped[datetime]  # UTC
    shift_ends_at: Mapped[datetime]  # UTC
    note: Mapped[str] = mapped_column(Text)
    # What was open when the handover was written, frozen: findings, work orders, rounds in progress or missed.
    snapshot: Mapped[dict] = mapped_column(JSON)
    content_sha256: Mapped[str] = mapped_column(String(64))  # number, shift, note and snapshot, as both sign them
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    outgoing_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    outgoing_name: Mapped[str | None] = mapped_column(String(120))
    outgoing_signed_at: Mapped[datetime | None]
    incoming_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    incoming_name: Mapped[str | None] = mapped_column(String(120))
    incoming_signed_at: Mapped[datetime | None]
    incoming_note: Mapped[str | None] = mapped_column(Text)  # what the incoming staff found on taking over

    site = relationship("Site")
    created_by = relationship("User", foreign_keys=[created_by_id])

    __table_args__ = (
        UniqueConstraint("site_id", "number"),
        Index("ix_handovers_site_created", "site_id", "created_at"),
        CheckConstraint("shift_starts_at < shift_ends_at", name="shift_ordered"),
        CheckConstraint("outgoing_id IS NULL OR incoming_id IS NULL OR outgoing_id <> incoming_id", name="two_people"),
        CheckConstraint("(outgoing_id IS NULL) = (outgoing_signed_at IS NULL)", name="outgoing_signed_at"),
        CheckConstraint("(incoming_id IS NULL) = (incoming_signed_at IS NULL)", name="incoming_signed_at"),
    )

    @property
    def state(self) -> str:
        """'open' until both have signed, then 'signed'."""
        return "signed" if self.outgoing_id and self.incoming_id else "open"
