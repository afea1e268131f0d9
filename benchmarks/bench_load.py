"""`sokhoe load` throughput on SQLite and PostgreSQL, against a bare bulk insert baseline.

Usage: ``uv run python -m benchmarks.bench_load --data DIR [--backend sqlite|postgresql|both]``
where DIR is a ``sokhoe synth`` output. The figure is people/s: register rows divided by the
time to load the whole export (register, villages, guardians, cards, integrations). The
baseline, in the same run and on the same database, inserts register.csv's raw text into an
unindexed table (SQLite ``executemany``; PostgreSQL ``COPY`` of the file's bytes), so the
ratio shows what validation, upserts and indexes cost.

Also shown: each file's load time (on PostgreSQL the register's and the card list's files
load at once, so their times overlap), register.csv's own rate, and the peak resident memory
of the process loading (each backend is measured in a process of its own; the PostgreSQL
server's memory is not included).
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, text

from sokhoe.dataset import load_directory
from sokhoe.runtime import open_database
from tests.support.postgres import throwaway_cluster

BASELINE_DDL = "CREATE TABLE baseline_register (" + ", ".join(f"c{i} TEXT" for i in range(9)) + ")"


def baseline(url: str, register: Path) -> float:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE IF EXISTS baseline_register")
        connection.exec_driver_sql(BASELINE_DDL)
    start = time.perf_counter()
    with engine.begin() as connection:
        dbapi = connection.connection.driver_connection
        if engine.dialect.name == "postgresql":
            copy_sql = "COPY baseline_register FROM STDIN (FORMAT csv, HEADER)"
            with (
                dbapi.cursor() as cursor,  # type: ignore[union-attr]
                register.open("rb") as stream,
                cursor.copy(copy_sql) as copy,
            ):
                while chunk := stream.read(1 << 20):
                    copy.write(chunk)
        else:
            with register.open(encoding="utf-8") as stream:
                rows = csv.reader(stream)
                next(rows)
                dbapi.cursor().executemany(  # type: ignore[union-attr]
                    f"INSERT INTO baseline_register VALUES ({', '.join('?' * 9)})", rows
                )
    elapsed = time.perf_counter() - start
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE baseline_register"))
    engine.dispose()
    return elapsed


def measure(url: str, data: Path) -> dict[str, object]:
    database = open_database(url)
    start = time.perf_counter()
    reports = load_directory(database, data)
    first = time.perf_counter() - start
    start = time.perf_counter()
    load_directory(database, data)
    second = time.perf_counter() - start
    database.engine.dispose()
    register = next(r for r in reports if r.filename == "register.csv")
    people = register.rows_written
    base = baseline(url, data / "register.csv")
    return {
        "people": people,
        "load_s": first,
        "people_per_s": people / first,
        "register_s": register.seconds,
        "register_per_s": people / register.seconds,
        "files": {r.filename: (r.seconds, r.rows_written, len(r.problems)) for r in reports},
        "reload_s": second,
        "baseline_s": base,
        "ratio": first / base,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def run(backend: str, data: Path) -> dict[str, object]:
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as scratch:
            return measure(f"sqlite:///{scratch}/bench.db", data)
    with throwaway_cluster() as url:
        return measure(url, data)


def show(backend: str, figures: dict[str, object]) -> None:
    f: dict[str, float] = {k: v for k, v in figures.items() if isinstance(v, int | float)}
    print(  # noqa: T201
        f"{backend}: {f['people']:,.0f} people in {f['load_s']:.1f} s = "
        f"{f['people_per_s']:,.0f} people/s; reload {f['reload_s']:.1f} s; "
        f"bare insert of register.csv {f['baseline_s']:.1f} s (ratio {f['ratio']:.1f}x); "
        f"register.csv alone {f['register_s']:.1f} s = {f['register_per_s']:,.0f} rows/s; "
        f"peak RSS {f['peak_rss_mib']:,.0f} MiB"
    )
    files = figures["files"]
    assert isinstance(files, dict)
    for name, (seconds, rows, problems) in files.items():
        print(f"  {name}: {seconds:.1f} s, {rows:,} rows, {problems:,} problems")  # noqa: T201


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.json:
        print(json.dumps(run(args.backend, args.data)))  # noqa: T201
        return
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    for backend in backends:
        # A process per backend, so that each peak RSS is that backend's own.
        command = [sys.executable, "-m", "benchmarks.bench_load", "--json"]
        command += ["--data", str(args.data), "--backend", backend]
        output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        show(backend, json.loads(output.strip().splitlines()[-1]))


if __name__ == "__main__":
    main()
