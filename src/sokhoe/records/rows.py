"""A hospital's record as the rows the ingest service writes: the columns of its table, the
fingerprint that tells an unchanged resend, and the JSON the review queue keeps (and the
record again from it, when a reviewer names the person).

Plain dictionaries for ``executemany``, never ORM objects: a file of thousands of visits is
written by one statement per table and batch.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import String, Table

from sokhoe.db import Base
from sokhoe.records import models
from sokhoe.records.clinical import (
    Appointment,
    ClinicalRecord,
    Immunization,
    Patient,
    Referral,
    Visit,
)
from sokhoe.vietnam_time import VIETNAM_TIME

Row = dict[str, Any]


def utc_naive(value: dt.datetime) -> dt.datetime:
    """``value`` in UTC without an offset, as instants are stored. The records' instants are
    aware; a naive one can only be a QĐ 130 time, which is Vietnam time."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=VIETNAM_TIME)
    return value.astimezone(dt.UTC).replace(tzinfo=None)


def _optional_utc(value: dt.datetime | None) -> dt.datetime | None:
    return None if value is None else utc_naive(value)


def _visit(record: Visit) -> Row:
    return {
        "started_at": utc_naive(record.started_at),
        "ended_at": _optional_utc(record.ended_at),
        "visit_type": record.visit_type,
        "reason": record.reason,
        "main_diagnosis": record.main_diagnosis,
        "other_diagnoses": ";".join(record.other_diagnoses),
        "outcome": record.outcome,
        "re_exam_on": record.re_exam_on,
    }


def _referral(record: Referral) -> Row:
    return {
        "referred_on": record.referred_on,
        "number": record.number,
        "to_facility": record.to_facility,
        "diagnosis": record.diagnosis,
        "diagnosis_text": record.diagnosis_text,
        "reason": record.reason,
    }


def _appointment(record: Appointment) -> Row:
    return {
        "on_date": record.on,
        "number": record.number,
        "diagnosis": record.diagnosis,
        "diagnosis_text": record.diagnosis_text,
    }


def _immunization(record: Immunization) -> Row:
    return {
        "vaccine": record.vaccine,
        "given_on": record.given_on,
        "dose_number": record.dose_number,
        "lot_number": record.lot_number,
    }


@dataclasses.dataclass(frozen=True)
class Kind:
    """One kind of record: its name (as the review queue names it), table and own columns."""

    name: str
    table: Table
    columns: Callable[[Any], Row]


def _table(model: type[Base]) -> Table:
    return Base.metadata.tables[model.__tablename__]


KINDS: dict[type, Kind] = {
    Visit: Kind("visit", _table(models.Visit), _visit),
    Referral: Kind("referral", _table(models.Referral), _referral),
    Appointment: Kind("appointment", _table(models.Appointment), _appointment),
    Immunization: Kind("immunization", _table(models.Immunization), _immunization),
}

#: Each kind's record class, by name.
_CLASSES = {kind.name: cls for cls, kind in KINDS.items()}

QUEUE = _table(models.UnidentifiedRecord)

#: Every table ingest writes, by name.
TABLES = {table.name: table for table in (*(k.table for k in KINDS.values()), QUEUE)}


def kind_of(record: ClinicalRecord) -> Kind:
    return KINDS[type(record)]


def fingerprint(content: Mapping[str, Any]) -> str:
    """A digest of ``content`` (column → value): equal for equal values of the same types,
    whichever order the columns come in."""
    text = repr(sorted(content.items()))
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


def record_row(record: ClinicalRecord, person_id: str) -> Row:
    """The row of ``record``'s table (without times), fingerprint included."""
    patient = record.patient
    row: Row = {
        "facility_code": record.facility_code,
        "key": record.key,
        "person_id": person_id,
        "full_name": patient.full_name,
        "person_id_sent": patient.person_id,
        "card_number": patient.card_number,
        "birth_date": patient.birth_date,
        "sex": patient.sex,
        "patient_code": patient.patient_code,
        **kind_of(record).columns(record),
    }
    row["fingerprint"] = fingerprint(row)
    return row


def as_json(record: ClinicalRecord) -> dict[str, Any]:
    """The record as sent, in JSON's types (dates and instants in ISO 8601, with offset)."""
    fields = dataclasses.asdict(record)
    loaded: dict[str, Any] = json.loads(json.dumps(fields, default=_iso, ensure_ascii=False))
    return loaded


def _iso(value: object) -> str:
    if isinstance(value, dt.date):  # datetimes too
        return value.isoformat()
    raise TypeError(f"not JSON: {type(value).__name__}")


def from_json(kind: str, fields: Mapping[str, Any]) -> ClinicalRecord:
    """The record that :func:`as_json` turned into ``fields``; ``kind`` is its
    :attr:`Kind.name` (``unidentified_record.kind``)."""
    record: ClinicalRecord = _load(_CLASSES[kind], fields)
    return record


def _load(cls: type, fields: Mapping[str, Any]) -> Any:
    hints = typing.get_type_hints(cls)
    return cls(**{f.name: _value(hints[f.name], fields[f.name]) for f in dataclasses.fields(cls)})


def _value(hint: Any, value: Any) -> Any:
    """``value`` back in the type of the field hinted ``hint`` (``None`` stays ``None``)."""
    if value is None:
        return None
    options = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
    if Patient in options:
        return _load(Patient, value)
    if dt.datetime in options:
        return dt.datetime.fromisoformat(value)
    if dt.date in options:
        return dt.date.fromisoformat(value)
    if typing.get_origin(hint) is tuple:
        return tuple(value)
    return value


def queue_row(record: ClinicalRecord, reason: str) -> Row:
    """The review queue's entry for ``record`` (without times), open, fingerprint included.

    Written over an entry only when the fingerprint differs: a changed resend of a dismissed
    record opens it again, and what the reviewer decided on it no longer stands."""
    row: Row = {
        "facility_code": record.facility_code,
        "kind": kind_of(record).name,
        "key": record.key,
        "reason": reason,
        "record": as_json(record),
        "status": "open",
        "resolved_at": None,
    }
    row["fingerprint"] = fingerprint(
        {**row, "record": json.dumps(row["record"], sort_keys=True, ensure_ascii=False)}
    )
    # Not in the fingerprint, which predates them and is what tells a resend unchanged.
    row.update(resolved_by_user_id=None, resolved_person_id=None, dismissal_reason=None)
    return row


def _limits(table: Table) -> dict[str, int]:
    return {
        column.name: column.type.length
        for column in table.columns
        if isinstance(column.type, String) and column.type.length
    }


_LIMITS = {name: _limits(table) for name, table in TABLES.items()}


def too_long(table: Table, row: Mapping[str, Any]) -> tuple[str, int] | None:
    """The first column of ``row`` longer than ``table`` allows, with its limit; ``None``
    when all fit. The parsers check what the formats allow; this keeps a value they let
    through from failing a whole batch on PostgreSQL (SQLite would store it as it is)."""
    for name, limit in _LIMITS[table.name].items():
        value = row.get(name)
        if isinstance(value, str) and len(value) > limit:
            return name, limit
    return None
