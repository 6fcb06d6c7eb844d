"""Hostile text: 100 000 characters, control characters, NUL, right-to-left overrides, emoji and lone surrogates where
text or codes are expected, and HTML/JS that must only ever come back escaped."""
from __future__ import annotations

import pytest

from tests.hostile.harness import Probe, local_input, new_uuid, phone_time, refused, stores_nothing

LONG = "巡" * 100_000
CONTROL = " \x01\x07\x08\x1b\x7f\x9b "  # bell, backspace, escape, delete, CSI: nothing a person wrote
BIDI = "\u202e\u2066\u200f\u202d\u2069"  # right-to-left override, isolates and marks: invisible, and reorder text
EMOJI = "🔥🚒🧯"
FAILED = "/patrol/visits/{mix_visit}/items/{mix_pf}"
NUMBER = "/patrol/visits/{mix_visit}/items/{mix_num}"
TEXT = "/patrol/visits/{mix_visit}/items/{mix_txt}"
NEW_CHECKPOINT = "/admin/estate/checkpoints/new"


def _handover(note: str, starts: float = -8, ends: float = 0):
    return lambda: {"shift_starts": local_input(starts), "shift_ends": local_input(ends), "note": note}


def _checkpoint(**fields):
    return {"code": "ALPHA-7Q-NEW", "name_zh": "新巡查点", "name_en": "New checkpoint", "category": "stairwell", **fields}


def _sync_answer(**fields):
    return lambda: {"uuid": new_uuid(), "visit_uuid": "{mix_visit_uuid}", "item_id": "{mix_pf}", "answered_at": phone_time(),
                    **fields}


def _sync_skip(reason: str):
    return lambda: {"uuid": new_uuid(), "log_id": "{open_log}", "checkpoint_id": "{checkpoint_2}", "reason": reason}


def _sync_visit(**fields):
    return lambda: {"uuid": new_uuid(), "log_id": "{open_log}", "checkpoint_id": "{checkpoint_2}", "scanned_at": phone_time(),
                    **fields}


