"""When a round is due: schedule rules evaluated in the site's local time."""
from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

WEEKDAY_BITS = {day: 1 << day for day in range(7)}  # Monday = 0, as date.weekday()


@dataclass(frozen=True)
class Occurrence:
    """One window of a round on one local date, with its bounds in naive UTC."""

    round_id: int
    local_date: date
    position: int
    starts_at: datetime
    ends_at: datetime

    def state(self, now: datetime) -> str:
        if now < self.starts_at:
            return "upcoming"
        return "open" if now < self.ends_at else "closed"


def weekday_mask(days: list[int]) -> int:
    mask = 0
    for day in days:
        if not 0 <= day <= 6:
            raise ValueError(f"weekday out of range: {day}")
        mask |= WEEKDAY_BITS[day]
    return mask


def is_due_on(schedule_kind: str, weekdays: int, month_day: int | None, day: date) -> bool:
    """Daily and shift rounds every day; weekly on the chosen weekdays; monthly on the day (or month end)."""
    if schedule_kind in ("daily", "shift"):
        return True
    if schedule_kind == "weekly":
        return bool(weekdays & WEEKDAY_BITS[day.weekday()])
    if schedule_kind == "monthly" and month_day:
        last = calendar.monthrange(day.year, day.month)[1]
        return day.day == min(month_day, last)
    return False


def _to_utc(day: date, at: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, at, tzinfo=tz).astimezone(timezone.utc).replace(tzinfo=None)


def window_bounds(day: date, starts: time, ends: time, tz_name: str) -> tuple[datetime, datetime]:
    """UTC bounds of a local window; an end at or before the start falls on the next day."""
    tz = ZoneInfo(tz_name)
    end_day = day + timedelta(days=1) if ends <= starts else day
    return _to_utc(day, starts, tz), _to_utc(end_day, ends, tz)


def occurrences_on(round_, day: date, tz_name: str) -> list[Occurrence]:
    """Every window of `round_` on local date `day` (empty when the round is not due that day)."""
    if not round_.active or not is_due_on(round_.schedule_kind, round_.weekdays, round_.month_day, day):
        return []
    result = []
    for window in round_.windows:
        starts_at, ends_at = window_bounds(day, window.starts, window.ends, tz_name)
        result.append(Occurrence(round_.id, day, window.position, starts_at, ends_at))
    return result


def local_today(tz_name: str, now_utc: datetime) -> date:
    return now_utc.replace(tzinfo=timezone.utc).astimezone(ZoneInfo(tz_name)).date()
