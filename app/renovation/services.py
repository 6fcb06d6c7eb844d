"""Renovation permits (002 装修 §4.2–4.8): application, approval clock, decisions, extensions, completion."""
from __future__ import annotations

from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import and_, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.audit.services import record
from app.extensions import db
from app.labels import label
from app.numbering import next_number
from app.patrols import site_rounds
from app.patrols.schedules import local_today
from app.renovation import documents as docs
from app.renovation.clock import approval_due_at
from app.renovation.errors import RenovationError
from app.renovation.models import PermitExtension, RenovationPermit, RenovationWorker
from app.sites.models import Building, Unit

LIVE = ("applied", "approved", "completion_requested", "accepted")  # one of these per unit at most (partial index)
VIEWS = ("live", "awaiting", "late", "all")
DESK = ("supervisor", "admin")  # the customer-service desk records applications and completion requests


def may_decide(user) -> bool:
    """Engineering decides on applications: its maintenance staff, and supervisors."""
    return user.role == "supervisor" or (user.role == "maintenance" and user.team is not None and user.team.code == "engineering")


def may_read(user) -> bool:
    """Everyone but the maintenance teams other than engineering, who have no business with permits."""
    return user.role != "maintenance" or may_decide(user)


def unit_in_site(site, unit_id: int) -> Unit:
    """The unit, when it belongs to this site; a unit of another site is refused like a missing one."""
    unit = db.session.scalar(select(Unit).join(Building).where(Unit.id == unit_id, Building.site_id == site.id))
    if unit is None:
        raise RenovationError(_("Choose a unit of this site."), 400, "unit_id")
    return unit


def live_permit(unit_id: int) -> RenovationPermit | None:
    return db.session.scalar(select(RenovationPermit).where(RenovationPermit.unit_id == unit_id,
                                                            RenovationPermit.status.in_(LIVE)))


def _already_live() -> RenovationError:
    return RenovationError(_("This unit already has a renovation permit in progress: finish, reject or withdraw it "
                             "before a new application."), 409, "unit_id")


def apply(site, user, data: dict, prepared: list, document_kind: str, now: datetime) -> RenovationPermit:
    """Record an application with its workers and documents, all or nothing. It is complete once submitted."""
    unit = unit_in_site(site, data["unit_id"])
    if live_permit(unit.id) is not None:
        raise _already_live()
    workers = [RenovationWorker(name=w["name"], pass_number=w["pass_number"], phone=w.get("phone")) for w in data["workers"]]
    fields = {k: v for k, v in data.items() if k not in ("unit_id", "workers")}
    permit = RenovationPermit(site_id=site.id, unit_id=unit.id, status="applied", original_end=data["planned_end"],
                              created_by_id=user.id, created_at=now, workers=workers, **fields)
    if not permit.hot_work:
        permit.hot_work_permit_no = None
    stored = []
    try:
        permit.number = next_number(site.id, "renovation_permit", local_today(site.timezone, now).year, "ZX")
        db.session.add(permit)
        stored = docs.store(permit, prepared, document_kind, user)
        db.session.flush()
        record("permit_applied", permit, number=permit.number, unit_id=unit.id, documents=len(stored),
               planned_start=permit.planned_start.isoformat(), planned_end=permit.planned_end.isoformat())
        db.session.commit()
    except IntegrityError:  # a colleague recorded one for the same unit a moment earlier
        db.session.rollback()
        docs.discard(stored)
        raise _already_live() from None
    except BaseException:
        db.session.rollback()
        docs.discard(stored)
        raise
    return permit


def add_documents(permit: RenovationPermit, user, prepared: list, kind: str) -> list:
    """More documents for an application or a running permit (drawings handed in later, a hot-work permit)."""
    if permit.status not in ("applied", "approved"):
        raise RenovationError(_("Documents are added while the application or the works are under way."), 409)
    stored = docs.store(permit, prepared, kind, user)
    try:
        db.session.flush()
        record("permit_documents_added", permit, number=permit.number, kind=kind, documents=[d.id for d in stored])
        db.session.commit()
    except BaseException:
        db.session.rollback()
        docs.discard(stored)
        raise
    return stored


def _move(permit: RenovationPermit, allowed: tuple[str, ...], action: str, *, extra=None, **values) -> None:
    """Change the permit's row only if it is still in an allowed state (two clicks or two people: one wins)."""
    condition = [RenovationPermit.id == permit.id, RenovationPermit.status.in_(allowed)]
    if extra is not None:
        condition.append(extra)
    changed = db.session.execute(update(RenovationPermit).where(and_(*condition)).values(**values)
                                 .execution_options(synchronize_session=False)).rowcount
    if changed != 1:
        db.session.rollback()
        db.session.refresh(permit)
        raise RenovationError(_("This permit is %(status)s now, so it cannot be %(action)s.",
                                status=label("permit_status", permit.status), action=action), 409)
    db.session.refresh(permit)


