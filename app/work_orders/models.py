"""Maintenance teams and the work orders they take."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.model_helpers import one_of, utcnow

TEAM_CODES = ("engineering", "cleaning", "greening", "security")
WORK_ORDER_STATUSES = ("new", "claimed", "in_progress", "done", "verified", "closed", "reopened")
PRIORITIES = ("minor", "major", "urgent")


class Team(db.Model):
    __tablename__ = "teams"
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    code: Mapped[str] = mapped_column(String(32))
    name_zh: Mapped[str] = mapped_column(String(64))
    name_en: Mapped[str] = mapped_column(String(64))

    site = relationship("Site")

    __table_args__ = (UniqueConstraint("site_id", "code"),)

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_zh


class WorkOrder(db.Model):
    __tablename__ = "work_orders"
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    number: Mapped[str] = mapped_column(String(32))
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    checkpoint_id: Mapped[int | None] = mapped_column(ForeignKey("checkpoints.id"))
    item_code: Mapped[str | None] = mapped_column(String(16))  # stable across template versions: merges match on it
    item_id: Mapped[int | None] = mapped_column(ForeignKey("checklist_items.id"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    priority: Mapped[str] = mapped_column(String(8), default="minor")
    status: Mapped[str] = mapped_column(String(16), default="new")
    repeat_count: Mapped[int] = mapped_column(default=1)
    due_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    claimed_at: Mapped[datetime | None]
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[datetime | None]
    done_at: Mapped[datetime | None]
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    verified_at: Mapped[datetime | None]
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None]

    team = relationship("Team")
    site = relationship("Site")
    checkpoint = relationship("Checkpoint")
    item = relationship("ChecklistItem")
    done_by = relationship("User", foreign_keys=[done_by_id])
    claimed_by = relationship("User", foreign_keys=[claimed_by_id])
    created_by = relationship("User", foreign_keys=[created_by_id])
    verified_by = relationship("User", foreign_keys=[verified_by_id])

    __table_args__ = (
        UniqueConstraint("site_id", "number"),
        Index("ix_work_orders_team_status", "team_id", "status"),
        Index("ix_work_orders_site_status_due", "site_id", "status", "due_at"),
        Index("ix_work_orders_site_created", "site_id", "created_at"),  # lists newest first, opened-per-day trend
        Index("ix_work_orders_site_closed", "site_id", "closed_at"),  # closed-per-day trend, median time to close
        Index("ix_work_orders_checkpoint_status", "checkpoint_id", "status"),  # open orders a finding would repeat
        one_of("status", WORK_ORDER_STATUSES),
        one_of("priority", PRIORITIES),
        CheckConstraint("repeat_count >= 1", name="repeat_count_positive"),
        # On-site verification is by someone other than the person who did the work (002 §4.10.2).
        CheckConstraint("verified_by_id IS NULL OR verified_by_id <> done_by_id", name="verifier_not_doer"),
    )

    def display_title(self, locale: str) -> str:
        """Generated orders read as 'checkpoint: item' in the reader's language; others show their title."""
        if self.checkpoint is not None and self.item is not None:
            separator = ": " if locale == "en" else "："
            return f"{self.checkpoint.name(locale)}{separator}{self.item.text(locale)}"
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status not in ("verified", "closed")

    def is_overdue(self, now: datetime) -> bool:
        return self.is_open and self.status != "done" and self.due_at < now
