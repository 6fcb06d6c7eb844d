"""Hostile JSON and multipart bodies for the sync API: wrong types, unknown fields (mass assignment), JSON nested
10 000 deep, huge arrays, bodies that are not objects or not UTF-8, multipart parts without a name. Every refusal is
the API's one documented error body, and nothing is stored."""
from __future__ import annotations

import pytest

from tests.hostile.harness import Probe, api_refused, new_uuid, phone_time, post_form, refused, stores_nothing
from tests.integration.authz_world import ANSWER_UUID

DEPTH = 10_000


def _visit(**fields):
    return lambda: {"uuid": new_uuid(), "log_id": "{open_log}", "checkpoint_id": "{checkpoint_2}", "method": "qr",
                    "scanned_at": phone_time(), **fields}


def _answer(**fields):
    return lambda: {"uuid": new_uuid(), "visit_uuid": "{mix_visit_uuid}", "item_id": "{mix_pf}", "result": "pass",
                    "answered_at": phone_time(), **fields}


def _skip(**fields):
    return lambda: {"uuid": new_uuid(), "log_id": "{open_log}", "checkpoint_id": "{checkpoint_2}", "reason": "门锁",
                    **fields}


def _submit(**fields):
    return lambda: {"uuid": new_uuid(), "log_id": "{open_log}", **fields}


def _cosign(**fields):
    return lambda: {"uuid": new_uuid(), "log_id": "{submitted_log}", "username": "colleague-alpha-7q",
                    "password": "pass-word-1", **fields}


BODIES = {"visits": _visit, "answers": _answer, "skips": _skip, "submit": _submit, "cosign": _cosign}


def _invalid(endpoint: str, field: str, body) -> Probe:
    return Probe("patroller@A", f"/api/v1/sync/{endpoint}", body=body, status=422, code="invalid", field=field,
                 says=(field,))


PROBES = {
    # wrong types
    "uuid as a number": _invalid("visits", "uuid", _visit(uuid=123456)),
    "method as a list": _invalid("visits", "method", _visit(method=["qr"])),
    "scan time as epoch seconds": _invalid("visits", "scanned_at", _visit(scanned_at=1714550400)),
    "latitude as a word": _invalid("visits", "latitude", _visit(latitude="north", longitude=121.4, accuracy_m=5)),
    "reading as an object": _invalid("answers", "number", _answer(item_id="{mix_num}", result=None, number={"v": 1})),
    "result as a number": _invalid("answers", "result", _answer(result=1)),
    "skip reason as a number": _invalid("skips", "reason", _skip(reason=42)),
    "username as a list": _invalid("cosign", "username", _cosign(username=["colleague-alpha-7q"])),
    "password as an object": _invalid("cosign", "password", _cosign(password={"$ne": ""})),
    # unknown fields: nothing is assigned that the schema does not name
    "a status smuggled into submit": _invalid("submit", "status", _submit(status="signed")),
    "a role smuggled into cosign": _invalid("cosign", "role", _cosign(role="supervisor")),
    "an id smuggled into a visit": _invalid("visits", "id", _visit(id=1)),
    "prototype pollution in an answer": _invalid("answers", "__proto__", _answer(__proto__={"admin": True})),
    "a second user in a skip": _invalid("skips", "user_id", _skip(user_id=1)),
    # huge arrays
    "200 000 uuids": _invalid("visits", "uuid", _visit(uuid=[new_uuid()] * 200_000)),
    "100 000 item ids": _invalid("answers", "item_id", _answer(item_id=list(range(100_000)))),
    "a body that is an array of 100 000": Probe("patroller@A", "/api/v1/sync/skips", body=[0] * 100_000, status=422,
                                                code="invalid", field="body"),
    # bodies that are not objects
    "a body that is null": Probe("patroller@A", "/api/v1/sync/visits", body="BODY", literals={"BODY": "null"},
                                 status=422, code="invalid", field="body"),
    "a body that is a string": Probe("patroller@A", "/api/v1/sync/submit", body="hello", status=422, code="invalid",
                                     field="body"),
    "a body that is a number": Probe("patroller@A", "/api/v1/sync/cosign", body=42, status=422, code="invalid",
                                     field="body"),
}


