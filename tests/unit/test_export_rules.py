"""Small rules of the exports: archive months, wrapping table text to its column."""
from __future__ import annotations

from datetime import date

import pytest
from reportlab.pdfbase import pdfmetrics

from app.exports.months import Month
from app.exports.pdf_common import cjk_font, wrapped


@pytest.mark.parametrize("text, month", [("2026-09", Month(2026, 9)), ("2000-01", Month(2000, 1)), ("2026-12", Month(2026, 12))])
def test_a_month_is_written_yyyy_mm(text, month):
    assert Month.parse(text) == month and str(month) == text


@pytest.mark.parametrize("text", ["2026-13", "2026-00", "2026-9", "1999-12", "26-09", "2026-09-01", "２０２６-09", "", None])
def test_anything_else_is_no_month(text):
    assert Month.parse(text) is None


def test_month_bounds_and_order():
    assert (Month(2028, 2).first_day, Month(2028, 2).last_day) == (date(2028, 2, 1), date(2028, 2, 29))
    assert Month(2026, 1).previous() == Month(2025, 12) < Month(2026, 1)
    assert Month.of(date(2026, 11, 30)) == Month(2026, 11)


def _width(line: str, size: float = 8) -> float:
    return pdfmetrics.stringWidth(line, cjk_font(), size)


def test_chinese_text_breaks_between_any_two_characters_within_the_width():
    text = "墙面批荡起皮脱落约零点五平方米，需安排工程部修补并复查"
    lines = wrapped(text, 60, 8).split("\n")
    assert len(lines) > 1 and "".join(lines) == text
    assert all(_width(line) <= 60 for line in lines)


def test_latin_words_stay_whole_when_a_space_allows():
    lines = wrapped("pressure gauge reads 0.35 MPa", 50, 8).split("\n")
    assert all(_width(line) <= 50 for line in lines)
    assert " ".join(lines) == "pressure gauge reads 0.35 MPa"


def test_written_line_breaks_are_kept_and_short_text_is_untouched():
    assert wrapped("10-06\n08:28", 200, 8) == "10-06\n08:28"
    assert wrapped("", 50, 8) == "" and wrapped(None, 50, 8) == ""
