"""Writing the audit trail. Callers add the event in the same transaction as the change."""
from __future__ import annotations

from flask import g, has_request_context, request
from flask_login import current_user

from app.audit.models import AuditEvent
from app.extensions import db


SYSTEM = object()  # pass as actor= for what the app does by itself (e.g. recording a missed round)


def _site_of(obj) -> int | None:
    """The site an event belongs to: the record's own, a site itself, or a person's first site."""
    if getattr(obj, "site_id", None) is not None:
        return obj.site_id
    if obj.__class__.__name__ == "Site":
        return obj.id
    sites = getattr(obj, "sites", None)
    return min(s.id for s in sites) if sites else None


def record(action: str, obj=None, *, site_id: int | None = None, actor=None, **details) -> AuditEvent:
    """Add an audit event for `action` on `obj` to the session (committed with the change)."""
    if actor is SYSTEM:
        actor = None
    elif actor is None and has_request_context() and current_user and current_user.is_authenticated:
        actor = current_user
    if site_id is None and obj is not None:
        site_id = _site_of(obj)
    if obj is not None and getattr(obj, "id", 0) is None:
        db.session.flush()  # a new record needs its id before the trail can name it
    event = AuditEvent(
        action=action,
        object_type=obj.__class__.__name__ if obj is not None else "none",
        object_id=getattr(obj, "id", None),
        actor_id=getattr(actor, "id", None),
        site_id=site_id,
        address=request.remote_addr if has_request_context() else None,
        details={k: v for k, v in details.items() if v is not None} or None,
    )
    db.session.add(event)
    if has_request_context():
        g.audit_written = True  # sealed into the hash chain once the request is done
    return event
