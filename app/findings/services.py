"""Finding queries for supervisors."""
from __future__ import annotations

from sqlalchemy import case, select
from sqlalchemy.orm import joinedload, selectinload

from app.extensions import db
from app.findings.models import Finding
from app.patrols.models import Answer

SEVERITY_RANK = case({"urgent": 0, "major": 1, "minor": 2}, value=Finding.severity)


def queue_query(site_id: int, status: str = "open"):
    """Findings of a site in one status, urgent first, then newest."""
    return (
        select(Finding)
        .where(Finding.site_id == site_id, Finding.status == status)
        .options(  # one row each joined in; the photos, a list per answer, in one more query
            joinedload(Finding.checkpoint),
            joinedload(Finding.work_order),
            joinedload(Finding.answer).joinedload(Answer.item),
            joinedload(Finding.answer).selectinload(Answer.photos),
        )
        .order_by(SEVERITY_RANK, Finding.created_at.desc())
    )


def create_findings(log, failed_answers, now, notes: dict[int, str] | None = None) -> list[Finding]:
    """One finding per failed answer; urgent ones get their work order at once, before review (DESIGN §3.6).

    `notes` gives the problem description where it is not the answer's own, as for a failure added by an amendment.
    """
    from app.work_orders.services import dispatch_urgent

    findings = []
    for answer in failed_answers:
        item = answer.item
        note = (notes or {}).get(answer.id)
        finding = Finding(site_id=log.site_id, answer_id=answer.id, log_id=log.id, checkpoint_id=answer.visit.checkpoint_id,
                          note=note, item_code=item.code, severity="urgent" if item.urgent_if_fail else item.severity,
                          created_at=now)
        db.session.add(finding)
        findings.append(finding)
        if finding.severity == "urgent":
            db.session.flush()
            dispatch_urgent(finding, answer, now, note or answer.note)
    return findings
