"""Sites (estates), buildings, units and checkpoints with their QR tokens."""
from __future__ import annotations

import secrets
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.model_helpers import one_of, utcnow

CHECKPOINT_CATEGORIES = (
    "stairwell", "roof", "elevator", "lobby", "fire_equipment", "outdoor_utilities",
    "recreation", "road", "parking", "surroundings", "unit",
)
UNIT_STATUSES = ("occupied", "vacant", "renovating", "sold_vacant")


def new_token() -> str:
    """192 random bits, URL-safe: unguessable and short enough for a small QR code."""
    return secrets.token_urlsafe(24)


class Site(db.Model):
    __tablename__ = "sites"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_zh: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    address: Mapped[str | None] = mapped_column(String(255))
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    log_prefix: Mapped[str] = mapped_column(String(8), default="XC")
    duty_phone: Mapped[str | None] = mapped_column(String(32))  # security duty desk, called for urgent findings
    # Service levels per finding severity (DESIGN §4), in hours.
    due_hours_urgent: Mapped[int] = mapped_column(default=2)
    due_hours_major: Mapped[int] = mapped_column(default=24)
    due_hours_minor: Mapped[int] = mapped_column(default=72)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    buildings: Mapped[list[Building]] = relationship(back_populates="site", order_by="Building.code")

    __table_args__ = (
        CheckConstraint("due_hours_urgent > 0 AND due_hours_major > 0 AND due_hours_minor > 0", name="due_hours_positive"),
    )

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_zh


class Building(db.Model):
    __tablename__ = "buildings"
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    name_zh: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    floors_above: Mapped[int] = mapped_column(default=1)
    floors_below: Mapped[int] = mapped_column(default=0)

    site: Mapped[Site] = relationship(back_populates="buildings")

    __table_args__ = (
        UniqueConstraint("site_id", "code"),
        CheckConstraint("floors_above >= 1 AND floors_below >= 0", name="floors"),
    )

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_zh


class Unit(db.Model):
    __tablename__ = "units"
    id: Mapped[int] = mapped_column(primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id"), index=True)
    floor: Mapped[int]
    number: Mapped[str] = mapped_column(String(32))
    area_m2: Mapped[float | None]
    status: Mapped[str] = mapped_column(String(16), default="occupied")
    # The door label: a checkpoint of category "unit", so scans, label printing and rotation work as for any checkpoint.
    checkpoint_id: Mapped[int | None] = mapped_column(ForeignKey("checkpoints.id"), unique=True)
    owner_name: Mapped[str | None] = mapped_column(String(120))  # supervisors and admins only
    owner_phone: Mapped[str | None] = mapped_column(String(32))
    sold_on: Mapped[date | None]  # vacant-unit records are kept until a year after the sale
    note: Mapped[str | None] = mapped_column(String(255))

    building: Mapped[Building] = relationship()
    checkpoint: Mapped[Checkpoint | None] = relationship()

    __table_args__ = (
        UniqueConstraint("building_id", "number"),
        one_of("status", UNIT_STATUSES),
        CheckConstraint("area_m2 IS NULL OR area_m2 > 0", name="area_positive"),
    )

    def label(self, locale: str) -> str:
        """"3栋 1201" / "Block 3 1201": what a person reads on a list or a notice."""
        return f"{self.building.name(locale)} {self.number}"


class Checkpoint(db.Model):
    __tablename__ = "checkpoints"
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id"), index=True)
    floor: Mapped[int | None]
    code: Mapped[str] = mapped_column(String(32))  # short human code printed on the label
    name_zh: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    category: Mapped[str] = mapped_column(String(32))
    token: Mapped[str] = mapped_column(String(64), unique=True, default=new_token)
    token_rotated_at: Mapped[datetime | None]
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    site: Mapped[Site] = relationship()
    building: Mapped[Building | None] = relationship()

    __table_args__ = (
        UniqueConstraint("site_id", "code"),
        Index("ix_checkpoints_site_active", "site_id", "active"),
        one_of("category", CHECKPOINT_CATEGORIES),
        CheckConstraint("latitude IS NULL OR (latitude BETWEEN -90 AND 90)", name="latitude"),
        CheckConstraint("longitude IS NULL OR (longitude BETWEEN -180 AND 180)", name="longitude"),
    )

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_zh

    def rotate_token(self) -> str:
        """Issue a new token; labels printed with the old one stop working."""
        self.token = new_token()
        self.token_rotated_at = utcnow()
        return self.token


class RetiredToken(db.Model):
    """Old label tokens, kept so a scan can say 'this label has been replaced' instead of 'unknown'."""

    __tablename__ = "retired_tokens"
    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    checkpoint_id: Mapped[int] = mapped_column(ForeignKey("checkpoints.id"), index=True)
    retired_at: Mapped[datetime] = mapped_column(default=utcnow)


class SiteHoliday(db.Model):
    """Public holidays and make-up days off: working-day clocks (renovation approval) skip them (DESIGN §8)."""

    __tablename__ = "site_holidays"
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    name: Mapped[str | None] = mapped_column(String(64))


SEASONS = ("summer", "rainy", "winter")


class SiteSeason(db.Model):
    """Which months count as summer, rainy season and winter at a site: seasonal upkeep items follow them."""

    __tablename__ = "site_seasons"
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), primary_key=True)
    season: Mapped[str] = mapped_column(String(8), primary_key=True)
    months: Mapped[int] = mapped_column(default=0)  # bit 0 = January … bit 11 = December

    __table_args__ = (one_of("season", SEASONS), CheckConstraint("months BETWEEN 0 AND 4095", name="months_mask"))
