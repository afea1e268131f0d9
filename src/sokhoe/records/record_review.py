"""The Department of Health resolves the review queue: hospital records whose person could
not be identified (issue 6, R6; :mod:`~sokhoe.records.identify`).

Who. The province's Department of Health, for the records of the facilities in its
province, and no one else. Not the sending facility's staff: a facility that knows its
patient sends the record again with the personal ID, which identifies it and closes the
entry by itself; the queue holds what the facility could not settle, and one office per
province decides it one way. Every other role, and another province's department, is
refused like any refusal (the app's 404).

What the reviewer reads. The waiting records, oldest first, a page at a time: the facility,
the kind of record and its day, when it came, why it waits, and what the record says of the
patient (name, birth date, sex, the personal ID and card number as sent, the facility's
patient number). That is personal data: every page and every record read is audited
(purpose ``record_review``), in the transaction of the read.

What the reviewer decides, once per entry:

- :func:`resolve`: the personal ID of the patient, typed by the reviewer, which the register
  must hold. The record goes into that person's health book through the ingest service's
  :class:`~sokhoe.records.writer.BatchWriter`, exactly as an identified resend would go;
  the entry keeps whom the reviewer named, and a later resend of the record that still
  identifies no one goes to that person too (:func:`~sokhoe.records.identify.identify_records`).
- :func:`dismiss`: test data, a duplicate; with the reason, kept with the entry. A resend
  of the same content leaves it dismissed; a changed one waits again.

Both are audited with the read. The decision form carries the entry's fingerprint as its
version: an entry another officer decided first, or that the hospital sent again with other
content since the form was shown, is :class:`AlreadyDecided` (409) — a decision is never
applied to a record the reviewer did not see.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from sokhoe.access import audit, guard
from sokhoe.access.clock import utcnow
from sokhoe.access.purposes import Purpose
from sokhoe.access.scope import Actor
from sokhoe.records import icd10, rows
from sokhoe.records.clinical import Appointment, ClinicalRecord, Immunization, Patient, Visit
from sokhoe.records.identify import Reason
from sokhoe.records.models import UnidentifiedRecord
from sokhoe.records.problems import RecordProblem
from sokhoe.records.vaccines import VACCINES
from sokhoe.records.writer import BatchWriter
from sokhoe.registry import service as registry_service
from sokhoe.registry.facility_names import facility_name

#: Waiting records per page.
PAGE_SIZE = 20
MIN_REASON_LENGTH = 5
MAX_REASON_LENGTH = 500

OPEN, RESOLVED, DISMISSED = "open", "resolved", "dismissed"

READ_ACTION = "read_unidentified_records"
RESOLVE_ACTION = "resolve_unidentified_record"
DISMISS_ACTION = "dismiss_unidentified_record"


class AlreadyDecided(Exception):
    """Another officer decided on the entry first, or the hospital sent the record again
    with other content since the reviewer's form was shown."""


class UnknownPerson(ValueError):
    """The personal ID the reviewer typed is not in the register."""


class ReasonRequired(ValueError):
    """A dismissal without a reason of :data:`MIN_REASON_LENGTH` characters."""


class NotStorable(Exception):
    """The record has a value its table cannot hold (ingest refuses it the same way): it
    stays in the queue, for the facility to send it again or for dismissal."""

    def __init__(self, problem: RecordProblem) -> None:
        super().__init__(problem.message())
        self.problem = problem


@dataclass(frozen=True)
class QueuedRecord:
    """One entry of the queue as the reviewer sees it."""

    id: int
    #: What the decision form sends back: the entry's fingerprint.
    version: str
    facility_code: str
    facility_name: str | None
    #: ``visit``, ``referral``, ``appointment`` or ``immunization``.
    kind: str
    #: The record's key at its facility (``MA_LK``), to ask the facility about it.
    key: str
    #: The record's day: a visit's start (an instant), a letter's or a dose's date.
    on: dt.date
    #: The main diagnosis (ICD-10), or the vaccine of a dose.
    what: str | None
    #: ``what`` in words: the diagnosis's Vietnamese name, the vaccine's.
    what_name: str | None
    received_at: dt.datetime
    reason: Reason
    #: The patient as the facility sent them.
    patient: Patient
    status: str
    resolved_at: dt.datetime | None


def waiting(
    session: Session,
    actor: Actor,
    *,
    province_code: int,
    offset: int = 0,
    limit: int = PAGE_SIZE,
) -> tuple[list[QueuedRecord], int]:
    """One page of the province's waiting records, oldest first, and how many wait (one
    audited read; refused to anyone but the province's Department of Health)."""
    guard.authorize_province(
        session,
        actor,
        province_code=province_code,
        action=READ_ACTION,
        purpose=Purpose.RECORD_REVIEW,
        detail=f"hồ sơ chưa xác định được người, trang {offset // limit + 1}",
    )
    where = (
        UnidentifiedRecord.status == OPEN,
        UnidentifiedRecord.facility_code.in_(
            registry_service.facilities_of_province(province_code)
        ),
    )
    total = session.scalar(select(func.count()).select_from(UnidentifiedRecord).where(*where))
    entries = session.scalars(
        select(UnidentifiedRecord)
        .where(*where)
        .order_by(UnidentifiedRecord.received_at, UnidentifiedRecord.id)
        .offset(offset)
        .limit(limit)
    )
    return [_view(session, entry) for entry in entries], total or 0


