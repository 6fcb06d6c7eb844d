"""Small rules of offline sync: what counts as the same content, how phones' times and readings are read."""
from __future__ import annotations

from datetime import datetime

import pytest
from marshmallow import ValidationError

from app.api.sync_schemas import AnswerInSchema, VisitInSchema
from app.patrols.receipts import content_digest

UUID = "7d0f5c1e-3a0b-4c8e-9a51-2f1f3c1e9b10"


def test_the_content_digest_ignores_key_order_but_not_values():
    at = datetime(2026, 5, 1, 8, 30)
    assert content_digest({"a": 1, "at": at}) == content_digest({"at": at, "a": 1})
    assert content_digest({"a": 1, "at": at}) != content_digest({"a": 2, "at": at})
    assert content_digest({"note": None}) != content_digest({})


def _visit(**changes) -> dict:
    body = {"uuid": UUID.upper(), "log_id": 1, "checkpoint_id": 2, "method": "qr", "scanned_at": "2026-05-01T16:30:00+08:00"}
    return VisitInSchema().load({**body, **changes})


def test_phone_times_with_an_offset_become_naive_utc_and_uuids_canonical():
    loaded = _visit()
    assert loaded["scanned_at"] == datetime(2026, 5, 1, 8, 30) and loaded["uuid"] == UUID
    assert _visit(scanned_at="2026-05-01T08:30:00.123Z")["scanned_at"] == datetime(2026, 5, 1, 8, 30, 0, 123000)
    for bad in ("2026-05-01T08:30:00", "0001-01-01T00:00:00+01:00", "yesterday", 1714552200):
        with pytest.raises(ValidationError) as refused:
            _visit(scanned_at=bad)
        assert "scanned_at" in refused.value.messages


def test_readings_arrive_as_numbers_or_text_and_nothing_else():
    base = {"uuid": UUID, "visit_uuid": UUID, "item_id": 3, "answered_at": "2026-05-01T08:30:00Z"}
    assert AnswerInSchema().load({**base, "number": 1.25})["number"] == "1.25"
    assert AnswerInSchema().load({**base, "number": "1,25"})["number"] == "1,25"  # decide() reads the comma
    for bad in (True, [1], {"v": 1}, "9" * 40):
        with pytest.raises(ValidationError):
            AnswerInSchema().load({**base, "number": bad})
