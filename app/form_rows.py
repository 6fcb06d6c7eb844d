"""Repeated rows in one HTML form (fields named `<prefix>-<n>-<field>`) and their errors per row and field."""
from __future__ import annotations

import re

MAX_ROWS = 200  # a form never carries more rows than this; extra ones are ignored


def indexed_rows(form, prefix: str, names: tuple[str, ...]) -> list[dict[str, str]]:
    """The rows of `form` in index order, each with every field in `names` (missing ones as "")."""
    pattern = re.compile(rf"^{re.escape(prefix)}-(\d{{1,3}})-(\w+)$")
    found: dict[int, dict[str, str]] = {}
    for key in form.keys():
        match = pattern.match(key)
        if match and match.group(2) in names and int(match.group(1)) < MAX_ROWS:
            found.setdefault(int(match.group(1)), {})[match.group(2)] = (form.get(key) or "").strip()
    return [{name: found[index].get(name, "") for name in names} for index in sorted(found)]


def is_blank(row: dict[str, str], names: tuple[str, ...]) -> bool:
    return not any(row.get(name) for name in names)


def _first(messages) -> str:
    if isinstance(messages, dict):
        return _first(next(iter(messages.values()))) if messages else ""
    if isinstance(messages, (list, tuple)):
        return _first(messages[0]) if messages else ""
    return str(messages)


def row_errors(messages: dict, prefix: str, positions: list[int]) -> dict[str, str]:
    """Errors of a marshmallow list of nested rows as `<prefix>-<n>-<field>` keys.

    `positions[i]` is the form row the i-th loaded row came from (blank rows are not loaded).
    A message for the list as a whole stays under `prefix`.
    """
    flat: dict[str, str] = {}
    if not isinstance(messages, dict):
        return {prefix: _first(messages)}
    for key, value in messages.items():
        if isinstance(key, int) and 0 <= key < len(positions) and isinstance(value, dict):
            for field, message in value.items():
                flat[f"{prefix}-{positions[key]}-{field}"] = _first(message)
        else:
            flat.setdefault(prefix, _first(value))
    return flat
