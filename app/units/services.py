"""The units register: each unit with its door label (a checkpoint of category "unit"), so a scan opens its page."""
from __future__ import annotations

from flask import abort
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app.audit.services import record
from app.extensions import db
from app.sites.models import Building, Checkpoint, Site, Unit
from app.sites.services import EstateError, floor_in
from app.validation import clean_text

FIELDS = ("floor", "number", "area_m2", "status", "owner_name", "owner_phone", "sold_on", "note")
PRIVATE = ("owner_name", "owner_phone")  # the audit trail says they changed, not what they are


def unit_code(building: Building, number: str) -> str:
    """The code printed on the door label and typed when it cannot be scanned: B3-1201."""
    return f"{building.code}-{number}"


def _label_names(building: Building, number: str) -> tuple[str, str]:
    return f"{building.name_zh} {number}", f"{building.name_en} {number}"


def _tidy(data: dict) -> dict:
    tidy = dict(data)
    for name, limit in (("owner_name", 120), ("note", 255)):
        tidy[name] = clean_text(tidy.get(name), limit) or None
    return tidy


def _building_of_site(site_id: int, building_id: int) -> Building:
    building = db.session.get(Building, building_id)
    if building is None or building.site_id != site_id:
        raise EstateError("building_id", _l("Choose a building of this site."))
    return building


def _check(building: Building, data: dict, unit: Unit | None) -> None:
    if not floor_in(building, data["floor"]):
        raise EstateError("floor", _l("This building has floors %(low)d to %(high)d (no floor 0).",
                                      low=-building.floors_below if building.floors_below else 1, high=building.floors_above))
    taken = select(Unit.id).where(Unit.building_id == building.id, Unit.number == data["number"])
    if unit is not None:
        taken = taken.where(Unit.id != unit.id)
    if db.session.scalar(taken.limit(1)) is not None:
        raise EstateError("number", _l("This building already has a unit %(number)s.", number=data["number"]))
    code = unit_code(building, data["number"])
    label = select(Checkpoint.id).where(Checkpoint.site_id == building.site_id, Checkpoint.code == code)
    if unit is not None and unit.checkpoint_id is not None:
        label = label.where(Checkpoint.id != unit.checkpoint_id)
    if db.session.scalar(label.limit(1)) is not None:
        raise EstateError("number", _l("The label code %(code)s is already used by another checkpoint.", code=code))


def _commit() -> None:
    """Commit; a number taken by a concurrent edit is told like any other duplicate."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise EstateError("number", _l("This unit number or its label code is already taken. Reload and try again.")) from None


def create_unit(site: Site, data: dict, actor=None) -> Unit:
    """Register a unit with its door label (a fresh random token). Commits."""
    data = _tidy(data)
    building = _building_of_site(site.id, data["building_id"])
    _check(building, data, None)
    name_zh, name_en = _label_names(building, data["number"])
    checkpoint = Checkpoint(site_id=site.id, building_id=building.id, floor=data["floor"], category="unit",
                            code=unit_code(building, data["number"]), name_zh=name_zh, name_en=name_en)
    unit = Unit(building_id=building.id, checkpoint=checkpoint, **{name: data.get(name) for name in FIELDS})
    db.session.add(unit)
    db.session.flush()
    record("checkpoint_created", checkpoint, actor=actor, code=checkpoint.code, unit_id=unit.id)
    record("unit_created", unit, site_id=site.id, actor=actor, building=building.code, number=unit.number, status=unit.status)
    _commit()
    return unit


def update_unit(unit: Unit, data: dict, actor=None) -> Unit:
    """Change a unit; its door label follows its number and floor and keeps its token. Commits."""
    data = _tidy(data)
    building = unit.building
    if data.get("building_id") not in (None, building.id):
        raise EstateError("building_id", _l("A unit stays in its building; register it again in the other one."))
    _check(building, data, unit)
    changed = {}
    for name in FIELDS:
        old, new = getattr(unit, name), data.get(name)
        if old != new:
            changed[name] = True if name in PRIVATE else [str(old) if old is not None else None,
                                                          str(new) if new is not None else None]
            setattr(unit, name, new)
    checkpoint = unit.checkpoint
    if checkpoint is not None and ("number" in changed or "floor" in changed):
        checkpoint.code = unit_code(building, unit.number)
        checkpoint.name_zh, checkpoint.name_en = _label_names(building, unit.number)
        checkpoint.floor = unit.floor
        record("checkpoint_updated", checkpoint, actor=actor, code=checkpoint.code, unit_id=unit.id)
    if changed:
        record("unit_updated", unit, site_id=building.site_id, actor=actor, number=unit.number, changes=changed)
    _commit()
    return unit


def unit_in_site(unit_id: int, site_id: int) -> Unit:
    """The unit, or 404 when it is missing or of another site."""
    unit = db.session.scalar(select(Unit).join(Building, Unit.building_id == Building.id)
                             .where(Unit.id == unit_id, Building.site_id == site_id)
                             .options(joinedload(Unit.building), joinedload(Unit.checkpoint)))
    if unit is None:
        abort(404)
    return unit


def unit_of_checkpoint(checkpoint_id: int) -> Unit | None:
    """The unit whose door label this checkpoint is."""
    return db.session.scalar(select(Unit).where(Unit.checkpoint_id == checkpoint_id))


def units_query(site_id: int, building_id: int | None = None, status: str | None = None) -> Select:
    """A site's units, by building, floor and number; optionally of one building or one status."""
    query = (select(Unit).join(Building, Unit.building_id == Building.id).where(Building.site_id == site_id)
             .options(joinedload(Unit.building)))
    if building_id is not None:
        query = query.where(Unit.building_id == building_id)
    if status is not None:
        query = query.where(Unit.status == status)
    return query.order_by(Building.code, Unit.floor, Unit.number)
