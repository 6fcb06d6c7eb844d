"""Finding queries for supervisors."""
from __future__ import annotations

from sqlalchemy import case, func, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.findings.models import Finding
from app.patrols.models import Answer

SEVERITY_RANK = case({"urgent": 0, "major": 1, "minor": 2}, value=Finding.severity)


def open_counts(site_id: int) -> dict[str, int]:
    rows = db.session.execute(
        select(Finding.severity, func.count()).where(Finding.site_id == site_id, Finding.status == "open").group_by(Finding.severity)
    ).all()
    return {"urgent": 0, "major": 0, "minor": 0} | dict(rows)


def queue_query(site_id: int, status: str = "open"):
    """Findings of a site in one status, urgent first, then newest."""
    return (
        select(Finding)
        .where(Finding.site_id == site_id, Finding.status == status)
        .options(
            selectinload(Finding.checkpoint),
            selectinload(Finding.answer).selectinload(Answer.item),
            selectinload(Finding.answer).selectinload(Answer.photos),
        )
        .order_by(SEVERITY_RANK, Finding.created_at.desc())
    )
