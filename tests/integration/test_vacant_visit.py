"""An upkeep visit through the real endpoints: from the unit page, taking the key, the vacant-unit checklist with
out-of-season items answered N/A (reason filled in), a failure with a photo, submit → finding, two signatures;
cleaning booked for the cleaning team; the reasons a visit cannot start."""
from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from sqlalchemy import func, select

from app.checklists.models import ChecklistItem
from app.extensions import db
from app.findings.models import Finding
from app.model_helpers import utcnow
from app.patrols.models import PatrolLog, Visit
from app.patrols.schedules import local_today
from app.signoff.models import Signature
from app.sites.models import Site, SiteSeason, Unit
from app.vacancy.models import KeyLoan
from app.vacancy.schedule import months_to_mask
from app.work_orders.models import Team, WorkOrder
from tests.conftest import csrf_from, login
from tests.integration.vacancy_world import build_vacant_world, user_id

NA_REASON = "不在季节内：维护计划中的季节性项目本月不执行。"


@pytest.fixture
def world(app):
    """The world, with season months set so that this month is rainy but neither summer nor winter."""
    world = build_vacant_world(app)
    with app.app_context():
        month = local_today("Asia/Shanghai", utcnow()).month
        others = [m for m in range(1, 13) if m != month]
        db.session.add_all([SiteSeason(site_id=world.site_id, season="summer", months=months_to_mask(others)),
                            SiteSeason(site_id=world.site_id, season="rainy", months=months_to_mask([month])),
                            SiteSeason(site_id=world.site_id, season="winter", months=0)])
        db.session.commit()
    return world


def _token(client, unit_id):
    return csrf_from(client, f"/units/{unit_id}")


def _start(client, app, world, unit_id, borrow=True):
    data = {"csrf_token": _token(client, unit_id)}
    if borrow:
        data |= {"borrow": "1", "borrower_id": str(_id(app, world.patroller))}
    return client.post(f"/vacancy/units/{unit_id}/upkeep", data=data)


def _id(app, username):
    with app.app_context():
        return user_id(username)


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (1200, 900), (90, 100, 80)).save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def _items(app, visit_id):
    with app.app_context():
        visit = db.session.get(Visit, visit_id)
        return [(i.id, i.code) for i in db.session.scalars(select(ChecklistItem).where(
            ChecklistItem.version_id == visit.template_version_id).order_by(ChecklistItem.position))]


def _answer(client, visit_id, item_id, **data):
    files = data.pop("photos", None)
    payload = {"csrf_token": csrf_from(client, f"/patrol/visits/{visit_id}"), **data}
    if files:
        payload["photos"] = [(io.BytesIO(files), "mould.jpg")]
    return client.post(f"/patrol/visits/{visit_id}/items/{item_id}", data=payload, content_type="multipart/form-data",
                       headers={"HX-Request": "true"})


def test_an_upkeep_visit_from_taking_the_key_to_a_finding_and_two_signatures(app, client, world):
    unit_id = world.vacant_ids[0]
    login(client, world.patroller)
    page = client.get(f"/units/{unit_id}").get_data(as_text=True)
    assert "今日需维护" in page and "借钥匙并开始维护检查" in page

    response = _start(client, app, world, unit_id)
    assert response.status_code == 303
    visit_id = int(re.search(r"/patrol/visits/(\d+)$", response.headers["Location"]).group(1))
    with app.app_context():
        loan = db.session.scalar(select(KeyLoan).where(KeyLoan.unit_id == unit_id))
        visit = db.session.get(Visit, visit_id)
        unit = db.session.get(Unit, unit_id)
        assert loan.returned_at is None and loan.purpose == "空置房养护" and loan.borrower_id == _id(app, world.patroller)
        assert visit.checkpoint_id == unit.checkpoint_id and visit.log.round_id == world.round_id
        assert visit.log.round.purpose == "vacant" and visit.log.number

    visit_page = client.get(f"/patrol/visits/{visit_id}").get_data(as_text=True)
    assert "B3栋 501 的维护计划" in visit_page
    assert "今日到期：VAC-01, VAC-02, VAC-03, VAC-06, VAC-10, VAC-11" in visit_page
    assert "不在季节内（选“不适用”）：VAC-05, VAC-07" in visit_page
    assert visit_page.count(f'value="{NA_REASON}"') == 2  # the reason waits in both out-of-season items

    for item_id, code in _items(app, visit_id):
        if code in ("VAC-05", "VAC-07"):
            response = _answer(client, visit_id, item_id, result="na", na_reason=NA_REASON)
        elif code == "VAC-03":
            response = _answer(client, visit_id, item_id, result="fail", note="次卧天花发霉", photos=_jpeg())
        else:
            response = _answer(client, visit_id, item_id, result="pass")
        assert response.status_code == 200, (code, response.get_data(as_text=True)[:300])
    with app.app_context():
        log_id = db.session.get(Visit, visit_id).log_id
        other_label = db.session.get(Unit, world.vacant_ids[1]).checkpoint_id
    skipped = client.post(f"/patrol/logs/{log_id}/skip/{other_label}", data={
        "csrf_token": csrf_from(client, f"/patrol/logs/{log_id}"), "reason": "业主看房中，改日再查"})
    assert skipped.status_code == 303
    submitted = client.post(f"/patrol/logs/{log_id}/submit", data={"csrf_token": csrf_from(client, f"/patrol/logs/{log_id}")})
    assert submitted.status_code == 303
    with app.app_context():
        finding = db.session.scalar(select(Finding))
        assert (finding.item_code, finding.checkpoint_id, finding.status) == ("VAC-03", unit.checkpoint_id, "open")
        assert db.session.get(PatrolLog, log_id).status == "submitted"

    token = csrf_from(client, f"/sign/logs/{log_id}")
    client.post(f"/sign/logs/{log_id}/performed", data={"csrf_token": token, "password": "pass-word-1"})
    client.post(f"/sign/logs/{log_id}/witnessed", data={"csrf_token": token, "username": world.colleague,
                                                        "password": "pass-word-1"})
    with app.app_context():
        assert {s.meaning for s in db.session.scalars(select(Signature).where(Signature.log_id == log_id))} == \
            {"performed", "witnessed"}
        assert db.session.get(PatrolLog, log_id).status == "signed"

    unit_page = client.get(f"/units/{unit_id}").get_data(as_text=True)
    assert "次卧天花发霉" in unit_page and 'class="thumb"' in unit_page and "合格 11，不合格 1，不适用 2" in unit_page
    assert "未处理问题" in unit_page
    returned = client.post(f"/vacancy/units/{unit_id}/keys/return", data={"csrf_token": _token(client, unit_id)})
    assert returned.status_code == 303
    again = _start(client, app, world, unit_id)  # the day's round is submitted: no second visit, no key taken
    assert again.status_code == 409 and "已提交" in again.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(KeyLoan).where(KeyLoan.returned_at.is_(None))) == 0


