"""What a finished run's page shows: its findings per commune, worst first, and the chart.

Aggregates only (counts per commune and category from ``reconcile_run_count``). "Worst" is
the lowest share of valid cards already in the e-ID wallet, as on the officers' homes (R14):
the communes where most cards still wait are read first.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sokhoe.reconcile.categories import CATEGORIES, Worklist

#: The three states of a valid card, in the order the chart stacks them.
STATUSES = ("integrated", "ready_not_integrated", "no_level2_eid")
#: Data errors BHXH fixes, in the order of :data:`CATEGORIES`.
BHXH_CATEGORIES = tuple(c.code for c in CATEGORIES if c.worklist is Worklist.BHXH)
#: Communes drawn in the chart (the table lists them all).
CHART_COMMUNES = 15


@dataclass(frozen=True)
class CommuneLine:
    #: ``None``: cards whose commune is missing or unknown.
    code: int | None
    name: str
    counts: Mapping[str, int]

    def count(self, category: str) -> int:
        return self.counts.get(category, 0)

    @property
    def valid_cards(self) -> int:
        return sum(self.count(status) for status in STATUSES)

    @property
    def integrated_share(self) -> float:
        return self.count("integrated") / self.valid_cards if self.valid_cards else 0.0

    @property
    def to_visit(self) -> int:
        """Cards of people the commune's teams or police must reach."""
        return sum(count for code, count in self.counts.items() if code in _VISITED)

    @property
    def data_errors(self) -> int:
        return sum(self.count(code) for code in BHXH_CATEGORIES)


_VISITED = frozenset(
    c.code for c in CATEGORIES if c.worklist in (Worklist.COMMUNE, Worklist.POLICE)
)


def commune_lines(
    counts: Mapping[int | None, Mapping[str, int]], names: Mapping[int, str], unknown: str
) -> list[CommuneLine]:
    """Every commune with findings, lowest integration share first (more cards waiting
    first among equals); cards without a known commune last, named ``unknown``."""
    lines = [
        CommuneLine(code, names.get(code, str(code)) if code is not None else unknown, found)
        for code, found in counts.items()
    ]
    lines.sort(
        key=lambda line: (
            line.code is None,
            line.valid_cards == 0,
            line.integrated_share,
            -line.valid_cards,
        )
    )
    return lines


@dataclass(frozen=True)
class Segment:
    status: str
    #: Left edge and width as percentages of the chart's width.
    x: float
    width: float
    cards: int


@dataclass(frozen=True)
class Bar:
    line: CommuneLine
    #: Top of the commune's name; its bar lies below it.
    y: int
    segments: list[Segment]


@dataclass(frozen=True)
class Chart:
    """A 100 % stacked bar per commune: integrated, ready but not integrated, without
    level-2 e-ID. Drawn as SVG on the server; widths are percentages, so the chart fills
    any screen width with text at its own size."""

    bars: list[Bar]
    height: int
    row_height: int = 40
    bar_height: int = 14


def chart(lines: list[CommuneLine], limit: int = CHART_COMMUNES) -> Chart:
    shown = [line for line in lines if line.code is not None and line.valid_cards][:limit]
    row = Chart.row_height
    bars = []
    for i, line in enumerate(shown):
        x, segments = 0.0, []
        for status in STATUSES:
            width = 100 * line.count(status) / line.valid_cards
            segments.append(Segment(status, round(x, 3), round(width, 3), line.count(status)))
            x += width
        bars.append(Bar(line, i * row, segments))
    return Chart(bars, len(bars) * row)
