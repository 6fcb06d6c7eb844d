"""Archive months: parsing "YYYY-MM" from a URL and their first and last site-local days."""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

MONTH_PATTERN = re.compile(r"([0-9]{4})-([0-9]{2})")  # ASCII digits only: \d also matches full-width ones
EARLIEST_YEAR = 2000


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month | None:
        """The month named "YYYY-MM", or None when the text is anything else."""
        match = MONTH_PATTERN.fullmatch(text or "")
        if not match:
            return None
        year, month = int(match.group(1)), int(match.group(2))
        if year < EARLIEST_YEAR or not 1 <= month <= 12:
            return None
        return cls(year, month)

    @classmethod
    def of(cls, day: date) -> Month:
        return cls(day.year, day.month)

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    def previous(self) -> Month:
        return Month(self.year - 1, 12) if self.month == 1 else Month(self.year, self.month - 1)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"
