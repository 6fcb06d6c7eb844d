"""Rounds with their schedules, and the patrol logs, visits and answers they produce."""
from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.model_helpers import one_of, utcnow

SCHEDULE_KINDS = ("daily", "shift", "weekly", "monthly")
# "renovation" and "vacant" rounds are kept by the site itself: their stops follow the active permits / due upkeep visits.
ROUND_PURPOSES = ("patrol", "renovation", "vacant")
# "amending": the patroller is correcting a locked log; "returned": a supervisor sent it back for correction.
LOG_STATUSES = ("scheduled", "in_progress", "submitted", "signed", "reviewed", "missed", "amending", "returned")
VISIT_METHODS = ("qr", "link", "manual")
RESULTS = ("pass", "fail", "na")

round_assignees = Table(
    "round_assignees",
    db.metadata,
    Column("round_id", ForeignKey("rounds.id"), primary_key=True),
    Column("user_id", ForeignKey("users.id"), primary_key=True, index=True),
)


class Round(db.Model):
    """A route of ordered checkpoints and the rule that says when it is due."""

    __tablename__ = "rounds"
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    name_zh: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    schedule_kind: Mapped[str] = mapped_column(String(8), default="daily")
    weekdays: Mapped[int] = mapped_column(default=0)  # bit 0 = Monday … bit 6 = Sunday, for weekly
    month_day: Mapped[int | None]  # 1–31 for monthly; short months use their last day
    assigned_team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    active: Mapped[bool] = mapped_column(default=True)
    purpose: Mapped[str] = mapped_column(String(16), default="patrol", server_default="patrol")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    stops: Mapped[list[RoundCheckpoint]] = relationship(
        back_populates="round", order_by="RoundCheckpoint.position", cascade="all, delete-orphan"
    )
    windows: Mapped[list[RoundWindow]] = relationship(
        back_populates="round", order_by="RoundWindow.starts", cascade="all, delete-orphan"
    )
    assignees = relationship("User", secondary=round_assignees, order_by="User.id")
    site = relationship("Site")

    __table_args__ = (
        one_of("schedule_kind", SCHEDULE_KINDS),
        one_of("purpose", ROUND_PURPOSES),
        CheckConstraint("weekdays BETWEEN 0 AND 127", name="weekdays_mask"),
        CheckConstraint("schedule_kind <> 'weekly' OR weekdays > 0", name="weekly_has_days"),
        CheckConstraint(
            "(schedule_kind = 'monthly' AND month_day BETWEEN 1 AND 31) OR (schedule_kind <> 'monthly')",
            name="monthly_has_day",
        ),
    )

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_zh


class RoundWindow(db.Model):
    """A time window in the site's local time; a shift round has one per shift. End before start crosses midnight."""

    __tablename__ = "round_windows"
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"))
    position: Mapped[int]
    starts: Mapped[time]
    ends: Mapped[time]
    label_zh: Mapped[str | None] = mapped_column(String(32))
    label_en: Mapped[str | None] = mapped_column(String(32))

    round: Mapped[Round] = relationship(back_populates="windows")

    __table_args__ = (UniqueConstraint("round_id", "position"), CheckConstraint("starts <> ends", name="non_empty"))


class RoundCheckpoint(db.Model):
    __tablename__ = "round_checkpoints"
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"))
    position: Mapped[int]
    checkpoint_id: Mapped[int] = mapped_column(ForeignKey("checkpoints.id"), index=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("checklist_templates.id"))

    round: Mapped[Round] = relationship(back_populates="stops")
    checkpoint = relationship("Checkpoint")
    template = relationship("ChecklistTemplate")

    __table_args__ = (UniqueConstraint("round_id", "position"), UniqueConstraint("round_id", "checkpoint_id"))


