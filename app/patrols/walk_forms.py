"""Reading the walking forms: manual code entry, skip reasons, phone location, and the photo ingest hook."""
from __future__ import annotations

import math

from flask_babel import format_datetime, gettext as _

from app.model_helpers import utcnow
from app.patrols.errors import PatrolError

MANUAL_REASON_MAX = 255


def manual_entry(form) -> tuple[str, str]:
    code = (form.get("code") or "").strip().upper()
    reason = (form.get("reason") or "").strip()
    if not code or len(code) > 32:
        raise PatrolError(_("Enter the code printed under the QR code."), 400, "code")
    if not reason:
        raise PatrolError(_("Say why the label could not be scanned."), 400, "reason")
    return code, reason[:MANUAL_REASON_MAX]


def skip_reason(form) -> str:
    reason = (form.get("reason") or "").strip()
    if not reason:
        raise PatrolError(_("Say why this checkpoint was not visited (door locked, no access…)."), 400, "reason")
    return reason[:255]


def location_from(form) -> tuple[float, float, float] | None:
    """Latitude, longitude and accuracy in metres from the browser, or None when absent or nonsense."""
    try:
        lat, lon, acc = (float(form.get(k, "")) for k in ("latitude", "longitude", "accuracy"))
    except ValueError:
        return None
    if not all(math.isfinite(v) for v in (lat, lon, acc)) or not (-90 <= lat <= 90 and -180 <= lon <= 180) or acc < 0:
        return None
    return lat, lon, min(acc, 100_000.0)


def stamped_ingest(site, user, place: str):
    """A function storing one uploaded photo, stamped with the time, site, place and person (水印).

    Refusals come back as PatrolError on the form's photos field: photo_refused, or storage_full and
    storage_unavailable when the server's disk refused a good photo (5xx: the phone sends it again later)."""
    from app.photos.pipeline import PhotoError, ingest_photo

    lines = [format_datetime(utcnow(), "yyyy-MM-dd HH:mm"), f"{site.name_zh} · {place}", user.full_name]

    def ingest(upload):
        try:
            return ingest_photo(upload.stream, site=site, uploaded_by=user, stamp_lines=lines, tz_name=site.timezone)
        except PhotoError as exc:
            raise PatrolError(exc.message, exc.status, "photos", code=exc.code) from exc

    return ingest


def ingest_for(visit, user):
    """Photos of a checkpoint visit."""
    checkpoint = visit.checkpoint
    return stamped_ingest(visit.log.site, user, f"{checkpoint.name_zh} ({checkpoint.code})")
