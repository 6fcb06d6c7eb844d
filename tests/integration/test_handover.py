"""Shift handover at the duty desk (002 值班 §4.2): a snapshot of what is open, a note, and the outgoing and
incoming staff's signatures — two different people of the site, each with their own password or PIN."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.extensions import db
from app.handover.models import Handover
from app.handover.services import handover_digest, to_local
from app.model_helpers import utcnow
from app.patrols.models import PatrolLog
from app.work_orders.models import Team, WorkOrder
from tests.concurrency import race
from tests.conftest import PG_URL, csrf_from, login
from tests.integration.supervision_world import add_logs, build_desk

FORMAT = "%Y-%m-%dT%H:%M"


@pytest.fixture
def desk(app):
    return build_desk(app)


def _client(app, username, password="pass-word-1"):
    client = app.test_client()
    assert login(client, username, password).status_code == 303
    return client


def _shift(hours_back=8, hours_on=0):
    now = utcnow()
    starts, ends = now - timedelta(hours=hours_back), now + timedelta(hours=hours_on)
    return to_local(starts, "Asia/Shanghai").strftime(FORMAT), to_local(ends, "Asia/Shanghai").strftime(FORMAT)


def _write(client, note="3栋消防栓玻璃破损，已报工程部；对讲机两台交接。", shift=None):
    starts, ends = shift or _shift()
    token = csrf_from(client, "/handover/new")
    return client.post("/handover/new", data={"csrf_token": token, "shift_starts": starts, "shift_ends": ends, "note": note})


def _sign(client, handover_id, part, username, password="pass-word-1", remark=""):
    token = csrf_from(client, f"/handover/{handover_id}")
    return client.post(f"/handover/{handover_id}/sign/{part}",
                       data={"csrf_token": token, "username": username, "password": password, "remark": remark})


def _handover(app) -> Handover:
    with app.app_context():
        handover = db.session.scalar(select(Handover))
        db.session.expunge_all()
        return handover


def _open_records(app, desk):
    """An open finding, work orders in every state, and logs in progress or missed inside and outside the shift."""
    finding_log = add_logs(app, desk, [utcnow().date() - timedelta(days=1)], with_failure=True)
    with app.app_context():
        now = utcnow()
        team = db.session.scalar(select(Team).where(Team.site_id == desk.site_id, Team.code == "security"))
        orders = {}
        for n, status in enumerate(("new", "in_progress", "reopened", "done", "closed"), 1):
            order = WorkOrder(site_id=desk.site_id, number=f"GD-T-{n}", team_id=team.id, title=f"工单{n}", priority="major",
                              status=status, due_at=now + timedelta(hours=n - 3))
            db.session.add(order)
            db.session.flush()
            orders[status] = order.id
        logs = {}
        for position, (status, start, end) in enumerate([("in_progress", -1, 2), ("missed", -3, -2), ("missed", -80, -76)], 10):
            log = PatrolLog(site_id=desk.site_id, round_id=desk.round_id, local_date=now.date(), window_position=position,
                            window_starts_at=now + timedelta(hours=start), window_ends_at=now + timedelta(hours=end), status=status,
                            number=f"XC-T-{position}" if status == "in_progress" else None)
            db.session.add(log)
            db.session.flush()
            logs[(status, start)] = log.id
        db.session.commit()
    return finding_log, orders, logs


def test_handover_keeps_what_was_open_and_both_staff_sign(app, desk):
    _finding_log, orders, logs = _open_records(app, desk)
    walker = _client(app, "walker")
    response = _write(walker)
    assert response.status_code == 303
    handover = _handover(app)
    assert response.headers["Location"].endswith(f"/handover/{handover.id}")
    assert handover.number.startswith("JB-") and handover.number.endswith("-000001")
    snapshot = handover.snapshot
    assert snapshot["findings_total"] == 1 and snapshot["findings"][0]["problem"] == "灯不亮"
    assert {o["id"] for o in snapshot["work_orders"]} == {orders["new"], orders["in_progress"], orders["reopened"]}
    assert next(o for o in snapshot["work_orders"] if o["id"] == orders["new"])["overdue"] is True
    assert {r["id"] for r in snapshot["rounds"]} == {logs[("in_progress", -1)], logs[("missed", -3)]}
    with app.app_context():
        assert handover.content_sha256 == handover_digest(db.session.get(Handover, handover.id))

    assert _sign(walker, handover.id, "outgoing", "walker").status_code == 303
    pin_client = _client(app, "colleague")
    token = csrf_from(pin_client, "/account/pin")
    assert pin_client.post("/account/pin", data={"csrf_token": token, "password": "pass-word-1", "pin": "274913",
                                                 "pin_again": "274913"}).status_code == 303
    assert _sign(walker, handover.id, "incoming", "colleague", "274913", remark="对讲机一台电量低").status_code == 303
    signed = _handover(app)
    assert signed.state == "signed" and signed.outgoing_name == "walker 名" and signed.incoming_name == "colleague 名"
    assert signed.incoming_note == "对讲机一台电量低"
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action.in_(("handover_created", "handover_signed")))
                                    .order_by(AuditEvent.id)).all()
        assert [(e.action, (e.details or {}).get("part")) for e in events] == [
            ("handover_created", None), ("handover_signed", "outgoing"), ("handover_signed", "incoming")]
    page = walker.get(f"/handover/{handover.id}").get_data(as_text=True)
    assert "walker 名" in page and "colleague 名" in page
    assert f'action="/handover/{handover.id}/sign/' not in page  # nothing left to sign


def test_snapshot_stays_as_it_was_handed_over(app, desk):
    _finding_log, orders, _logs = _open_records(app, desk)
    walker = _client(app, "walker")
    _write(walker)
    with app.app_context():
        db.session.get(WorkOrder, orders["new"]).status = "closed"
        db.session.commit()
    handover = _handover(app)
    assert "GD-T-1" in walker.get(f"/handover/{handover.id}").get_data(as_text=True)


def test_incoming_and_outgoing_must_be_two_people(app, desk):
    walker = _client(app, "walker")
    _write(walker)
    handover = _handover(app)
    assert _sign(walker, handover.id, "outgoing", "walker").status_code == 303
    same = _sign(walker, handover.id, "incoming", "walker")
    assert same.status_code == 403 and "two different people" in same.get_data(as_text=True)
    assert _handover(app).incoming_id is None


def test_a_part_is_signed_once(app, desk):
    walker = _client(app, "walker")
    _write(walker)
    handover = _handover(app)
    assert _sign(walker, handover.id, "outgoing", "walker").status_code == 303
    again = _sign(walker, handover.id, "outgoing", "colleague")
    assert again.status_code == 409 and "already signed" in again.get_data(as_text=True)
    assert _handover(app).outgoing_name == "walker 名"


def test_wrong_password_signs_nothing(app, desk):
    walker = _client(app, "walker")
    _write(walker)
    handover = _handover(app)
    assert _sign(walker, handover.id, "outgoing", "walker", "not-mine").status_code == 401
    assert _sign(walker, handover.id, "incoming", "nobody").status_code == 401
    assert _handover(app).outgoing_id is None and _handover(app).incoming_id is None


@pytest.mark.parametrize("signer", ["guard", "clerk", "stranger", "visitor"])
def test_only_duty_staff_of_the_site_sign(app, desk, signer):
    walker = _client(app, "walker")
    _write(walker)
    handover = _handover(app)
    response = _sign(walker, handover.id, "incoming", signer)
    assert response.status_code == 403
    assert _handover(app).incoming_id is None


def test_other_roles_and_sites_cannot_write_or_open_it(app, desk):
    walker = _client(app, "walker")
    _write(walker)
    handover = _handover(app)
    stranger = _client(app, "stranger")
    assert stranger.get(f"/handover/{handover.id}").status_code == 404
    assert _sign(stranger, handover.id, "incoming", "stranger").status_code == 404
    assert handover.number not in stranger.get("/handover/").get_data(as_text=True)
    clerk = _client(app, "clerk")
    assert clerk.get(f"/handover/{handover.id}").status_code == 200  # admin may read
    assert _write(clerk).status_code == 403
    guard = _client(app, "guard")
    assert guard.get("/handover/").status_code == 403
    assert _sign(walker, handover.id, "sideways", "walker").status_code == 404


@pytest.mark.parametrize("shift, note, field", [
    ("ends_before_start", "交接", "The shift must end after it starts"),
    ("too_long", "交接", "at most 24 hours"),
    ("long_ago", "交接", "more than a day ago"),
    ("far_future", "交接", "two hours from now"),
    ("fine", "   ", "Write what the next shift must know"),
    ("garbage", "交接", "Enter a date and time"),
])
def test_bad_handover_forms_are_refused_beside_the_field(app, desk, shift, note, field):
    shifts = {
        "ends_before_start": tuple(reversed(_shift())),
        "too_long": _shift(hours_back=30),
        "long_ago": (_shift(hours_back=60)[0], _shift(hours_back=50)[0]),
        "far_future": _shift(hours_back=1, hours_on=5),
        "fine": _shift(),
        "garbage": ("yesterday", "2026-13-45T99:99"),
    }
    response = _write(_client(app, "walker"), note=note, shift=shifts[shift])
    assert response.status_code == 400
    assert field in response.get_data(as_text=True)
    assert _handover(app) is None


def test_next_handover_starts_where_the_last_one_ended(app, desk):
    walker = _client(app, "walker")
    starts, ends = _shift(hours_back=9, hours_on=-1)
    _write(walker, shift=(starts, ends))
    page = walker.get("/handover/new").get_data(as_text=True)
    assert f'name="shift_starts" type="datetime-local" value="{ends}"' in page


def test_two_people_signing_incoming_at_once_one_wins(app, desk):
    from app.handover.services import sign_handover

    _write(_client(app, "walker"))
    handover_id = _handover(app).id
    incoming = lambda user, handover: sign_handover(handover, user, "incoming", utcnow())  # noqa: E731
    outcomes = race(app, [("colleague", incoming), ("boss", incoming)],
                    prepare=lambda user: db.session.get(Handover, handover_id))
    assert outcomes.count("ok") == 1, outcomes
    if PG_URL:  # PostgreSQL makes the second wait for the first's row lock, then refuses it cleanly
        assert sorted(map(str, outcomes)) == ["409", "ok"], outcomes
    with app.app_context():
        assert len(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "handover_signed")).all()) == 1
