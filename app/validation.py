"""Turning marshmallow errors into one message per field, for showing beside the field."""
from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from marshmallow import ValidationError, fields, validate

FIRST_YEAR, LAST_YEAR = 2000, 2099
MAX_ID = 2**31 - 1  # the database's integer


def _first(messages) -> str:
    if isinstance(messages, dict):  # nested or indexed errors (e.g. one bad entry in a list)
        return _first(next(iter(messages.values())))
    if isinstance(messages, (list, tuple)):
        return _first(messages[0]) if messages else ""
    return str(messages)  # plain or lazily translated string


def field_errors(exc: ValidationError) -> dict[str, str]:
    messages = exc.messages if isinstance(exc.messages, dict) else {"form": exc.messages}
    return {field: _first(value) for field, value in messages.items()}


def clean_text(value, limit: int) -> str:
    """Trimmed text without control characters (NUL bytes break PostgreSQL), cut to `limit` characters."""
    text = "".join(ch for ch in (value or "") if ch in "\n\t" or ch.isprintable()).strip()
    return text[:limit]


def plausible_date(value: date) -> None:
    """A validator for dates and times people type: 2000 to 2099. Outside is a typo, not a record (and years 1 or 9999
    overflow once shifted between time zones)."""
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        # A plain string: marshmallow would take a lazy one for a list of messages, letter by letter.
        raise ValidationError(_("Enter a date between %(first)d and %(last)d.", first=FIRST_YEAR, last=LAST_YEAR))


def record_id(message, **kwargs) -> fields.Integer:
    """A record's id chosen in a form: 1 to the database's largest integer, else `message`. A larger one would reach
    the query and overflow the database driver (a 500 on SQLite)."""
    messages = {"invalid": message, **kwargs.pop("error_messages", {})}
    return fields.Integer(validate=validate.Range(1, MAX_ID, error=message), error_messages=messages, **kwargs)
