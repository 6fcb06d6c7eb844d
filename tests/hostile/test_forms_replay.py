"""Replays and stale forms: a co-sign QR used again, a witness signature sent again from the phone, a form sent twice,
a form sent after signing out, and pages left open while the record changed underneath (the log submitted, the key
returned, the permit not where the page showed it). Each is a clear 4xx, and nothing more is stored."""
from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.patrols.models import Answer, Visit
from app.signoff.models import Signature
from tests.conftest import csrf_from, login
from tests.hostile.harness import api_refused, new_uuid, phone_time, post_form, post_json, refused, stores_nothing

PASSWORD = "pass-word-1"


def _signatures(app, log_id: int) -> dict[str, int]:
    with app.app_context():
        return {s.meaning: s.user_id for s in db.session.scalars(select(Signature).where(Signature.log_id == log_id))}


def test_a_co_sign_qr_used_once_cannot_be_used_again(app, world, people):
    token, log_id = world.ids["cosign"], world.ids["submitted_log"]
    colleague = people("colleague@A")
    signed = post_form(colleague, f"/sign/cosign/{token}", {"password": PASSWORD})
    assert signed.status_code == 303 and "witnessed" in _signatures(app, log_id)
    with stores_nothing(app):
        for actor in ("colleague@A", "supervisor@A", "patroller@A"):  # the same witness, or anyone who saw the QR
            replay = post_form(people(actor), f"/sign/cosign/{token}", {"password": PASSWORD})
            refused(replay, 410, "This co-sign code has already been used.")
        refused(post_form(colleague, f"/sign/cosign/{token}", {"password": PASSWORD}, **{"Accept-Language": "zh-CN"}),
                410, "此会签码已被使用")


def test_a_witness_signature_sent_again_from_the_phone_is_refused(app, world, people):
    log_id = world.ids["submitted_log"]
    if "witnessed" not in _signatures(app, log_id):  # the QR test above may not have run
        post_form(people("colleague@A"), f"/sign/cosign/{world.ids['cosign']}", {"password": PASSWORD})
    body = {"uuid": new_uuid(), "log_id": log_id, "username": world.actor("patroller@A").replace("patroller", "colleague"),
            "password": PASSWORD}
    with stores_nothing(app, except_tables=("login_failures",)):
        response = post_json(people("patroller@A"), "/api/v1/sync/cosign", body)
        api_refused(response, 409, "signature_refused", "waiting for signatures")


def test_answering_a_checklist_left_open_after_the_log_was_submitted(app, world, people):
    """The page of a checkpoint of a log that is submitted now: its form, sent from the page or from the phone."""
    with app.app_context():
        visit = db.session.scalar(select(Visit).where(Visit.log_id == world.ids["submitted_log"]))
        answer = db.session.scalar(select(Answer).where(Answer.visit_id == visit.id))
        visit.client_uuid = visit.client_uuid or new_uuid()
        db.session.commit()
        visit_id, visit_uuid, item_id, before = visit.id, visit.client_uuid, answer.item_id, answer.result
    walker = people("patroller@A")
    with stores_nothing(app):
        page = post_form(walker, f"/patrol/visits/{visit_id}/items/{item_id}", {"result": "fail", "note": "改"}, htmx=True)
        refused(page, 409, "This log has been submitted and can no longer be changed.")
        phone = post_json(walker, "/api/v1/sync/answers", {"uuid": new_uuid(), "visit_uuid": visit_uuid, "item_id": item_id,
                                                           "result": "fail", "note": "改", "answered_at": phone_time()})
        api_refused(phone, 409, "log_locked", "submitted")
        location = post_form(walker, f"/patrol/visits/{visit_id}/location",
                             {"latitude": "31.2", "longitude": "121.4", "accuracy": "8"})
        assert location.status_code == 409 and "submitted" in location.get_json()["message"]
    with app.app_context():
        assert db.session.get(Answer, answer.id).result == before


def test_a_key_form_sent_twice_or_after_the_key_came_back(app, world, people):
    unit_id, walker = world.ids["unit"], people("patroller@A")
    borrow = {"borrower_name": "外来人员", "borrower_phone": "13700000000", "purpose": "看房"}
    assert post_form(walker, f"/vacancy/units/{unit_id}/keys/borrow", borrow).status_code == 303
    with stores_nothing(app):
        refused(post_form(walker, f"/vacancy/units/{unit_id}/keys/borrow", borrow), 409, "is already out")
    assert post_form(people("supervisor@A"), f"/vacancy/units/{unit_id}/keys/return", {}).status_code == 303
    with stores_nothing(app):  # the return form still open on the patroller's phone
        refused(post_form(walker, f"/vacancy/units/{unit_id}/keys/return", {"note": "已归还"}), 409, "is not out")


def test_approving_a_permit_the_page_showed_as_submitted(app, world, people):
    """The permit is only applied for (the applicant took it back to complete it): the approve button is stale."""
    with stores_nothing(app):
        response = post_form(people("supervisor@A"), f"/renovation/{world.ids['permit']}/approve", {})
        refused(response, 409, "The application is not complete yet")


def test_a_form_sent_after_signing_out_is_refused(app, world):
    walker = app.test_client()
    login(walker, world.actor("patroller@A"))
    token = csrf_from(walker, "/patrol/")
    assert walker.post("/logout", headers={"X-CSRFToken": token}).status_code == 303
    path = f"/patrol/visits/{world.ids['mix_visit']}/items/{world.ids['mix_num']}"
    with stores_nothing(app):
        response = walker.post(path, data={"number": "5", "csrf_token": token}, headers={"Accept-Language": "en"})
        refused(response, 400, "Your form has expired or was sent from elsewhere")
        phone = walker.post("/api/v1/sync/answers", json={"uuid": new_uuid(), "visit_uuid": world.ids["mix_visit_uuid"],
                                                          "item_id": world.ids["mix_num"], "number": 5,
                                                          "answered_at": phone_time()},
                            headers={"X-CSRFToken": token, "Accept-Language": "en"})
        api_refused(phone, 401, "login_required", "sign in again")
