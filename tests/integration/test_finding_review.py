"""Supervisor decisions on findings: approve into work orders, reject, merge, bulk; one decision wins."""
from __future__ import annotations

import threading
from datetime import datetime

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.findings.models import Finding
from app.findings.review import approve, history_counts, merge, reject
from app.patrols.errors import PatrolError
from app.work_orders.models import WorkOrder
from tests.conftest import csrf_from, login
from tests.factories import make_site, make_user

NOW = datetime(2026, 11, 23, 2, 0)


@pytest.fixture
def findings(app):
    """Open findings of the demo estate (two days of history) and its supervisor."""
    from app.demo.builder import build_demo

    with app.app_context():
        build_demo(now=NOW, days=4)
        ids = db.session.scalars(select(Finding.id).where(Finding.status == "open", Finding.work_order_id.is_(None))).all()
        assert len(ids) >= 2
        return ids


def _super(app):
    from app.auth.models import User

    return db.session.scalar(select(User).where(User.username == "super1"))


def test_approve_creates_a_work_order_for_the_routed_team(app, findings):
    with app.app_context():
        finding = db.session.get(Finding, findings[0])
        order = approve(finding, _super(app), NOW)
        assert finding.status == "approved" and finding.work_order_id == order.id
        assert order.status == "new" and order.priority == finding.severity
        hours = {"urgent": 2, "major": 24, "minor": 72}[order.priority]
        assert (order.due_at - NOW).total_seconds() == hours * 3600
        with pytest.raises(PatrolError):
            approve(finding, _super(app), NOW)  # decided already


def test_reject_needs_a_reason(app, findings):
    with app.app_context():
        finding = db.session.get(Finding, findings[0])
        with pytest.raises(PatrolError):
            reject(finding, _super(app), NOW, "  ")
        reject(finding, _super(app), NOW, "已现场处理")
        assert finding.status == "rejected" and finding.reject_reason == "已现场处理"


def test_merge_raises_the_repeat_count(app, findings):
    with app.app_context():
        first = db.session.get(Finding, findings[0])
        order = approve(first, _super(app), NOW)
        twin = Finding(site_id=first.site_id, answer_id=findings_answer_copy(first), checkpoint_id=first.checkpoint_id,
                       item_code=first.item_code, severity=first.severity)
        db.session.add(twin)
        db.session.commit()
        merged_into = merge(twin, _super(app), NOW)
        assert merged_into.id == order.id and merged_into.repeat_count == 2 and twin.status == "merged"
        assert history_counts([twin], NOW)[twin.id] == 2


def findings_answer_copy(finding) -> int:
    """Another failed answer of the same item at the same checkpoint (a repeat on a later patrol)."""
    from app.patrols.models import Answer

    other = db.session.scalar(select(Answer).where(Answer.id != finding.answer_id, Answer.result == "pass").limit(1))
    other.result, other.note = "fail", "又坏了"
    db.session.flush()
    return other.id


def test_only_a_supervisor_of_the_site_decides(app, findings):
    with app.app_context():
        stranger = make_user("supervisor", [make_site()])
        finding = db.session.get(Finding, findings[0])
        patroller = make_user("patroller", [finding.site])
        for user in (stranger, patroller):
            with pytest.raises(PatrolError) as refused:
                approve(finding, user, NOW)
            assert refused.value.status == 403
        assert finding.status == "open"


def test_queue_actions_through_the_web(app, client, findings):
    login(client, "super1", "demo-pass")
    page = client.get("/review/findings").get_data(as_text=True)
    assert f"/review/findings/{findings[0]}/approve" in page
    token = csrf_from(client, "/review/findings")
    assert client.post(f"/review/findings/{findings[0]}/approve", data={"csrf_token": token, "team": "cleaning",
                                                                        "priority": "major"}).status_code == 303
    client.post(f"/review/findings/{findings[1]}/reject", data={"csrf_token": token, "reason": "误报"})
    with app.app_context():
        approved = db.session.get(Finding, findings[0])
        assert approved.work_order.team.code == "cleaning" and approved.work_order.priority == "major"
        assert db.session.get(Finding, findings[1]).status == "rejected"


