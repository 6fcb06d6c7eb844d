"""Access guards: every view names the roles it serves; records outside the user's sites are 404."""
from __future__ import annotations

from functools import wraps
from typing import TypeVar

from flask import abort
from flask_login import current_user, login_required

from app.extensions import db

T = TypeVar("T")


def role_required(*roles: str):
    """Logged in, active, and one of these roles; otherwise 401 (via login) or 403."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        wrapped.allowed_roles = roles  # read by the test that walks every route
        return wrapped

    return decorator


def get_in_my_sites(model: type[T], record_id: int, site_attr: str = "site_id") -> T:
    """Load a record by id, 404 when missing or in a site the user does not belong to."""
    record = db.session.get(model, record_id)
    if record is None or getattr(record, site_attr) not in current_user.site_ids:
        abort(404)
    return record
