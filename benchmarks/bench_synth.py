"""`sokhoe synth` speed and memory, against writing a trivial CSV of as many rows.

Usage: ``uv run python benchmarks/bench_synth.py [--people 2300000] [--province 56]``.
Prints the wall time, people/s, the process's peak RSS and the time of each phase. The
baseline, in the same run, writes as many rows as the generator wrote over all its files
(9 short constant fields each) with the ``csv`` module: the ratio shows what generating the
content costs on top of merely writing that many CSV rows. Target for a full Khánh Hòa
(2.3 million people): under 3 minutes and under 2 GiB on two cores.
"""

from __future__ import annotations

import argparse
import csv
import resource
import tempfile
import time
from collections.abc import Callable
from itertools import repeat
from pathlib import Path

from sokhoe.synth import SynthOptions, generate

_TRIVIAL_ROW = (
    "056123456789",
    "Nguyễn Văn An",
    "1990-01-01",
    "M",
    "22366",
    "Thôn 1",
    "1",
    "HK22366000001",
    "0912345678",
)


def baseline(path: Path, rows: int) -> float:
    start = time.perf_counter()
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerows(repeat(_TRIVIAL_ROW, rows))
    return time.perf_counter() - start


def phase_timer(marks: list[tuple[str, float]]) -> Callable[[str, int], Callable[[int], None]]:
    """A progress sink that notes when each phase starts."""

    def start(label: str, total: int) -> Callable[[int], None]:
        marks.append((label, time.perf_counter()))
        return lambda n: None

    return start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=2_300_000)
    parser.add_argument("--province", type=int, default=56)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "province"
        marks: list[tuple[str, float]] = []
        start = time.perf_counter()
        summary = generate(
            SynthOptions(args.province, args.people, args.seed, out), phase_timer(marks)
        )
        elapsed = time.perf_counter() - start
        peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        rows = sum(summary.rows.values())
        base = baseline(Path(scratch) / "baseline.csv", rows)
    ends = [t for _, t in marks[1:]] + [start + elapsed]
    for (label, began), ended in zip(marks, ends, strict=True):
        print(f"  {label:<40} {ended - began:6.1f} s")  # noqa: T201
    print(  # noqa: T201
        f"synth: {args.people:,} people ({rows:,} rows in all files) in {elapsed:.1f} s = "
        f"{args.people / elapsed:,.0f} people/s; peak RSS {peak_mib:,.0f} MiB; "
        f"baseline csv of {rows:,} trivial rows {base:.1f} s (ratio {elapsed / base:.1f}x)"
    )


if __name__ == "__main__":
    main()
