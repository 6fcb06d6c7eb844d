"""Checklist templates, their published versions and the items of each version."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.model_helpers import one_of, utcnow
from app.sites.models import CHECKPOINT_CATEGORIES

ITEM_CATEGORIES = (
    "fire_safety", "electrical", "plumbing", "gas", "building_fabric", "elevator", "security",
    "cleanliness", "greenery", "signage", "renovation", "general",
)
METHODS = ("look", "listen", "touch", "ask")  # 看/听/摸/调查, 002 §4.3
ANSWER_TYPES = ("pass_fail", "number", "text")
SEVERITIES = ("minor", "major", "urgent")


class ChecklistTemplate(db.Model):
    __tablename__ = "checklist_templates"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_zh: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    description_zh: Mapped[str | None] = mapped_column(Text)
    description_en: Mapped[str | None] = mapped_column(Text)
    checkpoint_category: Mapped[str] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    versions: Mapped[list[TemplateVersion]] = relationship(
        back_populates="template", order_by="TemplateVersion.number"
    )

    __table_args__ = (one_of("checkpoint_category", CHECKPOINT_CATEGORIES),)

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_zh

    def latest_version(self) -> TemplateVersion | None:
        return db.session.scalar(
            select(TemplateVersion)
            .where(TemplateVersion.template_id == self.id)
            .order_by(TemplateVersion.number.desc())
            .limit(1)
        )


class TemplateVersion(db.Model):
    """A published, immutable set of items; a patrol keeps the version it used."""

    __tablename__ = "template_versions"
    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("checklist_templates.id"))
    number: Mapped[int]
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(String(255))

    template: Mapped[ChecklistTemplate] = relationship(back_populates="versions")
    items: Mapped[list[ChecklistItem]] = relationship(
        back_populates="version", order_by="ChecklistItem.position"
    )

    __table_args__ = (UniqueConstraint("template_id", "number"), CheckConstraint("number >= 1", name="number_positive"))


class ChecklistItem(db.Model):
    __tablename__ = "checklist_items"
    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("template_versions.id"))
    position: Mapped[int]
    code: Mapped[str] = mapped_column(String(16))
    text_zh: Mapped[str] = mapped_column(String(255))
    text_en: Mapped[str] = mapped_column(String(255))
    help_zh: Mapped[str | None] = mapped_column(String(500))
    help_en: Mapped[str | None] = mapped_column(String(500))
    category: Mapped[str] = mapped_column(String(32))
    method: Mapped[str] = mapped_column(String(8))
    answer_type: Mapped[str] = mapped_column(String(16), default="pass_fail")
    unit: Mapped[str | None] = mapped_column(String(16))
    min_value: Mapped[float | None]
    max_value: Mapped[float | None]
    photo_on_fail: Mapped[bool] = mapped_column(default=True)
    severity: Mapped[str] = mapped_column(String(8), default="minor")
    urgent_if_fail: Mapped[bool] = mapped_column(default=False)

    version: Mapped[TemplateVersion] = relationship(back_populates="items")

    __table_args__ = (
        UniqueConstraint("version_id", "code"),
        UniqueConstraint("version_id", "position"),
        one_of("category", ITEM_CATEGORIES),
        one_of("method", METHODS),
        one_of("answer_type", ANSWER_TYPES),
        one_of("severity", SEVERITIES),
        CheckConstraint("min_value IS NULL OR max_value IS NULL OR min_value <= max_value", name="range_ordered"),
        CheckConstraint(
            "answer_type <> 'number' OR (unit IS NOT NULL AND (min_value IS NOT NULL OR max_value IS NOT NULL))",
            name="number_has_unit_and_range",
        ),
    )

    def text(self, locale: str) -> str:
        return self.text_en if locale == "en" else self.text_zh

    def help(self, locale: str) -> str | None:
        return self.help_en if locale == "en" else self.help_zh
