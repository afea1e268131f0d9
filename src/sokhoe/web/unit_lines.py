"""Rows of the unit tables shown on officers' homes: a commune's villages or a province's
communes, with head counts, level-2 e-ID and wallet integration (aggregates only)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from starlette.requests import Request

from sokhoe.registry.service import Figures, UnitRow


@dataclass(frozen=True)
class UnitLine:
    code: int
    name: str
    figures: Figures
    integrated: int

    @property
    def integrated_share(self) -> float:
        population = self.figures.population
        return self.integrated / population if population else 0.0


def unit_lines(
    rows: Sequence[UnitRow], integrated: Mapping[int | None, int], *, worst_first: bool
) -> list[UnitLine]:
    """Join figures with integration counts; ``worst_first`` puts the lowest share on top,
    so units behind target are read first (R14)."""
    lines = [UnitLine(r.code, r.name, r.figures, integrated.get(r.code, 0)) for r in rows]
    if worst_first:
        lines.sort(key=lambda line: (line.figures.population == 0, line.integrated_share))
    return lines


def total_line(name: str, figures: Figures, integrated: Mapping[int | None, int]) -> UnitLine:
    return UnitLine(0, name, figures, sum(integrated.values()))


def chosen_village(request: Request) -> int | None:
    """The ``?thon=`` filter of a resident list. Not checked here: the register's service
    refuses (and audits) a village outside the reader's scope."""
    raw = request.query_params.get("thon", "")
    return int(raw) if raw.isdigit() and len(raw) < 10 else None
