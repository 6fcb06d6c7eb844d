"""The demo estate builder."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from app.demo.builder import build_demo
from app.extensions import db
from app.findings.models import Finding
from app.patrols.models import Answer, PatrolLog, Round
from app.signoff.content import content_hash
from app.signoff.models import Signature
from app.sites.models import Building, Checkpoint
from app.auth.models import User

NOON_SHANGHAI = datetime(2026, 11, 20, 4, 0)  # 12:00 local


def _count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_demo_builds_a_believable_estate(ctx):
    site = build_demo(now=NOON_SHANGHAI, days=10)
    assert site.name_zh == "示例花园"
    assert _count(Building) == 3
    categories = set(db.session.scalars(select(Checkpoint.category)))
    assert {"stairwell", "roof", "elevator", "lobby", "fire_equipment", "road", "parking"} <= categories
    kinds = set(db.session.scalars(select(Round.schedule_kind)))
    assert kinds == {"daily", "shift", "weekly", "monthly"}
    usernames = set(db.session.scalars(select(User.username)))
    assert {"patrol1", "patrol2", "super1", "maint1", "clean1", "admin"} <= usernames
    assert db.session.scalar(select(User).where(User.username == "maint1")).team.code == "engineering"
    assert db.session.scalar(select(User).where(User.username == "clean1")).team.code == "cleaning"
    assert all(u.check_password("demo-pass") for u in db.session.scalars(select(User)))


def test_demo_history_has_numbered_signed_logs_and_some_failures(ctx):
    build_demo(now=NOON_SHANGHAI, days=10)
    numbers = list(db.session.scalars(select(PatrolLog.number).where(PatrolLog.number.is_not(None)).order_by(PatrolLog.id)))
    assert len(numbers) > 50
    assert numbers[0] == "XC-2026-000001" and numbers[-1] == f"XC-2026-{len(numbers):06d}"  # gap-free
    assert _count(Answer, Answer.result == "fail") > 0
    assert _count(Finding) == _count(Answer, Answer.result == "fail")
    assert _count(PatrolLog, PatrolLog.status == "in_progress") >= 1  # today's rounds under way at noon
    signed = db.session.scalars(select(PatrolLog).where(PatrolLog.status.in_(("signed", "reviewed"))).limit(3)).all()
    for log in signed:
        signatures = db.session.scalars(select(Signature).where(Signature.log_id == log.id)).all()
        by_meaning = {s.meaning: s.user_id for s in signatures}
        assert {"performed", "witnessed"} <= set(by_meaning)
        assert by_meaning["performed"] != by_meaning["witnessed"]
        assert all(s.content_sha256 == content_hash(log) for s in signatures)


def test_demo_is_built_once(ctx):
    assert build_demo(now=NOON_SHANGHAI, days=2) is not None
    logs = _count(PatrolLog)
    assert build_demo(now=NOON_SHANGHAI, days=2) is None
    assert _count(PatrolLog) == logs


def test_demo_command_prints_the_accounts(app):
    result = app.test_cli_runner().invoke(args=["demo", "--days", "1"])
    assert result.exit_code == 0, result.output
    assert "demo-pass" in result.output
    for username in ("patrol1", "patrol2", "super1", "maint1", "clean1", "admin"):
        assert username in result.output


def test_reviewed_demo_logs_carry_the_supervisors_signature(ctx):
    build_demo(now=NOON_SHANGHAI, days=10)
    reviewed = db.session.scalars(select(PatrolLog).where(PatrolLog.status == "reviewed")).all()
    assert reviewed
    for log in reviewed[:3]:
        meanings = {s.meaning for s in db.session.scalars(select(Signature).where(Signature.log_id == log.id))}
        assert meanings == {"performed", "witnessed", "reviewed"}
