"""`sokhoe load` throughput on SQLite and PostgreSQL, against a bare bulk insert baseline.

Usage: ``uv run python -m benchmarks.bench_load --data DIR [--backend sqlite|postgresql|both]``
where DIR is a ``sokhoe synth`` output. The figure is people/s: register rows divided by the
time to load the whole export (register, villages, guardians, cards, integrations). The
baseline, in the same run and on the same database, inserts register.csv's raw text into an
unindexed table (SQLite ``executemany``; PostgreSQL ``COPY`` of the file's bytes), so the
ratio shows what validation, upserts and indexes cost.
"""

from __future__ import annotations

import argparse
import csv
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


def measure(url: str, data: Path) -> dict[str, float]:
    database = open_database(url)
    start = time.perf_counter()
    reports = load_directory(database, data)
    first = time.perf_counter() - start
    start = time.perf_counter()
    load_directory(database, data)
    second = time.perf_counter() - start
    database.engine.dispose()
    people = next(r.rows_written for r in reports if r.filename == "register.csv")
    base = baseline(url, data / "register.csv")
    return {
        "people": people,
        "load_s": first,
        "people_per_s": people / first,
        "reload_s": second,
        "baseline_s": base,
        "ratio": first / base,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    results = {}
    if args.backend in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as scratch:
            results["sqlite"] = measure(f"sqlite:///{scratch}/bench.db", args.data)
    if args.backend in ("postgresql", "both"):
        with throwaway_cluster() as url:
            results["postgresql"] = measure(url, args.data)
    for backend, figures in results.items():
        print(  # noqa: T201
            f"{backend}: {figures['people']:,.0f} people in {figures['load_s']:.1f} s = "
            f"{figures['people_per_s']:,.0f} people/s; reload {figures['reload_s']:.1f} s; "
            f"bare insert of register.csv {figures['baseline_s']:.1f} s "
            f"(ratio {figures['ratio']:.1f}x)"
        )


if __name__ == "__main__":
    main()
