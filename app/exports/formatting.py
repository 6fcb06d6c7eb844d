"""How exported records write times, scores and numbers: site-local, fixed formats, no locale guessing."""
from __future__ import annotations

from datetime import datetime

from flask_babel import force_locale

from app.exports.wording import RECORD_LOCALE
from app.i18n import to_local
from app.labels import LABELS


def local_text(value: datetime | None, tz: str, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored naive-UTC time as the site's wall-clock time, '' when absent."""
    return to_local(value, tz).strftime(fmt) if value else ""


def local_naive(value: datetime | None, tz: str) -> datetime | None:
    """Site wall-clock time without a zone: spreadsheets store no zones, and the archive is read in the site's time."""
    return to_local(value, tz).replace(tzinfo=None) if value else None


def window_text(starts: datetime, ends: datetime, tz: str) -> str:
    return f"{local_text(starts, tz, '%H:%M')}-{local_text(ends, tz, '%H:%M')}"


def score_text(score: float | None) -> str:
    return f"{score * 100:.0f}%" if score is not None else ""


def number_text(value: float | None) -> str:
    """12.0 → '12', 0.35 → '0.35': as a person would write the reading down."""
    if value is None:
        return ""
    return f"{value:.4f}".rstrip("0").rstrip(".")


def record_labels(kind: str) -> dict[str, str]:
    """code → display name in the record's language (Chinese), whoever downloads it; looked up once per export."""
    with force_locale(RECORD_LOCALE):
        return {code: str(text) for code, text in LABELS.get(kind, {}).items()}
