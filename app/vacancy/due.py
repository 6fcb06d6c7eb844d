"""Which vacant units need an upkeep visit on a day: plans, seasons and past visits read from the database.

The vacant-unit round's stops come from here (the `wanted_stops` receiver at the bottom), so the units with a
visit due appear on the patroller's Today list like any round.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from app.checklists.models import ChecklistItem, ChecklistTemplate
from app.extensions import db
from app.patrols.models import Answer, PatrolLog, Visit
from app.patrols.site_rounds import wanted_stops
from app.sites.models import Building, Checkpoint, SiteSeason, Unit
from app.vacancy.models import UpkeepItem, UpkeepPlan, plan_units
from app.vacancy.schedule import PlanItem, Seasons, item_state, lookback_start, next_due_day, visit_due

TEMPLATE_CODE = "vacant_unit"
KEPT_STATUSES = ("vacant", "sold_vacant")  # units the site keeps up; others leave the round by themselves
STATE_RANK = {"due": 0, "done": 1, "out_of_season": 2}


def site_seasons(site_id: int) -> Seasons:
    masks = dict(db.session.execute(select(SiteSeason.season, SiteSeason.months).where(SiteSeason.site_id == site_id)).all())
    return Seasons.from_masks(masks)


def upkeep_template() -> ChecklistTemplate | None:
    return db.session.scalar(select(ChecklistTemplate).where(ChecklistTemplate.code == TEMPLATE_CODE,
                                                             ChecklistTemplate.active.is_(True)))


def checklist_items() -> list[ChecklistItem]:
    """The items of the vacant-unit checklist's latest version (VAC-01 …), in checklist order."""
    template = upkeep_template()
    version = template.latest_version() if template else None
    if version is None:
        return []
    return list(db.session.scalars(select(ChecklistItem).where(ChecklistItem.version_id == version.id)
                                   .order_by(ChecklistItem.position)))


def checklist_codes() -> list[str]:
    return [item.code for item in checklist_items()]


def plan_items_by_unit(site_id: int, year: int, unit_id: int | None = None) -> dict[int, list[PlanItem]]:
    """unit id → the items of every active plan of `year` the unit is in (one query)."""
    query = (select(plan_units.c.unit_id, UpkeepItem.item_code, UpkeepItem.frequency, UpkeepItem.season)
             .join(UpkeepPlan, UpkeepPlan.id == plan_units.c.plan_id)
             .join(UpkeepItem, UpkeepItem.plan_id == UpkeepPlan.id)
             .where(UpkeepPlan.site_id == site_id, UpkeepPlan.active.is_(True), UpkeepPlan.year == year))
    if unit_id is not None:
        query = query.where(plan_units.c.unit_id == unit_id)
    items: dict[int, list[PlanItem]] = defaultdict(list)
    for unit, code, frequency, season in db.session.execute(query):
        items[unit].append(PlanItem(code, frequency, season))
    return items


def kept_units(site_id: int, unit_ids) -> list[Unit]:
    """Those of these units still kept up (vacant or sold-vacant, with an active door label), in walking order."""
    if not unit_ids:
        return []
    return list(db.session.scalars(
        select(Unit).join(Building, Unit.building_id == Building.id).join(Checkpoint, Unit.checkpoint_id == Checkpoint.id)
        .where(Building.site_id == site_id, Unit.id.in_(list(unit_ids)), Unit.status.in_(KEPT_STATUSES),
               Checkpoint.active.is_(True))
        .options(joinedload(Unit.building))
        .order_by(Building.code, Unit.floor, Unit.number)))


