"""The supervisor's weekly review of logs and the manager's monthly spot-check (003 §3)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.model_helpers import one_of, utcnow

SPOT_RESULTS = ("ok", "problem")


class ReviewBatch(db.Model):
    """One password-confirmed signature over a set of logs reviewed together; each log also has its own signature."""

    __tablename__ = "review_batches"
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    iso_year: Mapped[int]
    iso_week: Mapped[int]
    supervisor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    full_name: Mapped[str] = mapped_column(String(120))
    log_ids: Mapped[list] = mapped_column(JSON)  # ascending
    log_count: Mapped[int]
    # SHA-256 over the sorted "log id:content hash" lines: which logs, in which content, this signature covers.
    set_sha256: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[datetime] = mapped_column(default=utcnow)

    supervisor = relationship("User")

    __table_args__ = (
        Index("ix_review_batches_site_week", "site_id", "iso_year", "iso_week"),
        CheckConstraint("iso_week BETWEEN 1 AND 53", name="iso_week_range"),
        CheckConstraint("log_count >= 1", name="not_empty"),
    )


class SpotCheck(db.Model):
    """A seeded random draw of at least 20% of a month's logs, checked one by one and then signed."""

    __tablename__ = "spot_checks"
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    year: Mapped[int]
    month: Mapped[int]
    seed: Mapped[int] = mapped_column(BigInteger)
    population: Mapped[list] = mapped_column(JSON)  # the ids drawn from, ascending, so the draw can be repeated
    population_count: Mapped[int]
    sample_size: Mapped[int]
    drawn_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    drawn_at: Mapped[datetime] = mapped_column(default=utcnow)
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    signed_full_name: Mapped[str | None] = mapped_column(String(120))
    signed_at: Mapped[datetime | None]
    results_sha256: Mapped[str | None] = mapped_column(String(64))

    items: Mapped[list[SpotCheckItem]] = relationship(back_populates="spot_check", order_by="SpotCheckItem.position")
    drawn_by = relationship("User", foreign_keys=[drawn_by_id])
    signed_by = relationship("User", foreign_keys=[signed_by_id])

    __table_args__ = (
        UniqueConstraint("site_id", "year", "month"),
        CheckConstraint("month BETWEEN 1 AND 12", name="month_range"),
        CheckConstraint("sample_size >= 1 AND sample_size <= population_count", name="sample_within_population"),
        CheckConstraint("(signed_at IS NULL) = (results_sha256 IS NULL)", name="signed_has_hash"),
    )

    @property
    def checked(self) -> int:
        return sum(1 for item in self.items if item.result)


class SpotCheckItem(db.Model):
    """One sampled log and what the manager found when checking it."""

    __tablename__ = "spot_check_items"
    id: Mapped[int] = mapped_column(primary_key=True)
    spot_check_id: Mapped[int] = mapped_column(ForeignKey("spot_checks.id"))
    position: Mapped[int]  # the order of the draw
    log_id: Mapped[int] = mapped_column(ForeignKey("patrol_logs.id"), index=True)
    result: Mapped[str | None] = mapped_column(String(8))
    note: Mapped[str | None] = mapped_column(Text)
    content_sha256: Mapped[str | None] = mapped_column(String(64))  # the log's content as checked
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    checked_at: Mapped[datetime | None]

    spot_check: Mapped[SpotCheck] = relationship(back_populates="items")
    log = relationship("PatrolLog")
    checked_by = relationship("User")

    __table_args__ = (
        UniqueConstraint("spot_check_id", "position"),
        UniqueConstraint("spot_check_id", "log_id"),
        one_of("result", SPOT_RESULTS),
        CheckConstraint("result <> 'problem' OR note IS NOT NULL", name="problem_has_note"),
        CheckConstraint("(result IS NULL) = (checked_at IS NULL)", name="checked_has_time"),
    )
