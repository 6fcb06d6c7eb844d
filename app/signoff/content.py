"""The canonical content of a patrol log, hashed into every signature on it."""
from __future__ import annotations

import hashlib
import json

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.patrols.models import Answer, CheckpointSkip, PatrolLog, Visit
from app.signoff.models import LogAmendment


def _iso(value) -> str | None:
    return value.isoformat(timespec="seconds") if value else None


def canonical_content(log: PatrolLog) -> dict:
    """Everything a signer vouches for: visits, answers and photo hashes, in a stable order."""
    visits = db.session.scalars(
        select(Visit).where(Visit.log_id == log.id).order_by(Visit.checkpoint_id)
        .options(selectinload(Visit.answers).selectinload(Answer.item), selectinload(Visit.answers).selectinload(Answer.photos))
    ).all()
    skips = db.session.scalars(select(CheckpointSkip).where(CheckpointSkip.log_id == log.id).order_by(CheckpointSkip.checkpoint_id)).all()
    return {
        "skips": [{"checkpoint_id": s.checkpoint_id, "reason": s.reason, "user_id": s.user_id} for s in skips],
        "log": {"number": log.number, "round_id": log.round_id, "local_date": log.local_date.isoformat(),
                "window": log.window_position, "started_at": _iso(log.started_at), "submitted_at": _iso(log.submitted_at)},
        "visits": [
            {
                "checkpoint_id": v.checkpoint_id, "template_version_id": v.template_version_id, "user_id": v.user_id,
                "method": v.method, "manual_reason": v.manual_reason, "scanned_at": _iso(v.scanned_at),
                "location": [v.latitude, v.longitude, v.accuracy_m],
                "answers": [
                    {"item": a.item.code, "result": a.result, "number": a.number_value, "text": a.text_value,
                     "note": a.note, "na_reason": a.na_reason, "photos": sorted(p.sha256 for p in a.photos)}
                    for a in sorted(v.answers, key=lambda a: a.item.position)
                ],
            }
            for v in visits
        ],
    }


def amendments_content(log: PatrolLog, upto: int) -> list[dict]:
    """Amendments 1..upto as appended to the log: reason and each corrected answer."""
    amendments = db.session.scalars(
        select(LogAmendment).where(LogAmendment.log_id == log.id, LogAmendment.number <= upto)
        .order_by(LogAmendment.number).options(selectinload(LogAmendment.changes))
    ).all()
    return [
        {"number": a.number, "reason": a.reason, "returned_note": a.returned_note, "created_by_id": a.created_by_id,
         "changes": [{"answer_id": c.answer_id, "result": c.result, "number": c.number_value, "text": c.text_value,
                      "note": c.note, "na_reason": c.na_reason} for c in sorted(a.changes, key=lambda c: c.answer_id)]}
        for a in amendments
    ]


def content_hash(log: PatrolLog, upto: int = 0) -> str:
    """SHA-256 of the log as submitted (upto=0) or with its amendments 1..upto appended."""
    content = canonical_content(log)
    if upto:
        content["amendments"] = amendments_content(log, upto)
    payload = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()
