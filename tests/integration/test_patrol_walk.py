"""Walking a round through the web: start, scan, manual entry, answers, skip, submit."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.extensions import db
from app.findings.models import Finding
from app.patrols.models import Answer, CheckpointSkip, PatrolLog, Visit
from app.sites.models import Checkpoint
from app.sites.services import rotate_token
from app.work_orders.models import WorkOrder
from tests.conftest import csrf_from, login
from tests.integration.patrol_world import build_world


@pytest.fixture
def world(app):
    return build_world(app)


@pytest.fixture
def walker(client, world):
    assert login(client, world.patroller).status_code == 303
    return client


def _token(client):
    return csrf_from(client, "/patrol/")


def _start(client, world, **extra):
    return client.post(f"/patrol/rounds/{world.round_id}/start", data={"csrf_token": _token(client), **extra})


def _log(app, round_id):
    with app.app_context():
        return db.session.scalar(select(PatrolLog).where(PatrolLog.round_id == round_id, PatrolLog.number.is_not(None)))


def test_today_lists_my_round_with_a_start_button(walker, world):
    body = walker.get("/patrol/").get_data(as_text=True)
    assert "测试巡查" in body and "同事的巡查" not in body
    assert f"/patrol/rounds/{world.round_id}/start" in body


def test_starting_a_round_numbers_the_log_once(app, walker, world):
    response = _start(walker, world)
    assert response.status_code == 303
    log = _log(app, world.round_id)
    assert re.fullmatch(r"XC-\d{4}-000001", log.number) and log.status == "in_progress"
    assert _start(walker, world).status_code == 303  # double tap: same log, no new number
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PatrolLog).where(PatrolLog.number.is_not(None))) == 1


def test_cannot_start_someone_elses_round(app, walker, world):
    response = walker.post(f"/patrol/rounds/{world.other_round_id}/start", data={"csrf_token": _token(walker)},
                           follow_redirects=True)
    assert "不是分配给你" in response.get_data(as_text=True) or "not assigned" in response.get_data(as_text=True)
    assert _log(app, world.other_round_id) is None


def test_scan_opens_the_checkpoint_inside_my_round(app, walker, world):
    _start(walker, world)
    response = walker.get(f"/c/{world.tokens[0]}")
    assert response.status_code == 303 and "/patrol/visits/" in response.headers["Location"]
    with app.app_context():
        visit = db.session.scalar(select(Visit))
        assert visit.method == "link" and visit.checkpoint_id == world.checkpoint_ids[0]
    again = walker.get(f"/c/{world.tokens[0]}")  # scanning twice returns the same visit
    assert again.headers["Location"] == response.headers["Location"]


def test_scan_outside_open_rounds_offers_to_start_and_goes_straight_there(app, walker, world):
    response = walker.get(f"/c/{world.tokens[1]}")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert f"/patrol/rounds/{world.round_id}/start" in body and f'value="{world.tokens[1]}"' in body
    started = _start(walker, world, token=world.tokens[1])
    assert "/patrol/visits/" in started.headers["Location"]


def test_scan_logged_out_goes_to_login_then_back(client, world):
    response = client.get(f"/c/{world.tokens[0]}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert login(client, world.patroller, next=f"/c/{world.tokens[0]}").headers["Location"].endswith(f"/c/{world.tokens[0]}")


def test_rotated_label_says_replaced(app, walker, world):
    with app.app_context():
        rotate_token(db.session.get(Checkpoint, world.checkpoint_ids[0]))
    response = walker.get(f"/c/{world.tokens[0]}")
    assert response.status_code == 410
    assert "已被替换" in response.get_data(as_text=True) or "replaced" in response.get_data(as_text=True)


@pytest.mark.parametrize("token", ["nope", "x" * 300, "%00", "../../etc"])
def test_unknown_tokens_are_404(walker, world, token):
    assert walker.get(f"/c/{token}").status_code == 404


def test_checkpoint_of_another_site_is_unknown(app, client, world):
    login(client, world.outsider)
    assert client.get(f"/c/{world.tokens[0]}").status_code == 404


def test_manual_code_entry_needs_a_reason_and_is_marked(app, walker, world):
    _start(walker, world)
    log = _log(app, world.round_id)
    token = _token(walker)
    no_reason = walker.post(f"/patrol/logs/{log.id}/manual", data={"code": world.codes[0].lower(), "csrf_token": token},
                            follow_redirects=True)
    assert no_reason.status_code == 200
    wrong = walker.post(f"/patrol/logs/{log.id}/manual", data={"code": "NOPE", "reason": "标签污损", "csrf_token": token})
    assert wrong.status_code == 303 and "/visits/" not in wrong.headers["Location"]
    ok = walker.post(f"/patrol/logs/{log.id}/manual", data={"code": world.codes[0].lower(), "reason": "标签污损", "csrf_token": token})
    assert "/patrol/visits/" in ok.headers["Location"]
    with app.app_context():
        visit = db.session.scalar(select(Visit))
        assert visit.method == "manual" and visit.manual_reason == "标签污损"


def _visit(app, walker, world, index=0):
    _start(walker, world)
    walker.get(f"/c/{world.tokens[index]}")
    with app.app_context():
        visit = db.session.scalar(select(Visit).where(Visit.checkpoint_id == world.checkpoint_ids[index]))
        return visit.id, [(i.id, i.answer_type, i.photo_on_fail, i.urgent_if_fail, i.code) for i in visit.template_version.items]


def _answer(client, visit_id, item_id, **data):
    return client.post(f"/patrol/visits/{visit_id}/items/{item_id}", data={"csrf_token": _token(client), **data},
                       headers={"HX-Request": "true"})


def test_pass_is_saved_and_returns_the_fragment(app, walker, world):
    visit_id, items = _visit(app, walker, world)
    item_id = next(i for i, kind, *_ in items if kind == "pass_fail")
    response = _answer(walker, visit_id, item_id, result="pass")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith("<li") and "<html" not in body
    with app.app_context():
        assert db.session.scalar(select(Answer.result)) == "pass"


@pytest.mark.parametrize("data, field", [
    ({"result": "fail"}, "note"),
    ({"result": "na"}, "na_reason"),
    ({"result": "maybe"}, "result"),
    ({}, "result"),
    ({"result": "pass", "note": "x" * 2001}, "note"),
])
def test_itemised_rule_refuses_incomplete_answers(app, walker, world, data, field):
    visit_id, items = _visit(app, walker, world)
    item_id = next(i for i, kind, *_ in items if kind == "pass_fail")
    response = _answer(walker, visit_id, item_id, **data)
    assert response.status_code == 400
    assert 'class="field-error"' in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Answer)) == 0


def test_fail_without_photo_is_refused_when_the_item_wants_one(app, walker, world):
    visit_id, items = _visit(app, walker, world)
    item_id = next(i for i, kind, photo, *_ in items if kind == "pass_fail" and photo)
    response = _answer(walker, visit_id, item_id, result="fail", note="灯不亮")
    assert response.status_code == 400 and "照片" in response.get_data(as_text=True)


def test_na_with_reason_and_answer_twice_keeps_history(app, walker, world):
    visit_id, items = _visit(app, walker, world)
    item_id = next(i for i, kind, *_ in items if kind == "pass_fail")
    assert _answer(walker, visit_id, item_id, result="na", na_reason="本层无此设施").status_code == 200
    assert _answer(walker, visit_id, item_id, result="pass").status_code == 200
    with app.app_context():
        answers = db.session.scalars(select(Answer)).all()
        assert len(answers) == 1 and answers[0].result == "pass" and answers[0].na_reason is None
        change = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "item_answer_changed"))
        assert change.details["before"]["result"] == "na"


def test_item_of_another_checklist_is_404(app, walker, world):
    visit_id, _items = _visit(app, walker, world, index=0)
    _other_visit, lift_items = _visit(app, walker, world, index=2)
    assert _answer(walker, visit_id, lift_items[0][0], result="pass").status_code == 404


def test_other_users_visit_is_not_reachable(app, client, world):
    walker = app.test_client()
    login(walker, world.patroller)
    visit_id, items = _visit(app, walker, world)
    login(client, world.outsider)
    assert client.get(f"/patrol/visits/{visit_id}").status_code == 404
    assert _answer(client, visit_id, items[0][0], result="pass").status_code == 404


def _answer_all(app, client, world, index, fail_code=None):
    visit_id, items = _visit(app, client, world, index)
    for item_id, kind, _photo, _urgent, code in items:
        if code == fail_code:
            continue
        data = {"result": "pass"}
        if kind == "number":
            data = {"number": "1.2"}
        elif kind == "text":
            data = {"text": "正常"}
        assert _answer(client, visit_id, item_id, **data).status_code == 200, code
    return visit_id, items


def test_submit_refuses_an_incomplete_log(app, walker, world):
    _answer_all(app, walker, world, 0)
    log = _log(app, world.round_id)
    response = walker.post(f"/patrol/logs/{log.id}/submit", data={"csrf_token": _token(walker)}, follow_redirects=True)
    assert "未完成" in response.get_data(as_text=True) or "not complete" in response.get_data(as_text=True)
    assert _log(app, world.round_id).status == "in_progress"


def test_skip_needs_a_reason(app, walker, world):
    _start(walker, world)
    log = _log(app, world.round_id)
    walker.post(f"/patrol/logs/{log.id}/skip/{world.checkpoint_ids[1]}", data={"csrf_token": _token(walker), "reason": " "})
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CheckpointSkip)) == 0


def test_complete_log_submits_with_score_and_locks(app, walker, world):
    for index in range(4):
        _answer_all(app, walker, world, index)
    log = _log(app, world.round_id)
    response = walker.post(f"/patrol/logs/{log.id}/submit", data={"csrf_token": _token(walker)})
    assert response.status_code == 303
    log = _log(app, world.round_id)
    assert log.status == "submitted" and log.score == 1.0
    visit_id, items = _visit(app, walker, world, 0)
    assert _answer(walker, visit_id, items[0][0], result="pass").status_code == 409
    assert walker.post(f"/patrol/logs/{log.id}/submit", data={"csrf_token": _token(walker)}).status_code == 303
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "patrol_submitted")) == 1


def test_urgent_failure_is_dispatched_at_submit(app, walker, world):
    urgent_code = "STW-13"  # no gas or burning smell: urgent, no photo required
    visit_id, items = _answer_all(app, walker, world, 0, fail_code=urgent_code)
    item_id = next(i for i, *_rest, code in items if code == urgent_code)
    response = _answer(walker, visit_id, item_id, result="fail", note="三楼闻到焦糊味")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "tel:021-0000-0110" in body  # what to do, at once
    log = _log(app, world.round_id)
    for cp in world.checkpoint_ids[1:]:
        walker.post(f"/patrol/logs/{log.id}/skip/{cp}", data={"csrf_token": _token(walker), "reason": "门锁了"})
    assert walker.post(f"/patrol/logs/{log.id}/submit", data={"csrf_token": _token(walker)}).status_code == 303
    with app.app_context():
        finding = db.session.scalar(select(Finding))
        assert finding.severity == "urgent" and finding.status == "open"
        order = db.session.get(WorkOrder, finding.work_order_id)
        assert order.priority == "urgent" and order.team.code == "engineering"
        assert (order.due_at - order.created_at).total_seconds() == 2 * 3600
        log = _log(app, world.round_id)
        assert log.score < 1 and finding.log_id == log.id
        # The answers as submitted, stored for the monthly archive (which no longer counts them)
        results = dict(db.session.execute(select(Answer.result, func.count()).join(Visit)
                                          .where(Visit.log_id == log.id).group_by(Answer.result)).all())
        assert (log.answer_count, log.pass_count, log.fail_count) == (sum(results.values()), results["pass"], 1)


def _number_item(items):
    return next(i for i, kind, *_ in items if kind == "number")


@pytest.mark.parametrize("number", ["abc", "NaN", "inf", "-inf", "1e309", "", "1,2,3", "0x10"])
def test_numbers_that_are_not_numbers_are_refused(app, walker, world, number):
    visit_id, items = _visit(app, walker, world, index=3)  # fire equipment: extinguisher pressure in MPa
    response = _answer(walker, visit_id, _number_item(items), number=number)
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Answer)) == 0


def test_number_in_range_passes_and_out_of_range_needs_a_note(app, walker, world):
    visit_id, items = _visit(app, walker, world, index=3)
    item_id = _number_item(items)
    assert _answer(walker, visit_id, item_id, number="1,2").status_code == 200
    assert _answer(walker, visit_id, item_id, number="0.6").status_code == 400
    response = _answer(walker, visit_id, item_id, number="0.6", note="压力不足")
    assert response.status_code == 400  # a failed reading still needs its photo
    assert 'name="photos"' in response.get_data(as_text=True)
    with app.app_context():
        answer = db.session.scalar(select(Answer))
        assert answer.result == "pass" and answer.number_value == 1.2  # the earlier answer stands


def test_phone_location_is_kept_once_and_flags_a_far_visit(app, walker, world):
    visit_id, _items = _visit(app, walker, world, index=0)  # checkpoint 0 has coordinates in People's Square
    url = f"/patrol/visits/{visit_id}/location"
    far = {"latitude": "31.2404", "longitude": "121.4737", "accuracy": "12", "csrf_token": _token(walker)}
    assert walker.post(url, data=far).get_json()["flags"] == "far_away"
    near = dict(far, latitude="31.2304")
    walker.post(url, data=near)  # the first fix stands
    with app.app_context():
        visit = db.session.get(Visit, visit_id)
        assert (visit.latitude, visit.accuracy_m, visit.flags) == (31.2404, 12.0, "far_away")


@pytest.mark.parametrize("bad", [{"latitude": "abc"}, {"latitude": "91"}, {"accuracy": "-1"}, {"longitude": "nan"}])
def test_nonsense_locations_are_refused(app, walker, world, bad):
    visit_id, _items = _visit(app, walker, world, index=0)
    data = {"latitude": "31.23", "longitude": "121.47", "accuracy": "10", "csrf_token": _token(walker), **bad}
    assert walker.post(f"/patrol/visits/{visit_id}/location", data=data).status_code == 400
    with app.app_context():
        assert db.session.get(Visit, visit_id).latitude is None


def test_visits_too_close_in_time_are_flagged(app, walker, world):
    _visit(app, walker, world, index=0)
    walker.get(f"/c/{world.tokens[1]}")  # seconds later, another checkpoint
    with app.app_context():
        second = db.session.scalar(select(Visit).where(Visit.checkpoint_id == world.checkpoint_ids[1]))
        assert second.flags == "too_fast"


@pytest.mark.parametrize("extra", [{"checkpoint_id": "1", "method": "qr"}, {"token": "forged-token-that-is-long"}, {"method": "bogus"}])
def test_start_cannot_forge_a_visit(app, walker, world, extra):
    response = _start(walker, world, **extra)
    assert response.status_code == 303
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Visit)) == 0


def test_location_cannot_change_a_submitted_log(app, walker, world):
    for index in range(4):
        _answer_all(app, walker, world, index)
    log = _log(app, world.round_id)
    walker.post(f"/patrol/logs/{log.id}/submit", data={"csrf_token": _token(walker)})
    with app.app_context():
        visit_id = db.session.scalar(select(Visit.id).where(Visit.checkpoint_id == world.checkpoint_ids[1]))
    data = {"latitude": "31.2", "longitude": "121.4", "accuracy": "5", "csrf_token": _token(walker)}
    assert walker.post(f"/patrol/visits/{visit_id}/location", data=data).status_code == 409
    with app.app_context():
        assert db.session.get(Visit, visit_id).latitude is None


def test_location_from_someone_not_walking_is_refused(app, client, world):
    walker = app.test_client()
    login(walker, world.patroller)
    visit_id, _items = _visit(app, walker, world, index=1)
    login(client, world.colleague)
    data = {"latitude": "31.2", "longitude": "121.4", "accuracy": "5", "csrf_token": _token(client)}
    assert client.post(f"/patrol/visits/{visit_id}/location", data=data).status_code == 403
