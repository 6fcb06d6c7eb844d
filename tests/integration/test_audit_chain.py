"""The audit trail is append-only and hash-chained; the verifier names the first tampered event."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DatabaseError

from app.audit.chain import seal_pending, verify_chain
from app.audit.models import AuditEvent
from app.audit.services import record
from app.extensions import db
from tests.factories import make_site


def _events(n: int) -> None:
    site = make_site()
    for i in range(n):
        record("test_event", site, actor=None, n=i, note="巡查")
    db.session.commit()


@pytest.fixture
def sealed(ctx):
    _events(6)
    assert seal_pending() >= 6
    report = verify_chain()
    assert report.broken_seq is None and report.checked >= 6 and report.unsealed == 0
    return report.checked


def _tamper(sql: str, **params) -> None:
    """Change the table behind the triggers' back, as someone with raw database access might."""
    db.session.close()
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only"))
            conn.execute(text(sql), params)
            conn.execute(text("ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only"))
        else:
            guards = conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type='trigger' AND tbl_name='audit_events'")).all()
            for name, _sql in guards:
                conn.execute(text(f"DROP TRIGGER {name}"))
            conn.execute(text(sql), params)
            for _name, ddl in guards:
                conn.execute(text(ddl))
    db.session.expire_all()


def test_requests_seal_their_events(app, client, login_as):
    login_as("patroller")
    with app.app_context():
        events = db.session.scalars(select(AuditEvent)).all()
        assert events and all(e.seq is not None and e.hash for e in events)
        assert verify_chain().broken_seq is None


def test_database_refuses_update_and_delete(sealed):
    statements = ["UPDATE audit_events SET action = 'nothing' WHERE seq = 2", "DELETE FROM audit_events WHERE seq = 2",
                  "UPDATE audit_events SET seq = 99 WHERE seq = 3"]
    if db.engine.dialect.name == "postgresql":
        statements.append("TRUNCATE audit_events")
    db.session.close()  # our own open read would make TRUNCATE wait for its lock
    for statement in statements:
        with pytest.raises(DatabaseError):
            with db.engine.begin() as conn:
                conn.execute(text(statement))
    assert verify_chain().broken_seq is None


def test_verifier_catches_an_edited_event(sealed):
    _tamper("UPDATE audit_events SET action = 'harmless' WHERE seq = 3")
    report = verify_chain()
    assert (report.broken_seq, report.reason) == (3, "edited")


def test_verifier_catches_a_deleted_event(sealed):
    _tamper("DELETE FROM audit_events WHERE seq = 4")
    assert (verify_chain().broken_seq, verify_chain().reason) == (4, "missing")


def test_verifier_catches_reordered_events(sealed):
    _tamper("UPDATE audit_events SET seq = -1 WHERE seq = 2")
    _tamper("UPDATE audit_events SET seq = 2 WHERE seq = 3")
    _tamper("UPDATE audit_events SET seq = 3 WHERE seq = -1")
    assert verify_chain().broken_seq == 2


def test_cli_verify_reports_and_fails_on_tampering(app, sealed):
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["audit", "verify"])
    assert ok.exit_code == 0 and "intact" in ok.output
    _tamper("UPDATE audit_events SET details = NULL WHERE seq = 5")
    broken = runner.invoke(args=["audit", "verify"])
    assert broken.exit_code == 1 and "#5" in broken.output


def test_admin_page_shows_the_chain_state(app, client, login_as):
    login_as("admin")
    body = client.get("/admin/audit", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Hash chain intact" in body
    with app.app_context():
        first = db.session.scalar(select(func.min(AuditEvent.seq)))
        _tamper("UPDATE audit_events SET address = '10.0.0.1' WHERE seq = :seq", seq=first)
    body = client.get("/admin/audit", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Hash chain broken" in body


def test_sealing_twice_changes_nothing(sealed):
    assert seal_pending() == 0
    assert verify_chain().checked == sealed


def test_a_request_does_not_queue_behind_another_sealer(ctx):
    """Requests seal without waiting: one that finds a sealer at work leaves the events to the next one (PostgreSQL)."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer: its sealers queue on the database lock")
    from app.audit.chain import SEAL_LOCK

    _events(2)
    with db.engine.connect() as other:
        other.execute(text("SELECT pg_advisory_lock(:key)"), {"key": SEAL_LOCK})
        try:
            assert seal_pending(wait=False) == 0
            assert verify_chain().unsealed >= 2
        finally:
            other.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": SEAL_LOCK})
            other.commit()
    assert seal_pending(wait=False) >= 2 and verify_chain().unsealed == 0