def get(session: Session, actor: Actor, *, record_id: int) -> QueuedRecord:
    """One entry of the queue, decided or not (an audited read)."""
    return _view(session, _entry(session, actor, record_id, "đọc"))


def resolve(
    session: Session,
    actor: Actor,
    *,
    record_id: int,
    version: str,
    person_id: str,
    now: dt.datetime | None = None,
) -> None:
    """Stores the record in the book of ``person_id`` and closes its entry. Raises
    :class:`AlreadyDecided`, :class:`UnknownPerson`, :class:`NotStorable`, or
    :class:`~sokhoe.access.guard.AccessDenied` outside the reviewer's province."""
    entry = _entry(session, actor, record_id, "ghi nhận người")
    _check_open(entry, version)
    person_id = person_id.strip()
    if not registry_service.registered_person_ids(session, [person_id]):
        raise UnknownPerson(person_id)
    writer = BatchWriter(session)
    record = rows.from_json(entry.kind, entry.record)
    writer.store(0, record, person_id, source=f"hồ sơ chờ xác định #{entry.id}")
    if writer.refused:
        raise NotStorable(writer.refused[0])
    # Closed before writing: the writer then finds no open entry of the record to close.
    _close(session, actor, entry, version, now, status=RESOLVED, resolved_person_id=person_id)
    writer.write()
    audit.record(
        session,
        actor=actor,
        action=RESOLVE_ACTION,
        subject_person_id=person_id,
        purpose=Purpose.RECORD_REVIEW,
        detail=f"cơ sở {entry.facility_code}, hồ sơ #{entry.id}: ghi vào sổ sức khỏe",
    )


def dismiss(
    session: Session,
    actor: Actor,
    *,
    record_id: int,
    version: str,
    reason: str,
    now: dt.datetime | None = None,
) -> None:
    """Closes the entry without storing the record, keeping ``reason``. Raises
    :class:`AlreadyDecided`, :class:`ReasonRequired`, or
    :class:`~sokhoe.access.guard.AccessDenied` outside the reviewer's province."""
    entry = _entry(session, actor, record_id, "bỏ qua")
    _check_open(entry, version)
    reason = " ".join(reason.split())
    if not MIN_REASON_LENGTH <= len(reason) <= MAX_REASON_LENGTH:
        raise ReasonRequired(f"{MIN_REASON_LENGTH}–{MAX_REASON_LENGTH} characters")
    _close(session, actor, entry, version, now, status=DISMISSED, dismissal_reason=reason)
    audit.record(
        session,
        actor=actor,
        action=DISMISS_ACTION,
        purpose=Purpose.RECORD_REVIEW,
        detail=f"cơ sở {entry.facility_code}, hồ sơ #{entry.id}: bỏ qua",
    )


def _entry(session: Session, actor: Actor, record_id: int, what: str) -> UnidentifiedRecord:
    """The entry, once the guard let the actor at its facility's province (audited)."""
    entry = session.get(UnidentifiedRecord, record_id)
    province = registry_service.facility_province(session, entry.facility_code) if entry else None
    if entry is None or province is None:
        raise guard.AccessDenied
    guard.authorize_province(
        session,
        actor,
        province_code=province,
        action=READ_ACTION,
        purpose=Purpose.RECORD_REVIEW,
        detail=f"hồ sơ chưa xác định được người #{entry.id}, {what}",
    )
    return entry


def _check_open(entry: UnidentifiedRecord, version: str) -> None:
    if entry.status != OPEN or entry.fingerprint != version:
        raise AlreadyDecided


def _close(
    session: Session,
    actor: Actor,
    entry: UnidentifiedRecord,
    version: str,
    now: dt.datetime | None,
    **decision: Any,
) -> None:
    """Records the decision if the entry is still open as the reviewer saw it, else raises
    :class:`AlreadyDecided` (another transaction was first)."""
    at = (now or utcnow()).astimezone(dt.UTC).replace(tzinfo=None)
    closed = session.execute(
        update(UnidentifiedRecord)
        .where(
            UnidentifiedRecord.id == entry.id,
            UnidentifiedRecord.status == OPEN,
            UnidentifiedRecord.fingerprint == version,
        )
        .values(resolved_at=at, updated_at=at, resolved_by_user_id=actor.user_id, **decision)
    )
    if closed.rowcount != 1:  # type: ignore[attr-defined]
        raise AlreadyDecided


def _view(session: Session, entry: UnidentifiedRecord) -> QueuedRecord:
    record = rows.from_json(entry.kind, entry.record)
    on, what = _day_and_what(record)
    return QueuedRecord(
        id=entry.id,
        version=entry.fingerprint,
        facility_code=entry.facility_code,
        facility_name=facility_name(session, entry.facility_code),
        kind=entry.kind,
        key=entry.key,
        on=on,
        what=what,
        what_name=_named(record, what),
        received_at=entry.received_at,
        reason=Reason(entry.reason),
        patient=record.patient,
        status=entry.status,
        resolved_at=entry.resolved_at,
    )


def _named(record: ClinicalRecord, what: str | None) -> str | None:
    if what is None:
        return None
    if isinstance(record, Immunization):
        return VACCINES.get(what)
    return icd10.vietnamese_name(what)


def _day_and_what(record: ClinicalRecord) -> tuple[dt.date, str | None]:
    if isinstance(record, Visit):
        return rows.utc_naive(record.started_at), record.main_diagnosis
    if isinstance(record, Immunization):
        return record.given_on, record.vaccine
    if isinstance(record, Appointment):
        return record.on, record.diagnosis
    return record.referred_on, record.diagnosis
