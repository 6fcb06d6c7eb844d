"""Estate rules: buildings and checkpoints, rotating a label's token so old labels stop working, resolving scanned tokens."""
from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app.audit.services import record
from app.extensions import db
from app.sites.models import Building, Checkpoint, RetiredToken, Site

BUILDING_FIELDS = ("code", "name_zh", "name_en", "floors_above", "floors_below")
CHECKPOINT_FIELDS = ("code", "name_zh", "name_en", "category", "building_id", "floor", "latitude", "longitude")
OUTDOOR = "none"  # the checkpoint filter value for checkpoints outside any building


class EstateError(Exception):
    """A rule broken by an edit, told beside the form field it concerns."""

    def __init__(self, field: str, message):
        super().__init__(field, message)
        self.field = field
        self.message = message


TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{16,64}")


@dataclass(frozen=True)
class TokenLookup:
    """What a scanned token points at: a live checkpoint, a replaced label, or nothing."""

    checkpoint: Checkpoint | None
    replaced: bool


def rotate_token(checkpoint: Checkpoint, actor=None) -> str:
    """Give the checkpoint a new token; the old one is remembered as replaced. Commits."""
    db.session.add(RetiredToken(token=checkpoint.token, checkpoint_id=checkpoint.id))
    new = checkpoint.rotate_token()
    record("checkpoint_token_rotated", checkpoint, actor=actor, code=checkpoint.code)
    db.session.commit()
    return new


def lookup_token(token: str) -> TokenLookup:
    if not TOKEN_SHAPE.fullmatch(token or ""):  # not one of ours: no query (and no NUL bytes sent to the database)
        return TokenLookup(None, False)
    checkpoint = db.session.scalar(select(Checkpoint).where(Checkpoint.token == token))
    if checkpoint is not None:
        return TokenLookup(checkpoint, False)
    retired = db.session.get(RetiredToken, token)
    return TokenLookup(db.session.get(Checkpoint, retired.checkpoint_id) if retired else None, retired is not None)


def floor_in(building: Building, floor: int) -> bool:
    """Floors count 1.. above ground and -1.. below; there is no floor 0."""
    return 1 <= floor <= building.floors_above or -building.floors_below <= floor <= -1


def _changes(record_obj, data: dict, names: tuple[str, ...]) -> dict:
    changed = {}
    for name in names:
        old, new = getattr(record_obj, name), data.get(name)
        if old != new:
            changed[name] = [old, new]
            setattr(record_obj, name, new)
    return changed


