"""The permit page's story: the permit with everything attached, and the renovation round's visits to its unit."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.checklists.models import TemplateVersion
from app.extensions import db
from app.patrols.models import Answer, PatrolLog, Round, Visit
from app.renovation.models import PermitExtension, RectificationNotice, RenovationPermit
from app.signoff.models import Signature
from app.sites.models import Unit

VISITS_PER_PAGE = 31  # a month of daily checks


@dataclass
class VisitPage:
    visits: list[Visit] = field(default_factory=list)
    signatures: dict[int, list[Signature]] = field(default_factory=dict)  # by log id
    older_than: int | None = None  # the id to ask for the next (older) page, when there is one


def load_permit(permit_id: int) -> RenovationPermit | None:
    """The permit with its unit, workers, extensions, documents and notices, in a fixed number of queries."""
    return db.session.scalar(select(RenovationPermit).where(RenovationPermit.id == permit_id).options(
        selectinload(RenovationPermit.unit).selectinload(Unit.building),
        selectinload(RenovationPermit.workers),
        selectinload(RenovationPermit.extensions).selectinload(PermitExtension.by),
        selectinload(RenovationPermit.documents),
        selectinload(RenovationPermit.notices).selectinload(RectificationNotice.findings),
        selectinload(RenovationPermit.decided_by), selectinload(RenovationPermit.created_by),
        selectinload(RenovationPermit.site)))


def visit_page(permit: RenovationPermit, older_than: int | None = None) -> VisitPage:
    """The renovation round's visits to the permit's unit while the permit ran, newest first, one page."""
    unit = permit.unit
    if unit.checkpoint_id is None or permit.decided_at is None or permit.status in ("rejected", "withdrawn"):
        return VisitPage()
    # By the moment of the scan: a round started before dawn can carry yesterday's date, and the unit's visits before
    # this permit was approved (or after its deposit was released) belong to another permit's story.
    query = (select(Visit).join(PatrolLog, PatrolLog.id == Visit.log_id).join(Round, Round.id == PatrolLog.round_id)
             .where(Round.purpose == "renovation", Visit.checkpoint_id == unit.checkpoint_id,
                    Visit.scanned_at >= permit.decided_at))
    if permit.refundable_at is not None:
        query = query.where(Visit.scanned_at <= permit.refundable_at)
    if older_than:
        query = query.where(Visit.id < older_than)
    visits = list(db.session.scalars(query.order_by(Visit.id.desc()).limit(VISITS_PER_PAGE + 1).options(
        selectinload(Visit.log), selectinload(Visit.user),
        selectinload(Visit.template_version).selectinload(TemplateVersion.template),
        selectinload(Visit.answers).selectinload(Answer.item), selectinload(Visit.answers).selectinload(Answer.photos))))
    more = len(visits) > VISITS_PER_PAGE
    visits = visits[:VISITS_PER_PAGE]
    signatures: dict[int, list[Signature]] = {}
    log_ids = {visit.log_id for visit in visits}
    if log_ids:
        for signature in db.session.scalars(select(Signature).where(Signature.log_id.in_(log_ids))
                                            .order_by(Signature.signed_at, Signature.id)):
            signatures.setdefault(signature.log_id, []).append(signature)
    return VisitPage(visits, signatures, visits[-1].id if more else None)


def progress_note(visit: Visit) -> str | None:
    """The day's progress as the patroller wrote it (the checklist's text item, REN-14)."""
    return next((a.text_value for a in visit.answers if a.item.answer_type == "text" and a.text_value), None)
