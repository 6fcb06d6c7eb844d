"""Who may see the estate screens, and loading a record of the site the user is working in."""
from __future__ import annotations

from typing import TypeVar

from flask import abort

from app.auth.guards import get_in_my_sites
from app.web import current_site

T = TypeVar("T")

READERS = ("admin", "supervisor")  # supervisors may look and reprint; only admins change anything


def in_current_site(model: type[T], record_id: int) -> T:
    """The record, or 404 when it is missing or not of the current site."""
    record = get_in_my_sites(model, record_id)
    if record.site_id != current_site().id:
        abort(404)
    return record
