"""Charts drawn on the server as inline SVG, without any script: this module computes the
geometry (points in the drawing's own units), ``templates/charts.html`` draws it and CSS
colours each line by its class (the pages' security policy allows no inline style).

Shares are drawn from 0 to 100 %; a sparkline is scaled to its own range instead, so a
change of a point or two over a month still shows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sokhoe.web.formatting import vn_date, vn_number

#: A line's values over days; ``None`` where there is nothing to draw (skipped).
Series = Sequence[tuple[dt.date, float | None]]

#: The smallest range a sparkline is scaled to (one percentage point), so a flat line is
#: drawn flat in the middle instead of magnifying rounding.
_SPARK_MIN_SPAN = 0.01


@dataclass(frozen=True)
class Line:
    #: The CSS modifier naming what the line is (``chart__line--<kind>``).
    kind: str
    points: str


@dataclass(frozen=True)
class Tick:
    #: Pixels from the top (a share's gridline), or percent of the width (a day's mark).
    at: float
    label: str


@dataclass(frozen=True)
class LineChart:
    """A chart as wide as its frame: lines are drawn in a plot 1,000 units wide stretched
    to the width (strokes keep their width), text at its own size; heights in pixels."""

    height: int
    top: int
    bottom: int
    lines: list[Line]
    #: Gridlines of the shares.
    y_ticks: list[Tick]
    #: Days marked by a vertical line (the deadline), labelled with their date.
    marks: list[Tick]
    first_label: str
    last_label: str

    @property
    def plot_height(self) -> int:
        return self.bottom - self.top


#: The plot's width in its own units.
PLOT_WIDTH = 1000


def _points(coordinates: Sequence[tuple[float, float]]) -> str:
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in coordinates)


def line_chart(
    lines: Sequence[tuple[str, Series]],
    *,
    start: dt.date,
    end: dt.date,
    marks: Sequence[dt.date] = (),
    height: int = 240,
) -> LineChart:
    """``lines`` (kind, series) over the days from ``start`` to ``end``, shares 0–100 %;
    ``marks`` are days drawn as vertical lines labelled with their date."""
    top, bottom = 18, height - 24
    span = max((end - start).days, 1)

    def x(day: dt.date) -> float:
        return PLOT_WIDTH * (day - start).days / span

    def y(value: float) -> float:
        """Within the plot, which starts ``top`` pixels down."""
        return (bottom - top) * (1 - min(max(value, 0.0), 1.0))

    return LineChart(
        height=height,
        top=top,
        bottom=bottom,
        lines=[
            Line(kind, _points([(x(day), y(value)) for day, value in series if value is not None]))
            for kind, series in lines
        ],
        y_ticks=[
            Tick(top + y(share), f"{vn_number(share * 100)} %") for share in (0, 0.25, 0.5, 0.75, 1)
        ],
        marks=[
            Tick(x(day) / PLOT_WIDTH * 100, vn_date(day)) for day in marks if start <= day <= end
        ],
        first_label=vn_date(start),
        last_label=vn_date(end),
    )


def sparkline(
    lines: Sequence[tuple[str, Sequence[float | None]]], *, width: int = 96, height: int = 28
) -> list[Line]:
    """Small lines of equally spaced values, scaled together to their common range."""
    values = [v for _, series in lines for v in series if v is not None]
    if not values:
        return []
    low, high = min(values), max(values)
    if high - low < _SPARK_MIN_SPAN:
        middle = (high + low) / 2
        low, high = middle - _SPARK_MIN_SPAN / 2, middle + _SPARK_MIN_SPAN / 2
    margin = 2.0

    def y(value: float) -> float:
        return height - margin - (height - 2 * margin) * (value - low) / (high - low)

    drawn = []
    for kind, series in lines:
        step = (width - 2 * margin) / max(len(series) - 1, 1)
        points = [(margin + i * step, y(v)) for i, v in enumerate(series) if v is not None]
        drawn.append(Line(kind, _points(points)))
    return drawn
