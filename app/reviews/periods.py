"""ISO weeks and calendar months as the review pages name them (2026-W47, 2026-10), in site-local dates."""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

WEEK = re.compile(r"(\d{4})-W(\d{1,2})")
MONTH = re.compile(r"(\d{4})-(\d{1,2})")
YEARS = range(2000, 2101)


@dataclass(frozen=True)
class IsoWeek:
    year: int
    week: int

    @classmethod
    def of(cls, day: date) -> IsoWeek:
        year, week, _weekday = day.isocalendar()
        return cls(year, week)

    @classmethod
    def parse(cls, raw: str | None) -> IsoWeek | None:
        """'2026-W47' → IsoWeek; None for anything else, including week 53 of a 52-week year."""
        match = WEEK.fullmatch((raw or "").strip())
        if not match or int(match.group(1)) not in YEARS:
            return None
        try:
            return cls.of(date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1))
        except ValueError:
            return None

    @property
    def first(self) -> date:
        return date.fromisocalendar(self.year, self.week, 1)

    @property
    def last(self) -> date:
        return self.first + timedelta(days=6)

    def shifted(self, weeks: int) -> IsoWeek:
        return IsoWeek.of(self.first + timedelta(weeks=weeks))

    def __str__(self) -> str:
        return f"{self.year}-W{self.week:02d}"


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, raw: str | None) -> Month | None:
        """'2026-10' → Month; None for anything else."""
        match = MONTH.fullmatch((raw or "").strip())
        if not match or int(match.group(1)) not in YEARS or not 1 <= int(match.group(2)) <= 12:
            return None
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def before(cls, day: date) -> Month:
        """The calendar month before the one `day` falls in."""
        previous = day.replace(day=1) - timedelta(days=1)
        return cls(previous.year, previous.month)

    @property
    def first(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last(self) -> date:
        return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d}"
