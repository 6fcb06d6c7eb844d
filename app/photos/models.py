"""Photos: stored files with their hashes, attached to an answer or a work order."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.model_helpers import utcnow


class Photo(db.Model):
    __tablename__ = "photos"
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    answer_id: Mapped[int | None] = mapped_column(ForeignKey("answers.id"), index=True)
    work_order_id: Mapped[int | None] = mapped_column(ForeignKey("work_orders.id"), index=True)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    client_uuid: Mapped[str | None] = mapped_column(String(36), unique=True)
    sha256: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(String(32), default="image/jpeg")
    width: Mapped[int]
    height: Mapped[int]
    size_bytes: Mapped[int]
    path: Mapped[str] = mapped_column(String(255))  # relative to UPLOAD_DIR
    thumb_path: Mapped[str] = mapped_column(String(255))
    taken_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    answer = relationship("Answer", back_populates="photos")

    __table_args__ = (
        CheckConstraint("width > 0 AND height > 0 AND size_bytes > 0", name="dimensions_positive"),
        CheckConstraint("content_type IN ('image/jpeg', 'image/png', 'image/webp')", name="content_type"),
    )
