"""Batch upserts: one transaction per batch, the fastest path each backend offers.

PostgreSQL: ``COPY`` into a temporary staging table, then one ``INSERT … SELECT … ON
CONFLICT DO UPDATE`` that skips unchanged rows. SQLite: ``executemany`` of an
``INSERT … ON CONFLICT DO UPDATE``. Either way a rerun leaves the same state, a crash
leaves whole batches only, and within the input the last row for a key wins.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any

from sqlalchemy.engine import Engine

Row = tuple[Any, ...]


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


def batches(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def upsert(
    engine: Engine,
    target: UpsertTarget,
    rows: Iterable[Row],
    *,
    batch_size: int = 50_000,
    on_batch: Callable[[int], None] | None = None,
) -> int:
    """Write ``rows`` into ``target`` batch by batch; returns how many rows were written."""
    write = _postgres_batch if engine.dialect.name == "postgresql" else _sqlite_batch
    total = 0
    for batch in batches(rows, batch_size):
        with engine.begin() as connection:
            write(connection.connection.driver_connection, target, batch)
        total += len(batch)
        if on_batch is not None:
            on_batch(len(batch))
    return total


def _quoted(names: Iterable[str]) -> str:
    return ", ".join(f'"{n}"' for n in names)


def _sqlite_batch(dbapi: Any, target: UpsertTarget, batch: list[Row]) -> None:
    cols = _quoted(target.columns)
    marks = ", ".join("?" for _ in target.columns)
    updates = ", ".join(f'"{c}" = excluded."{c}"' for c in target.updated)
    action = f"DO UPDATE SET {updates}" if updates else "DO NOTHING"
    sql = (
        f'INSERT INTO "{target.table}" ({cols}) VALUES ({marks}) '
        f"ON CONFLICT ({_quoted(target.key)}) {action}"
    )
    dbapi.cursor().executemany(sql, batch)


def _postgres_batch(dbapi: Any, target: UpsertTarget, batch: list[Row]) -> None:
    table = target.table
    cols = _quoted(target.columns)
    key = _quoted(target.key)
    with dbapi.cursor() as cursor:
        cursor.execute(
            f'CREATE TEMP TABLE IF NOT EXISTS "stage_{table}" AS '
            f'SELECT {cols}, 0::bigint AS "_ord" FROM "{table}" WITH NO DATA'
        )
        cursor.execute(f'TRUNCATE "stage_{table}"')
        with cursor.copy(f'COPY "stage_{table}" ({cols}, "_ord") FROM STDIN') as copy:
            for ordinal, row in enumerate(batch):
                copy.write_row((*row, ordinal))
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
