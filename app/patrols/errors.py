"""Domain errors of patrolling; views show .message (already translated) with .status."""
from __future__ import annotations


class PatrolError(Exception):
    """`code` names the situation for machines (the sync API's clients), e.g. log_locked, not_assigned."""

    def __init__(self, message, status: int = 400, field: str | None = None, code: str | None = None):
        super().__init__(str(message))
        self.message = str(message)
        self.status = status
        self.field = field
        self.code = code
