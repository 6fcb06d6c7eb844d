"""Filtered lists of a site's patrol logs, findings and work orders, and the choices their filter forms offer."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import joinedload, lazyload

from app.auth.models import User, user_sites
from app.dashboard.days import day_start
from app.dashboard.figures import NOT_DONE, finding_loads, order_loads
from app.dashboard.filters import Filters
from app.extensions import db
from app.findings.models import FINDING_STATUSES, Finding
from app.labels import label
from app.patrols.models import LOG_STATUSES, Answer, PatrolLog, Round, RoundCheckpoint, Visit
from app.sites.models import Building, Checkpoint
from app.work_orders.models import WORK_ORDER_STATUSES, Team, WorkOrder
from app.work_orders.services import OPEN_STATUSES


def log_query(site, f: Filters):
    """Logs of rounds matching the filters; building and checkpoint mean 'the round passes there'."""
    query = select(PatrolLog).where(PatrolLog.site_id == site.id, PatrolLog.status != "scheduled")
    if f.round:
        query = query.where(PatrolLog.round_id == f.round)
    if f.building or f.checkpoint:
        passing = select(RoundCheckpoint.round_id).join(Checkpoint, Checkpoint.id == RoundCheckpoint.checkpoint_id).where(
            Checkpoint.site_id == site.id, *_place(f))
        query = query.where(PatrolLog.round_id.in_(passing))
    if f.team:
        query = query.where(PatrolLog.round_id.in_(select(Round.id).where(Round.site_id == site.id, Round.assigned_team_id == f.team)))
    if f.person:
        query = query.where(PatrolLog.started_by_id == f.person)
    if f.status:
        query = query.where(PatrolLog.status == f.status)
    if f.date_from:
        query = query.where(PatrolLog.local_date >= f.date_from)
    if f.date_to:
        query = query.where(PatrolLog.local_date <= f.date_to)
    return query.options(joinedload(PatrolLog.round), joinedload(PatrolLog.started_by).lazyload(User.sites))


def finding_query(site, f: Filters):
    """Findings matching the filters; person is who found it, team the team of its work order."""
    query = select(Finding).where(Finding.site_id == site.id)
    query = _at_place(query, Finding.checkpoint_id, site, f)
    if f.round or f.person:
        query = query.join(Answer, Answer.id == Finding.answer_id)
    if f.round:
        query = query.join(Visit, Visit.id == Answer.visit_id).join(PatrolLog, PatrolLog.id == Visit.log_id).where(
            PatrolLog.round_id == f.round)
    if f.person:
        query = query.where(Answer.answered_by_id == f.person)
    if f.team:
        query = query.join(WorkOrder, WorkOrder.id == Finding.work_order_id).where(WorkOrder.team_id == f.team)
    if f.status:
        query = query.where(Finding.status == f.status)
    return _created_between(query, Finding.created_at, site, f).options(*finding_loads())


def order_query(site, f: Filters, now: datetime):
    """Work orders matching the filters; person is who claimed or did it, round the round its findings came from."""
    query = select(WorkOrder).where(WorkOrder.site_id == site.id)
    query = _at_place(query, WorkOrder.checkpoint_id, site, f)
    if f.round:
        from_round = (exists().where(Finding.work_order_id == WorkOrder.id).where(Answer.id == Finding.answer_id)
                      .where(Visit.id == Answer.visit_id, PatrolLog.id == Visit.log_id, PatrolLog.round_id == f.round))
        query = query.where(from_round)
    if f.team:
        query = query.where(WorkOrder.team_id == f.team)
    if f.person:
        query = query.where(or_(WorkOrder.claimed_by_id == f.person, WorkOrder.done_by_id == f.person))
    if f.status == "open":
        query = query.where(WorkOrder.status.in_(OPEN_STATUSES))
    elif f.status == "overdue":
        query = query.where(WorkOrder.status.in_(NOT_DONE), WorkOrder.due_at < now)
    elif f.status:
        query = query.where(WorkOrder.status == f.status)
    return _created_between(query, WorkOrder.created_at, site, f).options(*order_loads())


def _place(f: Filters) -> list:
    conditions = []
    if f.building:
        conditions.append(Checkpoint.building_id == f.building)
    if f.checkpoint:
        conditions.append(Checkpoint.id == f.checkpoint)
    return conditions


def _at_place(query, checkpoint_column, site, f: Filters):
    if f.checkpoint:
        query = query.where(checkpoint_column == f.checkpoint)
    if f.building:
        query = query.where(checkpoint_column.in_(
            select(Checkpoint.id).where(Checkpoint.site_id == site.id, Checkpoint.building_id == f.building)))
    return query


def _created_between(query, column, site, f: Filters):
    """From the start of the local day `date_from` to the end of the local day `date_to`."""
    if f.date_from:
        query = query.where(column >= day_start(f.date_from, site.timezone))
    if f.date_to:
        query = query.where(column < day_start(f.date_to + timedelta(days=1), site.timezone))
    return query


@dataclass
class Choices:
    buildings: list[Building]
    checkpoints: list[Checkpoint]
    rounds: list[Round]
    teams: list[Team]
    people: list[User]


def choices(site, building_id: int | None) -> Choices:
    """What the filter form offers; with a building chosen, only its checkpoints."""
    checkpoints = select(Checkpoint).where(Checkpoint.site_id == site.id)
    if building_id:
        checkpoints = checkpoints.where(Checkpoint.building_id == building_id)
    return Choices(
        buildings=list(db.session.scalars(select(Building).where(Building.site_id == site.id).order_by(Building.code))),
        checkpoints=list(db.session.scalars(checkpoints.order_by(Checkpoint.code))),
        rounds=list(db.session.scalars(select(Round).where(Round.site_id == site.id).order_by(Round.active.desc(), Round.id))),
        teams=list(db.session.scalars(select(Team).where(Team.site_id == site.id).order_by(Team.id))),
        people=list(db.session.scalars(
            select(User).join(user_sites, user_sites.c.user_id == User.id)
            .where(user_sites.c.site_id == site.id, User.role != "admin").order_by(User.full_name, User.id)
            .options(lazyload(User.sites)))),
    )


def status_options(kind: str) -> list[tuple[str, str]]:
    """The statuses a list can be filtered by, with their names."""
    from flask_babel import gettext as _

    if kind == "logs":
        return [(s, label("log_status", s)) for s in LOG_STATUSES if s != "scheduled"]
    if kind == "findings":
        return [(s, label("finding_status", s)) for s in FINDING_STATUSES]
    return [("open", _("Open (not verified yet)")), ("overdue", _("Overdue"))] + [
        (s, label("work_order_status", s)) for s in WORK_ORDER_STATUSES]


def filter_options(choices: Choices, locale: str, statuses: list[tuple[str, str]]) -> list[tuple]:
    """(name, label, [(value, text)]) for each select of the filter form."""
    from flask_babel import gettext as _

    return [
        ("building", _("Building"), [(b.id, b.name(locale)) for b in choices.buildings]),
        ("checkpoint", _("Checkpoint"), [(c.id, f"{c.code} · {c.name(locale)}") for c in choices.checkpoints]),
        ("round", _("Round"), [(r.id, r.name(locale)) for r in choices.rounds]),
        ("team", _("Team"), [(t.id, t.name(locale)) for t in choices.teams]),
        ("person", _("Person"), [(u.id, u.full_name) for u in choices.people]),
        ("status", _("Status"), statuses),
    ]
