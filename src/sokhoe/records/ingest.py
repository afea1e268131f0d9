"""Hospital records into the health book: ``sokhoe ingest``, the QĐ 130 upload and ``POST
/fhir`` all hand the parsers' output here.

:func:`ingest_batch` takes one batch (a bundle, or a thousand records of a file) in the
caller's transaction and answers an outcome per item, in order: a record is ``created``,
``updated`` (its content changed), ``unchanged`` (a resend: nothing written), ``queued``
(its person could not be identified, :mod:`~sokhoe.records.identify`: it waits in the
review queue, never dropped) or ``refused`` (with the problem; a parser's
:class:`~sokhoe.records.problems.RecordProblem` passes through as refused too). The caller
commits, so a batch is stored whole or not at all; :func:`ingest` does that per batch for a
long file.

Rules. A sender (a facility's HIS credential) may send its own facility's records only:
another facility's are refused (``other_facility``) and the attempt is audited as denied.
A facility code the register does not know is refused (``unknown_facility``). A record is
keyed by (facility, key): the last of a batch wins, and a stored record is rewritten only
when its fingerprint differs. A queued record that a later resend identifies is stored and
its queue entry ``resolved``; a stored record that a resend no longer identifies stays as
stored, and the resend waits in the queue.

Set-based: per batch, one query each for facilities, the card list and the register, one
query per table for the stored fingerprints, one ``INSERT … ON CONFLICT DO UPDATE … WHERE
fingerprint differs`` per table as ``executemany`` of what is new or changed, and one audit
entry per facility, with counts and no personal data.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TypeVar

from sqlalchemy import Table, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from sokhoe.access import audit
from sokhoe.access.clock import utcnow
from sokhoe.access.purposes import Purpose
from sokhoe.access.scope import Actor
from sokhoe.db import unit_of_work
from sokhoe.records import rows
from sokhoe.records.clinical import ClinicalRecord
from sokhoe.records.identify import Reason, identify
from sokhoe.records.problems import RecordProblem
from sokhoe.registry import service as registry_service

#: Records per transaction for :func:`ingest`: large enough for set-based statements to pay,
#: small enough that a failure redoes little.
BATCH_SIZE = 1_000

#: The audit entry's action for a batch of one facility's records.
AUDIT_ACTION = "ingest_records"

#: What the audit entry says of the command line as sender.
FROM_COMMAND_LINE = "từ dòng lệnh"

T = TypeVar("T")


class Status(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    QUEUED = "queued"
    REFUSED = "refused"


#: How the audit entry names each count.
_COUNT_LABELS = {
    Status.CREATED: "mới",
    Status.UPDATED: "cập nhật",
    Status.UNCHANGED: "không đổi",
    Status.QUEUED: "chờ xác định người",
    Status.REFUSED: "từ chối",
}


@dataclass(frozen=True, slots=True)
class RecordOutcome:
    """What became of one item: ``record`` is ``None`` for a parser's problem."""

    status: Status
    record: ClinicalRecord | None
    problem: RecordProblem | None = None
    #: Why the person could not be identified, when ``queued``.
    reason: Reason | None = None


@dataclass(frozen=True)
class BatchResult:
    #: One per item given, in the same order.
    outcomes: list[RecordOutcome]

    @property
    def counts(self) -> Counter[Status]:
        return Counter(outcome.status for outcome in self.outcomes)

    @property
    def problems(self) -> list[RecordProblem]:
        return [o.problem for o in self.outcomes if o.problem is not None]


@dataclass
class IngestReport:
    """The sum of a file's batches."""

    counts: Counter[Status] = field(default_factory=Counter)
    problems: list[RecordProblem] = field(default_factory=list)

    def add(self, batch: BatchResult) -> None:
        self.counts.update(batch.counts)
        self.problems.extend(batch.problems)

    @property
    def all_kept(self) -> bool:
        """Whether every item was stored or queued (``sokhoe ingest`` exits 0)."""
        return self.counts[Status.REFUSED] == 0


