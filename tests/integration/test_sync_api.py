"""Offline sync of visits, answers, photos and skips: once per UUID, conflicts refused with a code and a message."""
from __future__ import annotations

import os

from sqlalchemy import delete, select

from app.audit.models import AuditEvent
from app.extensions import db
from app.patrols.models import Answer, CheckpointSkip, Round, RoundCheckpoint, Visit
from app.patrols.receipts import SyncReceipt
from app.photos.models import Photo
from app.sites.models import Checkpoint
from tests.conftest import csrf_from, login
from tests.factories import make_checkpoint
from tests.integration.sync_phone import Phone, count, iso, jpeg, new_uuid, phone, world  # noqa: F401


def refusal(response, status: int, code: str, field: str | None = None) -> dict:
    body = response.get_json()
    assert response.status_code == status, body
    assert body["code"] == code and body["message"], body
    if field:
        assert body["field"] == field, body
    return body


def photo_item(phone: Phone, index: int = 0) -> dict:
    return next(i for i in phone.stop(index)["items"] if i["answer_type"] == "pass_fail" and i["photo_on_fail"])


def upload_files(app) -> set[str]:
    return {os.path.join(root, name) for root, _dirs, names in os.walk(app.config["UPLOAD_DIR"]) for name in names}


def events(app, action: str) -> int:
    return count(app, AuditEvent, AuditEvent.action == action)


def test_a_visit_sent_twice_is_one_visit(app, phone):
    uuid = new_uuid()
    first = phone.visit(0, uuid, latitude=31.2304, longitude=121.4737, accuracy_m=12)
    assert first.status_code == 201 and first.get_json()["adopted"] is False
    again = phone.resend(uuid)  # the response was lost in the stairwell: the phone sends it again
    assert again.status_code == 200 and again.get_json() == first.get_json()
    assert count(app, Visit) == 1 and count(app, SyncReceipt) == 1 and events(app, "checkpoint_visited") == 1
    with app.app_context():
        visit = db.session.get(Visit, first.get_json()["id"])
        assert visit.client_uuid == uuid and visit.method == "qr" and visit.latitude == 31.2304
        assert abs((visit.scanned_at - visit.log.started_at).total_seconds()) < 60  # the phone's time is kept


def test_the_same_uuid_with_other_content_is_a_conflict(app, phone):
    uuid = new_uuid()
    assert phone.visit(0, uuid).status_code == 201
    refusal(phone.visit(1, uuid), 409, "uuid_conflict")
    refusal(phone.resend(uuid, method="link"), 409, "uuid_conflict")
    assert count(app, Visit) == 1
    item = phone.stop(0)["items"][0]
    answer_uuid = new_uuid()
    assert phone.answer(uuid, item, answer_uuid).status_code == 201
    refusal(phone.resend(answer_uuid, result="na", na_reason="无此设备"), 409, "uuid_conflict")
    with app.app_context():
        assert db.session.scalar(select(Answer.result)) == "pass"


def test_an_answer_sent_twice_is_one_answer(app, phone):
    visit_uuid = phone.walk(0)
    item = phone.stop(0)["items"][0]
    uuid = next(u for u, (what, body) in phone.sent.items() if what == "answers" and body["item_id"] == item["id"])
    answered = events(app, "item_answered")
    again = phone.resend(uuid)
    assert again.status_code == 200 and again.get_json()["superseded"] is False
    assert events(app, "item_answered") == answered and count(app, Answer) == len(phone.stop(0)["items"])
    assert phone.fetch_pack()["stops"][0]["visit"]["uuid"] == visit_uuid


def test_an_older_answer_sent_again_after_a_newer_one_does_not_overwrite(app, phone):
    visit_uuid = new_uuid()
    phone.visit(0, visit_uuid)
    item = photo_item(phone)
    older, newer = new_uuid(), new_uuid()
    assert phone.answer(visit_uuid, item, older, answered_at=iso(-20)).status_code == 201
    assert phone.answer(visit_uuid, item, newer, result="fail", note="扶手松动", answered_at=iso(-10)).status_code == 201
    replay = phone.resend(older)
    assert replay.status_code == 200 and replay.get_json()["superseded"] is True
    assert events(app, "item_answer_changed") == 1
    with app.app_context():
        answer = db.session.scalar(select(Answer))
        assert (answer.result, answer.note, answer.client_uuid) == ("fail", "扶手松动", newer)


