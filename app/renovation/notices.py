"""Rectification notices (整改通知): issued for the violations of one visit, re-inspected at the deadline.

Kept 5 years when major and 1 year when minor (002 住户违章 §4.6), never deleted.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import case, func, select, update
from sqlalchemy.orm import selectinload

from app.audit.services import record
from app.auth.models import User, user_sites
from app.extensions import db
from app.findings.models import Finding
from app.labels import label
from app.numbering import next_number
from app.patrols.models import Answer, Visit
from app.patrols.schedules import local_today
from app.renovation.clock import years_after
from app.renovation.errors import RenovationError
from app.renovation.models import RectificationNotice, RenovationPermit
from app.sites.models import Unit

DEFAULT_DEADLINE_DAYS = 3
RETENTION_YEARS = {"major": 5, "minor": 1}
UNRESOLVED = ("open", "escalated")
VIEWS = ("open", "overdue", "escalated", "all")
REINSPECTORS = ("patroller", "supervisor")


def severity_of(findings: list[Finding]) -> str:
    return "major" if any(f.severity in ("urgent", "major") for f in findings) else "minor"


def issue_for_visit(permit: RenovationPermit, visit: Visit, findings: list[Finding], user, now: datetime) -> RectificationNotice:
    """A notice for the failed items of one visit (added to the caller's transaction, not committed)."""
    site = permit.site
    today = local_today(site.timezone, now)
    severity = severity_of(findings)
    notice = RectificationNotice(
        site_id=site.id, permit_id=permit.id, visit_id=visit.id, severity=severity, status="open",
        number=next_number(site.id, "rectification_notice", today.year, "ZG"),
        deadline=today + timedelta(days=DEFAULT_DEADLINE_DAYS), issued_at=now, issued_by_id=user.id,
        retain_until=years_after(today, RETENTION_YEARS[severity]),
        stop_work=any(f.severity == "urgent" for f in findings))
    notice.findings = list(findings)
    db.session.add(notice)
    db.session.flush()
    record("notice_issued", notice, number=notice.number, permit=permit.number, severity=severity,
           deadline=notice.deadline.isoformat(), items=[f.item_code for f in findings])
    return notice


def _decide(notice: RectificationNotice, allowed: tuple[str, ...], **values) -> None:
    changed = db.session.execute(update(RectificationNotice).where(
        RectificationNotice.id == notice.id, RectificationNotice.status.in_(allowed)).values(**values)
        .execution_options(synchronize_session=False)).rowcount
    if changed != 1:
        db.session.rollback()
        db.session.refresh(notice)
        raise RenovationError(_("This notice is %(status)s already.", status=label("notice_status", notice.status)), 409)
    db.session.refresh(notice)


def first_supervisor(site_id: int) -> User | None:
    return db.session.scalar(select(User).join(user_sites).where(
        user_sites.c.site_id == site_id, User.role == "supervisor", User.active.is_(True)).order_by(User.id).limit(1))


def reinspect(notice: RectificationNotice, user, outcome: str, note: str | None, now: datetime) -> None:
    """Rectified closes the notice (also an escalated one); not rectified at the deadline escalates it to the supervisors."""
    if user.role not in REINSPECTORS:
        raise RenovationError(_("Patrollers and supervisors re-inspect notices."), 403)
    if outcome == "rectified":
        _decide(notice, UNRESOLVED, status="closed", reinspected_at=now, reinspected_by_id=user.id, reinspection_note=note)
        record("notice_closed", notice, number=notice.number, note=note)
    else:
        today = local_today(notice.permit.site.timezone, now)
        if today < notice.deadline:
            raise RenovationError(_("The deadline is %(deadline)s: a violation is escalated only once its deadline has come.",
                                    deadline=notice.deadline.isoformat()), 409)
        supervisor = first_supervisor(notice.site_id)
        _decide(notice, ("open",), status="escalated", reinspected_at=now, reinspected_by_id=user.id,
                reinspection_note=note, escalated_to_id=supervisor.id if supervisor else None)
        record("notice_escalated", notice, number=notice.number, note=note,
               escalated_to=supervisor.id if supervisor else None)
    db.session.commit()


def change_deadline(notice: RectificationNotice, user, deadline: date, reason: str, now: datetime) -> None:
    """A supervisor gives more (or less) time to an open notice; the change and its reason are on record."""
    if user.role != "supervisor":
        raise RenovationError(_("Only a supervisor changes a notice's deadline."), 403)
    issued = local_today(notice.permit.site.timezone, notice.issued_at)
    if deadline < issued:
        raise RenovationError(_("The deadline cannot be before the notice was issued (%(day)s).", day=issued.isoformat()),
                              400, "deadline")
    before = notice.deadline
    _decide(notice, ("open",), deadline=deadline)
    record("notice_deadline_changed", notice, number=notice.number, before=before.isoformat(),
           after=deadline.isoformat(), reason=reason)
    db.session.commit()


def notice_query(site_id: int, view: str, today: date):
    query = select(RectificationNotice).where(RectificationNotice.site_id == site_id)
    if view == "open":
        query = query.where(RectificationNotice.status == "open")
    elif view == "overdue":
        query = query.where(RectificationNotice.status == "open", RectificationNotice.deadline <= today)
    elif view == "escalated":
        query = query.where(RectificationNotice.status == "escalated")
    order = (RectificationNotice.deadline.asc(),) if view in ("open", "overdue") else (RectificationNotice.issued_at.desc(),)
    return query.options(selectinload(RectificationNotice.permit).selectinload(RenovationPermit.unit)
                         .selectinload(Unit.building)).order_by(*order, RectificationNotice.id.desc())


def notice_counts(site_id: int, today: date) -> dict[str, int]:
    """Open (of which due for re-inspection today or before) and escalated notices: one grouped query."""
    due = func.sum(case((RectificationNotice.deadline <= today, 1), else_=0))
    rows = db.session.execute(select(RectificationNotice.status, func.count(), due)
                              .where(RectificationNotice.site_id == site_id, RectificationNotice.status.in_(UNRESOLVED))
                              .group_by(RectificationNotice.status)).all()
    counts = {"open": 0, "due": 0, "escalated": 0}
    for status, count, due_count in rows:
        counts[status] = count
        if status == "open":
            counts["due"] = int(due_count or 0)
    return counts


def load_notice(notice_id: int) -> RectificationNotice | None:
    """A notice with its findings, their answers, items and photos, in a fixed number of queries."""
    return db.session.scalar(select(RectificationNotice).where(RectificationNotice.id == notice_id).options(
        selectinload(RectificationNotice.findings).selectinload(Finding.answer).selectinload(Answer.item),
        selectinload(RectificationNotice.findings).selectinload(Finding.answer).selectinload(Answer.photos),
        selectinload(RectificationNotice.permit).selectinload(RenovationPermit.unit).selectinload(Unit.building),
        selectinload(RectificationNotice.visit).selectinload(Visit.user),
        selectinload(RectificationNotice.issued_by), selectinload(RectificationNotice.reinspected_by)))


def unresolved_count(permit_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(RectificationNotice).where(
        RectificationNotice.permit_id == permit_id, RectificationNotice.status.in_(UNRESOLVED))) or 0
