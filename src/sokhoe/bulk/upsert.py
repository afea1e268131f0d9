"""Batch upserts of Arrow tables: one transaction per batch, the fastest path each backend offers.

PostgreSQL: the batch, its last row per key only, as CSV (``pyarrow.csv.write_csv``) through
``COPY`` into a temporary staging table, then one ``INSERT … SELECT … ON CONFLICT DO UPDATE``
that skips unchanged rows; into a table that was empty, straight into the table (see
:mod:`~sokhoe.bulk.first_load`). SQLite: ``executemany`` of an ``INSERT … ON CONFLICT DO
UPDATE … WHERE changed``, parameters zipped from whole columns. Either way a rerun leaves the
same state, a crash leaves whole batches only, and within the input the last row for a key
wins.

On PostgreSQL a background thread reads, checks and prepares the next batches while one is
written. Not on SQLite: ``executemany`` takes the GIL back after every row, so a busy second
thread slows it down more than it saves (measured: reloads took half as long again).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar, cast

import psycopg
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
from sqlalchemy.engine import Connection, Engine

from sokhoe.bulk import first_load
from sokhoe.bulk.csv_source import LINE

T = TypeVar("T")

#: SQLite settings of the loading connection while a file loads (restored after): a page
#: cache that holds the indexes being filled (KiB), and a checkpoint every ~400 MB of WAL
#: rather than every 4 MB, so that pages touched by many batches reach the database file
#: once per checkpoint. Neither changes durability.
SQLITE_LOAD_PRAGMAS = (("cache_size", -512 * 1024), ("wal_autocheckpoint", 100_000))


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
    rows of the same key) batch by batch; returns how many rows were written.

    On PostgreSQL, ``tables`` is read, and each batch made ready for the database, by a
    background thread while the previous batch is being written.
    """
    postgres = engine.dialect.name == "postgresql"
    backend: _Backend = _Postgres(target) if postgres else _Sqlite(target)
    prepared = (backend.prepare(batch) for batch in batches(tables, batch_size))
    total = 0
    with engine.connect() as connection:
        dbapi = connection.connection.driver_connection
        with backend.session(connection):
            for rows, count in in_background(prepared) if backend.overlap else prepared:
                with connection.begin():
                    backend.write(dbapi, rows)
                total += count
                if on_batch is not None:
                    on_batch(count)
    return total


_END = object()


