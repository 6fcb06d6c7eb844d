"""Small helpers shared by the models: UTC clock, enum check constraints, when a refused transaction is tried again."""
from __future__ import annotations

import time
from datetime import datetime, timezone

from sqlalchemy import CheckConstraint
from sqlalchemy.exc import OperationalError

# A refusal this quick is a race (SQLite's second writer, a PostgreSQL deadlock) or a dropped connection; one after
# a longer wait is the lock timeout (DB_BUSY_TIMEOUT_MS) running out, and waiting it out again would only add to it.
QUICK_REFUSAL_SECONDS = 2.0


def utcnow() -> datetime:
    """Naive UTC: stored the same way on SQLite and PostgreSQL."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def one_of(column: str, values: tuple[str, ...], name: str | None = None) -> CheckConstraint:
    quoted = ", ".join(f"'{v}'" for v in values)
    return CheckConstraint(f"{column} IN ({quoted})", name=name or column)


def worth_another_attempt(exc: Exception, began: float) -> bool:
    """After rolling back a refused transaction begun at `began` (time.monotonic): whether to run it again.

    Not after waiting out the lock timeout: the request then answers 503 with Retry-After instead."""
    return not isinstance(exc, OperationalError) or time.monotonic() - began <= QUICK_REFUSAL_SECONDS
