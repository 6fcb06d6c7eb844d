"""Domain errors of vacant-unit upkeep; views show .message beside .field (or as a flash) with .status."""
from __future__ import annotations


class VacancyError(Exception):
    def __init__(self, message, status: int = 400, field: str | None = None):
        super().__init__(str(message))
        self.message = str(message)
        self.status = status
        self.field = field
