"""Writes one batch of identified and queued records, set-based, in the caller's transaction.

The batch's rows are grouped by table and key scope (a facility; for the review queue, a
facility and a kind). One query reads what is stored for all groups at once: each key's
fingerprint, and the open queue entries of the records now identified. Each row is then
compared with the latest state of its key — a key twice in a batch is created, then updated
or unchanged — and only each key's last row, when new or changed, is written: one
``INSERT … ON CONFLICT (key) DO UPDATE … WHERE fingerprint differs`` per group, as
``executemany``. ``ON CONFLICT`` keeps a concurrent writer of the same key from failing the
batch (the outcome reported may then read ``created`` for an update). Open queue entries of
records now stored are resolved, by one statement per facility, only when there are some.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BindParameter,
    CompoundSelect,
    Select,
    Table,
    and_,
    bindparam,
    literal,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from sokhoe.access.clock import utcnow
from sokhoe.records import rows
from sokhoe.records.clinical import ClinicalRecord
from sokhoe.records.problems import RecordProblem

#: Selects per ``UNION ALL``: SQLite allows 500 terms in a compound select.
_UNION_TERMS = 100

Scope = tuple[tuple[str, str], ...]


class Status(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    QUEUED = "queued"
    REFUSED = "refused"


@dataclass
class _Group:
    """The rows of one table and scope, with the index of the item each came from."""

    table: Table
    #: The key's columns besides ``key``, with their values: (facility,) or (facility, kind).
    scope: Scope
    rows: list[tuple[int, rows.Row]] = field(default_factory=list)


class BatchWriter:
    """Collects a batch's rows (:meth:`store`, :meth:`queue`), then :meth:`write` s them."""

    def __init__(self, session: Session) -> None:
        # Core statements on the session's connection: the session's ORM execution path
        # costs as much Python time again, for nothing here.
        self.connection = session.connection()
        self.groups: dict[tuple[str, Scope], _Group] = {}
        self.refused: dict[int, RecordProblem] = {}
        self.queued: set[int] = set()
        #: Keys of the records stored, by facility: (kind, key).
        self.identified: dict[str, set[tuple[str, str]]] = {}

    def store(self, index: int, record: ClinicalRecord, person_id: str, *, source: str) -> None:
        """Add ``record`` of ``person_id``'s book; ``source`` names its file or request in
        the problem of a value too long to store."""
        kind = rows.kind_of(record)
        if self._add(index, record, kind.table, rows.record_row(record, person_id), source):
            facility = self.identified.setdefault(record.facility_code, set())
            facility.add((kind.name, record.key))

    def queue(self, index: int, record: ClinicalRecord, reason: str, *, source: str) -> None:
        if self._add(index, record, rows.QUEUE, rows.queue_row(record, reason), source):
            self.queued.add(index)

    def _add(
        self, index: int, record: ClinicalRecord, table: Table, row: rows.Row, source: str
    ) -> bool:
        overflow = rows.too_long(table, row)
        if overflow is not None:
            name, limit = overflow
            problem = RecordProblem(source, record.key, name, "too_long", {"limit": limit})
            self.refused[index] = problem
            return False
        scope: Scope = (("facility_code", record.facility_code),)
        if table is rows.QUEUE:
            scope += (("kind", str(row["kind"])),)
        group = self.groups.setdefault((table.name, scope), _Group(table, scope))
        group.rows.append((index, row))
        return True

    def write(self) -> dict[int, tuple[Status, RecordProblem | None]]:
        """Write the batch; the status of each item added, by its index."""
        now = utcnow().replace(tzinfo=None)
        groups = list(self.groups.values())
        stored, open_entries = self._stored(groups)
        result: dict[int, tuple[Status, RecordProblem | None]] = {
            index: (Status.REFUSED, problem) for index, problem in self.refused.items()
        }
        for number, group in enumerate(groups):
            for index, status in _upsert(self.connection, group, stored.get(number, {}), now):
                result[index] = (Status.QUEUED if index in self.queued else status, None)
        for facility_code, entries in open_entries.items():
            self._resolve(facility_code, entries, now)
        return result

    def _stored(
        self, groups: list[_Group]
    ) -> tuple[dict[int, dict[str, str]], dict[str, set[tuple[str, str]]]]:
        """Stored fingerprints by group and key; open queue entries of the records now
        identified, by facility: one round trip for the batch (a few for a great many
        groups)."""
        terms: list[tuple[_Shape, dict[str, Any]]] = []
        for group in groups:
            keys = sorted({row["key"] for _, row in group.rows})
            shape = (group.table.name, tuple(name for name, _ in group.scope))
            terms.append((shape, {"keys": keys, **dict(group.scope)}))
        facilities = sorted(self.identified)
        for facility_code in facilities:
            keys = sorted({key for _, key in self.identified[facility_code]})
            terms.append((_OPEN_ENTRIES, {"keys": keys, "facility_code": facility_code}))
        stored: dict[int, dict[str, str]] = {}
        open_entries: dict[str, set[tuple[str, str]]] = {}
        for number, key, value in self._union(terms):
            if number < len(groups):
                stored.setdefault(number, {})[key] = value
            else:
                facility_code = facilities[number - len(groups)]
                if (value, key) in self.identified[facility_code]:
                    open_entries.setdefault(facility_code, set()).add((value, key))
        return stored, open_entries

    def _union(self, terms: list[tuple[_Shape, dict[str, Any]]]) -> Iterator[tuple[int, str, str]]:
        """The rows of every term's select, each numbered by its term's place in ``terms``."""
        for start in range(0, len(terms), _UNION_TERMS):
            part = terms[start : start + _UNION_TERMS]
            parameters = {
                f"{name}_{number}": value
                for number, (_, values) in enumerate(part)
                for name, value in values.items()
            }
            statement = _union_statement(tuple(shape for shape, _ in part))
            for row in self.connection.execute(statement, parameters):
                yield start + int(row[0]), str(row[1]), str(row[2])

    def _resolve(self, facility_code: str, entries: set[tuple[str, str]], now: dt.datetime) -> None:
        """Resolve the open queue entries of records now stored."""
        queue = rows.QUEUE
        by_kind: dict[str, list[str]] = {}
        for kind, key in sorted(entries):
            by_kind.setdefault(kind, []).append(key)
        self.connection.execute(
            update(queue)
            .where(
                queue.c.facility_code == facility_code,
                queue.c.status == "open",
                or_(
                    *(and_(queue.c.kind == k, queue.c.key.in_(keys)) for k, keys in by_kind.items())
                ),
            )
            .values(status="resolved", resolved_at=now, updated_at=now)
        )


