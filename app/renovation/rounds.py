"""The daily renovation round: which units it visits, and what a submitted visit does to their permits.

Stops (site_rounds.wanted_stops): the door label of every unit whose permit is live that day — approved within its
dates (the "renovation site" checklist), waiting for its initial acceptance, or due for its 30-day re-check (both
with the acceptance checklist). Results (events.log_submitted): failed items become a rectification notice per visit;
a clean acceptance accepts the permit and schedules the re-check; a clean re-check with no violation left makes the
deposit refundable. The findings themselves go to the supervisor's review queue like any other.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import selectinload

from app.audit.services import record
from app.checklists.models import ChecklistTemplate, TemplateVersion
from app.extensions import db
from app.findings.models import Finding
from app.patrols import site_rounds
from app.patrols.events import log_submitted
from app.patrols.models import Answer, PatrolLog, Visit
from app.patrols.schedules import local_today
from app.renovation.models import RenovationPermit
from app.renovation.notices import issue_for_visit, unresolved_count
from app.sites.models import Building, Unit

SITE_CHECK, ACCEPTANCE = "renovation_site", "renovation_acceptance"
RECHECK_AFTER = timedelta(days=30)
VISITED = ("approved", "completion_requested", "accepted")


def _templates() -> dict[str, int]:
    return dict(db.session.execute(select(ChecklistTemplate.code, ChecklistTemplate.id).where(
        ChecklistTemplate.code.in_((SITE_CHECK, ACCEPTANCE)))).all())


def live_on(day: date):
    """Permits whose unit is visited on `day`."""
    return or_(
        and_(RenovationPermit.status == "approved", RenovationPermit.planned_start <= day, RenovationPermit.planned_end >= day),
        RenovationPermit.status == "completion_requested",
        and_(RenovationPermit.status == "accepted", RenovationPermit.recheck_due_on <= day),
    )


def wanted_stops(site, purpose: str, day: date, **_kwargs) -> list[tuple[int, int]]:
    """The renovation round's stops for `day`, by building and unit number."""
    if purpose != "renovation":
        return []
    templates = _templates()
    rows = db.session.execute(
        select(Unit.checkpoint_id, RenovationPermit.status).join(RenovationPermit, RenovationPermit.unit_id == Unit.id)
        .join(Building, Building.id == Unit.building_id)
        .where(RenovationPermit.site_id == site.id, Unit.checkpoint_id.is_not(None), live_on(day))
        .order_by(Building.code, Unit.floor, Unit.number)).all()
    stops = []
    for checkpoint_id, status in rows:
        template_id = templates.get(SITE_CHECK if status == "approved" else ACCEPTANCE)
        if template_id is not None:
            stops.append((checkpoint_id, template_id))
    return stops


def _permits_by_checkpoint(log: PatrolLog) -> dict[int, RenovationPermit]:
    rows = db.session.execute(
        select(Unit.checkpoint_id, RenovationPermit).join(RenovationPermit, RenovationPermit.unit_id == Unit.id)
        .join(Visit, Visit.checkpoint_id == Unit.checkpoint_id)
        .where(Visit.log_id == log.id, RenovationPermit.site_id == log.site_id, RenovationPermit.status.in_(VISITED))
        .options(selectinload(RenovationPermit.unit), selectinload(RenovationPermit.site))).all()
    return {checkpoint_id: permit for checkpoint_id, permit in rows}


def apply_log(log: PatrolLog, findings: list[Finding], user, now: datetime) -> None:
    """What a submitted renovation log means for the permits it visited (inside the caller's transaction)."""
    permits = _permits_by_checkpoint(log)
    if not permits:
        return
    failed_by_visit: dict[int, list[Finding]] = {}
    visit_of_answer = dict(db.session.execute(select(Answer.id, Answer.visit_id).where(
        Answer.id.in_([f.answer_id for f in findings]))).all()) if findings else {}
    for finding in findings:
        failed_by_visit.setdefault(visit_of_answer[finding.answer_id], []).append(finding)
    visits = db.session.execute(select(Visit, TemplateVersion.template_id)
                                .join(TemplateVersion, TemplateVersion.id == Visit.template_version_id)
                                .where(Visit.log_id == log.id, Visit.checkpoint_id.in_(permits)).order_by(Visit.id)).all()
    acceptance = _templates().get(ACCEPTANCE)
    # The site's calendar day now, not the log's: a round started before dawn may still carry yesterday's date.
    today = local_today(log.site.timezone, now)
    for visit, template_id in visits:
        permit, failures = permits[visit.checkpoint_id], failed_by_visit.get(visit.id, [])
        if failures:
            issue_for_visit(permit, visit, failures, user, now)
        elif template_id != acceptance:
            continue  # a daily site check opened before completion was requested accepts nothing
        elif permit.status == "completion_requested":
            _accept(permit, visit, today, now)
        elif permit.status == "accepted" and permit.recheck_due_on <= today and not unresolved_count(permit.id):
            _refundable(permit, visit, now)
    site_rounds.refresh(log.site, "renovation", now)


def _accept(permit: RenovationPermit, visit: Visit, day: date, now: datetime) -> None:
    """Initial acceptance passed; the re-check is due 30 days later. (The log's submit is serialised on its row.)"""
    permit.status, permit.accepted_at, permit.acceptance_visit_id = "accepted", now, visit.id
    permit.recheck_due_on = day + RECHECK_AFTER
    record("permit_accepted", permit, number=permit.number, visit_id=visit.id, recheck_due_on=permit.recheck_due_on.isoformat())


def _refundable(permit: RenovationPermit, visit: Visit, now: datetime) -> None:
    """Re-check passed with no violation left: the deposit may be returned and the unit is lived in again."""
    permit.status, permit.refundable_at, permit.recheck_visit_id = "refundable", now, visit.id
    permit.unit.status = "occupied"
    record("permit_refundable", permit, number=permit.number, visit_id=visit.id)


def _on_log_submitted(log: PatrolLog, findings=(), user=None, now: datetime | None = None, **_kwargs) -> None:
    if log.round.purpose == "renovation":
        apply_log(log, list(findings), user, now)


site_rounds.wanted_stops.connect(wanted_stops)
log_submitted.connect(_on_log_submitted)