def test_a_door_label_scanned_during_the_round_opens_that_unit_s_visit(app, client, world):
    login(client, world.patroller)
    _start(client, app, world, world.vacant_ids[0], borrow=False)
    response = client.get(f"/c/{world.tokens[world.vacant_ids[1]]}")
    assert response.status_code == 303 and "/patrol/visits/" in response.headers["Location"]
    with app.app_context():
        visit = db.session.scalar(select(Visit).where(Visit.checkpoint_id == db.session.get(Unit, world.vacant_ids[1]).checkpoint_id))
        assert visit is not None and visit.method == "link"


def test_the_round_shows_on_today_s_list(client, world):
    login(client, world.patroller)
    today = client.get("/patrol/").get_data(as_text=True)
    assert "空置房养护" in today and f"/patrol/rounds/{world.round_id}/start" in today


@pytest.mark.parametrize("case, status, text", [
    ("occupied", 409, "不是空置房"),
    ("not_assigned", 403, "未分配给你"),
    ("no_plan", 409, "无需维护检查"),
])
def test_a_visit_that_cannot_start_takes_no_key(app, client, world, case, status, text):
    unit_id = world.vacant_ids[0]
    username = world.patroller
    with app.app_context():
        if case == "occupied":
            unit_id = world.occupied_id
        elif case == "not_assigned":
            from tests.integration.vacancy_world import quick_user

            username = quick_user("patroller", db.session.get(Site, world.site_id), "newcomer", "新同事").username
            db.session.commit()
        else:
            from app.vacancy.models import UpkeepPlan

            db.session.get(UpkeepPlan, world.plan_id).active = False
            db.session.commit()
    login(client, username)
    response = client.post(f"/vacancy/units/{unit_id}/upkeep", data={
        "csrf_token": _token(client, unit_id), "borrow": "1", "borrower_id": str(_id(app, username))})
    assert response.status_code == status and text in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(KeyLoan)) == 0
        assert db.session.scalar(select(func.count()).select_from(PatrolLog).where(PatrolLog.number.is_not(None))) == 0


def test_cleaning_is_booked_for_the_cleaning_team(app, client, world):
    unit_id = world.vacant_ids[0]
    login(client, world.patroller)
    response = client.post(f"/vacancy/units/{unit_id}/cleaning", data={"csrf_token": _token(client, unit_id), "note": "地面积灰"})
    assert response.status_code == 303
    with app.app_context():
        order = db.session.scalar(select(WorkOrder))
        team = db.session.get(Team, order.team_id)
        assert (team.code, order.item_code, order.priority, order.status, order.description) == \
            ("cleaning", "VAC-10", "minor", "new", "地面积灰")
        assert order.checkpoint_id == db.session.get(Unit, unit_id).checkpoint_id and order.created_by_id == _id(app, world.patroller)
        number = order.number
    again = client.post(f"/vacancy/units/{unit_id}/cleaning", data={"csrf_token": _token(client, unit_id)})
    assert again.status_code == 409 and number in again.get_data(as_text=True)
    login(client, world.cleaner)
    assert "空置房清洁：B3栋 501" in client.get("/work-orders/").get_data(as_text=True)
    assert client.post(f"/vacancy/units/{unit_id}/cleaning", data={"csrf_token": csrf_from(client, "/work-orders/")}).status_code == 403