@pytest.mark.parametrize("case", PROBES)
def test_hostile_json_is_refused_and_nothing_is_kept(app, world, people, case):
    probe = PROBES[case]
    with stores_nothing(app):
        probe.check(probe.send(people, world))


def _nested(shape: str) -> str:
    return "[" * DEPTH + "]" * DEPTH if shape == "arrays" else '{"a":' * DEPTH + "1" + "}" * DEPTH


@pytest.mark.parametrize("shape", ["arrays", "objects", "inside a field"])
@pytest.mark.parametrize("endpoint", BODIES)
def test_json_nested_10000_deep_is_a_clear_400(app, world, people, endpoint, shape):
    walker = people("patroller@A")
    if shape == "inside a field":
        text = '{"uuid": ' + _nested("arrays") + "}"
    else:
        text = _nested(shape)
    with stores_nothing(app):
        response = walker.post(f"/api/v1/sync/{endpoint}", data=text, content_type="application/json",
                               headers={"X-CSRFToken": walker.csrf})
    api_refused(response, 400, "invalid", "nested too deeply")


@pytest.mark.parametrize("body, what", [
    (b'{"uuid": "\xff\xfe"}', "not UTF-8"),
    (b"\xef\xbb\xbf{}", "with a byte-order mark"),
])
def test_a_body_that_is_not_json_is_a_clear_4xx(app, world, people, body, what):
    walker = people("patroller@A")
    with stores_nothing(app):
        response = walker.post("/api/v1/sync/visits", data=body, content_type="application/json",
                               headers={"X-CSRFToken": walker.csrf})
    assert response.status_code in (400, 422), what
    api_refused(response, response.status_code, "invalid")


def test_json_sent_as_plain_text_is_missing_fields(app, world, people):
    walker = people("patroller@A")
    with stores_nothing(app):
        response = walker.post("/api/v1/sync/skips", data='{"reason": "门锁"}', content_type="text/plain",
                               headers={"X-CSRFToken": walker.csrf})
    body = api_refused(response, 422, "invalid")
    assert {"uuid", "log_id", "checkpoint_id", "reason"} <= set(body["errors"])


# --- multipart ------------------------------------------------------------------------------------------------------

BOUNDARY = "hostile-boundary"


def _multipart(*parts: tuple[str, bytes]) -> bytes:
    """Parts given as (Content-Disposition parameters, content), so a part can lack its name."""
    body = b"".join(f"--{BOUNDARY}\r\nContent-Disposition: form-data{params}\r\n\r\n".encode() + content + b"\r\n"
                    for params, content in parts)
    return body + f"--{BOUNDARY}--\r\n".encode()


NAMELESS = {
    "a text part": ("", b"stray"),
    "a file part": ('; filename="photo.jpg"', b"\xff\xd8\xff"),
    "a part named by a line break": ('; name="\n"', b"x"),
}


@pytest.mark.parametrize("part", NAMELESS)
@pytest.mark.parametrize("where", ["sync photo", "checklist form", "language form"])
def test_a_multipart_part_without_a_name_is_a_clear_400(app, world, people, where, part):
    walker = people("patroller@A")
    path = {"sync photo": "/api/v1/sync/photos",
            "checklist form": f"/patrol/visits/{world.ids['mix_visit']}/items/{world.ids['mix_num']}",
            "language form": "/language"}[where]
    body = _multipart(NAMELESS[part], ('; name="csrf_token"', walker.csrf.encode()),
                      ('; name="uuid"', new_uuid().encode()), ('; name="answer_uuid"', ANSWER_UUID.encode()),
                      ('; name="number"', b"5"), ('; name="lang"', b"en"))
    with stores_nothing(app):
        response = walker.post(path, data=body, content_type=f"multipart/form-data; boundary={BOUNDARY}",
                               headers={"X-CSRFToken": walker.csrf})
    if where == "sync photo":
        api_refused(response, 400, "invalid", "a field has no name")
    else:
        refused(response, 400, "The form is malformed: a field has no name")


def test_a_photo_sent_as_a_text_field_is_not_a_file(app, world, people):
    walker = people("patroller@A")
    with stores_nothing(app):
        response = post_form(walker, "/api/v1/sync/photos",
                             {"uuid": new_uuid(), "answer_uuid": ANSWER_UUID, "photo": "<svg onload=alert(1)>"})
    api_refused(response, 422, "invalid", "photo", field="photo")
