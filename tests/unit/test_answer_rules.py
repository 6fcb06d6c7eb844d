"""The itemised answer rule and visit plausibility, without Flask or a database."""
from __future__ import annotations

from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest

from app.patrols import plausibility
from app.patrols.answering import decide, out_of_range, parse_number
from app.patrols.errors import PatrolError


def item(answer_type="pass_fail", low=None, high=None):
    return SimpleNamespace(answer_type=answer_type, min_value=low, max_value=high)


@pytest.fixture(autouse=True)
def _babel(monkeypatch):
    """decide() translates its messages; outside Flask gettext returns the English text."""
    import app.patrols.answering as answering

    monkeypatch.setattr(answering, "_", lambda text, **kw: text % kw if kw else text)


def field_of(item_, data) -> str:
    with pytest.raises(PatrolError) as refused:
        decide(item_, data)
    return refused.value.field


def test_pass_fail_needs_a_choice_and_fail_needs_a_note():
    assert decide(item(), {"result": "pass"}).result == "pass"
    assert field_of(item(), {}) == "result"
    assert field_of(item(), {"result": "fail", "note": "   "}) == "note"
    assert decide(item(), {"result": "fail", "note": "破损"}).note == "破损"


def test_na_needs_a_reason_for_every_answer_type():
    for kind in ("pass_fail", "number", "text"):
        assert field_of(item(kind, 0, 1), {"result": "na"}) == "na_reason"
        assert decide(item(kind, 0, 1), {"result": "na", "na_reason": "无此设施"}).result == "na"


def test_numbers_in_range_pass_out_of_range_fail():
    gauge = item("number", 1.0, 1.4)
    assert decide(gauge, {"number": "1.2"}).result == "pass"
    assert decide(gauge, {"number": "0,9", "note": "压力低"}).result == "fail"
    assert field_of(gauge, {"number": "0.9"}) == "note"
    assert decide(gauge, {"number": "1.2", "result": "fail", "note": "表盘破裂"}).result == "fail"


@pytest.mark.parametrize("raw", ["", "abc", "nan", "inf", "-Infinity", "1e309", "1e10", "1,2,3"])
def test_parse_number_refuses_non_numbers(raw):
    with pytest.raises(PatrolError):
        parse_number(raw)


def test_out_of_range_with_open_bounds():
    assert out_of_range(item("number", None, 2), 3)
    assert not out_of_range(item("number", None, 2), -5)
    assert out_of_range(item("number", 0, None), -0.1)


def test_text_items_need_text_and_strip_control_characters():
    note = item("text")
    assert field_of(note, {"text": "  "}) == "text"
    assert decide(note, {"text": "进度正常\x00\x07"}).text_value == "进度正常"


def test_distance_is_sane():
    # Two corners of People's Square, Shanghai: roughly 560 m apart.
    assert 500 < plausibility.distance_m(31.2304, 121.4737, 31.2354, 121.4737) < 600


def test_too_fast_between_checkpoints():
    t0 = datetime(2026, 11, 23, 2, 0)
    assert plausibility.too_fast(t0, None, t0 + timedelta(seconds=5), None)
    assert not plausibility.too_fast(t0, None, t0 + timedelta(seconds=60), None)
    far = ((31.2304, 121.4737), (31.2354, 121.4737))  # ~560 m: at least ~6 minutes on foot
    assert plausibility.too_fast(t0, far[0], t0 + timedelta(minutes=2), far[1])
    assert not plausibility.too_fast(t0, far[0], t0 + timedelta(minutes=8), far[1])
    assert not plausibility.too_fast(None, None, t0, None)


def test_far_away_only_with_a_good_fix():
    checkpoint, away = (31.2304, 121.4737), (31.2354, 121.4737)
    assert plausibility.far_away(checkpoint, away, 20)
    assert not plausibility.far_away(checkpoint, away, 400)  # poor fix: no judgement
    assert not plausibility.far_away(checkpoint, (31.23045, 121.4737), 20)
    assert not plausibility.far_away(None, away, 5)