def _commit_unique_code() -> None:
    """Commit; a code taken by a concurrent edit is told like any other duplicate."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise EstateError("code", _l("This code is already used at this site.")) from None


def create_building(site: Site, data: dict, actor=None) -> Building:
    """Add a building to the site; its code is unique within the site. Commits."""
    _check_building_code(site.id, data["code"], None)
    building = Building(site_id=site.id, **{name: data[name] for name in BUILDING_FIELDS})
    db.session.add(building)
    record("building_created", building, actor=actor, code=building.code)
    _commit_unique_code()
    return building


def update_building(building: Building, data: dict, actor=None) -> Building:
    """Change a building; it cannot shrink below a floor where an active checkpoint sits. Commits."""
    _check_building_code(building.site_id, data["code"], building.id)
    stranded = db.session.scalar(
        select(Checkpoint.code).where(
            Checkpoint.building_id == building.id, Checkpoint.active.is_(True),
            or_(Checkpoint.floor > data["floors_above"], Checkpoint.floor < -data["floors_below"]),
        ).order_by(Checkpoint.code).limit(1)
    )
    if stranded is not None:
        raise EstateError("floors_above", _l("Checkpoint %(code)s lies on a floor outside this range. Move it first.", code=stranded))
    changed = _changes(building, data, BUILDING_FIELDS)
    if changed:
        record("building_updated", building, actor=actor, code=building.code, changes=changed)
    _commit_unique_code()
    return building


def _check_building_code(site_id: int, code: str, own_id: int | None) -> None:
    taken = select(Building.id).where(Building.site_id == site_id, Building.code == code)
    if own_id is not None:
        taken = taken.where(Building.id != own_id)
    if db.session.scalar(taken.limit(1)) is not None:
        raise EstateError("code", _l("Another building of this site already has this code."))


def _check_checkpoint(site_id: int, data: dict, own_id: int | None) -> None:
    taken = select(Checkpoint.id).where(Checkpoint.site_id == site_id, Checkpoint.code == data["code"])
    if own_id is not None:
        taken = taken.where(Checkpoint.id != own_id)
    if db.session.scalar(taken.limit(1)) is not None:
        raise EstateError("code", _l("This code is already used at this site."))
    if data.get("building_id") is None:
        return
    building = db.session.get(Building, data["building_id"])
    if building is None or building.site_id != site_id:
        raise EstateError("building_id", _l("Choose a building of this site."))
    if data.get("floor") is not None and not floor_in(building, data["floor"]):
        raise EstateError("floor", _l("This building has floors %(low)d to %(high)d (no floor 0).",
                                      low=-building.floors_below if building.floors_below else 1, high=building.floors_above))


def create_checkpoint(site: Site, data: dict, actor=None) -> Checkpoint:
    """Add a checkpoint with a fresh random label token. Commits."""
    _check_checkpoint(site.id, data, None)
    checkpoint = Checkpoint(site_id=site.id, **{name: data.get(name) for name in CHECKPOINT_FIELDS})
    db.session.add(checkpoint)
    record("checkpoint_created", checkpoint, actor=actor, code=checkpoint.code)
    _commit_unique_code()
    return checkpoint


def update_checkpoint(checkpoint: Checkpoint, data: dict, actor=None) -> Checkpoint:
    """Change a checkpoint's code, names, place or category; its label token stays. Commits."""
    _check_checkpoint(checkpoint.site_id, data, checkpoint.id)
    changed = _changes(checkpoint, data, CHECKPOINT_FIELDS)
    if changed:
        record("checkpoint_updated", checkpoint, actor=actor, code=checkpoint.code, changes=changed)
    _commit_unique_code()
    return checkpoint


def set_checkpoint_active(checkpoint: Checkpoint, active: bool, actor=None) -> None:
    """Retire or reactivate a checkpoint; retired ones are kept with their history, never deleted. Commits."""
    if checkpoint.active == active:
        return
    checkpoint.active = active
    record("checkpoint_reactivated" if active else "checkpoint_retired", checkpoint, actor=actor, code=checkpoint.code)
    db.session.commit()


def checkpoints_of(site_id: int, building_id: int | str | None = None, search: str | None = None) -> Select:
    """The site's checkpoints, active first, optionally of one building (or outside any) or matching a code or name."""
    query = select(Checkpoint).where(Checkpoint.site_id == site_id).options(joinedload(Checkpoint.building))
    if building_id == OUTDOOR:
        query = query.where(Checkpoint.building_id.is_(None))
    elif building_id is not None:
        query = query.where(Checkpoint.building_id == building_id)
    if search:
        query = query.where(or_(*(column.icontains(search, autoescape=True)
                                  for column in (Checkpoint.code, Checkpoint.name_zh, Checkpoint.name_en))))
    return query.order_by(Checkpoint.active.desc(), Checkpoint.code)


def buildings_of(site_id: int) -> list[Building]:
    """A site's buildings by code (a site has tens, not thousands)."""
    return list(db.session.scalars(select(Building).where(Building.site_id == site_id).order_by(Building.code)))


def active_checkpoints_for_labels(site_id: int, building_id: int | None) -> list[Checkpoint]:
    """Active checkpoints of one building (or, with None, outside any), in floor and code order, for a label sheet."""
    where = Checkpoint.building_id == building_id if building_id is not None else Checkpoint.building_id.is_(None)
    return list(db.session.scalars(
        select(Checkpoint).where(Checkpoint.site_id == site_id, Checkpoint.active.is_(True), where)
        .options(joinedload(Checkpoint.building), joinedload(Checkpoint.site))
        .order_by(Checkpoint.floor.is_(None), Checkpoint.floor, Checkpoint.code)
    ))
