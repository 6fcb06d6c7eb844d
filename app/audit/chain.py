"""Tamper evidence for the audit trail: events are sealed into a hash chain in commit order, and verified."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import func, select, text, update

from app.audit.models import AuditEvent
from app.extensions import db

GENESIS = "0" * 64
SEAL_LOCK = 424242  # PostgreSQL advisory lock id: one sealer at a time


def event_digest(event: AuditEvent, prev_hash: str) -> str:
    """SHA-256 over the previous hash and every recorded field of the event."""
    payload = {
        "seq": event.seq, "prev": prev_hash, "id": event.id, "at": event.at.isoformat(timespec="microseconds"),
        "actor": event.actor_id, "site": event.site_id, "action": event.action, "type": event.object_type,
        "object": event.object_id, "address": event.address, "details": event.details,
    }
    raw = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def seal_pending(limit: int = 5000, wait: bool = True) -> int:
    """Give committed, unsealed events their place in the chain; returns how many.

    Runs on a connection of its own, so it never commits a request's unfinished work; an advisory lock
    (PostgreSQL) or the single writer (SQLite) keeps two sealers from forking the chain. With `wait=False` a sealer
    that finds another at work leaves at once (returns 0): requests must not queue behind one another to seal, and
    what the running sealer missed is sealed by the next request or by `flask audit seal`.
    """
    table = AuditEvent.__table__
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            if not wait:
                if not conn.execute(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": SEAL_LOCK}).scalar():
                    return 0
            else:
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SEAL_LOCK})
        else:
            conn.execute(text("UPDATE audit_events SET seq = seq WHERE 0"))  # take the write lock before reading
        last = conn.execute(select(table.c.seq, table.c.hash).where(table.c.seq.is_not(None))
                            .order_by(table.c.seq.desc()).limit(1)).first()
        seq, prev = (last.seq, last.hash) if last else (0, GENESIS)
        rows = conn.execute(select(table).where(table.c.seq.is_(None)).order_by(table.c.id).limit(limit)).all()
        for row in rows:
            seq += 1
            event = AuditEvent(**{column: getattr(row, column) for column in row._fields})
            event.seq = seq
            digest = event_digest(event, prev)
            conn.execute(update(table).where(table.c.id == row.id, table.c.seq.is_(None))
                         .values(seq=seq, prev_hash=prev, hash=digest))
            prev = digest
    return len(rows)


@dataclass(frozen=True)
class ChainReport:
    checked: int
    unsealed: int
    broken_seq: int | None  # the first event whose hash or link does not hold
    reason: str | None


def _sealed_in_order(batch: int = 1000):
    """Sealed events by seq, fetched in bounded batches (keyset), so a large trail never sits in memory."""
    last = None
    while True:
        query = select(AuditEvent).where(AuditEvent.seq.is_not(None)).order_by(AuditEvent.seq).limit(batch)
        if last is not None:
            query = query.where(AuditEvent.seq > last)
        rows = db.session.scalars(query).all()
        yield from rows
        if len(rows) < batch:
            return
        last = rows[-1].seq
        for row in rows:  # keep memory flat; only the chain's own rows leave the session
            db.session.expunge(row)


def verify_chain() -> ChainReport:
    """Walk the chain in order; name the first event that was edited, removed or moved."""
    prev, expected_seq, checked = GENESIS, 1, 0
    for event in _sealed_in_order():
        if event.seq != expected_seq:
            return ChainReport(checked, 0, expected_seq, "missing")
        if event.prev_hash != prev:
            return ChainReport(checked, 0, event.seq, "relinked")
        if event_digest(event, prev) != event.hash:
            return ChainReport(checked, 0, event.seq, "edited")
        prev, expected_seq, checked = event.hash, expected_seq + 1, checked + 1
    unsealed = db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.seq.is_(None)))
    return ChainReport(checked, unsealed, None, None)
