"""Signing in: password checks with per-account and per-address throttling."""
from __future__ import annotations

import math
from functools import lru_cache
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select

from app.audit.services import record
from werkzeug.security import check_password_hash, generate_password_hash

from app.auth.models import LoginFailure, User
from app.extensions import db
from app.model_helpers import utcnow


class LoginError(Exception):
    """Why a sign-in was refused. `reason` is one of: invalid, inactive, throttled."""

    def __init__(self, reason: str, retry_after: int = 0):
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after  # seconds, for 'throttled'


@dataclass(frozen=True)
class ThrottlePolicy:
    per_account: int
    per_address: int
    window: timedelta


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


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return generate_password_hash("not-a-password", method="scrypt")


def authenticate(username: str, password: str, address: str, policy: ThrottlePolicy) -> User:
    """Return the user for these credentials or raise LoginError; failures are recorded and audited."""
    username = username.strip().lower()
    wait = check_throttle(username, address, policy)
    if wait:
        raise LoginError("throttled", wait)
    user = db.session.scalar(select(User).where(func.lower(User.username) == username))
    if user is None:
        check_password_hash(_dummy_hash(), password)  # same work as a real check: no timing oracle
    if user is None or not user.check_password(password):
        db.session.add(LoginFailure(username=username, address=address))
        record("login_failed", user, username=username, site_id=None)
        db.session.commit()
        raise LoginError("invalid")
    if not user.active:
        raise LoginError("inactive")
    db.session.execute(delete(LoginFailure).where(LoginFailure.username == username))
    user.last_login_at = utcnow()
    record("login", user)
    db.session.commit()
    return user
