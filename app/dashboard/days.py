"""Site-local days as UTC bounds: stored times are naive UTC, supervisors think in local days."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo


def day_start(day: date, tz_name: str) -> datetime:
    """The naive UTC instant the local day begins."""
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(tz_name)).astimezone(timezone.utc).replace(tzinfo=None)


def day_bounds(first: date, last: date, tz_name: str) -> list[datetime]:
    """UTC starts of every local day from `first` to `last`, plus the end of `last`: len = days + 1."""
    return [day_start(first + timedelta(days=n), tz_name) for n in range((last - first).days + 2)]