PROBES = {
    # 100 000 characters
    "100k note on a failed item": Probe("patroller@A", FAILED, {"result": "fail", "note": LONG}, htmx=True,
                                        says=("Too long: at most 2000 characters",)),
    "100k reason for N/A": Probe("patroller@A", FAILED, {"result": "na", "na_reason": LONG}, htmx=True,
                                 says=("Too long: at most 255 characters",)),
    "100k text answer": Probe("patroller@A", TEXT, {"text": LONG}, htmx=True, says=("Too long: at most 4000 characters",)),
    "100k note sent by a phone": Probe("patroller@A", "/api/v1/sync/answers", body=_sync_answer(result="fail", note=LONG),
                                       status=422, code="invalid", field="note", says=("note",)),
    "100k skip reason sent by a phone": Probe("patroller@A", "/api/v1/sync/skips", body=_sync_skip(LONG), status=422,
                                              code="invalid", field="reason"),
    "100k manual-entry reason sent by a phone": Probe(
        "patroller@A", "/api/v1/sync/visits", body=_sync_visit(method="manual", manual_reason=LONG), status=422,
        code="invalid", field="manual_reason"),
    "100k handover note": Probe("patroller@A", "/handover/new", _handover(LONG), says=("at most 4000 characters",)),
    "100k checkpoint name": Probe("admin@A", NEW_CHECKPOINT, _checkpoint(name_zh=LONG), says=("at most 120 characters",)),
    "100k unit owner": Probe("supervisor@A", "/units/new", {"building_id": "{building}", "number": "2201", "floor": "22",
                                                             "status": "vacant", "owner_name": LONG},
                             says=("At most 120 characters",)),
    "100k checklist name": Probe("admin@A", "/admin/checklists/new", {"code": "hostile_long", "name_zh": LONG,
                                                                      "name_en": "x", "checkpoint_category": "lobby",
                                                                      "note": "v1"},
                                 says=("at most 120 characters",)),
    # control characters where a person must write something
    "control characters as the note of a failure": Probe("patroller@A", FAILED, {"result": "fail", "note": CONTROL},
                                                         htmx=True, says=("Describe the problem.",)),
    "control characters as the reason for N/A": Probe("patroller@A", FAILED, {"result": "na", "na_reason": CONTROL},
                                                      htmx=True, says=("Say why this item does not apply.",)),
    "control characters as a text answer": Probe("patroller@A", TEXT, {"text": CONTROL}, htmx=True,
                                                 says=("Write the answer.",)),
    "control characters as a phone's skip reason": Probe("patroller@A", "/api/v1/sync/skips", body=_sync_skip(CONTROL),
                                                         code="invalid", field="reason"),
    "control characters as a handover note": Probe("patroller@A", "/handover/new", _handover(CONTROL),
                                                   says=("Write what the next shift must know",)),
    "control characters as a checkpoint name": Probe("admin@A", NEW_CHECKPOINT, _checkpoint(name_en=CONTROL),
                                                     says=("Enter the English name",)),
    # NUL: PostgreSQL cannot store it in text
    "NUL in a note": Probe("patroller@A", FAILED, {"result": "fail", "note": "扶手\x00松动"}, htmx=True,
                           says=("not allowed (NUL)",)),
    "NUL in a handover note": Probe("patroller@A", "/handover/new", _handover("交接\x00"), says=("not allowed (NUL)",)),
    "NUL in a checkpoint name": Probe("admin@A", NEW_CHECKPOINT, _checkpoint(name_zh="楼梯\x00间"),
                                      says=("not allowed (NUL)",)),
    "NUL in a field name": Probe("admin@A", NEW_CHECKPOINT, {**_checkpoint(), "name_\x00zh": "x"},
                                 says=("not allowed (NUL)",)),
    "NUL in an API filter": Probe("patroller@A", "/api/v1/sites/{site}/checkpoints?category=stair%00well", method="GET",
                                  status=422, code="invalid", field="category"),
    "NUL in a sign-in name": Probe("visitor", "/login", {"username": "admin\x00", "password": "x"},
                                   says=("not allowed (NUL)",)),
    # right-to-left overrides and other invisible reordering marks
    "only bidi marks as the note of a failure": Probe("patroller@A", FAILED, {"result": "fail", "note": BIDI}, htmx=True,
                                                      says=("Describe the problem.",)),
    "only bidi marks as a phone's skip reason": Probe("patroller@A", "/api/v1/sync/skips", body=_sync_skip(BIDI),
                                                      code="invalid", field="reason"),
    "only bidi marks as a handover note": Probe("patroller@A", "/handover/new", _handover(BIDI),
                                                says=("Write what the next shift must know",)),
    "only bidi marks as a checkpoint name": Probe("admin@A", NEW_CHECKPOINT, _checkpoint(name_zh=BIDI),
                                                  says=("Enter the Chinese name",)),
    "right-to-left override in a checkpoint code": Probe("admin@A", NEW_CHECKPOINT, _checkpoint(code="CP\u202e-1"),
                                                         says=("uppercase letters",)),
    # emoji and lone surrogates where codes and numbers are expected
    "emoji as a checkpoint code": Probe("admin@A", NEW_CHECKPOINT, _checkpoint(code=EMOJI), says=("uppercase letters",)),
    "emoji as a reading": Probe("patroller@A", NUMBER, {"number": EMOJI}, htmx=True, says=("Enter a number.",)),
    "emoji as a door number": Probe("supervisor@A", "/units/new", {"building_id": "{building}", "number": EMOJI,
                                                                   "floor": "22", "status": "vacant"},
                                    says=("as on the door",)),
    "emoji as a reading sent by a phone": Probe("patroller@A", "/api/v1/sync/answers",
                                                body=_sync_answer(item_id="{mix_num}", number=EMOJI), code="invalid",
                                                field="number", says=("number",)),
    "lone surrogate as a phone's skip reason": Probe("patroller@A", "/api/v1/sync/skips", body=_sync_skip("\ud83d"),
                                                     code="invalid", field="reason"),
}


@pytest.mark.parametrize("case", PROBES)
def test_hostile_text_is_refused_and_nothing_is_kept(app, world, people, case):
    probe = PROBES[case]
    with stores_nothing(app):
        probe.check(probe.send(people, world))


