"""Work orders on the phone: claim, start, finish with a photo, verify on site by someone else."""
from __future__ import annotations

import io
import threading
from datetime import datetime

import pytest
from PIL import Image
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.extensions import db
from app.patrols.errors import PatrolError
from app.photos.models import Photo
from app.work_orders.models import WorkOrder
from app.work_orders.transitions import transition
from tests.conftest import csrf_from, login
from tests.factories import make_user

NOW = datetime(2026, 11, 23, 2, 0)


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), (90, 160, 90)).save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture
def order_id(app):
    """A new engineering work order of the demo estate."""
    from app.demo.builder import build_demo
    from app.findings.models import Finding
    from app.findings.review import approve
    from app.auth.models import User
    from app.work_orders.models import Team

    with app.app_context():
        build_demo(now=NOW, days=3)
        supervisor = db.session.scalar(select(User).where(User.username == "super1"))
        for finding in db.session.scalars(select(Finding).where(Finding.status == "open", Finding.work_order_id.is_(None))):
            order = approve(finding, supervisor, NOW, team_code="engineering")
            return order.id
        team = db.session.scalar(select(Team).where(Team.code == "engineering"))
        order = WorkOrder(site_id=team.site_id, number="GD-TEST-1", team_id=team.id, title="测试", due_at=NOW)
        db.session.add(order)
        db.session.commit()
        return order.id


def _act(client, order_id, action, photo=False, **data):
    payload = {"csrf_token": csrf_from(client, f"/work-orders/{order_id}"), **data}
    if photo:
        payload["photos"] = [(io.BytesIO(jpeg()), "after.jpg")]
    return client.post(f"/work-orders/{order_id}/{action}", data=payload, content_type="multipart/form-data")


def _status(app, order_id):
    with app.app_context():
        return db.session.get(WorkOrder, order_id).status


def test_the_whole_loop_through_the_web(app, order_id):
    maint, verifier = app.test_client(), app.test_client()
    login(maint, "maint1", "demo-pass")
    login(verifier, "patrol1", "demo-pass")
    assert "work-orders/%d/claim" % order_id in maint.get(f"/work-orders/{order_id}").get_data(as_text=True)
    _act(maint, order_id, "claim")
    _act(maint, order_id, "start", note="带梯子上楼")
    assert _act(maint, order_id, "finish").status_code == 303 and _status(app, order_id) == "in_progress"  # no photo
    _act(maint, order_id, "finish", photo=True, note="已更换灯管")
    assert _status(app, order_id) == "done"
    _act(maint, order_id, "verify_pass", photo=True)  # the worker cannot verify their own work
    assert _status(app, order_id) == "done"
    _act(verifier, order_id, "verify_pass", photo=True)
    assert _status(app, order_id) == "closed"
    with app.app_context():
        order = db.session.get(WorkOrder, order_id)
        assert order.claimed_at and order.started_at and order.done_at and order.verified_at and order.closed_at
        assert order.verified_by_id != order.done_by_id
        assert db.session.scalar(select(Photo.id).where(Photo.work_order_id == order_id).limit(1))
        actions = [e.action for e in db.session.scalars(select(AuditEvent).where(
            AuditEvent.object_type == "WorkOrder", AuditEvent.object_id == order_id).order_by(AuditEvent.id))]
        assert actions[-4:] == ["work_order_claim", "work_order_start", "work_order_finish", "work_order_verify_pass"]
    story = verifier.get(f"/work-orders/{order_id}").get_data(as_text=True)
    assert "已更换灯管" in story and "带梯子上楼" in story


def test_failed_verification_reopens_for_the_team(app, order_id):
    maint, verifier = app.test_client(), app.test_client()
    login(maint, "maint1", "demo-pass")
    login(verifier, "super1", "demo-pass")
    for action, photo in (("claim", False), ("start", False), ("finish", True)):
        _act(maint, order_id, action, photo=photo)
    _act(verifier, order_id, "verify_fail", photo=True)  # needs a note
    assert _status(app, order_id) == "done"
    _act(verifier, order_id, "verify_fail", photo=True, note="仍然漏水")
    assert _status(app, order_id) == "reopened"
    _act(maint, order_id, "claim")
    with app.app_context():
        order = db.session.get(WorkOrder, order_id)
        assert order.status == "claimed" and order.done_at is None