def submit_application(permit: RenovationPermit, user, now: datetime) -> None:
    """The application is complete: the 2-working-day approval clock starts."""
    if permit.status == "applied" and permit.submitted_at is None and not permit.documents:
        raise RenovationError(_("Attach the application documents before submitting."), 409, "documents")
    due = approval_due_at(permit.site, now)
    _move(permit, ("applied",), _("submitted"), extra=RenovationPermit.submitted_at.is_(None),
          submitted_at=now, approval_due_at=due)
    record("permit_submitted", permit, number=permit.number, approval_due_at=due.isoformat())
    db.session.commit()


def _refresh_round(permit: RenovationPermit, now: datetime) -> None:
    site_rounds.refresh(permit.site, "renovation", now)


def approve(permit: RenovationPermit, user, now: datetime) -> None:
    """Engineering approves: the unit is renovating, and in the daily renovation round from the start date."""
    _decider(permit, user)
    _move(permit, ("applied",), _("approved"), extra=RenovationPermit.submitted_at.is_not(None),
          status="approved", decided_at=now, decided_by_id=user.id)
    permit.unit.status = "renovating"
    record("permit_approved", permit, number=permit.number, late=bool(permit.approval_due_at and now > permit.approval_due_at))
    _refresh_round(permit, now)
    db.session.commit()


def reject(permit: RenovationPermit, user, reason: str, now: datetime) -> None:
    _decider(permit, user)
    _move(permit, ("applied",), _("rejected"), extra=RenovationPermit.submitted_at.is_not(None),
          status="rejected", decided_at=now, decided_by_id=user.id, reject_reason=reason)
    record("permit_rejected", permit, number=permit.number, reason=reason)
    db.session.commit()


def _decider(permit: RenovationPermit, user) -> None:
    if not may_decide(user):
        raise RenovationError(_("Only engineering or a supervisor decides on renovation applications."), 403)
    if permit.status == "applied" and permit.submitted_at is None:
        raise RenovationError(_("The application is not complete yet: engineering decides once it is submitted."), 409)


def withdraw(permit: RenovationPermit, user, now: datetime) -> None:
    """The owner withdraws an application not yet decided; the unit is free for a new one."""
    _move(permit, ("applied",), _("withdrawn"), status="withdrawn", decided_at=now, decided_by_id=user.id)
    record("permit_withdrawn", permit, number=permit.number)
    db.session.commit()


def extend(permit: RenovationPermit, user, new_end: date, reason: str, now: datetime) -> PermitExtension:
    """A later end for running works, with the reason; an extension may take the permit beyond 3 months."""
    previous = permit.planned_end
    if new_end <= previous:
        raise RenovationError(_("The new end must be after the current end (%(end)s).", end=previous.isoformat()),
                              400, "new_end")
    _move(permit, ("approved",), _("extended"), extra=RenovationPermit.planned_end == previous, planned_end=new_end)
    extension = PermitExtension(permit_id=permit.id, previous_end=previous, new_end=new_end, reason=reason,
                                by_id=user.id, at=now)
    db.session.add(extension)
    record("permit_extended", permit, number=permit.number, previous_end=previous.isoformat(),
           new_end=new_end.isoformat(), reason=reason)
    _refresh_round(permit, now)
    db.session.commit()
    return extension


def request_completion(permit: RenovationPermit, user, now: datetime) -> None:
    """The owner or contractor says the works are done: the unit gets the initial acceptance check."""
    _move(permit, ("approved",), _("marked as finished"), status="completion_requested", completion_requested_at=now)
    record("permit_completion_requested", permit, number=permit.number)
    _refresh_round(permit, now)
    db.session.commit()


def permit_query(site_id: int, view: str, now: datetime):
    """The site's permits for a list view, newest first, units and buildings loaded with them."""
    query = select(RenovationPermit).where(RenovationPermit.site_id == site_id)
    if view == "live":
        query = query.where(RenovationPermit.status.in_(LIVE))
    elif view == "awaiting":
        query = query.where(RenovationPermit.status == "applied", RenovationPermit.submitted_at.is_not(None))
    elif view == "late":
        query = query.where(late_approval(now))
    return query.options(selectinload(RenovationPermit.unit).selectinload(Unit.building)).order_by(
        RenovationPermit.created_at.desc(), RenovationPermit.id.desc())


def late_approval(now: datetime):
    """Complete applications past their approval time with no decision yet."""
    return and_(RenovationPermit.status == "applied", RenovationPermit.approval_due_at < now)


def late_approvals(site_id: int, now: datetime) -> int:
    return db.session.scalar(select(func.count()).select_from(RenovationPermit).where(
        RenovationPermit.site_id == site_id, late_approval(now))) or 0
