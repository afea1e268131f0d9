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
stored, and the resend waits in the queue — unless a reviewer named the record's person
(:mod:`~sokhoe.records.record_review`): the resend is then stored as theirs.

Set-based: per batch, one query each for facilities, the card list and the register (and
the reviewers' decisions, when some record is not identified), then
:class:`~sokhoe.records.writer.BatchWriter` (one query for what is stored, one
``executemany`` upsert per table), and one audit entry per facility, with counts and no
personal data.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from sqlalchemy.orm import Session, sessionmaker

from sokhoe.access import audit
from sokhoe.access.purposes import Purpose
from sokhoe.access.scope import Actor
from sokhoe.db import unit_of_work
from sokhoe.records.clinical import ClinicalRecord
from sokhoe.records.identify import Reason, identify_records
from sokhoe.records.problems import RecordProblem
from sokhoe.records.writer import BatchWriter, Status
from sokhoe.registry import service as registry_service

__all__ = [
    "AUDIT_ACTION",
    "BATCH_SIZE",
    "FROM_COMMAND_LINE",
    "Batch",
    "BatchResult",
    "IngestReport",
    "RecordOutcome",
    "Status",
    "chunked",
    "ingest",
    "ingest_batch",
    "ingest_batches",
]

#: Records per transaction for :func:`ingest`: large enough for set-based statements to pay,
#: small enough that a failure redoes little.
BATCH_SIZE = 1_000

#: The audit entry's action for a batch of one facility's records.
AUDIT_ACTION = "ingest_records"

#: What the audit entry says of the command line as sender.
FROM_COMMAND_LINE = "từ dòng lệnh"

T = TypeVar("T")


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
    of the HIS credential (or signed-in account) that sent the batch, a facility of the
    register (``None``: the command line, any facility);
    ``channel`` says in the audit entry how the batch came (:data:`FROM_COMMAND_LINE`, or
    the credential's :func:`~sokhoe.records.his_credentials.audit_label`).
    """
    batch = Batch(items, source=source, sender_facility=sender_facility, channel=channel)
    return ingest_batches(session, [batch], actor=actor)[0]


@dataclass(frozen=True)
class Batch:
    """One sender's batch, as :func:`ingest_batch` takes it."""

    items: Sequence[ClinicalRecord | RecordProblem]
    source: str
    sender_facility: str | None
    channel: str = FROM_COMMAND_LINE


def ingest_batches(
    session: Session, batches: Sequence[Batch], *, actor: Actor | None = None
) -> list[BatchResult]:
    """Store several batches, of one sender or several, in one pass in the caller's
    transaction: the result of each is what :func:`ingest_batch` would give it, the batches
    taken in order, with the statements of one batch (``POST /fhir`` stores the bundles
    that arrive together so)."""
    outcomes: list[list[RecordOutcome | None]] = [[None] * len(b.items) for b in batches]
    records: list[tuple[int, int, ClinicalRecord]] = []
    for number, batch in enumerate(batches):
        sender = batch.sender_facility
        for index, item in enumerate(batch.items):
            if isinstance(item, RecordProblem):
                outcomes[number][index] = RecordOutcome(Status.REFUSED, None, item)
            elif sender is not None and item.facility_code != sender:
                problem = _problem(batch.source, item, "other_facility", sender=sender)
                outcomes[number][index] = RecordOutcome(Status.REFUSED, item, problem)
            else:
                records.append((number, index, item))
    # A sender's facility is one of the register's (its credential or account refers to it),
    # so only the command line's batches, of any facility, ask the register.
    from_anyone = {r.facility_code for n, _, r in records if batches[n].sender_facility is None}
    known = registry_service.known_facility_codes(session, from_anyone) if from_anyone else set()
    placed = []
    for number, index, record in records:
        if batches[number].sender_facility is not None or record.facility_code in known:
            placed.append((number, index, record))
        else:
            problem = _problem(batches[number].source, record, "unknown_facility")
            outcomes[number][index] = RecordOutcome(Status.REFUSED, record, problem)
    identities = identify_records(session, [record for _, _, record in placed])
    writer = BatchWriter(session)
    reasons: dict[int, Reason] = {}
    for position, ((number, _, record), identity) in enumerate(
        zip(placed, identities, strict=True)
    ):
        source = batches[number].source
        if isinstance(identity, Reason):
            writer.queue(position, record, identity, source=source)
            reasons[position] = identity
        else:
            writer.store(position, record, identity, source=source)
    for position, (status, trouble) in writer.write().items():
        number, index, record = placed[position]
        reason = reasons.get(position) if status is Status.QUEUED else None
        outcomes[number][index] = RecordOutcome(status, record, trouble, reason)
    results = [BatchResult([o for o in batch if o is not None]) for batch in outcomes]
    for batch, result in zip(batches, results, strict=True):
        _audit(
            session,
            result,
            sender_facility=batch.sender_facility,
            channel=batch.channel,
            actor=actor,
        )
    return results


def _problem(source: str, record: ClinicalRecord, code: str, **params: object) -> RecordProblem:
    return RecordProblem(source, record.key, None, code, {"value": record.facility_code, **params})


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