def last_done(site_id: int, checkpoint_ids: list[int], before: date, since: date) -> dict[int, dict[str, date]]:
    """checkpoint id → item code → the last day (since ≤ day < before) it was answered pass or fail on a submitted log."""
    if not checkpoint_ids:
        return {}
    rows = db.session.execute(
        select(Visit.checkpoint_id, ChecklistItem.code, func.max(PatrolLog.local_date))
        .select_from(Answer).join(Visit, Answer.visit_id == Visit.id).join(PatrolLog, Visit.log_id == PatrolLog.id)
        .join(ChecklistItem, Answer.item_id == ChecklistItem.id)
        .where(PatrolLog.site_id == site_id, PatrolLog.local_date >= since, PatrolLog.local_date < before,
               PatrolLog.submitted_at.is_not(None), Answer.result.in_(("pass", "fail")),
               Visit.checkpoint_id.in_(checkpoint_ids))
        .group_by(Visit.checkpoint_id, ChecklistItem.code))
    done: dict[int, dict[str, date]] = defaultdict(dict)
    for checkpoint_id, code, day in rows:
        done[checkpoint_id][code] = day
    return done


def units_due(site, day: date) -> list[Unit]:
    """Kept-up units of active plans with any item due on `day` (visits of `day` itself do not count: stops stay put all day)."""
    items = plan_items_by_unit(site.id, day.year)
    units = kept_units(site.id, items)
    done = last_done(site.id, [u.checkpoint_id for u in units], before=day, since=lookback_start(day))
    seasons = site_seasons(site.id)
    return [u for u in units if visit_due(items[u.id], done.get(u.checkpoint_id, {}), day, seasons)]


@dataclass
class UnitUpkeep:
    """A unit's upkeep on one day: each planned item's state, when it was last done, the next visit due."""

    states: dict[str, str]  # item code → due / done / out_of_season (codes not planned are absent)
    last: dict[str, date]
    due_today: bool  # in the day's upkeep round (counting visits before the day)
    visited_today: bool
    next_due: date | None
    planned: bool

    @property
    def due_codes(self) -> list[str]:
        return sorted(code for code, state in self.states.items() if state == "due")

    @property
    def out_of_season_codes(self) -> list[str]:
        return sorted(code for code, state in self.states.items() if state == "out_of_season")


def _states(items: list[PlanItem], last: dict[str, date], day: date, seasons: Seasons) -> dict[str, str]:
    """Each planned code's state; a code in two plans shows its most pressing state."""
    states: dict[str, str] = {}
    for item in items:
        state = item_state(item, last.get(item.code), day, seasons)
        if item.code not in states or STATE_RANK[state] < STATE_RANK[states[item.code]]:
            states[item.code] = state
    return states


def unit_upkeep(site, unit: Unit, day: date, include_today: bool = False) -> UnitUpkeep:
    """What the unit's plans ask on `day`. A visit asks what was due before it; the unit page (`include_today`)
    shows the states after the day's own visit."""
    items = plan_items_by_unit(site.id, day.year, unit.id).get(unit.id, [])
    seasons = site_seasons(site.id)
    kept = unit.status in KEPT_STATUSES and unit.checkpoint_id is not None and bool(items)
    since = lookback_start(day)
    before = last_done(site.id, [unit.checkpoint_id], before=day, since=since).get(unit.checkpoint_id, {}) if kept else {}
    through = last_done(site.id, [unit.checkpoint_id], before=day + timedelta(days=1), since=since) \
        .get(unit.checkpoint_id, {}) if kept else {}
    visited_today = day in through.values()
    due_today = kept and "due" in _states(items, before, day, seasons).values()
    next_due = None
    if kept:
        next_due = day if due_today and not visited_today else next_due_day(items, through, day, seasons)
    shown = through if include_today else before
    return UnitUpkeep(states=_states(items, shown, day, seasons), last=shown, due_today=due_today,
                      visited_today=visited_today, next_due=next_due, planned=bool(items))


def vacant_stops(site, purpose: str, day: date, **_extra) -> list[tuple[int, int]]:
    """The vacant-unit round's stops on `day`: the door labels of units with a visit due, on the vacant-unit checklist."""
    if purpose != "vacant":
        return []
    template = upkeep_template()
    if template is None:
        return []
    return [(unit.checkpoint_id, template.id) for unit in units_due(site, day)]


wanted_stops.connect(vacant_stops)