def test_an_answer_given_earlier_but_arriving_later_stays_in_the_trail_only(app, phone):
    visit_uuid = new_uuid()
    phone.visit(0, visit_uuid)
    item = photo_item(phone)
    assert phone.answer(visit_uuid, item, answered_at=iso(-5)).status_code == 201
    late = phone.answer(visit_uuid, item, result="fail", note="另一台手机", answered_at=iso(-50))
    assert late.status_code == 200 and late.get_json()["superseded"] is True
    with app.app_context():
        assert db.session.scalar(select(Answer.result)) == "pass"
        trail = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "item_answer_superseded"))
        assert trail.details["offered"]["note"] == "另一台手机"


def test_a_visit_opened_online_is_adopted_and_takes_the_answers(app, client, phone, world):
    client.get(f"/c/{world.tokens[0]}")  # opened online before the signal went
    online = phone.fetch_pack()["stops"][0]["visit"]
    assert online["uuid"]  # server-opened visits have a UUID the phone can use too
    uuid = new_uuid()
    adopted = phone.visit(0, uuid)
    assert adopted.status_code == 200 and adopted.get_json() == {
        "uuid": uuid, "id": online["id"], "log_id": phone.log_id, "checkpoint_id": world.checkpoint_ids[0], "adopted": True}
    items = phone.stop(0)["items"]
    assert phone.answer(uuid, items[0]).status_code == 201
    assert phone.answer(online["uuid"], items[1]).status_code == 201
    assert phone.resend(uuid).status_code == 200
    with app.app_context():
        assert {a.visit_id for a in db.session.scalars(select(Answer))} == {online["id"]}
    assert count(app, Visit) == 1


def test_a_round_no_longer_assigned_refuses_the_patrollers_records(app, phone, world):
    visit_uuid = new_uuid()
    phone.visit(0, visit_uuid)
    with app.app_context():
        db.session.get(Round, world.round_id).assignees = []
        db.session.commit()
    body = refusal(phone.visit(1), 403, "not_assigned")
    assert "not assigned" in body["message"] or "不是分配给你" in body["message"]
    refusal(phone.answer(visit_uuid, phone.stop(0)["items"][0]), 403, "not_assigned")
    refusal(phone.post("skips", uuid=new_uuid(), log_id=phone.log_id, checkpoint_id=world.checkpoint_ids[2], reason="门锁"),
            403, "not_assigned")
    assert count(app, SyncReceipt) == 1 and count(app, Answer) == 0 and count(app, CheckpointSkip) == 0


def test_a_retired_checkpoint_and_one_outside_the_round_are_conflicts(app, phone, world):
    with app.app_context():
        db.session.get(Checkpoint, world.checkpoint_ids[1]).active = False
        db.session.execute(delete(RoundCheckpoint).where(RoundCheckpoint.checkpoint_id == world.checkpoint_ids[2]))
        stranger = make_checkpoint(db.session.get(Checkpoint, world.checkpoint_ids[0]).site, code="B9-ROOF")
        db.session.commit()
        stranger_id = stranger.id
    refusal(phone.visit(1), 409, "checkpoint_retired")
    refusal(phone.visit(2), 409, "not_in_round")
    refusal(phone.post("visits", uuid=new_uuid(), log_id=phone.log_id, checkpoint_id=stranger_id, method="qr",
                       scanned_at=iso()), 409, "not_in_round")
    skip = phone.post("skips", uuid=new_uuid(), log_id=phone.log_id, checkpoint_id=world.checkpoint_ids[1], reason="已拆除")
    assert skip.status_code == 201  # a retired checkpoint still in the round can be skipped with a reason
    assert count(app, Visit) == 0 and count(app, SyncReceipt) == 1


def test_a_photo_follows_its_failed_answer_once(app, phone):
    visit_uuid = new_uuid()
    phone.visit(0, visit_uuid)
    answer_uuid = new_uuid()
    failed = phone.answer(visit_uuid, photo_item(phone), answer_uuid, result="fail", note="墙面渗水")
    assert failed.status_code == 201  # its photo travels separately
    uuid = new_uuid()
    first = phone.photo(answer_uuid, jpeg(), uuid)
    assert first.status_code == 201 and first.get_json()["answer_id"] == failed.get_json()["id"]
    again = phone.photo(answer_uuid, jpeg(), uuid)
    assert again.status_code == 200 and again.get_json()["id"] == first.get_json()["id"]
    refusal(phone.photo(answer_uuid, jpeg(color=(9, 9, 9)), uuid), 409, "uuid_conflict")
    with app.app_context():
        photo = db.session.scalar(select(Photo))
        assert photo.client_uuid == uuid and photo.uploaded_by_id == db.session.get(Answer, photo.answer_id).answered_by_id
    assert count(app, Photo) == 1 and phone.fetch_pack()["stops"][0]["visit"]["answers"][0]["photos"] == 1


