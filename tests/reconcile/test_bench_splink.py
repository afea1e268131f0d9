"""The splink benchmark gives splink the cards our matching step searches, no more, no fewer."""

from __future__ import annotations

import duckdb

from benchmarks.bench_splink import load_residual
from tests.reconcile.conftest import Province


def test_the_benchmarks_residual_cards_are_those_our_run_searches(province: Province) -> None:
    with duckdb.connect() as con:
        load_residual(con, province.files)
        residual = {line for (line,) in con.execute("SELECT line FROM residual").fetchall()}
    searched = {line for line, link in province.result.links.items() if link["match"] != "exact"}
    assert len(searched) > 300
    assert residual == searched
