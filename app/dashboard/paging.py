"""Keyset pagination, newest first: a page starts after (or ends before) the row a cursor names, so page 500 costs what
page 1 does, and rows written meanwhile neither repeat nor vanish between pages."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import bindparam, tuple_

from app.extensions import db
from app.web import MAX_ID


class BadCursor(ValueError):
    pass


@dataclass(frozen=True)
class Cursor:
    key: date | datetime
    id: int

    def __str__(self) -> str:
        return f"{self.key.isoformat()}_{self.id}"


def parse_cursor(raw: str | None, kind: type) -> Cursor | None:
    """`<ISO date or time>_<id>` as written by Cursor, None when absent; BadCursor when it cannot be one of ours."""
    if not raw:
        return None
    text, _, number = raw.rpartition("_")
    if not number.isascii() or not number.isdigit() or not 0 < int(number) <= MAX_ID or len(text) > 32:
        raise BadCursor(raw)
    try:
        key = kind.fromisoformat(text)
    except ValueError:
        raise BadCursor(raw) from None
    if isinstance(key, datetime) and key.tzinfo is not None:
        raise BadCursor(raw)
    return Cursor(key, int(number))


@dataclass
class Page:
    items: list
    after: Cursor | None  # the next (older) page starts after this row
    before: Cursor | None  # the previous (newer) page ends before this row

    @property
    def first(self) -> bool:
        return self.before is None


def keyset_page(query, key, row_id, *, after: Cursor | None, before: Cursor | None, per_page: int) -> Page:
    """One page of `query` ordered by (key, id) descending: after a cursor (older rows) or before one (newer rows)."""
    mark = after or before
    position = tuple_(key, row_id)
    if mark is not None:
        edge = tuple_(bindparam(None, mark.key, type_=key.type), bindparam(None, mark.id, type_=row_id.type))
        query = query.where(position > edge if before else position < edge)
    order = (key.asc(), row_id.asc()) if before else (key.desc(), row_id.desc())
    items = list(db.session.scalars(query.order_by(*order).limit(per_page + 1)))
    more = len(items) > per_page
    items = items[:per_page]
    if before:
        items.reverse()
    cursor = (lambda row: Cursor(getattr(row, key.key), getattr(row, row_id.key)))
    has_older = more if not before else bool(items)
    has_newer = (more if before else mark is not None) and bool(items)
    return Page(items, cursor(items[-1]) if has_older else None, cursor(items[0]) if has_newer else None)
