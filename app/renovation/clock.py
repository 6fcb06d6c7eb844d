"""Working-day clocks (DESIGN §8): Monday to Friday, less the site's holidays, counted in the site's time zone."""
from __future__ import annotations

import calendar
from collections.abc import Container
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app.extensions import db

APPROVAL_WORKING_DAYS = 2  # engineering decides within 2 working days of a complete application (002 装修 §4.2)
HOLIDAY_LOOKAHEAD = timedelta(days=120)  # no run of holidays is longer: enough rows to count any short clock


def is_working_day(day: date, holidays: Container[date]) -> bool:
    return day.weekday() < 5 and day not in holidays


def add_working_days(start: datetime, days: int, holidays: Container[date]) -> datetime:
    """The local moment `days` working days after `start` (a naive local time).

    Time counts on working days only: a start on a weekend or holiday counts from the beginning of the next working
    day, so an application handed in on Saturday is due at the end of Tuesday (Wednesday 00:00), one handed in on
    Friday at 15:00 is due on Tuesday at 15:00."""
    if days < 0:
        raise ValueError("days must not be negative")
    current = start
    if not is_working_day(current.date(), holidays):
        day = current.date()
        while not is_working_day(day, holidays):
            day += timedelta(days=1)
        current = datetime.combine(day, time.min)
    day, left = current.date(), days
    while left:
        day += timedelta(days=1)
        if is_working_day(day, holidays):
            left -= 1
    return datetime.combine(day, current.time())


def holidays_of(site_id: int, start: date, end: date) -> set[date]:
    """The site's holidays between two dates (inclusive), one bounded query."""
    from app.sites.models import SiteHoliday

    return set(db.session.scalars(select(SiteHoliday.day).where(
        SiteHoliday.site_id == site_id, SiteHoliday.day >= start, SiteHoliday.day <= end)))


def approval_due_at(site, submitted_at: datetime) -> datetime:
    """When engineering's decision is due for an application completed at `submitted_at` (naive UTC in and out)."""
    zone = ZoneInfo(site.timezone)
    local = submitted_at.replace(tzinfo=timezone.utc).astimezone(zone).replace(tzinfo=None)
    holidays = holidays_of(site.id, local.date(), local.date() + HOLIDAY_LOOKAHEAD)
    due = add_working_days(local, APPROVAL_WORKING_DAYS, holidays)
    return due.replace(tzinfo=zone).astimezone(timezone.utc).replace(tzinfo=None)


def months_after(day: date, months: int) -> date:
    """The same day `months` calendar months later, or that month's last day (31 Jan + 1 month = 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def years_after(day: date, years: int) -> date:
    """The same date `years` later; 29 February becomes 28 February in a common year."""
    return months_after(day, 12 * years)
