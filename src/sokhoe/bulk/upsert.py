"""Batch upserts of Arrow tables: one transaction per batch, the fastest path each backend offers.

PostgreSQL: the batch as CSV (``pyarrow.csv.write_csv``) through ``COPY`` into a temporary
staging table, then one ``INSERT … SELECT DISTINCT ON … ON CONFLICT DO UPDATE`` that skips
unchanged rows. SQLite: ``executemany`` of an ``INSERT … ON CONFLICT DO UPDATE … WHERE
changed``, parameters zipped from whole columns, with a larger page cache for the load.
Either way a rerun leaves the same state, a crash leaves whole batches only, and within the
input the last row for a key wins.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.csv as pcsv
from sqlalchemy.engine import Engine

from sokhoe.bulk.csv_source import LINE

#: SQLite page cache while loading (KiB): the indexes being filled stay in memory.
SQLITE_CACHE_KIB = 512 * 1024


@dataclass(frozen=True)
class UpsertTarget:
    """Where rows go: the table, the columns in row order, and the conflict key."""

    table: str
    columns: Sequence[str]
    key: Sequence[str]
    #: Columns a later row must not overwrite (e.g. a generated id); defaults to the key.
    keep: Sequence[str] = ()

    @property
    def updated(self) -> list[str]:
        fixed = set(self.key) | set(self.keep)
        return [c for c in self.columns if c not in fixed]


def batches(tables: Iterable[pa.Table], size: int) -> Iterator[pa.Table]:
    """The rows of ``tables`` again, in tables of ``size`` rows (the last may be shorter)."""
    pending: list[pa.Table] = []
    count = 0
    for table in tables:
        if not table.num_rows:
            continue
        pending.append(table)
        count += table.num_rows
        while count >= size:
            merged = pa.concat_tables(pending)
            yield merged.slice(0, size)
            rest = merged.slice(size)
            pending, count = [rest], rest.num_rows
    if count:
        yield pa.concat_tables(pending)


def upsert(
    engine: Engine,
    target: UpsertTarget,
    tables: Iterable[pa.Table],
    *,
    batch_size: int = 50_000,
    on_batch: Callable[[int], None] | None = None,
) -> int:
    """Write the rows of ``tables`` (the target's columns and :data:`LINE`, which orders
    rows of the same key) batch by batch; returns how many rows were written."""
    postgres = engine.dialect.name == "postgresql"
    total = 0
    with engine.connect() as connection:
        dbapi = connection.connection.driver_connection
        cache = None if postgres else _sqlite_cache(dbapi, -SQLITE_CACHE_KIB)
        try:
            for batch in batches(tables, batch_size):
                with connection.begin():
                    if postgres:
                        _postgres_batch(dbapi, target, batch)
                    else:
                        _sqlite_batch(dbapi, target, batch)
                total += batch.num_rows
                if on_batch is not None:
                    on_batch(batch.num_rows)
        finally:
            if cache is not None:
                _sqlite_cache(dbapi, cache)
    return total


def _quoted(names: Iterable[str]) -> str:
    return ", ".join(f'"{n}"' for n in names)


def _sqlite_cache(dbapi: Any, size: int) -> int:
    """Sets the connection's page cache size, returning the previous one."""
    cursor = dbapi.cursor()
    previous = int(cursor.execute("PRAGMA cache_size").fetchone()[0])
    cursor.execute(f"PRAGMA cache_size = {int(size)}")
    return previous


def _sqlite_batch(dbapi: Any, target: UpsertTarget, batch: pa.Table) -> None:
    cols = _quoted(target.columns)
    marks = ", ".join("?" for _ in target.columns)
    updated = target.updated
    if updated:
        sets = ", ".join(f'"{c}" = excluded."{c}"' for c in updated)
        changed = " OR ".join(f'"{c}" IS NOT excluded."{c}"' for c in updated)
        action = f"DO UPDATE SET {sets} WHERE {changed}"
    else:
        action = "DO NOTHING"
    sql = (
        f'INSERT INTO "{target.table}" ({cols}) VALUES ({marks}) '
        f"ON CONFLICT ({_quoted(target.key)}) {action}"
    )
    columns = [batch.column(c).to_pylist() for c in target.columns]
    dbapi.cursor().executemany(sql, zip(*columns, strict=True))


def _postgres_batch(dbapi: Any, target: UpsertTarget, batch: pa.Table) -> None:
    table = target.table
    cols = _quoted(target.columns)
    key = _quoted(target.key)
    rows = batch.select(list(target.columns)).append_column("_ord", batch.column(LINE))
    sink = pa.BufferOutputStream()
    pcsv.write_csv(rows, sink, pcsv.WriteOptions(include_header=False))
    with dbapi.cursor() as cursor:
        cursor.execute(
            f'CREATE TEMP TABLE IF NOT EXISTS "stage_{table}" ON COMMIT DELETE ROWS AS '
            f'SELECT {cols}, 0::bigint AS "_ord" FROM "{table}" WITH NO DATA'
        )
        copy_sql = f'COPY "stage_{table}" ({cols}, "_ord") FROM STDIN (FORMAT csv)'
        with cursor.copy(copy_sql) as copy:
            copy.write(memoryview(sink.getvalue()))
        updated = target.updated
        if updated:
            sets = ", ".join(f'"{c}" = excluded."{c}"' for c in updated)
            changed = " OR ".join(f't."{c}" IS DISTINCT FROM excluded."{c}"' for c in updated)
            action = f"DO UPDATE SET {sets} WHERE {changed}"
        else:
            action = "DO NOTHING"
        cursor.execute(
            f'INSERT INTO "{table}" AS t ({cols}) '
            f'SELECT DISTINCT ON ({key}) {cols} FROM "stage_{table}" '
            f'ORDER BY {key}, "_ord" DESC '
            f"ON CONFLICT ({key}) {action}"
        )
