"""Dashboard rules without a database: chart geometry, page cursors, list filters, local days."""
from __future__ import annotations

from datetime import date, datetime

import pytest
from werkzeug.datastructures import MultiDict

from app.dashboard.charts import HEIGHT, LEFT, WIDTH, Series, bar_chart, line_chart, nice_top
from app.dashboard.days import day_bounds, day_start
from app.dashboard.filters import Filters, FindingFilterSchema, LogFilterSchema, OrderFilterSchema, read_filters
from app.dashboard.paging import BadCursor, Cursor, parse_cursor


@pytest.mark.parametrize("highest, top", [(0, 1), (-3, 1), (0.4, 0.5), (1, 1), (3, 5), (7, 10), (12, 20), (21, 25), (99, 100), (101, 200)])
def test_nice_top_reads_well(highest, top):
    assert nice_top(highest) == pytest.approx(top)


def test_bars_stand_on_the_baseline_scaled_to_the_top():
    chart = bar_chart("t", ["a", "b", "c"], [Series("n", [0, 5, 10], "s")])
    assert chart.top == 10
    heights = [bar.height for bar in chart.bars]
    assert heights[0] == 0 and heights[2] == pytest.approx(2 * heights[1], abs=0.2)
    assert all(bar.y + bar.height == pytest.approx(chart.baseline) for bar in chart.bars)
    assert all(LEFT <= bar.x and bar.x + bar.width <= chart.right for bar in chart.bars)
    assert [y for y, _text in chart.grid] == [chart.baseline, (chart.baseline + 8) / 2, 8]


def test_grouped_bars_sit_side_by_side_within_their_day():
    chart = bar_chart("t", ["a", "b"], [Series("opened", [1, 2], "o"), Series("closed", [2, 1], "c")])
    first_day = sorted((bar for bar in chart.bars if bar.label == "a"), key=lambda bar: bar.x)
    assert [bar.series.name for bar in first_day] == ["opened", "closed"]
    assert first_day[0].x + first_day[0].width <= first_day[1].x + 0.1
    assert max(bar.x + bar.width for bar in first_day) < min(bar.x for bar in chart.bars if bar.label == "b")


def test_a_day_without_a_value_breaks_the_line():
    chart = line_chart("t", list("abcde"), [Series("%", [50, 100, None, 75, None], "s")], "%", top=100)
    assert len(chart.points) == 3
    assert len(chart.lines) == 1 and chart.lines[0][1].count(",") == 2  # a-b; d stands alone as a point
    assert chart.points[1].y == 8 and chart.points[0].y == pytest.approx((chart.baseline + 8) / 2, abs=0.1)


def test_values_above_the_given_top_are_clipped_and_an_empty_chart_says_so():
    chart = line_chart("t", ["a"], [Series("%", [130], "s")], top=100)
    assert chart.points[0].y == 8
    assert bar_chart("t", ["a", "b"], [Series("n", [0, None], "s")]).empty
    assert (chart.width, chart.height) == (WIDTH, HEIGHT)


def test_day_labels_every_week_ending_on_the_last_day():
    labels = [f"d{n}" for n in range(30)]
    chart = bar_chart("t", labels, [Series("n", [1] * 30, "s")])
    assert [text for _x, text in chart.ticks] == ["d1", "d8", "d15", "d22", "d29"]


@pytest.mark.parametrize("raw, kind, expected", [
    ("2026-03-10_42", date, Cursor(date(2026, 3, 10), 42)),
    ("2026-03-10T07:00:00.123456_7", datetime, Cursor(datetime(2026, 3, 10, 7, 0, 0, 123456), 7)),
    ("", date, None), (None, datetime, None),
])
def test_cursors_read_back_what_they_write(raw, kind, expected):
    cursor = parse_cursor(raw, kind)
    assert cursor == expected
    if cursor:
        assert parse_cursor(str(cursor), kind) == cursor


@pytest.mark.parametrize("raw, kind", [
    ("garbage", date), ("2026-03-10_", date), ("2026-03-10_0", date), ("2026-03-10_-1", date), ("2026-03-10_99999999999", date),
    ("2026-13-10_1", date), ("2026-03-10T07:00:00_1", date), ("2026-03-10T07:00:00+08:00_1", datetime),
    ("2026-03-10_١٢", date), ("9" * 40 + "_1", datetime),
])
def test_bad_cursors_are_refused(raw, kind):
    with pytest.raises(BadCursor):
        parse_cursor(raw, kind)


def test_filters_read_ids_dates_and_status_and_write_them_back_in_order():
    args = MultiDict({"status": "missed", "date_to": "2026-03-10", "building": " 3 ", "person": "", "page": "2", "x": "y"})
    filters, errors = read_filters(LogFilterSchema, args)
    assert errors == {}
    assert filters == Filters(building=3, status="missed", date_to=date(2026, 3, 10))
    assert filters.query_string() == "building=3&status=missed&date_to=2026-03-10" and filters.active
    assert not Filters().active and Filters().query_string() == ""


@pytest.mark.parametrize("schema, args, field", [
    (LogFilterSchema, {"building": "abc"}, "building"), (LogFilterSchema, {"round": "0"}, "round"),
    (LogFilterSchema, {"team": "2147483648"}, "team"), (LogFilterSchema, {"status": "approved"}, "status"),
    (FindingFilterSchema, {"status": "missed"}, "status"), (OrderFilterSchema, {"status": "rejected"}, "status"),
    (OrderFilterSchema, {"date_from": "1999-12-31"}, "date_from"), (OrderFilterSchema, {"date_to": "2026-02-30"}, "date_to"),
    (FindingFilterSchema, {"date_from": "2026-03-02", "date_to": "2026-03-01"}, "date_to"),
])
def test_unreadable_filters_name_their_field(schema, args, field):
    filters, errors = read_filters(schema, MultiDict(args))
    assert field in errors and errors[field] and filters == Filters()


def test_work_order_lists_also_filter_open_and_overdue():
    for status in ("open", "overdue", "done", "closed"):
        assert read_filters(OrderFilterSchema, MultiDict({"status": status}))[0].status == status


def test_local_days_begin_at_local_midnight():
    assert day_start(date(2026, 3, 10), "Asia/Shanghai") == datetime(2026, 3, 9, 16, 0)
    # Across a daylight-saving change the day is 23 hours long, and the bounds follow it.
    bounds = day_bounds(date(2026, 3, 7), date(2026, 3, 8), "America/New_York")
    assert bounds == [datetime(2026, 3, 7, 5), datetime(2026, 3, 8, 5), datetime(2026, 3, 9, 4)]
