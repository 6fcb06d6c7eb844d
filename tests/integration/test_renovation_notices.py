"""Rectification notices: the list, the page, the Chinese PDF, deadlines; the demo's renovations; bounded queries."""
from __future__ import annotations

import io
from datetime import datetime, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from app.demo.builder import build_demo
from app.extensions import db
from app.patrols.models import PatrolLog, Round
from app.renovation.models import RectificationNotice, RenovationPermit
from app.signoff.content import content_hash
from app.signoff.models import Signature
from app.sites.models import Unit
from tests.conftest import login
from tests.integration.renovation_world import (approved_permit, build_world, days_pass, open_round_for, post, sign_in,
                                                today_at, walk)
from tests.integration.test_dashboard_queries import counting_statements
from tests.integration.test_exports_archive import pdf_pages

NOON_SHANGHAI = datetime(2026, 11, 20, 4, 0)


@pytest.fixture
def world(app):
    return build_world(app)


@pytest.fixture
def violation(app, client, world):
    """An approved permit whose first daily check failed two items (one major): one open notice."""
    permit_id = approved_permit(app, client, world)
    round_id = open_round_for(app, world)
    walk(app, client, world, round_id, fail={"REN-10": "装修垃圾散堆在门口", "REN-04": "阳台加装不锈钢防盗网"})
    with app.app_context():
        notice_id = db.session.scalar(select(RectificationNotice.id))
    return {"permit_id": permit_id, "notice_id": notice_id, "round_id": round_id}


def test_notice_page_lists_the_items_with_notes_and_photos(app, client, world, violation):
    sign_in(client, world.walker)
    page = client.get(f"/renovation/notices/{violation['notice_id']}").get_data(as_text=True)
    assert "装修垃圾散堆在门口" in page and "阳台加装不锈钢防盗网" in page
    assert page.count('class="thumb"') == 2 and 'name="outcome"' in page
    listing = client.get("/renovation/notices").get_data(as_text=True)
    with app.app_context():
        notice = db.session.get(RectificationNotice, violation["notice_id"])
        assert notice.severity == "major" and len(notice.findings) == 2 and not notice.stop_work
        assert notice.number in listing


def test_notice_pdf_is_in_chinese_with_items_photos_deadline_and_signature_lines(app, client, world, violation):
    sign_in(client, world.walker)
    response = client.get(f"/renovation/notices/{violation['notice_id']}/pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="ZG-')
    text = "\n".join(pdf_pages(response.data))
    with app.app_context():
        notice = db.session.get(RectificationNotice, violation["notice_id"])
        number, deadline = notice.number, notice.deadline.isoformat()
    assert "整改通知书" in text and number in text and deadline in text
    assert "B3栋 1201" in text and "周先生" in text and "安居装饰工程有限公司" in text
    assert "装修垃圾散堆在门口" in text and "签发人" in text and "张伟" in text
    assert sum(len(page.images) for page in PdfReader(io.BytesIO(response.data)).pages) == 2


def test_supervisor_moves_a_deadline_with_a_reason_and_others_cannot(app, client, world, violation):
    notice_id = violation["notice_id"]
    today = today_at(app, world)
    sign_in(client, world.walker)
    assert post(client, f"/renovation/notices/{notice_id}/deadline",
                {"deadline": (today + timedelta(days=10)).isoformat(), "reason": "等待材料"}).status_code == 403
    sign_in(client, world.desk)
    assert post(client, f"/renovation/notices/{notice_id}/deadline",
                {"deadline": (today - timedelta(days=1)).isoformat(), "reason": "x"}).status_code == 400
    assert post(client, f"/renovation/notices/{notice_id}/deadline", {"deadline": "soon", "reason": "x"}).status_code == 400
    assert post(client, f"/renovation/notices/{notice_id}/deadline",
                {"deadline": (today + timedelta(days=10)).isoformat(), "reason": "防盗网需厂家拆除"}).status_code == 303
    with app.app_context():
        assert db.session.get(RectificationNotice, notice_id).deadline == today + timedelta(days=10)
    sign_in(client, world.outsider)
    assert client.get(f"/renovation/notices/{notice_id}").status_code == 404
    assert client.get(f"/renovation/notices/{notice_id}/pdf").status_code == 404


def test_a_closed_notice_cannot_be_decided_again_and_is_kept(app, client, world, violation):
    notice_id = violation["notice_id"]
    sign_in(client, world.walker)
    assert post(client, f"/renovation/notices/{notice_id}/reinspect", {"outcome": "rectified"}).status_code == 303
    assert post(client, f"/renovation/notices/{notice_id}/reinspect", {"outcome": "rectified"}).status_code == 409
    assert post(client, f"/renovation/notices/{notice_id}/reinspect", {"outcome": "maybe"}).status_code == 400
    sign_in(client, world.engineer)
    assert post(client, f"/renovation/notices/{notice_id}/reinspect", {"outcome": "rectified"}).status_code == 403
    with app.app_context():
        notice = db.session.get(RectificationNotice, notice_id)
        assert notice.status == "closed" and notice.retain_until.year == notice.issued_at.year + 5


def test_the_permit_page_runs_the_same_number_of_statements_as_history_grows(app, client, world, violation):
    def statements() -> int:
        client.get(f"/renovation/{violation['permit_id']}")
        with app.app_context(), counting_statements(db.engine) as seen:
            assert client.get(f"/renovation/{violation['permit_id']}").status_code == 200
        return len(seen)

    sign_in(client, world.desk)
    one_day = statements()
    for _day in range(2):
        days_pass(app, 1)
        walk(app, client, world, violation["round_id"], fail={"REN-02": "午休时间电钻施工"})
    sign_in(client, world.desk)
    assert statements() == one_day <= 30


def test_the_demo_has_every_stage_of_a_renovation(app, client):
    with app.app_context():
        build_demo(now=NOON_SHANGHAI, days=2)
        statuses = dict(db.session.execute(select(RenovationPermit.status, func.count()).group_by(RenovationPermit.status)).all())
        assert statuses == {"applied": 1, "approved": 2, "accepted": 1, "refundable": 1}
        late = db.session.scalar(select(RenovationPermit).where(RenovationPermit.status == "applied"))
        assert late.approval_due_at < NOON_SHANGHAI
        accepted = db.session.scalar(select(RenovationPermit).where(RenovationPermit.status == "accepted"))
        assert accepted.recheck_due_on > NOON_SHANGHAI.date()
        notices = dict(db.session.execute(select(RectificationNotice.status, func.count())
                                          .group_by(RectificationNotice.status)).all())
        assert notices == {"open": 1, "closed": 1}
        refunded = db.session.scalar(select(RenovationPermit).where(RenovationPermit.status == "refundable"))
        assert db.session.get(Unit, refunded.unit_id).status == "occupied" and refunded.recheck_visit_id
        for log in db.session.scalars(select(PatrolLog).join(Round).where(Round.purpose == "renovation")):
            hashes = set(db.session.scalars(select(Signature.content_sha256).where(Signature.log_id == log.id)))
            assert hashes == {content_hash(log)}, log.number  # the supervisor can approve them in the weekly review
        permit_ids = list(db.session.scalars(select(RenovationPermit.id)))
        notice_ids = list(db.session.scalars(select(RectificationNotice.id)))
    login(client, "super1", "demo-pass")
    for permit_id in permit_ids:
        assert client.get(f"/renovation/{permit_id}").status_code == 200
    for notice_id in notice_ids:
        assert client.get(f"/renovation/notices/{notice_id}/pdf").status_code == 200
