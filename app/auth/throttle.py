"""Throttling guesses at people's secrets, per account and per address.

Failures are rows of LoginFailure, so every worker process counts the same ones. Sign-in, signing and password
confirmation draw on one budget: each failure is a guess at the same password (or signing PIN).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import ngettext
from sqlalchemy import delete, select
from werkzeug.exceptions import TooManyRequests

from app.audit.services import record
from app.auth.models import LoginFailure, User
from app.extensions import db
from app.model_helpers import utcnow


@dataclass(frozen=True)
class ThrottlePolicy:
    per_account: int
    per_address: int
    window: timedelta

    @classmethod
    def from_config(cls, config) -> ThrottlePolicy:
        return cls(config["LOGIN_MAX_FAILURES_PER_ACCOUNT"], config["LOGIN_MAX_FAILURES_PER_ADDRESS"],
                   config["LOGIN_FAILURE_WINDOW"])


class Throttled(TooManyRequests):
    """429 with Retry-After; the description tells the user, in their language, how many minutes to wait."""

    def __init__(self, retry_after: int, message: str | None = None):
        self.minutes = max(1, math.ceil(retry_after / 60))
        message = message or ngettext("Too many failed attempts. Try again in %(num)d minute.",
                                      "Too many failed attempts. Try again in %(num)d minutes.", self.minutes)
        super().__init__(message, retry_after=retry_after)


def _retry_after(query_filter, limit: int, policy: ThrottlePolicy, now: datetime) -> int:
    """Seconds until the oldest counted failure leaves the window, or 0 when under the limit."""
    since = now - policy.window
    stamps = db.session.scalars(
        select(LoginFailure.at).where(query_filter, LoginFailure.at > since).order_by(LoginFailure.at.desc()).limit(limit)
    ).all()
    if len(stamps) < limit:
        return 0
    return max(1, math.ceil((stamps[-1] + policy.window - now).total_seconds()))


def check_throttle(username: str, address: str, policy: ThrottlePolicy, now: datetime | None = None) -> int:
    """Seconds to wait before another attempt is allowed (0: allowed)."""
    now = now or utcnow()
    return max(
        _retry_after(LoginFailure.username == username, policy.per_account, policy, now),
        _retry_after(LoginFailure.address == address, policy.per_address, policy, now),
    )


def refuse_if_throttled(username: str, address: str, policy: ThrottlePolicy) -> None:
    """Raise Throttled while this account or this address has used up its failures."""
    wait = check_throttle(username, address, policy)
    if wait:
        raise Throttled(wait)


def record_failure(kind: str, username: str, address: str, user: User | None, action: str) -> None:
    """Count a failed attempt and audit it, committed at once so a refusal cannot roll it back."""
    db.session.add(LoginFailure(kind=kind, username=username, address=address))
    record(action, user, username=username)
    db.session.commit()


def forget_sign_in_failures(username: str) -> None:
    """A successful sign-in clears earlier sign-in typos, never failed signatures: those only age out."""
    db.session.execute(delete(LoginFailure).where(LoginFailure.username == username, LoginFailure.kind == "login"))
