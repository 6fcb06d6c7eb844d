"""Yearly upkeep plans for one vacant unit or a group (空置房维护计划), and the site's season months."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from app.audit.services import record
from app.extensions import db
from app.i18n import lang
from app.sites.models import SEASONS, Building, SiteSeason, Unit
from app.vacancy.due import KEPT_STATUSES, checklist_codes
from app.vacancy.errors import VacancyError
from app.vacancy.models import UpkeepItem, UpkeepPlan, plan_units
from app.vacancy.schedule import mask_to_months, months_to_mask


def _units_for_plan(site_id: int, unit_ids: list[int]) -> list[Unit]:
    wanted = set(unit_ids)
    units = list(db.session.scalars(select(Unit).join(Building, Unit.building_id == Building.id)
                                    .where(Unit.id.in_(list(wanted)), Building.site_id == site_id)
                                    .options(joinedload(Unit.building)).order_by(Building.code, Unit.floor, Unit.number)))
    if len(units) != len(wanted):
        raise VacancyError(_("Choose units of this site."), 400, "unit_ids")
    occupied = [u.label(lang()) for u in units if u.status not in KEPT_STATUSES]
    if occupied:
        raise VacancyError(_("Not vacant: %(units)s. A plan covers vacant or sold-but-vacant units only.",
                             units=", ".join(occupied[:5])), 400, "unit_ids")
    return units


def _check_items(items: list[dict]) -> None:
    codes = set(checklist_codes())
    if not codes:
        raise VacancyError(_("The vacant-unit checklist is not loaded yet: load the catalogue first."), 409, "items")
    seen = set()
    for item in items:
        if item["code"] not in codes:
            raise VacancyError(_("%(code)s is not an item of the vacant-unit checklist.", code=item["code"][:16]), 400, "items")
        if item["code"] in seen:
            raise VacancyError(_("%(code)s is in the plan twice.", code=item["code"]), 400, "items")
        seen.add(item["code"])


def _set_items(plan: UpkeepPlan, items: list[dict]) -> None:
    """Change items in place by code (the (plan, code) pair is unique), drop the ones left out, add the new ones."""
    wanted = {item["code"]: item for item in items}
    for existing in list(plan.items):
        if existing.item_code not in wanted:
            plan.items.remove(existing)
    db.session.flush()
    current = {item.item_code: item for item in plan.items}
    for code, item in wanted.items():
        row = current.get(code) or UpkeepItem(item_code=code)
        row.frequency, row.season, row.measure = item["frequency"], item["season"], item.get("measure") or None
        if code not in current:
            plan.items.append(row)


def save_plan(site, data: dict, actor, plan: UpkeepPlan | None = None) -> UpkeepPlan:
    """Create or change a plan: its units (vacant ones of this site), items (checklist codes), budget. Commits."""
    units = _units_for_plan(site.id, data["unit_ids"])
    _check_items(data["items"])
    created = plan is None
    if created:
        plan = UpkeepPlan(site_id=site.id, created_by_id=actor.id)
        db.session.add(plan)
    plan.name, plan.year, plan.budget_yuan = data["name"], data["year"], data.get("budget_yuan")
    plan.note, plan.active = data.get("note") or None, bool(data.get("active"))
    plan.units = units
    _set_items(plan, data["items"])
    db.session.flush()
    record("upkeep_plan_created" if created else "upkeep_plan_updated", plan, actor=actor, name=plan.name, year=plan.year,
           units=[u.id for u in units], items={i["code"]: [i["frequency"], i["season"]] for i in data["items"]},
           budget_yuan=plan.budget_yuan, active=plan.active)
    db.session.commit()
    return plan


def plan_in_site(plan_id: int, site_id: int) -> UpkeepPlan | None:
    return db.session.scalar(select(UpkeepPlan).where(UpkeepPlan.id == plan_id, UpkeepPlan.site_id == site_id)
                             .options(selectinload(UpkeepPlan.items),
                                      selectinload(UpkeepPlan.units).joinedload(Unit.building)))


def plans_query(site_id: int):
    return select(UpkeepPlan).where(UpkeepPlan.site_id == site_id).order_by(UpkeepPlan.year.desc(), UpkeepPlan.name,
                                                                             UpkeepPlan.id)


def unit_counts(plan_ids: list[int]) -> dict[int, int]:
    if not plan_ids:
        return {}
    return dict(db.session.execute(select(plan_units.c.plan_id, func.count()).where(plan_units.c.plan_id.in_(plan_ids))
                                   .group_by(plan_units.c.plan_id)).all())


def plans_of_unit(unit_id: int, limit: int = 10) -> list[UpkeepPlan]:
    return list(db.session.scalars(
        select(UpkeepPlan).join(plan_units, plan_units.c.plan_id == UpkeepPlan.id).where(plan_units.c.unit_id == unit_id)
        .options(selectinload(UpkeepPlan.items)).order_by(UpkeepPlan.year.desc(), UpkeepPlan.id.desc()).limit(limit)))


def plannable_units(site_id: int, chosen: set[int], limit: int = 500) -> list[Unit]:
    """Vacant and sold-vacant units of the site to choose from, and any already chosen."""
    return list(db.session.scalars(
        select(Unit).join(Building, Unit.building_id == Building.id)
        .where(Building.site_id == site_id, Unit.status.in_(KEPT_STATUSES) | Unit.id.in_(list(chosen) or [0]))
        .options(joinedload(Unit.building)).order_by(Building.code, Unit.floor, Unit.number).limit(limit)))


def season_months(site_id: int) -> dict[str, tuple[int, ...] | None]:
    """Each season's months as set for the site; None where the site keeps the default."""
    stored = dict(db.session.execute(select(SiteSeason.season, SiteSeason.months).where(SiteSeason.site_id == site_id)).all())
    return {season: mask_to_months(stored[season]) if season in stored else None for season in SEASONS}


def save_seasons(site, months: dict[str, list[int]], actor) -> None:
    """Set the months of each season at the site (an empty list: the season does not occur there). Commits."""
    stored = {row.season: row for row in db.session.scalars(select(SiteSeason).where(SiteSeason.site_id == site.id))}
    for season in SEASONS:
        mask = months_to_mask(months.get(season, []))
        row = stored.get(season) or SiteSeason(site_id=site.id, season=season)
        row.months = mask
        db.session.add(row)
    record("site_seasons_set", site, actor=actor, months={season: sorted(months.get(season, [])) for season in SEASONS})
    db.session.commit()