class PatrolLog(db.Model):
    """One run of a round in one window. Numbered, never deleted."""

    __tablename__ = "patrol_logs"
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"))
    number: Mapped[str | None] = mapped_column(String(32))  # given when the round starts
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    local_date: Mapped[date]
    window_position: Mapped[int] = mapped_column(default=0)
    window_starts_at: Mapped[datetime]  # UTC
    window_ends_at: Mapped[datetime]  # UTC
    started_at: Mapped[datetime | None]
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime | None]
    reviewed_at: Mapped[datetime | None]
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(Text)
    score: Mapped[float | None]  # share of answered items that passed (N/A left out), set on submit
    # The log's answers as submitted (they never change afterwards; amendments are appended): the archive reads
    # these instead of counting a month of answers. None while under way, and for logs never submitted.
    answer_count: Mapped[int | None]
    pass_count: Mapped[int | None]
    fail_count: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    round = relationship("Round")
    site = relationship("Site")
    started_by = relationship("User", foreign_keys=[started_by_id])
    visits: Mapped[list[Visit]] = relationship(back_populates="log", order_by="Visit.id")

    __table_args__ = (
        UniqueConstraint("site_id", "number"),
        UniqueConstraint("round_id", "local_date", "window_position"),
        Index("ix_patrol_logs_site_date", "site_id", "local_date"),
        Index("ix_patrol_logs_site_status", "site_id", "status"),
        one_of("status", LOG_STATUSES),
        CheckConstraint("window_starts_at < window_ends_at", name="window_ordered"),
        CheckConstraint("status IN ('scheduled', 'missed') OR number IS NOT NULL", name="started_has_number"),
        CheckConstraint("score IS NULL OR (score >= 0 AND score <= 1)", name="score_share"),
    )


class Visit(db.Model):
    """Being at a checkpoint during a log: when, how it was opened, and where the phone was."""

    __tablename__ = "visits"
    id: Mapped[int] = mapped_column(primary_key=True)
    log_id: Mapped[int] = mapped_column(ForeignKey("patrol_logs.id"))
    checkpoint_id: Mapped[int] = mapped_column(ForeignKey("checkpoints.id"), index=True)
    template_version_id: Mapped[int] = mapped_column(ForeignKey("template_versions.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    client_uuid: Mapped[str | None] = mapped_column(String(36), unique=True)
    method: Mapped[str] = mapped_column(String(8))
    manual_reason: Mapped[str | None] = mapped_column(String(255))
    scanned_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    accuracy_m: Mapped[float | None]
    # Plausibility flags for the supervisor, comma-separated: too_fast, far_away (never blocking).
    flags: Mapped[str | None] = mapped_column(String(64))

    log: Mapped[PatrolLog] = relationship(back_populates="visits")
    checkpoint = relationship("Checkpoint")
    template_version = relationship("TemplateVersion")
    user = relationship("User")
    answers: Mapped[list[Answer]] = relationship(back_populates="visit", order_by="Answer.id")

    __table_args__ = (
        UniqueConstraint("log_id", "checkpoint_id"),
        one_of("method", VISIT_METHODS),
        CheckConstraint("method <> 'manual' OR manual_reason IS NOT NULL", name="manual_has_reason"),
        CheckConstraint("accuracy_m IS NULL OR accuracy_m >= 0", name="accuracy_non_negative"),
    )


class CheckpointSkip(db.Model):
    """A checkpoint of the round not visited, with the reason (door locked, no access)."""

    __tablename__ = "checkpoint_skips"
    id: Mapped[int] = mapped_column(primary_key=True)
    log_id: Mapped[int] = mapped_column(ForeignKey("patrol_logs.id"))
    checkpoint_id: Mapped[int] = mapped_column(ForeignKey("checkpoints.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(String(255))
    at: Mapped[datetime] = mapped_column(default=utcnow)

    checkpoint = relationship("Checkpoint")
    user = relationship("User")

    __table_args__ = (UniqueConstraint("log_id", "checkpoint_id"), CheckConstraint("length(reason) > 0", name="reason_given"))


class Answer(db.Model):
    """One item answered at one visit. Every item is answered on its own (002 §4.5.6)."""

    __tablename__ = "answers"
    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("checklist_items.id"), index=True)
    client_uuid: Mapped[str | None] = mapped_column(String(36), unique=True)
    result: Mapped[str] = mapped_column(String(4))
    number_value: Mapped[float | None]
    text_value: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    na_reason: Mapped[str | None] = mapped_column(String(255))
    answered_at: Mapped[datetime] = mapped_column(default=utcnow)
    answered_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)  # lists and exports filtered by person

    visit: Mapped[Visit] = relationship(back_populates="answers")
    item = relationship("ChecklistItem")
    photos = relationship("Photo", back_populates="answer", order_by="Photo.id")

    __table_args__ = (
        UniqueConstraint("visit_id", "item_id"),
        one_of("result", RESULTS),
        CheckConstraint("result <> 'fail' OR note IS NOT NULL", name="fail_has_note"),
        CheckConstraint("result <> 'na' OR na_reason IS NOT NULL", name="na_has_reason"),
    )
