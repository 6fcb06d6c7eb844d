"""A renovation permit from application to "deposit refundable", through the web, with a violation and its re-inspection."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.extensions import db
from app.findings.models import Finding
from app.patrols.models import Round
from app.renovation.clock import years_after
from app.renovation.models import PermitDocument, PermitExtension, RectificationNotice, RenovationPermit
from app.sites.models import Unit
from tests.integration.renovation_world import (approved_permit, build_world, days_pass, open_round_for, post, sign_in,
                                                today_at, walk)


@pytest.fixture
def world(app):
    return build_world(app)


def _notice(app) -> RectificationNotice:
    with app.app_context():
        return db.session.scalar(select(RectificationNotice).order_by(RectificationNotice.id.desc()).limit(1))


def _stops(app, round_id) -> list[tuple[int, str]]:
    with app.app_context():
        round_ = db.session.get(Round, round_id)
        return [(stop.checkpoint_id, stop.template.code) for stop in round_.stops]


def test_permit_from_application_to_deposit_refundable(app, client, world):
    today = today_at(app, world)
    permit_id = approved_permit(app, client, world)
    with app.app_context():
        permit = db.session.get(RenovationPermit, permit_id)
        assert permit.status == "approved" and permit.number.startswith("ZX-")
        assert permit.submitted_at <= permit.decided_at and permit.approval_due_at > permit.submitted_at
        assert db.session.get(Unit, world.unit_ids[0]).status == "renovating"
        checkpoint_id = db.session.get(Unit, world.unit_ids[0]).checkpoint_id
    round_id = open_round_for(app, world)
    assert _stops(app, round_id) == [(checkpoint_id, "renovation_site")]

    # Day 1: the daily site check finds debris in the corridor: a notice, and the finding goes to review as usual.
    walk(app, client, world, round_id, fail={"REN-11": "走廊堆放水泥袋和瓷砖"})
    notice = _notice(app)
    assert notice.status == "open" and notice.severity == "major" and notice.deadline == today + timedelta(days=3)
    assert notice.retain_until.year == today.year + 5 and notice.number.startswith("ZG-")
    with app.app_context():
        finding = db.session.scalar(select(Finding))
        assert finding.status == "open" and finding.item_code == "REN-11"  # in the supervisor's queue like any finding
        assert [f.id for f in db.session.get(RectificationNotice, notice.id).findings] == [finding.id]
    sign_in(client, world.walker)
    sign_page = client.get(f"/sign/logs/{_log_of(app, notice.id)}")
    assert notice.number in sign_page.get_data(as_text=True)  # the notice shows where the patroller lands after submitting

    # The works need longer: the desk extends the permit, beyond 3 months, with the reason.
    sign_in(client, world.desk)
    new_end = today + timedelta(days=120)
    assert post(client, f"/renovation/{permit_id}/extend", {"new_end": new_end.isoformat(), "reason": "业主追加阳台改造"}).status_code == 303

    # Three days later, at the deadline, the patroller re-inspects: rectified, the notice closes.
    days_pass(app, 3)
    sign_in(client, world.walker)
    response = post(client, f"/renovation/notices/{notice.id}/reinspect", {"outcome": "rectified", "note": "已清理"})
    assert response.status_code == 303
    assert _notice(app).status == "closed"

    # The owner says the works are done: the unit gets the initial acceptance checklist, which passes.
    sign_in(client, world.desk)
    assert post(client, f"/renovation/{permit_id}/complete").status_code == 303
    assert _stops(app, round_id) == [(checkpoint_id, "renovation_acceptance")]
    walk(app, client, world, round_id)
    with app.app_context():
        permit = db.session.get(RenovationPermit, permit_id)
        assert permit.status == "accepted" and permit.acceptance_visit_id is not None
        assert permit.recheck_due_on == today_at(app, world) + timedelta(days=30)
    assert _stops(app, open_round_for(app, world)) == []  # nothing due until the re-check

    # 30 days later the re-check passes with no violation open: the deposit is refundable, the unit lived in again.
    days_pass(app, 30)
    open_round_for(app, world)
    assert _stops(app, round_id) == [(checkpoint_id, "renovation_acceptance")]
    walk(app, client, world, round_id)
    with app.app_context():
        permit = db.session.get(RenovationPermit, permit_id)
        assert permit.status == "refundable" and permit.recheck_visit_id is not None
        assert db.session.get(Unit, world.unit_ids[0]).status == "occupied"
        actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "RenovationPermit")))
        assert {"permit_applied", "permit_submitted", "permit_approved", "permit_extended", "permit_completion_requested",
                "permit_accepted", "permit_refundable"} <= actions
        assert db.session.scalar(select(func.count()).select_from(PermitExtension)) == 1
        assert db.session.scalar(select(func.count()).select_from(PermitDocument)) == 1

    # The permit page tells the whole story: three visits with progress, photo, signatures, notice, extension.
    page = client.get(f"/renovation/{permit_id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Deposit refundable" in page
    assert page.count('id="visit-') == 3
    assert "水电改造完成" in page and "走廊堆放水泥袋和瓷砖" in page and 'class="thumb"' in page
    assert notice.number in page and "业主追加阳台改造" in page and "申请表.pdf" in page
    assert "张伟" in page and "李娜" in page  # the two signatures of each log


def _log_of(app, notice_id: int) -> int:
    with app.app_context():
        return db.session.get(RectificationNotice, notice_id).visit.log_id


def test_notice_not_rectified_at_the_deadline_is_escalated_to_the_supervisors(app, client, world):
    approved_permit(app, client, world)
    round_id = open_round_for(app, world)
    walk(app, client, world, round_id, fail={"REN-07": "地漏未加盖，有砂浆"})
    notice = _notice(app)
    assert notice.severity == "minor" and notice.retain_until == years_after(today_at(app, world), 1)
    sign_in(client, world.walker)
    early = post(client, f"/renovation/notices/{notice.id}/reinspect", {"outcome": "not_rectified", "note": "仍未整改"})
    assert early.status_code == 409  # escalation waits for the deadline
    assert _notice(app).status == "open"
    days_pass(app, 3)
    no_note = post(client, f"/renovation/notices/{notice.id}/reinspect", {"outcome": "not_rectified"})
    assert no_note.status_code == 400 and _notice(app).status == "open"
    assert post(client, f"/renovation/notices/{notice.id}/reinspect",
                {"outcome": "not_rectified", "note": "仍未整改"}).status_code == 303
    escalated = _notice(app)
    with app.app_context():
        from app.auth.models import User

        desk = db.session.scalar(select(User).where(User.username == world.desk))
        assert escalated.status == "escalated" and escalated.escalated_to_id == desk.id
    sign_in(client, world.desk)
    listing = client.get("/renovation/notices").get_data(as_text=True)  # supervisors land on the escalated ones
    assert escalated.number in listing
    dashboard = client.get("/dashboard/").get_data(as_text=True)
    assert "/renovation/notices?view=escalated" in dashboard
    again = post(client, f"/renovation/notices/{notice.id}/reinspect", {"outcome": "not_rectified", "note": "x"})
    assert again.status_code == 409
    assert post(client, f"/renovation/notices/{notice.id}/reinspect", {"outcome": "rectified"}).status_code == 303
    assert _notice(app).status == "closed"


def test_a_failed_acceptance_keeps_the_permit_waiting_with_a_notice(app, client, world):
    permit_id = approved_permit(app, client, world)
    sign_in(client, world.desk)
    assert post(client, f"/renovation/{permit_id}/complete").status_code == 303
    round_id = open_round_for(app, world)
    walk(app, client, world, round_id, fail={"RAC-04": "卫生间墙角渗水至楼下"})
    with app.app_context():
        permit = db.session.get(RenovationPermit, permit_id)
        assert permit.status == "completion_requested" and permit.acceptance_visit_id is None
        assert len(permit.notices) == 1 and permit.notices[0].severity == "major"


def test_a_recheck_with_a_violation_still_open_does_not_refund(app, client, world):
    permit_id = approved_permit(app, client, world)
    round_id = open_round_for(app, world)
    walk(app, client, world, round_id, fail={"REN-10": "垃圾未袋装"})
    sign_in(client, world.desk)
    post(client, f"/renovation/{permit_id}/complete")
    days_pass(app, 1)
    walk(app, client, world, round_id)
    days_pass(app, 30)
    open_round_for(app, world)
    walk(app, client, world, round_id)
    with app.app_context():
        permit = db.session.get(RenovationPermit, permit_id)
        assert permit.status == "accepted"  # the notice of the first day is still open
    assert _stops(app, round_id)  # the re-check stays due


def test_a_daily_check_under_way_when_completion_is_recorded_is_no_acceptance(app, client, world):
    """The walker checks the site with the daily checklist; the desk records completion before the log is submitted:
    the permit waits for the acceptance checklist instead of being accepted on the daily check."""
    permit_id = approved_permit(app, client, world)
    round_id = open_round_for(app, world)

    def completion_at_the_desk():
        desk = app.test_client()
        sign_in(desk, world.desk)
        assert post(desk, f"/renovation/{permit_id}/complete").status_code == 303

    walk(app, client, world, round_id, before_submit=completion_at_the_desk)
    with app.app_context():
        permit = db.session.get(RenovationPermit, permit_id)
        assert permit.status == "completion_requested" and permit.acceptance_visit_id is None
    assert [code for _cp, code in _stops(app, round_id)] == ["renovation_acceptance"]
