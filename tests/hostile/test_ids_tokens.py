"""Hostile ids and tokens: negative, huge (past 64 bits), non-numeric and other sites' ids, in addresses, forms and
JSON; forged, altered and other sites' co-sign codes and label tokens; CSRF tokens of another session.

(Reading pages of another site by id is the authorisation matrix's, tests/integration/test_authz_matrix.py.)"""
from __future__ import annotations

import pytest

from tests.hostile.harness import Probe, new_uuid, phone_time, refused, stores_nothing

HUGE = "99999999999999999999"  # past 64 bits
NOT_FOUND = "does not exist, or it belongs to a site you do not work for"


def _visit(**fields):
    return lambda: {"uuid": new_uuid(), "log_id": "{open_log}", "checkpoint_id": "{checkpoint_2}", "method": "qr",
                    "scanned_at": phone_time(), **fields}


def _unit(**fields):
    return {"building_id": "{building}", "number": "4401", "floor": "44", "status": "vacant", **fields}


def _checkpoint(**fields):
    return {"code": "ALPHA-7Q-ID", "name_zh": "楼梯", "name_en": "Stairs", "category": "stairwell", **fields}


def _loan(borrower_id: str):
    return {"borrower_id": borrower_id, "purpose": "养护"}


def _permit(unit_id: str):
    return {"unit_id": unit_id, "owner_name": "业主", "owner_phone": "13900000000", "contractor_name": "装修队",
            "contractor_person": "王工", "contractor_phone": "13800000000", "planned_start": "2026-06-01",
            "planned_end": "2026-07-01", "workers-0-name": "李四", "workers-0-pass_number": "P-1"}


PROBES = {
    # ids in addresses: negative, huge, not numbers; writes as well as reads
    "negative log id to sign": Probe("patroller@A", "/sign/logs/-1/performed", {"password": "x"}, status=404,
                                     says=(NOT_FOUND,)),
    "huge log id to witness": Probe("patroller@A", f"/sign/logs/{HUGE}/witnessed", {"username": "x", "password": "x"},
                                    status=404, says=(NOT_FOUND,)),
    "huge work order id to claim": Probe("maintenance@A", f"/work-orders/{HUGE}/claim", status=404, says=(NOT_FOUND,)),
    "negative visit id to answer": Probe("patroller@A", "/patrol/visits/-5/items/{mix_pf}", {"result": "pass"},
                                         status=404, says=(NOT_FOUND,)),
    "huge item id to answer": Probe("patroller@A", "/patrol/visits/{mix_visit}/items/" + HUGE, {"result": "pass"},
                                    status=404, says=(NOT_FOUND,)),
    "item id in exponent notation": Probe("supervisor@A", "/review/findings/1e3/approve", status=404, says=(NOT_FOUND,)),
    "huge log id for the offline pack": Probe("patroller@A", f"/api/v1/sync/logs/{HUGE}/pack", method="GET", status=404,
                                              code="not_found"),
    "negative template id (API)": Probe("patroller@A", "/api/v1/templates/-1", method="GET", status=404,
                                        code="not_found"),
    "site id that is a word (API)": Probe("patroller@A", "/api/v1/sites/abc/buildings", method="GET", status=404,
                                          code="not_found"),
    "huge photo id": Probe("patroller@A", f"/photos/{HUGE}/thumb", method="GET", status=404, says=(NOT_FOUND,)),
    "huge document id": Probe("supervisor@A", "/renovation/{permit}/documents/" + HUGE, method="GET", status=404,
                              says=(NOT_FOUND,)),
    "unit id zero for a key": Probe("patroller@A", "/vacancy/units/0/keys/borrow", _loan(""), status=404,
                                    says=(NOT_FOUND,)),
    # ids in JSON
    "huge log id sent by a phone": Probe("patroller@A", "/api/v1/sync/visits", body=_visit(log_id=int(HUGE)), status=422,
                                         code="invalid", field="log_id"),
    "negative checkpoint id sent by a phone": Probe("patroller@A", "/api/v1/sync/visits", body=_visit(checkpoint_id=-1),
                                                    status=422, code="invalid", field="checkpoint_id"),
    "log id as a word": Probe("patroller@A", "/api/v1/sync/visits", body=_visit(log_id="abc"), status=422,
                              code="invalid", field="log_id"),
    "log id with a fraction": Probe("patroller@A", "/api/v1/sync/visits", body=_visit(log_id=1.5), status=422,
                                    code="invalid", field="log_id"),
    "item id one past 32 bits": Probe("patroller@A", "/api/v1/sync/answers",
                                      body=lambda: {"uuid": new_uuid(), "visit_uuid": "{mix_visit_uuid}", "item_id": 2**31,
                                                    "result": "pass", "answered_at": phone_time()},
                                      status=422, code="invalid", field="item_id"),
    "log id true": Probe("patroller@A", "/api/v1/sync/submit", body=lambda: {"uuid": new_uuid(), "log_id": True},
                         status=422, code="invalid", field="log_id"),
    "log id null": Probe("patroller@A", "/api/v1/sync/cosign",
                         body=lambda: {"uuid": new_uuid(), "log_id": None, "username": "x", "password": "y"},
                         status=422, code="invalid", field="log_id"),
    # ids in forms
    "huge building id for a checkpoint": Probe("admin@A", "/admin/estate/checkpoints/new", _checkpoint(building_id=HUGE),
                                               says=("Choose a building.",)),
    "negative building id for a unit": Probe("supervisor@A", "/units/new", _unit(building_id="-1"),
                                             says=("Choose a building.",)),
    "building id as a word for a unit": Probe("supervisor@A", "/units/new", _unit(building_id="abc"),
                                              says=("Choose a building.",)),
    "huge unit id for a permit": Probe("supervisor@A", "/renovation/new", _permit(HUGE), says=("Choose the unit.",)),
    "huge borrower id for a key": Probe("patroller@A", "/vacancy/units/{unit}/keys/borrow", _loan(HUGE),
                                        says=("Choose a colleague of this site",)),
    "huge checkpoint id for a stop": Probe("admin@A", "/admin/rounds/{round}/stops", {"checkpoint_id": HUGE},
                                           says=("Choose a checkpoint",)),
    "huge site id to switch to": Probe("supervisor@A", "/site", {"site_id": HUGE}, status=404, says=(NOT_FOUND,)),
    "site id as a word to switch to": Probe("supervisor@A", "/site", {"site_id": "abc"}, status=404, says=(NOT_FOUND,)),
    # another site's ids inside a request about one's own
    "other site's checkpoint in a phone's visit": Probe("patroller@A", "/api/v1/sync/visits",
                                                        body=_visit(checkpoint_id="{b_checkpoint}"), status=404,
                                                        code="not_found", field="checkpoint_id",
                                                        says=("does not exist in this site",)),
    "other site's building for a checkpoint": Probe("admin@A", "/admin/estate/checkpoints/new",
                                                    _checkpoint(building_id="{b_building}"),
                                                    says=("Choose a building of this site.",)),
    "other site's building for a unit": Probe("supervisor@A", "/units/new", _unit(building_id="{b_building}"),
                                              says=("Choose a building of this site.",)),
    "other site's colleague borrowing a key": Probe("patroller@A", "/vacancy/units/{unit}/keys/borrow",
                                                    _loan("{b_patroller}"), says=("Choose a colleague of this site",)),
    "other site's checkpoint as a stop": Probe("admin@A", "/admin/rounds/{round}/stops",
                                               {"checkpoint_id": "{b_checkpoint}"}, says=("Choose a checkpoint",)),
    "switching to the other site": Probe("supervisor@A", "/site", {"site_id": "{site_b}"}, status=404,
                                         says=(NOT_FOUND,)),
    # co-sign codes (QR on the patroller's phone) and label tokens
    "forged co-sign code": Probe("colleague@A", "/sign/cosign/" + "A" * 32, {"password": "pass-word-1"}, status=404,
                                 says=("This co-sign code is not valid.",)),
    "co-sign code cut short": Probe("colleague@A", "/sign/cosign/{cosign_short}", {"password": "pass-word-1"},
                                    status=404, says=("This co-sign code is not valid.",)),
    "co-sign code with a letter added": Probe("colleague@A", "/sign/cosign/{cosign}x", {"password": "pass-word-1"},
                                              status=404, says=("This co-sign code is not valid.",)),
    "co-sign code 5000 long": Probe("colleague@A", "/sign/cosign/" + "Z" * 5000, method="GET", status=404,
                                    says=("This co-sign code is not valid.",)),
    "another site's co-sign code": Probe("patroller@B", "/sign/cosign/{cosign}", {"password": "pass-word-1"}, status=404,
                                         says=(NOT_FOUND,)),
    "another site's label, rotated": Probe("patroller@B", "/c/{rotated_token}", method="GET", status=404,
                                           says=("QR",)),
    "label token with emoji": Probe("patroller@A", "/c/%F0%9F%94%A5", method="GET", status=404, says=("QR",)),
}


