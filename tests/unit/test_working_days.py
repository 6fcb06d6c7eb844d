"""The working-day clock of renovation approvals (DESIGN §8): Monday–Friday less the site's holidays."""
from __future__ import annotations

from datetime import date, datetime

import pytest

from app.renovation.clock import add_working_days, is_working_day, months_after, years_after

NO_HOLIDAYS: set[date] = set()
NATIONAL_DAY = {date(2026, 10, d) for d in range(1, 9)}  # 1–8 October 2026 (Thursday to the next Thursday)


def test_weekdays_are_working_days_and_weekends_are_not():
    assert is_working_day(date(2026, 11, 23), NO_HOLIDAYS)  # Monday
    assert not is_working_day(date(2026, 11, 28), NO_HOLIDAYS)  # Saturday
    assert not is_working_day(date(2026, 11, 23), {date(2026, 11, 23)})


@pytest.mark.parametrize("start, due", [
    (datetime(2026, 11, 23, 10, 0), datetime(2026, 11, 25, 10, 0)),  # Monday → Wednesday, same time
    (datetime(2026, 11, 26, 9, 30), datetime(2026, 11, 30, 9, 30)),  # Thursday → Monday across the weekend
    (datetime(2026, 11, 27, 15, 0), datetime(2026, 12, 1, 15, 0)),  # Friday afternoon → Tuesday afternoon
    (datetime(2026, 11, 28, 11, 0), datetime(2026, 12, 2, 0, 0)),  # Saturday: counts from Monday 00:00 → end of Tuesday
    (datetime(2026, 11, 29, 23, 59), datetime(2026, 12, 2, 0, 0)),  # Sunday night: the same
])
def test_two_working_days_skip_the_weekend(start, due):
    assert add_working_days(start, 2, NO_HOLIDAYS) == due


def test_holidays_are_skipped_like_weekends():
    # Handed in on Wednesday 30 September before the national holiday: Thursday 1 to Thursday 8 are off,
    # so the two working days are 30 Sep (rest of it) → Friday 9 October, then Monday 12 October.
    assert add_working_days(datetime(2026, 9, 30, 16, 0), 2, NATIONAL_DAY) == datetime(2026, 10, 12, 16, 0)
    # Handed in during the holiday: the clock starts on Friday 9 October.
    assert add_working_days(datetime(2026, 10, 3, 10, 0), 2, NATIONAL_DAY) == datetime(2026, 10, 13, 0, 0)


def test_a_holiday_on_a_weekday_in_the_middle_adds_a_day():
    assert add_working_days(datetime(2026, 11, 23, 10, 0), 2, {date(2026, 11, 24)}) == datetime(2026, 11, 26, 10, 0)


def test_zero_days_is_now_or_the_next_working_morning():
    assert add_working_days(datetime(2026, 11, 23, 10, 0), 0, NO_HOLIDAYS) == datetime(2026, 11, 23, 10, 0)
    assert add_working_days(datetime(2026, 11, 28, 10, 0), 0, NO_HOLIDAYS) == datetime(2026, 11, 30, 0, 0)
    with pytest.raises(ValueError):
        add_working_days(datetime(2026, 11, 23), -1, NO_HOLIDAYS)


@pytest.mark.parametrize("start, months, expected", [
    (date(2026, 1, 15), 3, date(2026, 4, 15)),
    (date(2026, 11, 30), 3, date(2027, 2, 28)),  # no 30 February: the month's last day
    (date(2027, 11, 30), 3, date(2028, 2, 29)),  # leap year
    (date(2026, 12, 31), 1, date(2027, 1, 31)),
])
def test_months_after_clamps_to_the_last_day(start, months, expected):
    assert months_after(start, months) == expected


def test_years_after_for_retention():
    assert years_after(date(2026, 11, 23), 5) == date(2031, 11, 23)
    assert years_after(date(2028, 2, 29), 1) == date(2029, 2, 28)
