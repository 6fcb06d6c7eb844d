"""Sync receipts: each record a phone sends carries its own UUID; the receipt makes sending it again harmless.

The receipt is written in the same transaction as the record and flushed first: an identical request
arriving at the same moment waits on the receipt's unique UUID, then fails and answers from it.
"""
from __future__ import annotations

import hashlib
import json
import random
import secrets
import time
from dataclasses import dataclass
from datetime import date, datetime
from typing import Callable

from flask_babel import gettext as _
from sqlalchemy import ForeignKey, String, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.model_helpers import one_of, utcnow, worth_another_attempt
from app.patrols.errors import PatrolError

KINDS = ("visit", "answer", "photo", "skip", "submit", "cosign")
ATTEMPTS = 4


class SyncReceipt(db.Model):
    """One operation a phone sent, by its UUID: who sent it, a hash of what it said, and what it made."""

    __tablename__ = "sync_receipts"
    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    kind: Mapped[str] = mapped_column(String(8))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    content_sha256: Mapped[str] = mapped_column(String(64))
    # Empty only inside the transaction that writes it: the receipt is claimed before its record exists.
    entity_id: Mapped[int | None]
    log_id: Mapped[int] = mapped_column(ForeignKey("patrol_logs.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (one_of("kind", KINDS),)


@dataclass(frozen=True)
class Outcome:
    entity_id: int
    created: bool  # False: an earlier request with this UUID made it


def content_digest(content: dict) -> str:
    """A stable hash of what a request says (keys sorted, times in ISO 8601)."""
    def default(value):
        if isinstance(value, (datetime, date)):
            return value.isoformat()
        raise TypeError(type(value).__name__)

    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=default)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def uuid_conflict() -> PatrolError:
    return PatrolError(_("This record was already received with different content, so it was not saved again. "
                         "Check the round online and record it anew."), 409, "uuid", code="uuid_conflict")


def earlier(kind: str, uuid: str, digest: str, user) -> int | None:
    """What an earlier request with this UUID made, or None; the same UUID saying something else is refused."""
    found = db.session.scalar(select(SyncReceipt).where(SyncReceipt.uuid == uuid))
    if found is None:
        return None
    if found.kind != kind or found.user_id != user.id or not secrets.compare_digest(found.content_sha256, digest):
        raise uuid_conflict()
    return found.entity_id


def once(kind: str, uuid: str, digest: str, user, log_id: int, perform: Callable[[], int],
         entity_id: int | None = None) -> Outcome:
    """Run `perform` (returns the record's id; it may commit) at most once per UUID, its receipt in the same transaction.

    `entity_id` is given when known beforehand, for operations whose domain function commits by itself."""
    for attempt in range(ATTEMPTS):
        began = time.monotonic()
        made = earlier(kind, uuid, digest, user)
        if made is not None:
            return Outcome(made, created=False)
        receipt = SyncReceipt(uuid=uuid, kind=kind, user_id=user.id, content_sha256=digest, log_id=log_id,
                              entity_id=entity_id)
        db.session.add(receipt)
        try:
            db.session.flush()  # claim the UUID before anything else is written
            made = perform()
            if entity_id is None:
                receipt.entity_id = made
            db.session.commit()
            return Outcome(made, created=True)
        except (IntegrityError, OperationalError) as exc:
            # The same request at the same moment (its receipt won), or a colleague's record for the same
            # checkpoint or item: nothing of ours was kept; look again.
            db.session.rollback()
            if not worth_another_attempt(exc, began):
                raise  # the app answers 503 with Retry-After
            time.sleep(random.uniform(0.01, 0.05 * (attempt + 1)))
        except Exception:
            db.session.rollback()
            raise
    raise PatrolError(_("The server is busy with this record; it will be sent again."), 503, code="retry_later")