def test_a_refused_photo_stores_nothing_and_spoils_nothing(app, phone):
    visit_uuid = new_uuid()
    phone.visit(0, visit_uuid)
    answer_uuid = new_uuid()
    phone.answer(visit_uuid, photo_item(phone), answer_uuid, result="fail", note="墙面渗水")
    before = upload_files(app)
    uuid = new_uuid()
    body = refusal(phone.photo(answer_uuid, b"GIF89a nonsense", uuid), 400, "photo_refused", "photos")
    assert "JPEG" in body["message"]
    assert upload_files(app) == before and count(app, Photo) == 0 and count(app, SyncReceipt) == 2
    assert phone.photo(answer_uuid, jpeg(), uuid).status_code == 201  # the same uuid with a readable photo
    assert count(app, Answer) == 1 and count(app, Visit) == 1 and count(app, Photo) == 1
    refusal(phone.photo(new_uuid(), jpeg()), 404, "not_found", "answer_uuid")


def test_a_skip_sent_twice_is_one_skip_and_a_visited_checkpoint_cannot_be_skipped(app, phone, world):
    uuid = new_uuid()
    first = phone.post("skips", uuid=uuid, log_id=phone.log_id, checkpoint_id=world.checkpoint_ids[3], reason="门锁了")
    assert first.status_code == 201
    assert phone.resend(uuid).status_code == 200 and phone.resend(uuid).get_json() == first.get_json()
    assert count(app, CheckpointSkip) == 1 and events(app, "checkpoint_skipped") == 1
    assert phone.fetch_pack()["stops"][3]["skip"] == {"reason": "门锁了"}
    phone.visit(0)
    refusal(phone.post("skips", uuid=new_uuid(), log_id=phone.log_id, checkpoint_id=world.checkpoint_ids[0], reason="x"),
            409, "already_visited")
    refusal(phone.post("skips", uuid=new_uuid(), log_id=phone.log_id, checkpoint_id=world.checkpoint_ids[1], reason=" \x00 "),
            400, "invalid", "reason")
    odd = phone.post("skips", uuid=new_uuid(), log_id=phone.log_id, checkpoint_id=world.checkpoint_ids[1], reason="无\x00钥匙")
    assert odd.status_code == 201  # control characters dropped (PostgreSQL refuses NUL in text)
    assert phone.fetch_pack()["stops"][1]["skip"] == {"reason": "无钥匙"}


def test_posts_need_the_csrf_header_and_a_session(app, client, phone):
    body = {"uuid": new_uuid(), "log_id": phone.log_id, "checkpoint_id": phone.stop(0)["checkpoint_id"], "method": "qr",
            "scanned_at": iso()}
    refusal(client.post("/api/v1/sync/visits", json=body), 400, "csrf_failed")
    refusal(client.post("/api/v1/sync/visits", json=body, headers={"X-CSRFToken": "forged"}), 400, "csrf_failed")
    assert count(app, Visit) == 0
    assert client.post("/logout", headers={"X-CSRFToken": phone.csrf}).status_code == 303
    # The session and its token are gone: the phone is told to sign in again, not that its token is wrong.
    refusal(client.post("/api/v1/sync/visits", json=body, headers={"X-CSRFToken": phone.csrf}), 401, "login_required")
    refusal(client.get(f"/api/v1/sync/logs/{phone.log_id}/pack"), 401, "login_required")


