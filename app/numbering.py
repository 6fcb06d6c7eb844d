"""Gap-free record numbers per site, kind and year (002 §4.11: logs and problem sheets are numbered)."""
from __future__ import annotations

from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class SequenceCounter(db.Model):
    __tablename__ = "sequence_counters"
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last: Mapped[int] = mapped_column(default=0)


def next_number(site_id: int, kind: str, year: int, prefix: str) -> str:
    """Reserve the next number in the caller's transaction; the row lock keeps it gap-free and unique."""
    counter = db.session.scalar(
        select(SequenceCounter)
        .where(SequenceCounter.site_id == site_id, SequenceCounter.kind == kind, SequenceCounter.year == year)
        .with_for_update()
    )
    if counter is None:
        counter = SequenceCounter(site_id=site_id, kind=kind, year=year, last=0)
        db.session.add(counter)
    counter.last += 1
    db.session.flush()
    return f"{prefix}-{year}-{counter.last:06d}"
