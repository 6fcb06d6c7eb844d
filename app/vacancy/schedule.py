"""When an upkeep item is due (空置房维护计划): frequencies, seasons, and the visits a plan asks for.

Pure rules on dates, no database: the callers pass, for each item code, the last day it was done
(an item answered pass or fail on an upkeep visit counts as done that day).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

# Months of each season when a site has not set its own: south China by default (回南天 and 梅雨 in the rainy months).
DEFAULT_SEASON_MONTHS: dict[str, tuple[int, ...]] = {"summer": (6, 7, 8), "rainy": (4, 5, 6), "winter": (12, 1, 2)}
INTERVAL_DAYS = {"weekly": 7, "fortnightly": 14}
LOOKBACK_DAYS = 14  # the longest day-counted frequency: older visits only matter for "this month / this quarter"


def months_to_mask(months: Iterable[int]) -> int:
    """Months 1–12 as a bitmask (bit 0 = January), as SiteSeason stores them."""
    mask = 0
    for month in months:
        if not 1 <= month <= 12:
            raise ValueError(f"month out of range: {month}")
        mask |= 1 << (month - 1)
    return mask


def mask_to_months(mask: int) -> tuple[int, ...]:
    return tuple(month for month in range(1, 13) if mask & (1 << (month - 1)))


@dataclass(frozen=True)
class Seasons:
    """Which months count as summer, rainy season and winter at one site."""

    months: dict[str, frozenset[int]] = field(default_factory=lambda: {
        name: frozenset(months) for name, months in DEFAULT_SEASON_MONTHS.items()})

    @classmethod
    def from_masks(cls, masks: dict[str, int]) -> Seasons:
        """The site's own months where it set them, the defaults for the others."""
        chosen = {name: frozenset(mask_to_months(masks[name])) if name in masks else frozenset(default)
                  for name, default in DEFAULT_SEASON_MONTHS.items()}
        return cls(chosen)

    def in_season(self, season: str, day: date) -> bool:
        return season == "all_year" or day.month in self.months.get(season, frozenset())


@dataclass(frozen=True)
class PlanItem:
    """What scheduling needs of one upkeep item."""

    code: str
    frequency: str
    season: str = "all_year"


def quarter_of(day: date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3


def quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def done_recently(frequency: str, last: date | None, day: date) -> bool:
    """Whether the item done on `last` still counts on `day`: within 7 / 14 days, this calendar month, this quarter."""
    if last is None:
        return False
    if frequency in INTERVAL_DAYS:
        return (day - last).days < INTERVAL_DAYS[frequency]
    if frequency == "monthly":
        return (last.year, last.month) == (day.year, day.month)
    if frequency == "quarterly":
        return quarter_of(last) == quarter_of(day)
    raise ValueError(f"unknown frequency: {frequency}")


def item_state(item: PlanItem, last: date | None, day: date, seasons: Seasons) -> str:
    """'out_of_season', 'due' or 'done' (done recently enough) for one item on one day."""
    if not seasons.in_season(item.season, day):
        return "out_of_season"
    return "done" if done_recently(item.frequency, last, day) else "due"


def due_items(items: Iterable[PlanItem], last_done: dict[str, date], day: date, seasons: Seasons) -> list[PlanItem]:
    """The items due on `day`; `last_done` maps an item code to the last day it was done before `day`."""
    return [item for item in items if item_state(item, last_done.get(item.code), day, seasons) == "due"]


def visit_due(items: Iterable[PlanItem], last_done: dict[str, date], day: date, seasons: Seasons) -> bool:
    """A unit needs an upkeep visit on a day when any of its items is due."""
    return bool(due_items(items, last_done, day, seasons))


def lookback_start(day: date) -> date:
    """The earliest visit that can still make an item count as done on `day`."""
    return min(quarter_start(day), day - timedelta(days=LOOKBACK_DAYS))


def _visit(items: list[PlanItem], last_done: dict[str, date], day: date, seasons: Seasons) -> None:
    """A visit answers the whole checklist: every item in season is done that day."""
    for item in items:
        if seasons.in_season(item.season, day):
            last_done[item.code] = day


def planned_visits(items: Iterable[PlanItem], last_done: dict[str, date], first: date, last: date,
                   seasons: Seasons) -> list[date]:
    """The visits the plan asks for from `first` to `last` when each is made on the day it falls due."""
    items, done, visits = list(items), dict(last_done), []
    day = first
    while day <= last:
        if visit_due(items, done, day, seasons):
            visits.append(day)
            _visit(items, done, day, seasons)
        day += timedelta(days=1)
    return visits


def next_due_day(items: Iterable[PlanItem], last_done: dict[str, date], after: date, seasons: Seasons,
                 horizon_days: int = 400) -> date | None:
    """The first day after `after` with a visit due, if nothing is done meanwhile; None when the plan asks for none."""
    items = list(items)
    for offset in range(1, horizon_days + 1):
        day = after + timedelta(days=offset)
        if visit_due(items, last_done, day, seasons):
            return day
    return None
