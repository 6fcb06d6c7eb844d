"""When upkeep items fall due: frequencies, seasons, and a whole year of visits made on the day they are due."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from app.vacancy.schedule import (PlanItem, Seasons, done_recently, due_items, item_state, lookback_start, mask_to_months,
                                  months_to_mask, next_due_day, planned_visits, visit_due)

DEFAULTS = Seasons()


def days(first: date, last: date):
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


@pytest.mark.parametrize("frequency, last, day, counts", [
    ("weekly", date(2026, 3, 2), date(2026, 3, 8), True),  # 6 days later: still done
    ("weekly", date(2026, 3, 2), date(2026, 3, 9), False),  # 7 days later: due again
    ("fortnightly", date(2026, 3, 2), date(2026, 3, 15), True),
    ("fortnightly", date(2026, 3, 2), date(2026, 3, 16), False),
    ("monthly", date(2026, 3, 31), date(2026, 3, 31), True),
    ("monthly", date(2026, 3, 31), date(2026, 4, 1), False),  # a new calendar month, one day later
    ("monthly", date(2025, 4, 10), date(2026, 4, 1), False),  # same month a year earlier does not count
    ("quarterly", date(2026, 1, 1), date(2026, 3, 31), True),
    ("quarterly", date(2026, 3, 31), date(2026, 4, 1), False),
    ("quarterly", date(2026, 10, 5), date(2026, 12, 31), True),
    ("weekly", None, date(2026, 3, 9), False),
])
def test_an_item_counts_as_done_for_its_frequency(frequency, last, day, counts):
    assert done_recently(frequency, last, day) is counts


def test_unknown_frequency_is_refused():
    with pytest.raises(ValueError):
        done_recently("daily", date(2026, 1, 1), date(2026, 1, 2))


def test_default_seasons_suit_south_china():
    assert [m for m in range(1, 13) if DEFAULTS.in_season("summer", date(2026, m, 1))] == [6, 7, 8]
    assert [m for m in range(1, 13) if DEFAULTS.in_season("rainy", date(2026, m, 1))] == [4, 5, 6]
    assert [m for m in range(1, 13) if DEFAULTS.in_season("winter", date(2026, m, 1))] == [1, 2, 12]
    assert all(DEFAULTS.in_season("all_year", date(2026, m, 1)) for m in range(1, 13))


def test_a_site_sets_its_own_months_and_keeps_defaults_for_the_rest():
    north = Seasons.from_masks({"winter": months_to_mask([11, 12, 1, 2, 3]), "rainy": 0})
    assert north.in_season("winter", date(2026, 3, 15)) and north.in_season("winter", date(2026, 11, 1))
    assert not any(north.in_season("rainy", date(2026, m, 1)) for m in range(1, 13))  # no rainy season in the north
    assert north.in_season("summer", date(2026, 7, 1))  # default kept
    assert mask_to_months(months_to_mask([12, 1, 2])) == (1, 2, 12)
    with pytest.raises(ValueError):
        months_to_mask([13])


def test_a_seasonal_item_is_out_of_season_outside_its_months_however_long_ago_it_was_done():
    frost = PlanItem("VAC-07", "monthly", "winter")
    assert item_state(frost, None, date(2026, 7, 1), DEFAULTS) == "out_of_season"
    assert item_state(frost, None, date(2026, 12, 1), DEFAULTS) == "due"
    assert item_state(frost, date(2026, 12, 1), date(2026, 12, 20), DEFAULTS) == "done"


def test_a_unit_needs_a_visit_when_any_item_is_due():
    items = [PlanItem("VAC-01", "weekly"), PlanItem("VAC-10", "monthly")]
    done = {"VAC-01": date(2026, 5, 4), "VAC-10": date(2026, 5, 4)}
    assert not visit_due(items, done, date(2026, 5, 10), DEFAULTS)
    assert [i.code for i in due_items(items, done, date(2026, 5, 11), DEFAULTS)] == ["VAC-01"]
    later = {"VAC-01": date(2026, 5, 28), "VAC-10": date(2026, 5, 4)}
    assert [i.code for i in due_items(items, later, date(2026, 6, 1), DEFAULTS)] == ["VAC-10"]  # a new month
    assert visit_due(items, {}, date(2026, 5, 11), DEFAULTS)


def test_a_whole_year_of_visits_made_on_their_due_day():
    """Weekly airing, monthly cleaning, shading in summer, damp-proofing weekly in the rainy season, frost monthly in winter."""
    items = [PlanItem("VAC-01", "weekly"), PlanItem("VAC-10", "monthly"), PlanItem("VAC-05", "monthly", "summer"),
             PlanItem("VAC-06", "weekly", "rainy"), PlanItem("VAC-07", "monthly", "winter"),
             PlanItem("VAC-11", "quarterly")]
    first, last = date(2026, 1, 1), date(2026, 12, 31)  # 2026-01-01 is a Thursday
    visits = planned_visits(items, {}, first, last, DEFAULTS)
    assert visits[0] == first
    gaps = {(b - a).days for a, b in zip(visits, visits[1:])}
    assert gaps <= set(range(1, 8))  # never more than a week between visits
    assert len(visits) >= 52
    # Replay the year: on each visit day exactly the items in season are done; seasonal ones only in their months.
    done: dict[str, date] = {}
    done_on: dict[str, list[date]] = {item.code: [] for item in items}
    for day in days(first, last):
        due = due_items(items, done, day, DEFAULTS)
        assert bool(due) == (day in visits)
        for item in items:
            if day in visits and DEFAULTS.in_season(item.season, day):
                done[item.code] = day
                done_on[item.code].append(day)
    assert {d.month for d in done_on["VAC-05"]} == {6, 7, 8}
    assert {d.month for d in done_on["VAC-06"]} == {4, 5, 6}
    assert {d.month for d in done_on["VAC-07"]} == {1, 2, 12}
    assert all(d.month in (1, 2, 12) for d in done_on["VAC-07"])
    monthly_cleaning = {(d.year, d.month) for d in done_on["VAC-10"]}
    assert len(monthly_cleaning) == 12  # at least once in every calendar month
    assert len({(d.month - 1) // 3 for d in done_on["VAC-11"]}) == 4


def test_a_plan_of_seasonal_items_only_asks_for_visits_in_season():
    shading = [PlanItem("VAC-05", "monthly", "summer")]
    visits = planned_visits(shading, {}, date(2026, 1, 1), date(2026, 12, 31), DEFAULTS)
    assert visits == [date(2026, 6, 1), date(2026, 7, 1), date(2026, 8, 1)]
    assert next_due_day(shading, {"VAC-05": date(2026, 8, 1)}, date(2026, 8, 1), DEFAULTS) == date(2027, 6, 1)


def test_next_due_day_counts_the_last_visit():
    items = [PlanItem("VAC-01", "fortnightly")]
    assert next_due_day(items, {"VAC-01": date(2026, 3, 2)}, date(2026, 3, 2), DEFAULTS) == date(2026, 3, 16)
    assert next_due_day([], {}, date(2026, 3, 2), DEFAULTS) is None


def test_lookback_reaches_the_quarter_and_two_weeks():
    assert lookback_start(date(2026, 5, 20)) == date(2026, 4, 1)
    assert lookback_start(date(2026, 4, 3)) == date(2026, 3, 20)
