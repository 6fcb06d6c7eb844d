"""What a unit's page shows: its key, its upkeep plans and what is due, open issues, visits, renovation permits."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from app.extensions import db
from app.i18n import lang
from app.findings.models import Finding
from app.patrols.models import Answer, PatrolLog, Visit
from app.patrols.schedules import local_today
from app.renovation.models import RenovationPermit
from app.sites.models import Unit
from app.vacancy.due import UnitUpkeep, checklist_items, unit_upkeep
from app.vacancy.keys import is_late, is_overdue, open_loan
from app.vacancy.models import KeyLoan, UpkeepPlan
from app.vacancy.plans import plans_of_unit
from app.work_orders.models import WorkOrder
from app.work_orders.services import OPEN_STATUSES

VISITS_PER_PAGE = 10
LIST_LIMIT = 10


@dataclass
class UnitPage:
    unit: Unit
    loan: KeyLoan | None
    key_overdue: bool
    key_late: bool
    upkeep: UnitUpkeep
    item_texts: dict[str, str]
    plans: list[UpkeepPlan]
    visits: object  # a flask-sqlalchemy pagination of Visit
    findings: list[Finding]
    orders: list[WorkOrder]
    permits: list[RenovationPermit]


def visit_history(checkpoint_id: int | None, page: int):
    """Visits at the unit's door label, newest first, with answers, items, photos and the log."""
    query = (select(Visit).join(PatrolLog, Visit.log_id == PatrolLog.id).where(Visit.checkpoint_id == (checkpoint_id or 0))
             .options(joinedload(Visit.log).joinedload(PatrolLog.round), joinedload(Visit.user),
                      selectinload(Visit.answers).selectinload(Answer.item),
                      selectinload(Visit.answers).selectinload(Answer.photos))
             .order_by(Visit.scanned_at.desc(), Visit.id.desc()))
    return db.paginate(query, page=page, per_page=VISITS_PER_PAGE, error_out=False)


def unit_page(unit: Unit, site, now: datetime, page: int = 1) -> UnitPage:
    loan = open_loan(unit.id)
    checkpoint = unit.checkpoint_id or 0
    findings = list(db.session.scalars(select(Finding).where(Finding.checkpoint_id == checkpoint, Finding.status == "open")
                                       .order_by(Finding.created_at.desc()).limit(LIST_LIMIT)))
    orders = list(db.session.scalars(select(WorkOrder).where(WorkOrder.checkpoint_id == checkpoint,
                                                             WorkOrder.status.in_(OPEN_STATUSES))
                                     .options(joinedload(WorkOrder.team), joinedload(WorkOrder.item))
                                     .order_by(WorkOrder.created_at.desc()).limit(LIST_LIMIT)))
    permits = list(db.session.scalars(select(RenovationPermit).where(RenovationPermit.unit_id == unit.id)
                                      .order_by(RenovationPermit.created_at.desc(), RenovationPermit.id.desc()).limit(20)))
    upkeep = unit_upkeep(site, unit, local_today(site.timezone, now), include_today=True)
    texts = {item.code: item.text(lang()) for item in checklist_items()} if upkeep.planned else {}
    return UnitPage(unit=unit, loan=loan, key_overdue=bool(loan and is_overdue(loan, now)),
                    key_late=bool(loan and is_late(loan, now)), upkeep=upkeep, item_texts=texts,
                    plans=plans_of_unit(unit.id), visits=visit_history(unit.checkpoint_id, page), findings=findings,
                    orders=orders, permits=permits)
