"""Offline sync of a whole log: the pack, submitting, the colleague's signature, and identical requests at once."""
from __future__ import annotations

import re
import threading

import pytest
from sqlalchemy import delete, event, select

from app.auth.models import User
from app.checklists.catalogue import ITEM_FIELDS, publish_version
from app.checklists.models import ChecklistTemplate
from app.extensions import db
from app.findings.models import Finding
from app.patrols import receipts
from app.patrols.models import Answer, PatrolLog, RoundCheckpoint, Visit
from app.patrols.receipts import SyncReceipt, content_digest
from app.signoff.models import Signature
from tests.integration.sync_phone import Phone, count, iso, jpeg, new_uuid, phone, world  # noqa: F401
from tests.integration.test_patrol_walk import _token
from tests.integration.test_sync_api import photo_item, refusal


def _status(app, log_id: int) -> str:
    with app.app_context():
        return db.session.get(PatrolLog, log_id).status


def test_the_pack_holds_the_stops_labels_and_checklists_in_the_users_language(app, phone, world):
    pack = phone.pack
    assert pack["lang"] == "zh" and pack["user"]["username"] == world.patroller and pack["csrf_token"]
    log = pack["log"]
    assert log["id"] == phone.log_id and log["status"] == "in_progress" and re.fullmatch(r"XC-\d{4}-\d{6}", log["number"])
    assert log["round_name"] == "测试巡查" and log["started_by_id"] == pack["user"]["id"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", log["window_starts_at"]) and log["window_ends_at"].endswith("Z")
    assert [s["checkpoint_id"] for s in pack["stops"]] == world.checkpoint_ids
    assert [s["position"] for s in pack["stops"]] == [1, 2, 3, 4]
    assert [s["tokens"] for s in pack["stops"]] == [[token] for token in world.tokens]
    first = pack["stops"][0]
    assert first["name"] == "楼梯间" and first["visit"] is None and first["skip"] is None and first["active"] is True
    assert first["items"][0]["code"] == "STW-01" and first["items"][0]["text"] == "楼道灯、楼梯灯完好，照明正常"
    with app.app_context():
        db.session.scalar(select(User).where(User.username == world.patroller)).locale = "en"
        db.session.commit()
    english = phone.fetch_pack()
    assert english["lang"] == "en" and english["log"]["round_name"] == "Test round"
    assert english["stops"][0]["name"] == "Stairwell" and english["stops"][0]["items"][0]["text"] == "Corridor and stair lights all work"


def test_the_pack_gives_a_visited_stop_its_own_checklist_and_the_others_the_latest(app, phone, world):
    visit_uuid = new_uuid()
    phone.visit(0, visit_uuid)
    answer_uuid = new_uuid()
    phone.answer(visit_uuid, photo_item(phone), answer_uuid, result="fail", note="灯不亮")
    phone.photo(answer_uuid, jpeg())
    with app.app_context():
        stairwell = db.session.scalar(select(ChecklistTemplate).where(ChecklistTemplate.code == "stairwell"))
        rows = [{name: getattr(item, name) for name in ITEM_FIELDS} for item in stairwell.latest_version().items]
        publish_version(stairwell, rows[:-1], 2, "shorter")
        db.session.commit()
    stops = phone.fetch_pack()["stops"]
    assert len(stops[0]["items"]) == len(rows) and len(stops[1]["items"]) == len(rows) - 1  # both stairwells
    assert stops[0]["template_version_id"] != stops[1]["template_version_id"]
    visit = stops[0]["visit"]
    assert visit["uuid"] == visit_uuid and visit["answers"] == [{
        "item_id": photo_item(phone)["id"], "uuid": answer_uuid, "result": "fail", "number": None, "text": None,
        "note": "灯不亮", "na_reason": None, "photos": 1}]
    # The phone answers the checklist it showed: a visit sent with the older version keeps it.
    old = phone.visit(1, template_version_id=phone.stop(1)["template_version_id"])
    assert old.status_code == 201
    with app.app_context():
        assert db.session.get(Visit, old.get_json()["id"]).template_version.number == 1


def _statements(app, client, path: str) -> int:
    seen = []

    def note(_conn, _cursor, statement, *_args):
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", note)
    return len(seen)


def test_the_pack_takes_the_same_few_queries_for_two_stops_or_four(app, client, phone, world):
    path = f"/api/v1/sync/logs/{phone.log_id}/pack"
    for index in (0, 1):
        phone.walk(index)
    two_walked = _statements(app, client, path)
    for index in (2, 3):
        phone.walk(index)
    four_walked = _statements(app, client, path)
    with app.app_context():
        db.session.execute(delete(RoundCheckpoint).where(RoundCheckpoint.checkpoint_id.in_(world.checkpoint_ids[2:])))
        db.session.commit()
    assert len(phone.fetch_pack()["stops"]) == 2
    two_stops = _statements(app, client, path)
    assert two_walked == four_walked == two_stops <= 15


def _submit(phone: Phone, uuid: str | None = None):
    return phone.post("submit", uuid=uuid or new_uuid(), log_id=phone.log_id)


def test_a_failure_may_arrive_before_its_photo_but_submitting_waits_for_it(app, phone):
    answer_uuid = new_uuid()
    for index in range(4):
        visit_uuid = phone.walk(index) if index else new_uuid()
        if not index:
            phone.visit(0, visit_uuid)
            for item in phone.stop(0)["items"]:
                failing = item == photo_item(phone)
                extra = {"result": "fail", "note": "扶手松动"} if failing else {}
                assert phone.answer(visit_uuid, item, answer_uuid if failing else None, **extra).status_code == 201
    uuid = new_uuid()
    body = refusal(_submit(phone, uuid), 409, "incomplete")
    assert len(body["missing"]) == 1 and ("photo" in body["missing"][0] or "拍照" in body["missing"][0])
    assert _status(app, phone.log_id) == "in_progress" and count(app, SyncReceipt, SyncReceipt.kind == "submit") == 0
    assert phone.photo(answer_uuid, jpeg()).status_code == 201
    submitted = _submit(phone, uuid)  # the same submit, sent again once its photo is there
    assert submitted.status_code == 201 and submitted.get_json()["status"] == "submitted"
    assert submitted.get_json()["number"] == phone.pack["log"]["number"]
    assert phone.resend(uuid).status_code == 200 and count(app, Finding) == 1


def test_a_submitted_log_is_locked_but_what_it_holds_can_be_resent(app, phone):
    walked = [phone.walk(index) for index in range(4)]
    uuid = new_uuid()
    assert _submit(phone, uuid).status_code == 201
    accepted = list(phone.sent)
    refusal(_submit(phone), 409, "log_locked")  # submitted in another way (another phone, online)
    refusal(phone.answer(walked[0], phone.stop(0)["items"][0], result="na", na_reason="x"), 409, "log_locked")
    answers = count(app, Answer)
    for sent in accepted:
        assert phone.resend(sent).status_code == 200, phone.sent[sent]  # lost responses, answered after the lock
    assert count(app, Answer) == answers and count(app, Visit) == 4


def test_a_log_submitted_online_refuses_the_phones_submit(app, client, phone):
    for index in range(4):
        phone.walk(index)
    client.post(f"/patrol/logs/{phone.log_id}/submit", data={"csrf_token": _token(client)})
    assert _status(app, phone.log_id) == "submitted"
    body = refusal(_submit(phone), 409, "log_locked")
    assert "submitted" in body["message"] or "已提交" in body["message"]


def _cosign(phone: Phone, uuid: str, username: str, password: str):
    return phone.post("cosign", uuid=uuid, log_id=phone.log_id, username=username, password=password)


def test_a_colleagues_signature_with_a_wrong_password_leaves_the_log_waiting(app, phone, world):
    for index in range(4):
        phone.walk(index)
    _submit(phone)
    refusal(_cosign(phone, new_uuid(), world.patroller, "pass-word-1"), 403, "signature_refused")  # not a witness
    uuid = new_uuid()
    body = refusal(_cosign(phone, uuid, world.colleague, "wrong-password"), 422, "signature_refused", "password")
    assert "waiting" in body["message"] or "等待" in body["message"]
    assert _status(app, phone.log_id) == "submitted" and count(app, Signature) == 0
    assert count(app, SyncReceipt, SyncReceipt.kind == "cosign") == 0
    signed = _cosign(phone, uuid, world.colleague.upper(), "pass-word-1")  # typed again, right this time
    assert signed.status_code == 201 and signed.get_json()["status"] == "submitted"  # the performer signs too
    assert _cosign(phone, uuid, world.colleague.upper(), "pass-word-1").status_code == 200
    with app.app_context():
        signature = db.session.scalar(select(Signature))
        assert signature.meaning == "witnessed" and signature.user.username == world.colleague
        receipt = db.session.scalar(select(SyncReceipt).where(SyncReceipt.kind == "cosign"))
        assert receipt.content_sha256 == content_digest({"log_id": phone.log_id, "username": world.colleague})
    refusal(_cosign(phone, new_uuid(), "boss", "pass-word-1"), 422, "signature_refused")  # nobody of that name
    assert count(app, Signature) == 1


def _race(app, calls) -> list:
    """Run each call(user) in its own thread and session; both pass the receipt lookup before either writes."""
    barrier, local, outcomes = threading.Barrier(len(calls)), threading.local(), []
    looked_up = receipts.earlier

    def earlier_then_wait(*args):
        found = looked_up(*args)
        if not getattr(local, "waited", False):
            local.waited = True
            barrier.wait(timeout=20)
        return found

    def run(call):
        with app.app_context():
            try:
                user = db.session.scalar(select(User).where(User.username == "walker"))
                outcomes.append(call(user))
            except Exception as exc:  # noqa: BLE001 — reported by the assertion below
                outcomes.append(exc)
            finally:
                db.session.remove()

    receipts.earlier = earlier_then_wait
    try:
        threads = [threading.Thread(target=run, args=(call,)) for call in calls]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        receipts.earlier = looked_up
    return outcomes


def _visit_call(log_id: int, body: dict):
    from app.api.sync_schemas import VisitInSchema
    from app.patrols.sync import sync_visit

    return lambda user: sync_visit(user, db.session.get(PatrolLog, log_id), VisitInSchema().load(body))


@pytest.mark.parametrize("kind", ["visit", "answer", "submit"])
def test_the_same_record_sent_twice_at_once_is_stored_once(app, phone, kind):
    from app.api.sync_schemas import AnswerInSchema
    from app.patrols.sync import sync_answer, sync_submit

    if kind == "visit":
        uuid = new_uuid()
        body = {"uuid": uuid, "log_id": phone.log_id, "checkpoint_id": phone.stop(0)["checkpoint_id"], "method": "qr",
                "scanned_at": iso()}
        call = _visit_call(phone.log_id, body)
    elif kind == "answer":
        visit_uuid = new_uuid()
        phone.visit(0, visit_uuid)
        body = {"uuid": new_uuid(), "visit_uuid": visit_uuid, "item_id": phone.stop(0)["items"][0]["id"],
                "result": "pass", "answered_at": iso()}
        call = lambda user: sync_answer(user, AnswerInSchema().load(body))  # noqa: E731
    else:
        for index in range(4):
            phone.walk(index)
        uuid = new_uuid()
        call = lambda user: sync_submit(user, db.session.get(PatrolLog, phone.log_id), uuid, "zh")  # noqa: E731
    receipts_before = count(app, SyncReceipt)
    outcomes = _race(app, [call, call])
    assert all(isinstance(o, receipts.Outcome) for o in outcomes), outcomes
    assert sorted(o.created for o in outcomes) == [False, True] and outcomes[0].entity_id == outcomes[1].entity_id
    assert count(app, SyncReceipt) == receipts_before + 1
    if kind == "visit":
        assert count(app, Visit) == 1
    elif kind == "answer":
        assert count(app, Answer) == 1
    else:
        assert _status(app, phone.log_id) == "submitted" and count(app, Finding) == 0


def test_two_phones_visiting_the_same_checkpoint_at_once_share_one_visit(app, phone):
    bodies = [{"uuid": new_uuid(), "log_id": phone.log_id, "checkpoint_id": phone.stop(0)["checkpoint_id"],
               "method": "qr", "scanned_at": iso()} for _ in range(2)]
    outcomes = _race(app, [_visit_call(phone.log_id, body) for body in bodies])
    assert all(isinstance(o, receipts.Outcome) for o in outcomes), outcomes
    assert outcomes[0].entity_id == outcomes[1].entity_id and count(app, Visit) == 1
    assert count(app, SyncReceipt) == 2  # both phones' answers can attach to it
