"""Server-drawn SVG charts: the geometry is computed here, the markup is templates/dashboard/_chart.html.

No script and no style attribute (the Content-Security-Policy forbids both): colours come from CSS classes.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

WIDTH, HEIGHT = 320, 150
LEFT, RIGHT, TOP, BOTTOM = 32, 4, 8, 20  # room for the value labels at the left and the day labels below
TICK_EVERY = 7  # a day label each week, counted back from the last day


@dataclass(frozen=True)
class Series:
    name: str
    values: list[float | None]
    css: str  # the class that colours it (static/css/dashboard.css)


@dataclass(frozen=True)
class Mark:
    """A bar, or a point of a line, with what its tooltip says."""

    x: float
    y: float
    width: float
    height: float
    value: float
    label: str
    series: Series


@dataclass
class Chart:
    title: str
    unit: str
    labels: list[str]
    series: list[Series]
    top: float
    width: int = WIDTH
    height: int = HEIGHT
    bars: list[Mark] = field(default_factory=list)
    points: list[Mark] = field(default_factory=list)
    lines: list[tuple[str, str]] = field(default_factory=list)  # (css class, SVG points)
    grid: list[tuple[float, str]] = field(default_factory=list)  # (y, value label)
    ticks: list[tuple[float, str]] = field(default_factory=list)  # (x, day label)

    @property
    def left(self) -> int:
        return LEFT

    @property
    def right(self) -> int:
        return self.width - RIGHT

    @property
    def baseline(self) -> float:
        return self.height - BOTTOM

    @property
    def empty(self) -> bool:
        return not any(v for s in self.series for v in s.values if v is not None)


def nice_top(highest: float) -> float:
    """The smallest 1, 2, 2.5 or 5 × 10ⁿ at or above `highest` (1 when there is nothing), so grid labels read well."""
    if highest <= 0:
        return 1
    magnitude = 10 ** math.floor(math.log10(highest))
    return next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= highest)


def _frame(title: str, labels: list[str], series: list[Series], unit: str, top: float | None) -> Chart:
    highest = max((v for s in series for v in s.values if v is not None), default=0)
    chart = Chart(title, unit, labels, series, top or nice_top(highest))
    for fraction in (0, 0.5, 1):
        chart.grid.append((_y(chart, chart.top * fraction), f"{chart.top * fraction:g}"))
    count = len(labels)
    for index, text in enumerate(labels):
        if (count - 1 - index) % TICK_EVERY == 0:
            chart.ticks.append((round(_slot(chart) * (index + 0.5) + LEFT, 1), text))
    return chart


def _slot(chart: Chart) -> float:
    return (chart.right - LEFT) / max(len(chart.labels), 1)


def _y(chart: Chart, value: float) -> float:
    plot = chart.baseline - TOP
    return round(chart.baseline - plot * min(value, chart.top) / chart.top, 1)


def bar_chart(title: str, labels: list[str], series: list[Series], unit: str = "", top: float | None = None) -> Chart:
    """Bars per day, side by side when there are several series (opened beside closed)."""
    chart = _frame(title, labels, series, unit, top)
    slot = _slot(chart)
    width = slot * 0.8 / len(series)
    for s_index, s in enumerate(series):
        for index, value in enumerate(s.values):
            if value is None:
                continue
            x = LEFT + slot * index + slot * 0.1 + width * s_index
            y = _y(chart, value)
            chart.bars.append(Mark(round(x, 1), y, round(width, 1), round(chart.baseline - y, 1), value, labels[index], s))
    return chart


def line_chart(title: str, labels: list[str], series: list[Series], unit: str = "", top: float | None = None) -> Chart:
    """A line per series; a day without a value breaks the line rather than pretending it was zero."""
    chart = _frame(title, labels, series, unit, top)
    slot = _slot(chart)
    for s in series:
        run: list[str] = []
        for index, value in enumerate(s.values + [None]):
            if value is None:
                if len(run) > 1:
                    chart.lines.append((s.css, " ".join(run)))
                run = []
                continue
            x, y = round(LEFT + slot * (index + 0.5), 1), _y(chart, value)
            run.append(f"{x:g},{y:g}")
            chart.points.append(Mark(x, y, 0, 0, value, labels[index], s))
    return chart


def trend_charts(trend) -> list[Chart]:
    """The dashboard's four charts of the last 30 days (a trends.Trend)."""
    from flask_babel import gettext as _

    labels = [day.strftime("%m-%d") for day in trend.days]
    return [
        line_chart(_("Patrol completion (%)"), labels, [Series(_("Rounds completed"), trend.completion, "s-done")], "%", top=100),
        bar_chart(_("Findings per day"), labels, [Series(_("Findings"), trend.findings, "s-finding")]),
        bar_chart(_("Work orders opened and closed"), labels,
                  [Series(_("Opened"), trend.opened, "s-opened"), Series(_("Closed"), trend.closed, "s-closed")]),
        line_chart(_("Median time to close (hours)"), labels, [Series(_("Median hours"), trend.median_hours, "s-median")], " h"),
    ]
