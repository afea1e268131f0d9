"""How good a run's links are, against the truth ``sokhoe synth`` writes beside its files.

``truth/links.csv`` names every card row's true holder; the cards needing a search are those
the exact ID join did not link. Precision: the share of proposed (probable) holders that are
right; recall: the share of cards needing a search whose true holder was proposed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from sokhoe.reconcile.dialect import DUCKDB


@dataclass(frozen=True)
class LinkQuality:
    searched: int
    proposed: int
    correct: int
    exact: int
    exact_correct: int

    @property
    def precision(self) -> float:
        return self.correct / self.proposed if self.proposed else 1.0

    @property
    def recall(self) -> float:
        return self.correct / self.searched if self.searched else 1.0


def link_quality(out: Path, truth: Path) -> LinkQuality:
    """Compares ``out/links.csv`` with ``truth/links.csv`` (card row r is on line r + 1)."""
    links = DUCKDB.literal(str(out / "links.csv"))
    true = DUCKDB.literal(str(truth / "links.csv"))
    with duckdb.connect() as con:
        row = con.execute(
            f"""SELECT count(CASE WHEN l.match <> 'exact' THEN 1 END),
                       count(CASE WHEN l.match = 'probable' THEN 1 END),
                       count(CASE WHEN l.match = 'probable'
                                   AND l.person_id = t.true_person_id THEN 1 END),
                       count(CASE WHEN l.match = 'exact' THEN 1 END),
                       count(CASE WHEN l.match = 'exact'
                                   AND l.person_id = t.true_person_id THEN 1 END)
                FROM read_csv({links}, all_varchar = true) l
                JOIN read_csv({true}, all_varchar = true) t
                  ON CAST(t.row AS BIGINT) + 1 = CAST(l.line AS BIGINT)"""
        ).fetchone()
    assert row is not None
    return LinkQuality(*row)