#: What one select of :meth:`BatchWriter._stored` reads: a table's fingerprints by key within
#: a scope (the table's name, the scope's columns), or :data:`_OPEN_ENTRIES`.
_Shape = tuple[str, tuple[str, ...]]
#: The open queue entries of a facility's keys.
_OPEN_ENTRIES: _Shape = ("", ())


@functools.lru_cache(maxsize=256)
def _union_statement(shapes: tuple[_Shape, ...]) -> Select[Any] | CompoundSelect[Any]:
    """``UNION ALL`` of one select per shape, each numbered by its place and taking its
    values as parameters suffixed with it: built once per shape of batch (a bundle of a
    visit and a dose is always the same), where building it cost as much as running it."""
    selects = [_select(number, shape) for number, shape in enumerate(shapes)]
    return selects[0] if len(selects) == 1 else union_all(*selects)


def _select(number: int, shape: _Shape) -> Select[Any]:
    keys: BindParameter[list[str]] = bindparam(f"keys_{number}", expanding=True)
    if shape == _OPEN_ENTRIES:
        queue = rows.QUEUE
        return select(literal(number), queue.c.key, queue.c.kind).where(
            queue.c.facility_code == bindparam(f"facility_code_{number}"),
            queue.c.status == "open",
            queue.c.key.in_(keys),
        )
    table_name, scope = shape
    table = rows.TABLES[table_name]
    return select(literal(number), table.c.key, table.c.fingerprint).where(
        table.c.key.in_(keys), *(table.c[name] == bindparam(f"{name}_{number}") for name in scope)
    )


def _upsert(
    connection: Connection, group: _Group, stored: dict[str, str], now: dt.datetime
) -> list[tuple[int, Status]]:
    """Write ``group``'s new or changed rows; the status of each row, in order."""
    latest = dict(stored)
    last_row: dict[str, rows.Row] = {}
    statuses = []
    for index, row in group.rows:
        before = latest.get(row["key"])
        if before is None:
            statuses.append((index, Status.CREATED))
        elif before == row["fingerprint"]:
            statuses.append((index, Status.UNCHANGED))
        else:
            statuses.append((index, Status.UPDATED))
        latest[row["key"]] = row["fingerprint"]
        last_row[row["key"]] = row
    # In key order, so that two batches writing the same keys lock them in the same order
    # rather than each waiting for the other.
    changed = [
        {**row, "received_at": now, "updated_at": now}
        for key, row in sorted(last_row.items())
        if stored.get(key) != row["fingerprint"]
    ]
    if changed:
        dialect = connection.dialect.name
        scope = tuple(name for name, _ in group.scope)
        connection.execute(_upsert_statement(dialect, group.table.name, scope), changed)
    return statuses


@functools.cache
def _upsert_statement(
    dialect: str, table_name: str, scope: tuple[str, ...]
) -> postgresql.Insert | sqlite.Insert:
    """``INSERT … ON CONFLICT (key) DO UPDATE … WHERE fingerprint differs``, built once per
    table and backend (building ``excluded`` costs more than running the statement)."""
    table = rows.TABLES[table_name]
    statement = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
    key = [*scope, "key"]
    kept = {"id", "received_at", *key}
    return statement.on_conflict_do_update(
        index_elements=key,
        set_={c.name: statement.excluded[c.name] for c in table.columns if c.name not in kept},
        where=table.c.fingerprint != statement.excluded.fingerprint,
    )
