"""Signing in, and re-checking a password: the same refusal for an unknown, wrong or deactivated account."""
from __future__ import annotations

from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from app.audit.services import record
from app.auth.models import User, dummy_hash
from app.auth.throttle import ThrottlePolicy, forget_sign_in_failures, record_failure, refuse_if_throttled
from app.extensions import db
from app.model_helpers import utcnow


class LoginError(Exception):
    """Sign-in refused: unknown user, wrong password or deactivated account, deliberately not told apart."""


def find_user(username: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.username) == username)) if username else None


def password_matches(user: User | None, password: str) -> bool:
    """True only for an active account and its password; an unknown account costs the same hash work."""
    if user is None:
        check_password_hash(dummy_hash(), password)
        return False
    return user.check_password(password) and user.active


def signing_secret_matches(user: User | None, secret: str) -> bool:
    """Password or signing PIN of an active account; an unknown one costs the two checks a wrong secret costs."""
    if user is None:
        check_password_hash(dummy_hash(), secret)
        check_password_hash(dummy_hash(), secret)
        return False
    return user.check_signing_secret(secret) and user.active


def authenticate(username: str, password: str, address: str, policy: ThrottlePolicy) -> User:
    """Return the user for these credentials, or raise LoginError (failures counted and audited) or Throttled."""
    username = username.strip().lower()
    refuse_if_throttled(username, address, policy)
    user = find_user(username)
    if not password_matches(user, password):
        record_failure("login", username, address, user, "login_failed")
        raise LoginError()
    forget_sign_in_failures(username)
    user.last_login_at = utcnow()
    record("login", user)
    db.session.commit()
    return user


def confirm_password(user: User, password: str, address: str, policy: ThrottlePolicy) -> None:
    """Re-check the signed-in user's password before an account change; raise LoginError (counted) or Throttled."""
    refuse_if_throttled(user.username, address, policy)
    if not user.check_password(password):
        record_failure("reauth", user.username, address, user, "password_confirmation_failed")
        raise LoginError()


def change_password(user: User, current: str, new: str, address: str, policy: ThrottlePolicy) -> None:
    """Replace one's own password (already checked against the policy); every session of the account ends."""
    confirm_password(user, current, address, policy)
    user.set_password(new)
    record("password_changed", user)
    db.session.commit()


def set_signing_pin(user: User, password: str, pin: str, address: str, policy: ThrottlePolicy) -> None:
    """Set the personal signing PIN (already checked against the PIN rules), confirmed with the password."""
    confirm_password(user, password, address, policy)
    user.set_signing_pin(pin)
    record("signing_pin_set", user)
    db.session.commit()
