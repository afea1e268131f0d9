"""`sokhoe reconcile` speed, memory and link quality on a synthetic province.

Usage: ``uv run python -m benchmarks.bench_reconcile --data /tmp/kh23`` (a directory written
by ``sokhoe synth``; its ``truth/`` scores the links). Prints the wall time of each phase and
of the whole run, the process's peak RSS, the baseline — a bare DuckDB exact join of the same
three files (register ⋈ cards on the person ID, wallet entries counted), timed before and
after the run, the faster one kept — and the ratios of wall and of CPU time (steadier when
other jobs share the cores: the load average is printed too), then precision and recall of
the probable links. Targets for a full
Khánh Hòa (issue 4): under 60 s and 4 GiB on two cores, aim ≤ 3× the baseline; precision
≥ 0.99 and recall ≥ 0.97.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import duckdb

from sokhoe.reconcile import ReconcileOptions, run
from sokhoe.reconcile.dialect import DUCKDB
from sokhoe.reconcile.evaluate import link_quality


def baseline(data: Path) -> tuple[float, float]:
    """Wall and CPU seconds for DuckDB to read the three files and join them on the ID."""
    register, cards, integrated = (
        DUCKDB.literal(str(data / f"{name}.csv")) for name in ("register", "cards", "integrated")
    )
    start, cpu = time.perf_counter(), time.process_time()
    with duckdb.connect() as con:
        con.execute(
            f"""SELECT count(*), count(i.person_id)
                FROM read_csv({register}, all_varchar = true) r
                JOIN read_csv({cards}, all_varchar = true) c ON c.person_id = r.person_id
                LEFT JOIN (SELECT DISTINCT person_id FROM read_csv({integrated},
                           all_varchar = true)) i ON i.person_id = r.person_id"""
        ).fetchall()
    return time.perf_counter() - start, time.process_time() - cpu


Mark = tuple[str, float, float]


def phase_timer(marks: list[Mark]) -> Callable[[str, int], Callable[[int], None]]:
    """A progress sink that notes when each phase starts (wall clock and CPU time, which
    other jobs on the machine disturb less)."""

    def start(label: str, total: int) -> Callable[[int], None]:
        marks.append((label, time.perf_counter(), time.process_time()))
        return lambda n: None

    return start


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=Path("/tmp/kh23"))
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date(2026, 3, 1))
    args = parser.parse_args()
    data: Path = args.data
    print(f"load average before: {load()}")  # noqa: T201
    before = baseline(data)
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "out"
        marks: list[Mark] = []
        options = ReconcileOptions(
            data / "register.csv", data / "cards.csv", data / "integrated.csv", out, args.as_of
        )
        start, cpu = time.perf_counter(), time.process_time()
        summary = run(options, phase_timer(marks))
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
        peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        quality = link_quality(out, data / "truth")
    after = baseline(data)
    base = min(before, after)
    ends = [(wall, used) for _, wall, used in marks[1:]] + [(start + elapsed, time.process_time())]
    for (label, began, used), (ended, used_after) in zip(marks, ends, strict=True):
        print(f"  {label:<40} {ended - began:6.1f} s  (CPU {used_after - used:6.1f} s)")  # noqa: T201
    rows = {role: source["rows"] for role, source in summary["inputs"].items()}
    print(  # noqa: T201
        f"reconcile: {rows['register']:,} people, {rows['cards']:,} cards, "
        f"{rows['integrated']:,} integrations in {elapsed:.1f} s (CPU {cpu:.1f} s); "
        f"peak RSS {peak_mib:,.0f} MiB\n"
        f"baseline exact join {base[0]:.1f} s (CPU {base[1]:.1f} s; before {before[0]:.1f} s, "
        f"after {after[0]:.1f} s); ratio {elapsed / base[0]:.1f}x wall, "
        f"{cpu / base[1]:.1f}x CPU\n"
        f"links {summary['links']}; probable: precision {quality.precision:.4f}, "
        f"recall {quality.recall:.4f} ({quality.correct:,} right of {quality.proposed:,} "
        f"proposed, {quality.searched:,} searched)\n"
        f"findings {summary['findings']}\n"
        f"worklists {summary['worklists']}; load average after: {load()}"
    )


if __name__ == "__main__":
    main()