def test_bulk_approve_skips_decided_and_foreign_findings(app, client, findings):
    login(client, "super1", "demo-pass")
    token = csrf_from(client, "/review/findings")
    client.post(f"/review/findings/{findings[0]}/reject", data={"csrf_token": token, "reason": "重复"})
    response = client.post("/review/findings/bulk-approve", data={"csrf_token": token, "finding_ids": [str(i) for i in findings] + ["999999", "x"]})
    assert response.status_code == 303
    with app.app_context():
        statuses = [db.session.get(Finding, i).status for i in findings]
        assert statuses[0] == "rejected" and set(statuses[1:]) == {"approved"}


def test_patroller_cannot_decide(app, client, findings):
    login(client, "patrol1", "demo-pass")
    token = csrf_from(client, "/patrol/")
    assert client.post(f"/review/findings/{findings[0]}/approve", data={"csrf_token": token}).status_code == 403


def test_two_supervisors_approving_at_once_make_one_work_order(app, findings):
    with app.app_context():
        site_id = db.session.get(Finding, findings[0]).site_id
        from app.sites.models import Site

        make_user("supervisor", [db.session.get(Site, site_id)], username="super2")
        db.session.commit()
        users = ["super1", "super2"]
    barrier, outcomes = threading.Barrier(2), []

    def decide(username):
        with app.app_context():
            from app.auth.models import User

            user = db.session.scalar(select(User).where(User.username == username))
            finding = db.session.get(Finding, findings[0])
            finding.answer.item  # load before the race
            barrier.wait()
            try:
                approve(finding, user, NOW)
                outcomes.append("won")
            except PatrolError as exc:
                outcomes.append(exc.status)
            except Exception as exc:  # noqa: BLE001 — SQLite may refuse the second writer outright
                outcomes.append(type(exc).__name__)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=decide, args=(u,)) for u in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("won") == 1, outcomes
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(WorkOrder).where(
            WorkOrder.id == db.session.get(Finding, findings[0]).work_order_id)) == 1
        orders_for_finding = db.session.scalar(select(func.count()).select_from(WorkOrder).where(
            WorkOrder.item_code == db.session.get(Finding, findings[0]).item_code,
            WorkOrder.checkpoint_id == db.session.get(Finding, findings[0]).checkpoint_id,
            WorkOrder.created_at == NOW))
        assert orders_for_finding == 1


def test_bulk_approve_ignores_odd_ids(app, client, findings):
    login(client, "super1", "demo-pass")
    token = csrf_from(client, "/review/findings")
    response = client.post("/review/findings/bulk-approve",
                           data={"csrf_token": token, "finding_ids": ["²", "99999999999999999999", "-1", "", str(findings[0])]})
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(Finding, findings[0]).status == "approved"


def test_an_urgent_finding_cannot_merge_into_its_own_order(app, findings):
    with app.app_context():
        finding = db.session.get(Finding, findings[0])
        order = approve(finding, _super(app), NOW)
        twin = Finding(site_id=finding.site_id, answer_id=findings_answer_copy(finding), checkpoint_id=finding.checkpoint_id,
                       item_code=finding.item_code, severity="urgent", work_order_id=order.id)
        db.session.add(twin)
        db.session.commit()
        with pytest.raises(PatrolError):
            merge(twin, _super(app), NOW)
        assert db.session.get(WorkOrder, order.id).repeat_count == 1


def test_an_order_made_after_midnight_on_new_years_day_is_numbered_in_the_new_year(app, findings):
    """Numbers run per year of the site's calendar: 01:00 on 1 January in Shanghai is still 31 December in UTC."""
    with app.app_context():
        finding = db.session.get(Finding, findings[0])
        order = approve(finding, _super(app), datetime(2026, 12, 31, 17, 0))
        assert "2027" in order.number and "2026" not in order.number
