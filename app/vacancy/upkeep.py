"""Upkeep visits through the patrol machinery: starting one from the unit (taking the key first), what the visit
asks today, and cleaning booked as a task for the cleaning team."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from app.audit.services import record
from app.extensions import db
from app.numbering import next_number
from app.patrols import site_rounds
from app.patrols.errors import PatrolError
from app.patrols.models import PatrolLog, Round, RoundCheckpoint, Visit
from app.patrols.schedules import local_today
from app.patrols.walking import assigned_to, current_occurrence, open_visit, start_round
from app.sites.models import Unit
from app.units.services import unit_of_checkpoint
from app.vacancy.due import KEPT_STATUSES, unit_upkeep
from app.vacancy.errors import VacancyError
from app.vacancy.keys import LoanRequest, borrow_key
from app.work_orders.models import Team, WorkOrder
from app.work_orders.services import OPEN_STATUSES, due_at

CLEANING_ITEM = "VAC-10"  # "this month's routine cleaning done": the item a cleaning task answers to


def _upkeep_round(unit: Unit, site, user, now: datetime) -> Round:
    """Today's vacant-unit round, when it can take this unit now; else a VacancyError saying why not."""
    if unit.status not in KEPT_STATUSES:
        raise VacancyError(_("This unit is not vacant: it has no upkeep visits."), 409)
    round_ = site_rounds.refresh(site, "vacant", now)
    db.session.commit()
    stop = round_ and db.session.scalar(select(RoundCheckpoint.id).where(RoundCheckpoint.round_id == round_.id,
                                                                        RoundCheckpoint.checkpoint_id == unit.checkpoint_id))
    if not stop:
        upkeep = unit_upkeep(site, unit, local_today(site.timezone, now))
        when = upkeep.next_due.isoformat() if upkeep.next_due else _("none planned")
        raise VacancyError(_("No upkeep visit is due for this unit today (next: %(day)s).", day=when), 409)
    if not assigned_to(user, round_):
        raise VacancyError(_("The vacant-unit round is not assigned to you: ask the administrator to add you."), 403)
    occurrence = current_occurrence(round_, site.timezone, now)
    if occurrence is None:
        raise VacancyError(_("The vacant-unit round has no time window open now."), 409)
    log = db.session.scalar(select(PatrolLog).where(PatrolLog.round_id == round_.id, PatrolLog.local_date == occurrence.local_date,
                                                    PatrolLog.window_position == occurrence.position))
    if log is not None and log.status not in ("scheduled", "in_progress"):
        raise VacancyError(_("Today's upkeep round has already been submitted."), 409)
    return round_


def start_upkeep(unit: Unit, site, user, now: datetime, borrow: LoanRequest | None = None) -> Visit:
    """Open the unit's upkeep visit in today's round, taking the key first when asked (one flow, checked before)."""
    round_ = _upkeep_round(unit, site, user, now)
    if borrow is not None:
        borrow_key(unit, site, borrow, user, now)
    try:
        log = start_round(user, round_, now)
        return open_visit(log, unit.checkpoint, user, "link", now)
    except PatrolError as exc:
        raise VacancyError(exc.message, exc.status) from None


def request_cleaning(unit: Unit, site, user, note: str | None, now: datetime) -> WorkOrder:
    """Book the unit's routine cleaning as a work order for the site's cleaning team. Commits."""
    team = db.session.scalar(select(Team).where(Team.site_id == site.id, Team.code == "cleaning"))
    if team is None:
        raise VacancyError(_("This site has no cleaning team to give the task to."), 409)
    if unit.checkpoint_id is None:
        raise VacancyError(_("This unit has no door label yet."), 409)
    open_order = db.session.scalar(select(WorkOrder.number).where(
        WorkOrder.checkpoint_id == unit.checkpoint_id, WorkOrder.item_code == CLEANING_ITEM,
        WorkOrder.status.in_(OPEN_STATUSES)).limit(1))
    if open_order is not None:
        raise VacancyError(_("A cleaning task for this unit is already open: %(number)s.", number=open_order), 409)
    order = WorkOrder(site_id=site.id, number=next_number(site.id, "work_order", local_today(site.timezone, now).year, "GD"), team_id=team.id,
                      checkpoint_id=unit.checkpoint_id, item_code=CLEANING_ITEM, title=f"空置房清洁：{unit.label('zh')}"[:200],
                      description=note or None, priority="minor", due_at=due_at(site, "minor", now), created_at=now,
                      created_by_id=user.id)
    db.session.add(order)
    db.session.flush()
    record("work_order_requested", order, actor=user, number=order.number, unit_id=unit.id, team="cleaning", note=note)
    db.session.commit()
    return order


@dataclass
class VisitUpkeep:
    """What an upkeep visit asks on its day: each item's plan state, and the N/A reason offered for out-of-season ones."""

    unit: Unit
    states: dict[str, str]
    na_reasons: dict[str, str] = field(default_factory=dict)

    @property
    def due(self) -> list[str]:
        return sorted(code for code, state in self.states.items() if state == "due")

    @property
    def out_of_season(self) -> list[str]:
        return sorted(code for code, state in self.states.items() if state == "out_of_season")


def upkeep_for_visit(visit: Visit) -> VisitUpkeep | None:
    """For a visit at a unit's door label: which items its plans ask that day; None for other checkpoints."""
    if visit.checkpoint.category != "unit":
        return None
    unit = unit_of_checkpoint(visit.checkpoint_id)
    if unit is None:
        return None
    upkeep = unit_upkeep(visit.log.site, unit, visit.log.local_date)
    reason = _("Out of season: this seasonal item of the upkeep plan is not done this month.")
    return VisitUpkeep(unit, upkeep.states, {code: reason for code in upkeep.out_of_season_codes})