def test_a_nul_in_a_search_is_dropped_before_the_query(app, world, people):
    """Searching is no refusal: the NUL (which PostgreSQL refuses in a query) and other control characters go."""
    with stores_nothing(app):
        response = people("admin@A").get("/admin/estate/checkpoints?q=ALPHA%00-7Q%07-S1")
    assert response.status_code == 200 and "ALPHA-7Q-S1" in response.get_data(as_text=True)


@pytest.mark.parametrize("case", ["100k note on a failed item", "control characters as the note of a failure",
                                  "100k handover note", "emoji as a reading"])
def test_the_refusal_speaks_chinese_by_default(app, world, people, case):
    probe = PROBES[case]
    with stores_nothing(app):
        response = probe.send(people, world, **{"Accept-Language": "zh-CN"})
    assert response.status_code == probe.status
    english = refused(response, probe.status)
    assert not any(phrase in english for phrase in probe.says), english[:500]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in english)


# --- HTML and script: shown back only escaped ----------------------------------------------------------------------

PAYLOADS = {
    "script tag": ("<script>alert(document.cookie)</script>", "&lt;script&gt;alert(document.cookie)&lt;/script&gt;"),
    "attribute breakout": ('"><img src=x onerror=alert(1)>', "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;"),
    "template injection": ("{{ 7*7 }}{% if 1 %}X{% endif %}", "{{ 7*7 }}{% if 1 %}X{% endif %}"),
}
# Forms refused for another field, which show what was typed again: the payload must come back inert.
REFLECTING = {
    "handover with a bad time": lambda text: Probe("patroller@A", "/handover/new",
                                                   {"shift_starts": "yesterday", "shift_ends": "2026-13-45T99:99",
                                                    "note": text}, says=("Enter a date and time",)),
    "checkpoint with a bad code": lambda text: Probe("admin@A", NEW_CHECKPOINT, _checkpoint(code="no good", name_zh=text),
                                                     says=("uppercase letters",)),
    "unit with a bad door number": lambda text: Probe("supervisor@A", "/units/new",
                                                      {"building_id": "{building}", "number": "#", "floor": "22",
                                                       "status": "vacant", "owner_name": text},
                                                      says=("as on the door",)),
    "reading that is not a number": lambda text: Probe("patroller@A", NUMBER, {"number": "x", "note": text}, htmx=True,
                                                       says=("Enter a number.",)),
    "checklist with a bad code": lambda text: Probe("admin@A", "/admin/checklists/new",
                                                    {"code": "Bad Code", "name_zh": text, "name_en": "x",
                                                     "checkpoint_category": "lobby", "note": "v1"},
                                                    says=("lowercase letters",)),
}


def _raw(response) -> str:
    return response.get_data(as_text=True)


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("form", REFLECTING)
def test_markup_typed_into_a_refused_form_comes_back_escaped(app, world, people, form, payload):
    text, escaped = PAYLOADS[payload]
    probe = REFLECTING[form](text)
    with stores_nothing(app):
        response = probe.send(people, world)
    probe.check(response)
    page = _raw(response)
    assert escaped in page and "<script>alert" not in page and "<img src=x" not in page and "49X" not in page


# Where markup is kept as typed: (who, form path, fields); the page the form leads to shows it.
STORED = {
    "handover note": lambda text, n: ("patroller@A", "/handover/new", _handover(text)()),
    "checkpoint name": lambda text, n: ("admin@A", NEW_CHECKPOINT, _checkpoint(code=f"XSS-{n}", name_en=text)),
}


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("where", STORED)
def test_markup_kept_as_text_is_shown_escaped(app, world, people, where, payload):
    text, escaped = PAYLOADS[payload]
    actor, path, form = STORED[where](text, list(PAYLOADS).index(payload))
    client = people(actor)
    response = client.post(path, data=form, headers={"X-CSRFToken": client.csrf})
    assert response.status_code == 303, _raw(response)[:500]
    page = _raw(client.get(response.headers["Location"]))
    assert escaped in page and "<script>alert" not in page and "<img src=x" not in page and "49X" not in page