def test_another_sites_log_and_visits_are_not_found(app, phone, world):
    outsider = app.test_client()
    login(outsider, world.outsider)
    headers = {"X-CSRFToken": csrf_from(outsider, "/patrol/")}
    assert outsider.get(f"/api/v1/sync/logs/{phone.log_id}/pack").status_code == 404
    visit_uuid = phone.walk(0)
    _what, visit = phone.sent[visit_uuid]
    refusal(outsider.post("/api/v1/sync/visits", json={**visit, "uuid": new_uuid()}, headers=headers), 404, "not_found")
    answer = {"uuid": new_uuid(), "visit_uuid": visit_uuid, "item_id": phone.stop(0)["items"][0]["id"], "result": "pass",
              "answered_at": iso()}
    refusal(outsider.post("/api/v1/sync/answers", json=answer, headers=headers), 404, "not_found", "visit_uuid")
    assert count(app, Visit) == 1 and count(app, SyncReceipt) == 1 + len(phone.stop(0)["items"])


def test_bad_input_is_refused_with_the_field(app, phone, world):
    visit = {"uuid": new_uuid(), "log_id": phone.log_id, "checkpoint_id": world.checkpoint_ids[3], "method": "qr",
             "scanned_at": iso()}
    refusal(phone.post("visits", **visit, colour="red"), 422, "invalid", "colour")
    refusal(phone.post("visits", **{**visit, "checkpoint_id": "1"}), 422, "invalid", "checkpoint_id")
    refusal(phone.post("visits", **{**visit, "uuid": "not-a-uuid"}), 422, "invalid", "uuid")
    refusal(phone.post("visits", **{**visit, "scanned_at": "2026-05-01T08:00:00"}), 422, "invalid", "scanned_at")
    refusal(phone.post("visits", **{**visit, "scanned_at": "9999-12-31T23:59:59-23:00"}), 422, "invalid", "scanned_at")
    refusal(phone.post("visits", **{**visit, "scanned_at": iso(3600)}), 400, "invalid", "scanned_at")
    refusal(phone.post("visits", **{**visit, "scanned_at": iso(-86400)}), 400, "invalid", "scanned_at")
    refusal(phone.post("visits", **{**visit, "method": "manual"}), 400, "invalid", "manual_reason")
    refusal(phone.post("visits", **visit, latitude=31.2), 422, "invalid", "accuracy_m")
    refusal(phone.post("visits", **{**visit, "checkpoint_id": 2**31 - 1}), 404, "not_found", "checkpoint_id")
    response = phone.client.post("/api/v1/sync/visits", data="{not json", content_type="application/json",
                                 headers={"X-CSRFToken": phone.csrf})
    refusal(response, 400, "invalid")
    refusal(phone.post("answers", uuid=new_uuid(), visit_uuid=new_uuid(), item_id=1, result="pass", answered_at=iso()),
            404, "not_found", "visit_uuid")
    assert count(app, Visit) == 0 and count(app, SyncReceipt) == 0
    visit_uuid = new_uuid()
    assert phone.post("visits", **{**visit, "uuid": visit_uuid}).status_code == 201
    items = phone.stop(3)["items"]
    failing = next(i for i in items if i["answer_type"] == "pass_fail")
    reading = next(i for i in items if i["answer_type"] == "number")
    refusal(phone.answer(visit_uuid, failing, result="fail"), 400, "invalid", "note")
    refusal(phone.answer(visit_uuid, failing, result=True), 422, "invalid", "result")
    refusal(phone.answer(visit_uuid, reading, number="abc"), 400, "invalid", "number")
    refusal(phone.answer(visit_uuid, reading, number=[1]), 422, "invalid", "number")
    refusal(phone.answer(visit_uuid, phone.stop(0)["items"][0]), 409, "checklist_changed", "item_id")
    assert count(app, Answer) == 0
    refusal(phone.answer(visit_uuid, reading, number="0,8"), 400, "invalid", "note")  # out of range: say what is wrong
    assert phone.answer(visit_uuid, reading, number="1,2").status_code == 201  # a comma reads as a decimal mark


def test_the_openapi_document_describes_every_sync_endpoint(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    paths = {path for path in spec["paths"] if path.startswith("/api/v1/sync/")}
    assert paths == {"/api/v1/sync/logs/{log_id}/pack", *(f"/api/v1/sync/{what}" for what in
                                                          ("visits", "answers", "photos", "skips", "submit", "cosign"))}
    photos = spec["paths"]["/api/v1/sync/photos"]["post"]
    assert list(photos["requestBody"]["content"]) == ["multipart/form-data"]
    assert {"201", "200", "409"} <= set(spec["paths"]["/api/v1/sync/answers"]["post"]["responses"])
    assert "password" not in spec["components"]["schemas"]["LogStateOut"]["properties"]
