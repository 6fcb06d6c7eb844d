"""Shift handover rules (002 值班 §4.2): the outgoing staff writes it, both sign, two different people of the site."""
from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app.audit.services import record
from app.auth.models import User
from app.extensions import db
from app.handover.models import Handover
from app.handover.snapshot import take_snapshot
from app.numbering import next_number
from app.patrols.errors import PatrolError
from app.patrols.missed import mark_missed
from app.patrols.schedules import local_today
from app.validation import clean_text

DUTY_ROLES = ("patroller", "supervisor")  # the duty desk is staffed by customer-service patrollers and their supervisors
PARTS = ("outgoing", "incoming")
DEFAULT_SHIFT = timedelta(hours=8)
EARLIEST_END = timedelta(hours=24)  # a handover is written at the change of shift, not days later
LATEST_END = timedelta(hours=2)  # …or a little before the shift ends
REMARK_MAX = 2000


def to_utc(local: datetime, tz_name: str) -> datetime:
    """A naive site-local time as naive UTC."""
    return local.replace(tzinfo=ZoneInfo(tz_name)).astimezone(timezone.utc).replace(tzinfo=None)


def to_local(utc: datetime, tz_name: str) -> datetime:
    return utc.replace(tzinfo=timezone.utc).astimezone(ZoneInfo(tz_name)).replace(tzinfo=None)


def default_shift(site, now: datetime) -> tuple[datetime, datetime]:
    """UTC bounds to offer: from the end of the last handover (when recent) or eight hours ago, until now."""
    ends = now.replace(second=0, microsecond=0)
    last_end = db.session.scalar(select(Handover.shift_ends_at).where(Handover.site_id == site.id)
                                 .order_by(Handover.created_at.desc()).limit(1))
    starts = last_end if last_end and ends - EARLIEST_END <= last_end < ends else ends - DEFAULT_SHIFT
    return starts, ends


def _require_duty_staff(site_id: int, user: User, message: str) -> None:
    if not user.active or user.role not in DUTY_ROLES or site_id not in user.site_ids:
        raise PatrolError(message, 403)


def handover_digest(handover: Handover) -> str:
    """SHA-256 of what both staff sign: number, shift, note and the snapshot."""
    content = {"site_id": handover.site_id, "number": handover.number, "note": handover.note,
               "shift": [handover.shift_starts_at.isoformat(timespec="seconds"), handover.shift_ends_at.isoformat(timespec="seconds")],
               "snapshot": handover.snapshot, "created_by_id": handover.created_by_id}
    payload = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def create_handover(site, user: User, starts: datetime, ends: datetime, note: str, now: datetime) -> Handover:
    """Write the handover of the shift [starts, ends) (UTC) with a snapshot of what is open now."""
    _require_duty_staff(site.id, user, _("Only duty staff (patrollers and supervisors) of this site can write a handover."))
    if ends < now - EARLIEST_END:
        raise PatrolError(_("The shift ended more than a day ago: write the handover at the change of shift."), 400, "shift_ends")
    if ends > now + LATEST_END:
        raise PatrolError(_("The shift cannot end more than two hours from now."), 400, "shift_ends")
    mark_missed(site, now)  # rounds whose window has passed show as missed in the snapshot
    handover = Handover(site_id=site.id, number=next_number(site.id, "handover", local_today(site.timezone, now).year, "JB"),
                        shift_starts_at=starts, shift_ends_at=ends, note=note, created_by_id=user.id, created_at=now,
                        snapshot=take_snapshot(site.id, starts, ends, now))
    handover.content_sha256 = handover_digest(handover)
    db.session.add(handover)
    record("handover_created", handover, actor=user, number=handover.number, content_sha256=handover.content_sha256)
    db.session.commit()
    return handover


def sign_handover(handover: Handover, signer: User, part: str, now: datetime, remark: str | None = None) -> Handover:
    """The outgoing or incoming staff signs; in either order, once each, two different people."""
    if part not in PARTS:
        raise PatrolError(_("Sign as outgoing or as incoming staff."), 400)
    _require_duty_staff(handover.site_id, signer,
                        _("Only duty staff (patrollers and supervisors) of this site can sign a handover."))
    other = "incoming" if part == "outgoing" else "outgoing"
    if getattr(handover, f"{part}_id") is not None:
        raise PatrolError(already_signed(part), 409)
    if getattr(handover, f"{other}_id") == signer.id:
        raise PatrolError(_("The outgoing and incoming staff must be two different people."), 403)
    if handover_digest(handover) != handover.content_sha256:
        raise PatrolError(_("The handover changed after it was written: it cannot be signed."), 409)
    text = (clean_text(remark, REMARK_MAX + 1) or None) if part == "incoming" else None
    if text and len(text) > REMARK_MAX:
        raise PatrolError(_("Too long: at most %(limit)d characters.", limit=REMARK_MAX), 400, "remark")
    column = getattr(Handover, f"{part}_id")
    values = {f"{part}_id": signer.id, f"{part}_name": signer.full_name, f"{part}_signed_at": now}
    if part == "incoming":
        values["incoming_note"] = text
    # Conditional: of two people signing the same part at once, the second finds it taken.
    try:
        changed = db.session.execute(update(Handover).where(Handover.id == handover.id, column.is_(None)).values(**values)).rowcount
    except IntegrityError:  # the other part was signed by the same person a moment earlier
        db.session.rollback()
        raise PatrolError(_("The outgoing and incoming staff must be two different people."), 403) from None
    if changed != 1:
        db.session.rollback()
        raise PatrolError(already_signed(part), 409)
    db.session.refresh(handover)
    record("handover_signed", handover, actor=signer, part=part, number=handover.number,
           content_sha256=handover.content_sha256, remark=text, complete=handover.state == "signed")
    db.session.commit()
    return handover


def already_signed(part: str) -> str:
    if part == "outgoing":
        return _("The outgoing staff has already signed this handover.")
    return _("The incoming staff has already signed this handover.")
