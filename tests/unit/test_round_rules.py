"""Rules for setting up rounds, without Flask: window overlap across midnight, schedule wording, form rows."""
from __future__ import annotations

from datetime import time

import pytest
from werkzeug.datastructures import MultiDict

from app.form_rows import indexed_rows, is_blank, row_errors
from app.patrols.round_services import describe_schedule, describe_window, weekday_list, weekday_names, windows_overlap
from app.patrols.schedules import weekday_mask


@pytest.mark.parametrize(("windows", "expected"), [
    ([(time(8), time(10)), (time(10), time(12))], None),  # touching is not overlapping
    ([(time(8), time(10)), (time(9, 59), time(12))], (0, 1)),
    ([(time(8), time(17)), (time(9), time(10))], (0, 1)),  # one inside the other
    ([(time(22), time(6)), (time(7), time(8))], None),
    ([(time(22), time(6)), (time(5), time(7))], (0, 1)),  # the night window runs into the morning one
    ([(time(22), time(2)), (time(1), time(3))], (0, 1)),
    ([(time(1), time(3)), (time(22), time(2))], (0, 1)),  # order of the rows does not matter
    ([(time(23), time(1)), (time(0, 30), time(0, 45))], (0, 1)),
    ([(time(8), time(10)), (time(14), time(16)), (time(21), time(23))], None),
    ([(time(8), time(10)), (time(14), time(16)), (time(15), time(23))], (1, 2)),
    ([(time(20), time(8)), (time(8), time(20))], None),  # two 12-hour shifts cover the day exactly
    ([(time(20), time(9)), (time(8), time(20))], (0, 1)),
    ([(time(9), time(17))], None),
])
def test_windows_overlap_on_the_24_hour_clock(windows, expected):
    assert windows_overlap(windows) == expected


def test_weekday_names_are_short_in_both_languages():
    assert weekday_names("zh")[0] == "一" and weekday_names("zh")[6] == "日"
    assert weekday_names("en")[0] == "Mon" and weekday_names("en")[3] == "Thu"
    assert list(weekday_names("en")) == [0, 1, 2, 3, 4, 5, 6]  # the form lists Monday first
    assert weekday_list(weekday_mask([0, 3, 6])) == [0, 3, 6]


def test_window_wording_marks_crossing_midnight():
    assert describe_window(time(9), time(17)) == "09:00–17:00"
    assert describe_window(time(22), time(6), "夜班") == "夜班 22:00–06:00 next day"


@pytest.mark.parametrize(("kind", "weekdays", "month_day", "windows", "lang", "expected"), [
    ("weekly", weekday_mask([0, 3]), None, [(time(9), time(17), None)], "en", "Weekly on Mon, Thu 09:00–17:00"),
    ("weekly", weekday_mask([0, 3]), None, [(time(9), time(17), None)], "zh", "Weekly on 一、四 09:00–17:00"),
    ("daily", 0, None, [(time(8), time(17), None)], "en", "Daily 08:00–17:00"),
    ("monthly", 0, 31, [(time(9), time(17), None)], "en", "Monthly on day 31 09:00–17:00"),
    ("shift", 0, None, [(time(8), time(10), "Morning"), (time(14), time(16), "Afternoon")], "en",
     "Every shift: Morning 08:00–10:00; Afternoon 14:00–16:00"),
    ("shift", 0, None, [(time(8), time(10), "早班"), (time(21), time(7), "夜班")], "zh",
     "Every shift: 早班 08:00–10:00；夜班 21:00–07:00 next day"),
])
def test_schedule_in_words(kind, weekdays, month_day, windows, lang, expected):
    # Outside a request the English source wording is used; the Chinese comes from the translations.
    assert describe_schedule(kind, weekdays, month_day, windows, lang) == expected


def test_indexed_rows_come_in_index_order_with_every_field():
    form = MultiDict({"w-1-starts": " 10:00 ", "w-0-starts": "08:00", "w-0-ends": "09:00", "w-0-evil": "x",
                      "other": "y", "w-999-starts": "too far"})
    rows = indexed_rows(form, "w", ("starts", "ends"))
    assert rows == [{"starts": "08:00", "ends": "09:00"}, {"starts": "10:00", "ends": ""}]
    assert is_blank({"starts": "", "ends": ""}, ("starts", "ends"))
    assert not is_blank(rows[1], ("starts", "ends"))


def test_row_errors_name_the_form_row_the_error_belongs_to():
    messages = {0: {"starts": ["bad time"]}, 1: {"ends": ["bad end"], "label_zh": ["too long"]}}
    assert row_errors(messages, "windows", [2, 5]) == {
        "windows-2-starts": "bad time", "windows-5-ends": "bad end", "windows-5-label_zh": "too long"}
    assert row_errors(["need one"], "windows", []) == {"windows": "need one"}