def in_background(items: Iterable[T], depth: int = 2) -> Iterator[T]:
    """The items of ``items``, produced by another thread up to ``depth`` items ahead.

    An exception in the producer is raised here; leaving the loop early stops the producer
    (which then closes ``items``).
    """
    channel: queue.Queue[tuple[bool, object]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(entry: tuple[bool, object]) -> bool:
        while not stop.is_set():
            try:
                channel.put(entry, timeout=0.05)
            except queue.Full:
                continue
            return True
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put((True, item)):
                    return
            put((True, _END))
        except BaseException as exc:  # handed over to the consumer, which raises it
            put((False, exc))
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()

    producer = threading.Thread(target=produce, name="bulk-reader", daemon=True)
    producer.start()
    try:
        while True:
            ok, item = channel.get()
            if not ok:
                raise cast(BaseException, item)
            if item is _END:
                return
            yield cast(T, item)
    finally:
        stop.set()
        producer.join()


class _Backend(Protocol):
    #: Whether to prepare batches in a background thread while writing.
    overlap: bool

    def prepare(self, batch: pa.Table) -> tuple[Any, int]:
        """The batch ready to send (run by the reading thread), and its number of rows."""

    def session(self, connection: Connection) -> AbstractContextManager[None]:
        """What the file's load needs of ``connection`` (settings, schema), set and undone;
        entered and left outside any transaction."""

    def write(self, dbapi: Any, rows: Any) -> None:
        """Writes one prepared batch, inside the batch's transaction."""


def _quoted(names: Iterable[str]) -> str:
    return ", ".join(f'"{n}"' for n in names)


def _conflict_action(target: UpsertTarget, differs: Callable[[str], str]) -> str:
    """``ON CONFLICT`` action updating the non-key columns, only when one of them changed
    (``differs(column)`` is the backend's null-safe inequality), so reloads rewrite nothing."""
    updated = target.updated
    if not updated:
        return "DO NOTHING"
    sets = ", ".join(f'"{c}" = excluded."{c}"' for c in updated)
    changed = " OR ".join(differs(c) for c in updated)
    return f"DO UPDATE SET {sets} WHERE {changed}"


class _Sqlite:
    overlap = False

    def __init__(self, target: UpsertTarget) -> None:
        self.target = target
        cols = _quoted(target.columns)
        marks = ", ".join("?" for _ in target.columns)
        action = _conflict_action(target, lambda c: f'"{c}" IS NOT excluded."{c}"')
        self.sql = (
            f'INSERT INTO "{target.table}" ({cols}) VALUES ({marks}) '
            f"ON CONFLICT ({_quoted(target.key)}) {action}"
        )

    def prepare(self, batch: pa.Table) -> tuple[Any, int]:
        columns = [batch.column(c).to_pylist() for c in self.target.columns]
        return list(zip(*columns, strict=True)), batch.num_rows

    @contextmanager
    def session(self, connection: Connection) -> Iterator[None]:
        dbapi: Any = connection.connection.driver_connection
        cursor = dbapi.cursor()
        saved = [
            (name, int(cursor.execute(f"PRAGMA {name}").fetchone()[0]))
            for name, _value in SQLITE_LOAD_PRAGMAS
        ]
        for name, value in SQLITE_LOAD_PRAGMAS:
            cursor.execute(f"PRAGMA {name} = {int(value)}")
        try:
            yield
        finally:
            for name, value in saved:
                cursor.execute(f"PRAGMA {name} = {value}")
            cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")

    def write(self, dbapi: Any, rows: Any) -> None:
        dbapi.cursor().executemany(self.sql, rows)


class _Postgres:
    overlap = True

    def __init__(self, target: UpsertTarget) -> None:
        self.target = target
        #: Whether batches go straight into the table (it was empty; see :meth:`session`).
        self.direct = False
        table = target.table
        cols = _quoted(target.columns)
        stage = f'"stage_{table}"'
        self.create = (
            f"CREATE TEMP TABLE IF NOT EXISTS {stage} ON COMMIT DELETE ROWS AS "
            f'SELECT {cols} FROM "{table}" WITH NO DATA'
        )
        self.copy_to_stage = f"COPY {stage} ({cols}) FROM STDIN (FORMAT csv)"
        self.copy_to_table = f'COPY "{table}" ({cols}) FROM STDIN (FORMAT csv)'
        action = _conflict_action(target, lambda c: f't."{c}" IS DISTINCT FROM excluded."{c}"')
        self.insert = (
            f'INSERT INTO "{table}" AS t ({cols}) SELECT {cols} FROM {stage} '
            f"ON CONFLICT ({_quoted(target.key)}) {action}"
        )

    def prepare(self, batch: pa.Table) -> tuple[Any, int]:
        rows = _last_per_key(batch, self.target.key).select(list(self.target.columns))
        sink = pa.BufferOutputStream()
        pcsv.write_csv(rows, sink, pcsv.WriteOptions(include_header=False))
        return sink.getvalue(), batch.num_rows

    @contextmanager
    def session(self, connection: Connection) -> Iterator[None]:
        """Into an empty table, its secondary indexes and foreign keys are set aside while
        the file loads, then rebuilt (:mod:`~sokhoe.bulk.first_load`); the rebuild also
        repairs what an interrupted first load left without them."""
        table = self.target.table
        with connection.begin():
            empty = not connection.exec_driver_sql(
                f'SELECT EXISTS (SELECT FROM "{table}")'
            ).scalar()
        if empty:
            first_load.set_aside(connection, table)
        self.direct = empty
        try:
            yield
        finally:
            first_load.restore(connection, table)

    def write(self, dbapi: Any, rows: Any) -> None:
        """Into a table that was empty, a batch is copied straight in (nothing to merge it
        with), unless it repeats a key of an earlier batch: then it, and the rest of the
        file, merge through a staging table like any reload."""
        with dbapi.cursor() as cursor:
            if self.direct:
                try:
                    with dbapi.transaction(), cursor.copy(self.copy_to_table) as copy:
                        copy.write(memoryview(rows))
                    return
                except psycopg.errors.UniqueViolation:
                    self.direct = False
            cursor.execute(self.create)
            with cursor.copy(self.copy_to_stage) as copy:
                copy.write(memoryview(rows))
            cursor.execute(self.insert)


def _last_per_key(batch: pa.Table, key: Sequence[str]) -> pa.Table:
    """``batch`` without the rows a later row of the same key replaces (:data:`LINE` is
    unique in a file and orders its rows), so that a batch never names a key twice."""
    last = batch.group_by(list(key), use_threads=False).aggregate([(LINE, "max")])
    if last.num_rows == batch.num_rows:
        return batch
    return batch.filter(pc.is_in(batch.column(LINE), value_set=last.column(f"{LINE}_max")))
