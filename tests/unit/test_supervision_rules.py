"""Rules of the supervision pages without Flask: weeks and months by name, the spot-check's sample size and draw."""
from __future__ import annotations

import math
import random
from datetime import date

import pytest

from app.reviews.periods import IsoWeek, Month
from app.reviews.spot_checks import draw, sample_size


@pytest.mark.parametrize("raw, expected", [
    ("2026-W47", IsoWeek(2026, 47)), ("2026-W1", IsoWeek(2026, 1)), (" 2020-W53 ", IsoWeek(2020, 53)),
    ("2025-W53", None), ("2026-W00", None), ("2026-47", None), ("W47", None), ("", None), (None, None), ("1899-W01", None),
])
def test_iso_weeks_are_read_by_their_name(raw, expected):
    assert IsoWeek.parse(raw) == expected


def test_an_iso_week_runs_monday_to_sunday_and_crosses_years():
    week = IsoWeek.of(date(2026, 1, 1))  # a Thursday in week 1 of 2026
    assert (week.first, week.last) == (date(2025, 12, 29), date(2026, 1, 4))
    assert str(week.shifted(-1)) == "2025-W52" and str(week) == "2026-W01"


@pytest.mark.parametrize("raw, expected", [
    ("2026-10", Month(2026, 10)), ("2026-1", Month(2026, 1)), ("2026-13", None), ("2026-00", None), ("10/2026", None), (None, None),
])
def test_months_are_read_by_their_name(raw, expected):
    assert Month.parse(raw) == expected


def test_month_bounds_and_the_month_before():
    assert (Month(2024, 2).first, Month(2024, 2).last) == (date(2024, 2, 1), date(2024, 2, 29))
    assert Month.before(date(2026, 1, 15)) == Month(2025, 12)


def test_sample_is_the_smallest_count_of_at_least_a_fifth():
    assert sample_size(0) == 0
    for population in range(1, 2001):
        size = sample_size(population)
        assert size >= 1 and size * 5 >= population and (size - 1) * 5 < population, population
        assert size == math.ceil(population / 5)


def test_the_draw_is_repeatable_from_its_seed_and_stays_in_the_population():
    population = list(range(100, 160))
    first = draw(population, 12345, 12)
    assert first == draw(list(reversed(population)), 12345, 12)  # the order the ids come in does not matter
    assert len(set(first)) == 12 and set(first) <= set(population)
    assert first == random.Random(12345).sample(sorted(population), 12)  # anyone can check it with Python alone
    others = {tuple(draw(population, seed, 12)) for seed in range(20)}
    assert len(others) > 15  # different seeds, different samples