def test_other_teams_cannot_touch_the_order(app, order_id):
    cleaner = app.test_client()
    login(cleaner, "clean1", "demo-pass")
    assert cleaner.get(f"/work-orders/{order_id}").status_code == 404
    assert _status(app, order_id) == "new"


@pytest.mark.parametrize("action", ["teleport", "verify_passed"])
def test_unknown_actions_are_404(app, order_id, action):
    client = app.test_client()
    login(client, "maint1", "demo-pass")
    assert client.post(f"/work-orders/{order_id}/{action}", data={"csrf_token": csrf_from(client, "/work-orders/")}).status_code == 404


def test_two_workers_claiming_at_once_one_wins(app, order_id):
    with app.app_context():
        order = db.session.get(WorkOrder, order_id)
        make_user("maintenance", [order.site], username="maint2", team_code="engineering")
        db.session.commit()
    barrier, outcomes = threading.Barrier(2), []

    def claim(username):
        with app.app_context():
            from app.auth.models import User

            user = db.session.scalar(select(User).where(User.username == username))
            order = db.session.get(WorkOrder, order_id)
            barrier.wait()
            try:
                transition(order, "claim", user, NOW)
                outcomes.append("won")
            except PatrolError as exc:
                outcomes.append(exc.status)
            except Exception as exc:  # noqa: BLE001 — SQLite may refuse the second writer as locked
                outcomes.append(type(exc).__name__)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=claim, args=(name,)) for name in ("maint1", "maint2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("won") == 1, outcomes
    assert _status(app, order_id) == "claimed"


def test_urgent_unclaimed_orders_show_on_every_page_until_claimed(app):
    from app.demo.builder import build_demo
    from app.work_orders.models import Team

    with app.app_context():
        build_demo(now=NOW, days=1)
        team = db.session.scalar(select(Team).where(Team.code == "engineering"))
        order = WorkOrder(site_id=team.site_id, number="GD-URG-1", team_id=team.id, title="燃气味", priority="urgent", due_at=NOW)
        db.session.add(order)
        db.session.commit()
        urgent_id = order.id
    boss, maint, cleaner = app.test_client(), app.test_client(), app.test_client()
    login(boss, "super1", "demo-pass")
    login(maint, "maint1", "demo-pass")
    login(cleaner, "clean1", "demo-pass")
    for client, path in ((boss, "/review/findings"), (maint, "/work-orders/")):
        assert 'class="urgent-banner"' in client.get(path).get_data(as_text=True)
    assert 'class="urgent-banner"' not in cleaner.get("/work-orders/").get_data(as_text=True)
    _act(maint, urgent_id, "claim")
    assert 'class="urgent-banner"' not in boss.get("/review/findings").get_data(as_text=True)


def test_supervisor_reassigns_with_a_reason(app, order_id):
    boss = app.test_client()
    login(boss, "super1", "demo-pass")
    token = csrf_from(boss, f"/work-orders/{order_id}")
    boss.post(f"/work-orders/{order_id}/reassign", data={"csrf_token": token, "team": "cleaning", "priority": "urgent"})
    with app.app_context():
        assert db.session.get(WorkOrder, order_id).team.code == "engineering"  # no reason: refused
    boss.post(f"/work-orders/{order_id}/reassign", data={"csrf_token": token, "team": "cleaning", "priority": "urgent",
                                                          "reason": "属保洁范围"})
    with app.app_context():
        order = db.session.get(WorkOrder, order_id)
        assert (order.team.code, order.priority, order.status) == ("cleaning", "urgent", "new")
        assert (order.due_at - order.created_at).total_seconds() == 2 * 3600
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "work_order_reassigned"))
        assert event.details["note"] == "属保洁范围" and event.details["before"]["team"] == "engineering"
    assert "属保洁范围" in boss.get(f"/work-orders/{order_id}").get_data(as_text=True)
    worker = app.test_client()
    login(worker, "maint1", "demo-pass")
    assert worker.post(f"/work-orders/{order_id}/reassign", data={"csrf_token": csrf_from(worker, "/work-orders/"),
                                                                   "team": "engineering", "reason": "x"}).status_code == 403


def test_refused_action_processes_no_upload(app, order_id):
    import os

    def files():
        return {os.path.join(r, n) for r, _d, names in os.walk(app.config["UPLOAD_DIR"]) for n in names}

    before = files()
    patroller = app.test_client()
    login(patroller, "patrol1", "demo-pass")
    _act(patroller, order_id, "finish", photo=True)
    assert _status(app, order_id) == "new" and files() == before