def chunked(items: Iterable[T], size: int = BATCH_SIZE) -> Iterator[list[T]]:
    """``items`` in lists of ``size`` (the last may be shorter), read lazily."""
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def ingest(
    sessions: sessionmaker[Session],
    items: Iterable[ClinicalRecord | RecordProblem],
    *,
    source: str,
    sender_facility: str | None,
    channel: str = FROM_COMMAND_LINE,
    actor: Actor | None = None,
    batch_size: int = BATCH_SIZE,
    on_batch: Callable[[BatchResult], None] | None = None,
) -> IngestReport:
    """Ingest a whole stream, one transaction per batch: a crash leaves whole batches, and
    running again gives the same state."""
    report = IngestReport()
    for chunk in chunked(items, batch_size):
        with unit_of_work(sessions) as session:
            result = ingest_batch(
                session,
                chunk,
                source=source,
                sender_facility=sender_facility,
                channel=channel,
                actor=actor,
            )
        report.add(result)
        if on_batch is not None:
            on_batch(result)
    return report


def ingest_batch(
    session: Session,
    items: Sequence[ClinicalRecord | RecordProblem],
    *,
    source: str,
    sender_facility: str | None,
    channel: str = FROM_COMMAND_LINE,
    actor: Actor | None = None,
) -> BatchResult:
    """Store one batch in the caller's transaction (flushed, not committed).

    ``source`` names the file or request in problems; ``sender_facility`` is the facility
    of the HIS credential that sent the batch (``None``: the command line, any facility);
    ``channel`` says in the audit entry how the batch came (:data:`FROM_COMMAND_LINE`, or
    the credential's :func:`~sokhoe.records.his_credentials.audit_label`).
    """
    outcomes: list[RecordOutcome | None] = [None] * len(items)
    records: list[tuple[int, ClinicalRecord]] = []
    for index, item in enumerate(items):
        if isinstance(item, RecordProblem):
            outcomes[index] = RecordOutcome(Status.REFUSED, None, item)
        elif sender_facility is not None and item.facility_code != sender_facility:
            problem = _problem(source, item, "other_facility", sender=sender_facility)
            outcomes[index] = RecordOutcome(Status.REFUSED, item, problem)
        else:
            records.append((index, item))
    known = registry_service.known_facility_codes(session, {r.facility_code for _, r in records})
    placed = [(i, r) for i, r in records if r.facility_code in known]
    for index, record in records:
        if record.facility_code not in known:
            problem = _problem(source, record, "unknown_facility")
            outcomes[index] = RecordOutcome(Status.REFUSED, record, problem)
    identities = identify(session, [record.patient for _, record in placed])
    writer = _Writer(session, source)
    for (index, record), identity in zip(placed, identities, strict=True):
        if isinstance(identity, Reason):
            writer.queue(index, record, identity)
        else:
            writer.store(index, record, identity)
    for index, outcome in writer.flush():
        outcomes[index] = outcome
    result = BatchResult([o for o in outcomes if o is not None])
    _audit(session, result, sender_facility=sender_facility, channel=channel, actor=actor)
    return result


def _problem(source: str, record: ClinicalRecord, code: str, **params: object) -> RecordProblem:
    return RecordProblem(source, record.key, None, code, {"value": record.facility_code, **params})


@dataclass
class _Pending:
    """The rows of one table waiting to be written, by index of the item they came from."""

    table: Table
    #: The key's columns besides ``key``, with their values: (facility,) or (facility, kind).
    scope: tuple[tuple[str, str], ...]
    rows: list[tuple[int, ClinicalRecord, rows.Row, Reason | None]] = field(default_factory=list)


class _Writer:
    """Collects a batch's rows per table and writes them set-based."""

    def __init__(self, session: Session, source: str) -> None:
        self.session = session
        self.source = source
        self.pending: dict[tuple[str, tuple[tuple[str, str], ...]], _Pending] = {}
        self.refused: list[tuple[int, RecordOutcome]] = []
        #: Stored records per (facility, kind): their queue entries, if open, are resolved.
        self.identified: dict[tuple[str, str], list[str]] = {}

    def store(self, index: int, record: ClinicalRecord, person_id: str) -> None:
        kind = rows.kind_of(record)
        self._add(index, record, kind.table, rows.record_row(record, person_id), None)
        self.identified.setdefault((record.facility_code, kind.name), []).append(record.key)

    def queue(self, index: int, record: ClinicalRecord, reason: Reason) -> None:
        self._add(index, record, rows.QUEUE, rows.queue_row(record, reason), reason)

    def _add(
        self,
        index: int,
        record: ClinicalRecord,
        table: Table,
        row: rows.Row,
        reason: Reason | None,
    ) -> None:
        overflow = rows.too_long(table, row)
        if overflow is not None:
            name, limit = overflow
            problem = RecordProblem(self.source, record.key, name, "too_long", {"limit": limit})
            self.refused.append((index, RecordOutcome(Status.REFUSED, record, problem)))
            return
        scope: tuple[tuple[str, str], ...] = (("facility_code", record.facility_code),)
        if table is rows.QUEUE:
            scope += (("kind", str(row["kind"])),)
        pending = self.pending.setdefault((table.name, scope), _Pending(table, scope))
        pending.rows.append((index, record, row, reason))

    def flush(self) -> list[tuple[int, RecordOutcome]]:
        now = utcnow().replace(tzinfo=None)
        outcomes = list(self.refused)
        for pending in self.pending.values():
            statuses = _upsert(self.session, pending, now)
            for (index, record, _row, reason), status in zip(pending.rows, statuses, strict=True):
                queued = Status.QUEUED if reason is not None else status
                outcomes.append((index, RecordOutcome(queued, record, reason=reason)))
        for (facility_code, kind), keys in self.identified.items():
            self.session.execute(
                update(rows.QUEUE)
                .where(
                    rows.QUEUE.c.facility_code == facility_code,
                    rows.QUEUE.c.kind == kind,
                    rows.QUEUE.c.status == "open",
                    rows.QUEUE.c.key.in_(keys),
                )
                .values(status="resolved", resolved_at=now, updated_at=now)
            )
        return outcomes