@pytest.fixture(scope="module", autouse=True)
def _tokens(app, world):
    """A rotated label of site A and a cut-down co-sign code, for the probes."""
    from app.extensions import db
    from app.sites.models import Checkpoint
    from app.sites.services import rotate_token

    with app.app_context():
        checkpoint = db.session.get(Checkpoint, world.ids["mix_checkpoint"])
        old = checkpoint.token
        rotate_token(checkpoint)
    world.ids.update(rotated_token=old, cosign_short=world.ids["cosign"][:-4])


@pytest.mark.parametrize("case", PROBES)
def test_hostile_ids_and_tokens_are_refused_and_nothing_is_kept(app, world, people, case):
    probe = PROBES[case]
    with stores_nothing(app, except_tables=("login_failures",)):
        probe.check(probe.send(people, world))


def test_a_form_sent_with_another_sessions_csrf_token_is_refused(app, world, people):
    walker, other = people("patroller@A"), people("colleague@A")
    path = f"/patrol/visits/{world.ids['mix_visit']}/items/{world.ids['mix_num']}"
    with stores_nothing(app):
        response = walker.post(path, data={"number": "5", "csrf_token": other.csrf})
        refused(response, 400, "Your form has expired or was sent from elsewhere")
        response = walker.post(path, data={"number": "5"}, headers={"X-CSRFToken": "forged." + other.csrf})
        refused(response, 400, "Your form has expired or was sent from elsewhere")


def test_a_forged_session_cookie_is_a_visitor(app, world, people):
    forged = app.test_client()
    forged.set_cookie("session", people("patroller@A").get_cookie("session").value[:-6] + "AAAAAA")
    with stores_nothing(app):
        response = forged.get(f"/api/v1/sync/logs/{world.ids['open_log']}/pack", headers={"Accept-Language": "en"})
    assert response.status_code == 401 and response.get_json()["code"] == "login_required"
