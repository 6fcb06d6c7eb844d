"""What a phone needs to walk one log without a network: its stops, their checklists and labels, what is recorded."""
from __future__ import annotations

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import selectinload

from app.checklists.models import TemplateVersion
from app.extensions import db
from app.patrols.models import Answer, CheckpointSkip, PatrolLog, RoundCheckpoint, Visit
from app.photos.models import Photo


def _versions(visited_ids: set[int], template_ids: set[int]) -> dict[int, TemplateVersion]:
    """The versions visits used, and each template's latest (what open_visit gives a new visit), with their items."""
    newest = (select(TemplateVersion.template_id, func.max(TemplateVersion.number).label("number"))
              .where(TemplateVersion.template_id.in_(template_ids)).group_by(TemplateVersion.template_id).subquery())
    latest = select(TemplateVersion.id).join(newest, and_(TemplateVersion.template_id == newest.c.template_id,
                                                          TemplateVersion.number == newest.c.number))
    return {v.id: v for v in db.session.scalars(
        select(TemplateVersion).where(or_(TemplateVersion.id.in_(visited_ids), TemplateVersion.id.in_(latest)))
        .options(selectinload(TemplateVersion.items)))}


def _latest_of(versions: dict[int, TemplateVersion]) -> dict[int, TemplateVersion]:
    newest: dict[int, TemplateVersion] = {}
    for version in versions.values():
        if version.template_id not in newest or version.number > newest[version.template_id].number:
            newest[version.template_id] = version
    return newest


def _photo_counts(log_id: int) -> dict[int, int]:
    return dict(db.session.execute(
        select(Photo.answer_id, func.count()).join(Answer, Photo.answer_id == Answer.id).join(Visit)
        .where(Visit.log_id == log_id).group_by(Photo.answer_id)).all())


def _item(item, lang: str) -> dict:
    return {"id": item.id, "code": item.code, "text": item.text(lang), "help": item.help(lang),
            "answer_type": item.answer_type, "unit": item.unit, "min_value": item.min_value, "max_value": item.max_value,
            "photo_on_fail": item.photo_on_fail, "urgent_if_fail": item.urgent_if_fail}


def _visit(visit: Visit | None, photos: dict[int, int]) -> dict | None:
    if visit is None:
        return None
    return {"uuid": visit.client_uuid, "id": visit.id, "answers": [
        {"item_id": a.item_id, "uuid": a.client_uuid, "result": a.result, "number": a.number_value, "text": a.text_value,
         "note": a.note, "na_reason": a.na_reason, "photos": photos.get(a.id, 0)} for a in visit.answers]}


def offline_pack(log: PatrolLog, user, lang: str) -> dict:
    """The log, its stops in order with checklist items and label tokens, and what is recorded, in a fixed number of queries."""
    stops = db.session.scalars(select(RoundCheckpoint).where(RoundCheckpoint.round_id == log.round_id)
                               .order_by(RoundCheckpoint.position).options(selectinload(RoundCheckpoint.checkpoint))).all()
    visits = {v.checkpoint_id: v for v in db.session.scalars(
        select(Visit).where(Visit.log_id == log.id).options(selectinload(Visit.answers)))}
    skips = {s.checkpoint_id: s for s in db.session.scalars(select(CheckpointSkip).where(CheckpointSkip.log_id == log.id))}
    versions = _versions({v.template_version_id for v in visits.values()},
                         {s.template_id for s in stops if s.checkpoint_id not in visits})
    latest, photos = _latest_of(versions), _photo_counts(log.id)
    rows = []
    for stop in stops:
        visit, checkpoint = visits.get(stop.checkpoint_id), stop.checkpoint
        version = versions.get(visit.template_version_id) if visit else latest.get(stop.template_id)
        skip = skips.get(stop.checkpoint_id)
        rows.append({"position": stop.position, "checkpoint_id": checkpoint.id, "code": checkpoint.code,
                     "name": checkpoint.name(lang), "active": checkpoint.active, "tokens": [checkpoint.token],
                     "template_version_id": version.id if version else None,
                     "items": [_item(item, lang) for item in version.items] if version else [],
                     "visit": _visit(visit, photos), "skip": {"reason": skip.reason} if skip else None})
    return {"log": {"id": log.id, "number": log.number, "status": log.status, "round_id": log.round_id,
                    "round_name": log.round.name(lang), "window_starts_at": log.window_starts_at,
                    "window_ends_at": log.window_ends_at, "started_by_id": log.started_by_id},
            "user": {"id": user.id, "username": user.username, "full_name": user.full_name},
            "lang": lang, "stops": rows}
