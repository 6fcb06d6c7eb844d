"""The manager's monthly spot-check (003 §3): a seeded draw of at least 20% of the month's logs, checked, then signed."""
from __future__ import annotations

import hashlib
import json
import random
import secrets
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.audit.services import record
from app.auth.models import User
from app.extensions import db
from app.patrols.errors import PatrolError
from app.patrols.models import PatrolLog
from app.patrols.schedules import local_today
from app.reviews.models import SPOT_RESULTS, SpotCheck, SpotCheckItem
from app.reviews.periods import Month
from app.signoff.content import content_hash
from app.signoff.services import signed_stage
from app.validation import clean_text

# Every log that was walked and handed in: signed, reviewed, or waiting for signatures or a correction.
DRAWN_FROM = ("submitted", "signed", "reviewed", "amending", "returned")
NOTE_MAX = 2000


def sample_size(population: int) -> int:
    """At least 20% of the month's logs, rounded up: ceil(n / 5), so one as soon as there is any."""
    return (population + 4) // 5


def draw(population: list[int], seed: int, size: int) -> list[int]:
    """The sample in drawn order: the same population, seed and size always give the same logs."""
    return random.Random(seed).sample(sorted(population), size)


def month_population(site_id: int, month: Month) -> list[int]:
    return list(db.session.scalars(select(PatrolLog.id).where(
        PatrolLog.site_id == site_id, PatrolLog.local_date >= month.first, PatrolLog.local_date <= month.last,
        PatrolLog.status.in_(DRAWN_FROM)).order_by(PatrolLog.id)))


def _require_manager(site_id: int, user: User) -> None:
    if user.role != "supervisor" or site_id not in user.site_ids:
        raise PatrolError(_("Only a supervisor or manager of this site can do spot-checks."), 403)


def draw_spot_check(site, month: Month, user: User, now: datetime, seed: int | None = None) -> SpotCheck:
    """Draw the month's sample once, after the month is over; the seed is kept so the draw can be shown again."""
    _require_manager(site.id, user)
    if month.last >= local_today(site.timezone, now):
        raise PatrolError(_("A month can be drawn once it is over."), 409, "month")
    if db.session.scalar(select(SpotCheck.id).where(SpotCheck.site_id == site.id, SpotCheck.year == month.year,
                                                    SpotCheck.month == month.month)):
        raise PatrolError(_("This month has already been drawn."), 409, "month")
    population = month_population(site.id, month)
    if not population:
        raise PatrolError(_("No logs were handed in that month: there is nothing to draw."), 409, "month")
    seed = secrets.randbits(62) if seed is None else seed
    size = sample_size(len(population))
    spot = SpotCheck(site_id=site.id, year=month.year, month=month.month, seed=seed, population=population,
                     population_count=len(population), sample_size=size, drawn_by_id=user.id, drawn_at=now)
    spot.items = [SpotCheckItem(position=n, log_id=log_id) for n, log_id in enumerate(draw(population, seed, size), 1)]
    db.session.add(spot)
    try:
        db.session.flush()
    except IntegrityError:  # a colleague drew the same month a moment earlier
        db.session.rollback()
        raise PatrolError(_("This month has already been drawn."), 409, "month") from None
    record("spot_check_drawn", spot, actor=user, month=str(month), seed=str(seed), population=len(population),
           sample_size=size, sample=[item.log_id for item in spot.items])
    db.session.commit()
    return spot


def draw_holds(spot: SpotCheck) -> bool:
    """True when the recorded seed still yields exactly the logs that were sampled."""
    return draw(spot.population, spot.seed, spot.sample_size) == [item.log_id for item in spot.items]


def load_spot_check(spot_id: int) -> SpotCheck | None:
    return db.session.scalar(select(SpotCheck).where(SpotCheck.id == spot_id).options(
        selectinload(SpotCheck.items).selectinload(SpotCheckItem.log).selectinload(PatrolLog.round),
        selectinload(SpotCheck.items).selectinload(SpotCheckItem.log).selectinload(PatrolLog.started_by),
        selectinload(SpotCheck.items).selectinload(SpotCheckItem.checked_by)))


def _lock_unsigned(spot: SpotCheck) -> bool:
    """Take the spot-check's row lock while it is unsigned, then read its items afresh; False once it is signed.

    Checking an item and signing go one after the other, so a signature always covers the results as stored.
    """
    locked = db.session.execute(update(SpotCheck).where(SpotCheck.id == spot.id, SpotCheck.signed_at.is_(None))
                                .values(seed=SpotCheck.seed)).rowcount
    db.session.refresh(spot)
    db.session.scalars(select(SpotCheckItem).where(SpotCheckItem.spot_check_id == spot.id)
                       .execution_options(populate_existing=True)).all()
    return locked == 1


def check_item(spot: SpotCheck, item_id: int, user: User, result: str, note: str | None, now: datetime) -> SpotCheckItem:
    """Record what the manager found in one sampled log; it can be changed until the spot-check is signed."""
    _require_manager(spot.site_id, user)
    if not _lock_unsigned(spot):
        db.session.rollback()
        raise PatrolError(_("This spot-check is signed: its results can no longer change."), 409)
    item = next((i for i in spot.items if i.id == item_id), None)
    if item is None:
        raise PatrolError(_("This log is not part of this spot-check."), 404)
    if result not in SPOT_RESULTS:
        raise PatrolError(_("Choose whether the log is in order or has a problem."), 400, "result")
    text = clean_text(note, NOTE_MAX + 1) or None
    if text and len(text) > NOTE_MAX:
        raise PatrolError(_("Too long: at most %(limit)d characters.", limit=NOTE_MAX), 400, "note")
    if result == "problem" and not text:
        raise PatrolError(_("Describe the problem you found."), 400, "note")
    before = item.result
    item.result, item.note, item.checked_by_id, item.checked_at = result, text, user.id, now
    item.content_sha256 = content_hash(item.log, signed_stage(item.log))
    record("spot_check_item_checked", spot, actor=user, log_id=item.log_id, result=result, note=text, before=before,
           content_sha256=item.content_sha256)
    db.session.commit()
    return item


def results_digest(spot: SpotCheck) -> str:
    """SHA-256 over the draw and every result, as the manager signs them."""
    content = {"site_id": spot.site_id, "month": f"{spot.year}-{spot.month:02d}", "seed": str(spot.seed),
               "population": sorted(spot.population), "sample_size": spot.sample_size,
               "items": [{"position": i.position, "log_id": i.log_id, "result": i.result, "note": i.note,
                          "content_sha256": i.content_sha256, "checked_by_id": i.checked_by_id} for i in spot.items]}
    payload = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def sign_spot_check(spot: SpotCheck, user: User, now: datetime) -> SpotCheck:
    """The manager signs the checked sample; once only, and only when every sampled log has been checked."""
    _require_manager(spot.site_id, user)
    if not _lock_unsigned(spot):
        db.session.rollback()
        raise PatrolError(_("This spot-check has already been signed."), 409)
    if spot.checked < len(spot.items):
        db.session.rollback()
        raise PatrolError(_("Check every sampled log before signing."), 409)
    digest = results_digest(spot)
    spot.signed_by_id, spot.signed_full_name, spot.signed_at, spot.results_sha256 = user.id, user.full_name, now, digest
    record("spot_check_signed", spot, actor=user, month=f"{spot.year}-{spot.month:02d}", results_sha256=digest,
           problems=sum(1 for i in spot.items if i.result == "problem"))
    db.session.commit()
    return spot
