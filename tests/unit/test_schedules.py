"""Schedule rules, evaluated in the site's local time, without Flask."""
from __future__ import annotations

from datetime import date, datetime, time
from types import SimpleNamespace

import pytest

from app.patrols.schedules import is_due_on, local_today, occurrences_on, weekday_mask, window_bounds

MONDAY = date(2026, 11, 23)


def test_daily_and_shift_rounds_are_due_every_day():
    for offset in range(7):
        day = date(2026, 11, 23 + offset)
        assert is_due_on("daily", 0, None, day)
        assert is_due_on("shift", 0, None, day)


def test_weekly_round_only_on_its_days():
    mask = weekday_mask([0, 3])  # Monday and Thursday
    due = [is_due_on("weekly", mask, None, date(2026, 11, 23 + offset)) for offset in range(7)]
    assert due == [True, False, False, True, False, False, False]


def test_weekday_mask_rejects_unknown_days():
    with pytest.raises(ValueError):
        weekday_mask([7])


def test_monthly_round_on_its_day_and_on_short_months_last_day():
    assert is_due_on("monthly", 0, 15, date(2026, 11, 15))
    assert not is_due_on("monthly", 0, 15, date(2026, 11, 16))
    assert is_due_on("monthly", 0, 31, date(2026, 2, 28))
    assert not is_due_on("monthly", 0, 31, date(2026, 2, 27))


def test_window_in_shanghai_is_stored_in_utc():
    starts, ends = window_bounds(MONDAY, time(8), time(17), "Asia/Shanghai")
    assert starts == datetime(2026, 11, 23, 0, 0)
    assert ends == datetime(2026, 11, 23, 9, 0)


def test_night_window_crosses_midnight():
    starts, ends = window_bounds(MONDAY, time(22), time(6), "Asia/Shanghai")
    assert starts == datetime(2026, 11, 23, 14, 0)
    assert ends == datetime(2026, 11, 23, 22, 0)


def _round(kind="shift", active=True, weekdays=0, month_day=None):
    windows = [SimpleNamespace(position=0, starts=time(8), ends=time(16)),
               SimpleNamespace(position=1, starts=time(16), ends=time(0)),
               SimpleNamespace(position=2, starts=time(0), ends=time(8))]
    return SimpleNamespace(id=1, active=active, schedule_kind=kind, weekdays=weekdays, month_day=month_day, windows=windows)


def test_shift_round_has_one_occurrence_per_window():
    occurrences = occurrences_on(_round(), MONDAY, "Asia/Shanghai")
    assert [o.position for o in occurrences] == [0, 1, 2]
    assert occurrences[1].ends_at == datetime(2026, 11, 23, 16, 0)  # midnight local


def test_inactive_or_not_due_round_has_no_occurrence():
    assert occurrences_on(_round(active=False), MONDAY, "Asia/Shanghai") == []
    assert occurrences_on(_round(kind="weekly", weekdays=weekday_mask([2])), MONDAY, "Asia/Shanghai") == []


def test_occurrence_state_follows_the_clock():
    occ = occurrences_on(_round(), MONDAY, "Asia/Shanghai")[0]
    assert occ.state(datetime(2026, 11, 22, 23, 0)) == "upcoming"
    assert occ.state(datetime(2026, 11, 23, 1, 0)) == "open"
    assert occ.state(datetime(2026, 11, 23, 8, 0)) == "closed"


def test_local_today_uses_the_site_time_zone():
    late_utc = datetime(2026, 11, 23, 17, 30)  # 01:30 on the 24th in Shanghai
    assert local_today("Asia/Shanghai", late_utc) == date(2026, 11, 24)
    assert local_today("UTC", late_utc) == date(2026, 11, 23)
