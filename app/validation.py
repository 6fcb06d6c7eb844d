"""Turning marshmallow errors into one message per field, for showing beside the field."""
from __future__ import annotations

from marshmallow import ValidationError


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
