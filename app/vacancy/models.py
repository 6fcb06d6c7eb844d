"""Vacant-unit upkeep plans (空置房) with frequencies and seasonal items, and the key loan log (钥匙)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.model_helpers import one_of, utcnow

FREQUENCIES = ("weekly", "fortnightly", "monthly", "quarterly")
ITEM_SEASONS = ("all_year", "summer", "rainy", "winter")

plan_units = Table(
    "upkeep_plan_units",
    db.metadata,
    Column("plan_id", ForeignKey("upkeep_plans.id"), primary_key=True),
    Column("unit_id", ForeignKey("units.id"), primary_key=True, index=True),
)


class UpkeepPlan(db.Model):
    """A yearly upkeep plan for one unit or a group of vacant units: items, frequency, measures, budget."""

    __tablename__ = "upkeep_plans"
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    year: Mapped[int]
    budget_yuan: Mapped[int | None]
    note: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    units = relationship("Unit", secondary=plan_units, order_by="Unit.id")
    items: Mapped[list[UpkeepItem]] = relationship(back_populates="plan", order_by="UpkeepItem.id",
                                                   cascade="all, delete-orphan")

    __table_args__ = (CheckConstraint("budget_yuan IS NULL OR budget_yuan >= 0", name="budget_not_negative"),
                      CheckConstraint("year BETWEEN 2000 AND 2100", name="year_range"))


class UpkeepItem(db.Model):
    """One job of a plan, tied to an item of the vacant-unit checklist, due at its frequency (in its season only)."""

    __tablename__ = "upkeep_items"
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("upkeep_plans.id"), index=True)
    item_code: Mapped[str] = mapped_column(String(16))  # VAC-05 …, from the vacant-unit checklist
    frequency: Mapped[str] = mapped_column(String(12), default="monthly")
    season: Mapped[str] = mapped_column(String(8), default="all_year")
    measure: Mapped[str | None] = mapped_column(String(255))  # what is done, e.g. "close west curtains"

    plan: Mapped[UpkeepPlan] = relationship(back_populates="items")

    __table_args__ = (UniqueConstraint("plan_id", "item_code"), one_of("frequency", FREQUENCIES),
                      one_of("season", ITEM_SEASONS))


class KeyLoan(db.Model):
    """A unit key out of the key cabinet: who took it, why, when it should be back (002 钥匙 §4.4)."""

    __tablename__ = "key_loans"
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    borrower_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # staff, or …
    borrower_name: Mapped[str] = mapped_column(String(120))  # … a named outsider (contractor, buyer's agent)
    borrower_phone: Mapped[str | None] = mapped_column(String(32))
    purpose: Mapped[str] = mapped_column(String(255))
    borrowed_at: Mapped[datetime] = mapped_column(default=utcnow)
    expected_return_at: Mapped[datetime]
    lent_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    returned_at: Mapped[datetime | None]
    returned_to_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    return_note: Mapped[str | None] = mapped_column(String(255))

    unit = relationship("Unit")
    borrower = relationship("User", foreign_keys=[borrower_id])
    lent_by = relationship("User", foreign_keys=[lent_by_id])
    returned_to = relationship("User", foreign_keys=[returned_to_id])

    __table_args__ = (
        Index("ix_key_loans_site_out", "site_id", "returned_at"),
        # A key is out at most once: a second loan of the same unit's key is refused by the database too.
        Index("uq_key_loans_out_unit", "unit_id", unique=True,
              sqlite_where=db.text("returned_at IS NULL"), postgresql_where=db.text("returned_at IS NULL")),
        CheckConstraint("borrowed_at < expected_return_at", name="return_after_borrow"),
        CheckConstraint("returned_at IS NULL OR returned_at >= borrowed_at", name="returned_after_borrow"),
        CheckConstraint("length(purpose) > 0", name="purpose_given"),
    )
