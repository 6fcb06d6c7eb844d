"""The domain error of renovation permits and notices: views show .message (already translated) with .status."""
from __future__ import annotations


class RenovationError(Exception):
    """A refused action: 400 bad input, 403 not yours to decide, 409 the permit or notice is not in a state for it."""

    def __init__(self, message, status: int = 400, field: str | None = None):
        super().__init__(str(message))
        self.message = str(message)
        self.status = status
        self.field = field