def _upsert(session: Session, pending: _Pending, now: dt.datetime) -> list[Status]:
    """Write ``pending``'s rows that are new or changed; the status of each row, in order.

    The stored fingerprints are read first (one query), then each row is compared with the
    latest state of its key, so that a key twice in a batch is created, then updated or
    unchanged; only each key's last row is written. ``ON CONFLICT`` keeps a concurrent
    writer of the same key from failing the batch (its status may then read ``created``).
    """
    table = pending.table
    keys = sorted({row["key"] for _, _, row, _ in pending.rows})
    query = select(table.c.key, table.c.fingerprint).where(table.c.key.in_(keys))
    for name, value in pending.scope:
        query = query.where(table.c[name] == value)
    stored: dict[str, str] = dict(session.execute(query).all())
    latest = dict(stored)
    last_row: dict[str, rows.Row] = {}
    statuses = []
    for _, _, row, _ in pending.rows:
        before = latest.get(row["key"])
        if before is None:
            statuses.append(Status.CREATED)
        elif before == row["fingerprint"]:
            statuses.append(Status.UNCHANGED)
        else:
            statuses.append(Status.UPDATED)
        latest[row["key"]] = row["fingerprint"]
        last_row[row["key"]] = row
    changed = [
        {**row, "received_at": now, "updated_at": now}
        for key, row in last_row.items()
        if stored.get(key) != row["fingerprint"]
    ]
    if changed:
        session.execute(_upsert_statement(session, table, pending.scope), changed)
    return statuses


def _upsert_statement(
    session: Session, table: Table, scope: tuple[tuple[str, str], ...]
) -> postgresql.Insert | sqlite.Insert:
    statement = (
        postgresql.insert(table)
        if session.get_bind().dialect.name == "postgresql"
        else sqlite.insert(table)
    )
    key = [name for name, _ in scope] + ["key"]
    kept = {"id", "received_at", *key}
    return statement.on_conflict_do_update(
        index_elements=key,
        set_={c.name: statement.excluded[c.name] for c in table.columns if c.name not in kept},
        where=table.c.fingerprint != statement.excluded.fingerprint,
    )


def _audit(
    session: Session,
    result: BatchResult,
    *,
    sender_facility: str | None,
    channel: str,
    actor: Actor | None,
) -> None:
    """One entry per facility whose records the batch held: counts only, no person.

    A facility other than the sender's is recorded as ``denied``: an HIS tried to write
    records it does not own.
    """
    per_facility: dict[str, Counter[Status]] = {}
    for outcome in result.outcomes:
        if outcome.record is not None:
            counts = per_facility.setdefault(outcome.record.facility_code, Counter())
            counts[outcome.status] += 1
    for facility_code, counts in sorted(per_facility.items()):
        other = sender_facility is not None and facility_code != sender_facility
        figures = ", ".join(
            f"{counts[status]} {label}" for status, label in _COUNT_LABELS.items() if counts[status]
        )
        audit.record(
            session,
            actor=actor,
            action=AUDIT_ACTION,
            outcome=audit.Outcome.DENIED if other else audit.Outcome.ALLOWED,
            purpose=Purpose.CARE,
            detail=f"cơ sở {facility_code}: {figures}; {channel}",
        )
