"""Tables of the health book: what hospitals send (visits, referrals, re-exam appointments,
vaccinations), the review queue of records whose person could not be identified, and the
facilities' HIS credentials.

Every record is keyed by its facility and its key there (``MA_LK``, a FHIR identifier), so a
resend is an update. It keeps the patient as the facility sent them next to ``person_id``,
the person the ingest service identified in the register; ``fingerprint`` digests the stored
content so that an unchanged resend writes nothing. Instants are UTC, naive, like every
stored instant.

Diagnoses stay on the visit (``main_diagnosis``, ``other_diagnoses`` as ``;``-separated
ICD-10 codes, the way ``MA_BENH_KT`` sends them) rather than in a table of their own: the
book reads a person's visits newest first with their diagnoses, one range of the
``(person_id, started_at)`` index and no join; and a changed visit is one row to rewrite.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
)
from sqlalchemy import UniqueConstraint as Unique
from sqlalchemy.orm import Mapped, mapped_column

from sokhoe.db import Base

#: BIGINT on PostgreSQL (a province's records over the years), INTEGER on SQLite, where only
#: an INTEGER primary key is the row id that numbers itself.
RowId = BigInteger().with_variant(Integer(), "sqlite")


class _Received:
    """What every received record has: where it comes from, who it is about as sent and as
    identified, and when it arrived and last changed."""

    id: Mapped[int] = mapped_column(RowId, primary_key=True)
    #: ``MA_CSKCB``: the facility that sent the record.
    facility_code: Mapped[str] = mapped_column(ForeignKey("facility.code"))
    #: The record's key at its facility: ``MA_LK``, or the FHIR resource's identifier.
    key: Mapped[str] = mapped_column(String(100))
    #: The person in the register; set by identification, never taken on trust.
    person_id: Mapped[str] = mapped_column(ForeignKey("citizen.person_id"))
    # The patient as the facility sent them (``Patient``).
    full_name: Mapped[str] = mapped_column(String(255))
    person_id_sent: Mapped[str | None] = mapped_column(String(12))
    card_number: Mapped[str | None] = mapped_column(String(15))
    birth_date: Mapped[dt.date | None] = mapped_column(Date)
    sex: Mapped[str | None] = mapped_column(String(1))
    patient_code: Mapped[str | None] = mapped_column(String(100))
    #: Digest of every stored column but the times: equal means an unchanged resend.
    fingerprint: Mapped[str] = mapped_column(String(32))
    received_at: Mapped[dt.datetime] = mapped_column(DateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)


class Visit(_Received, Base):
    """A visit: an ``XML1`` (QĐ 130) or an ``Encounter`` with its ``Condition`` resources."""

    __tablename__ = "visit"
    __table_args__ = (
        Unique("facility_code", "key", name="uq_visit_facility_key"),
        # The book: one person's visits, newest first.
        Index("ix_visit_person_started", "person_id", "started_at"),
    )

    started_at: Mapped[dt.datetime] = mapped_column(DateTime)
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    #: ``MA_LOAI_KCB``: 01 outpatient, 03 inpatient, …
    visit_type: Mapped[str | None] = mapped_column(String(2))
    reason: Mapped[str | None] = mapped_column(Text)
    #: ICD-10, dotted (``J06.9``).
    main_diagnosis: Mapped[str | None] = mapped_column(String(10))
    #: ICD-10 codes separated by ``;`` (at most 12 in QĐ 130), empty when none.
    other_diagnoses: Mapped[str] = mapped_column(Text)
    #: ``KET_QUA_DTRI``: 1 cured, 2 improved, … 5 died.
    outcome: Mapped[str | None] = mapped_column(String(2))
    re_exam_on: Mapped[dt.date | None] = mapped_column(Date)


class Referral(_Received, Base):
    """A referral letter (giấy chuyển tuyến): ``XML13``, a FHIR ``ServiceRequest``."""

    __tablename__ = "referral"
    __table_args__ = (
        Unique("facility_code", "key", name="uq_referral_facility_key"),
        Index("ix_referral_person_referred", "person_id", "referred_on"),
    )

    referred_on: Mapped[dt.date] = mapped_column(Date)
    #: ``SO_CHUYENTUYEN`` as printed (real files put template text with dot fillers here).
    number: Mapped[str | None] = mapped_column(Text)
    #: ``MA_NOI_DEN``; kept as sent, as the register may not know the facility.
    to_facility: Mapped[str | None] = mapped_column(String(5))
    diagnosis: Mapped[str | None] = mapped_column(String(10))
    diagnosis_text: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)


class Appointment(_Received, Base):
    """A re-exam appointment (giấy hẹn khám lại): ``XML14``, a FHIR ``Appointment``."""

    __tablename__ = "appointment"
    __table_args__ = (
        Unique("facility_code", "key", name="uq_appointment_facility_key"),
        # The book: one person's appointments, upcoming first.
        Index("ix_appointment_person_on", "person_id", "on_date"),
    )

    #: The appointment's day (``on`` of the record; a reserved word in SQL).
    on_date: Mapped[dt.date] = mapped_column(Date)
    number: Mapped[str | None] = mapped_column(Text)
    diagnosis: Mapped[str | None] = mapped_column(String(10))
    diagnosis_text: Mapped[str | None] = mapped_column(Text)


class Immunization(_Received, Base):
    """A vaccine dose given (a FHIR ``Immunization``)."""

    __tablename__ = "immunization"
    __table_args__ = (
        Unique("facility_code", "key", name="uq_immunization_facility_key"),
        # The book: a child's doses against the schedule.
        Index("ix_immunization_person_vaccine", "person_id", "vaccine"),
    )

    #: A code of :data:`sokhoe.records.vaccines.VACCINES`.
    vaccine: Mapped[str] = mapped_column(String(20))
    given_on: Mapped[dt.date] = mapped_column(Date)
    dose_number: Mapped[int | None] = mapped_column(SmallInteger)
    lot_number: Mapped[str | None] = mapped_column(String(50))


class UnidentifiedRecord(Base):
    """The review queue: a record whose person could not be identified, kept as sent.

    Nothing is dropped: the record waits here, with why, until a resend identifies the
    person (the entry is then ``resolved`` and the record stored in its table) or a reviewer
    of the Department of Health names them (:mod:`~sokhoe.records.record_review`: also
    ``resolved``, with the person named, whom later resends go to) or dismisses the record
    (test data, a duplicate). A resend of a queued record updates its entry rather than
    queueing it twice; a changed resend of a dismissed one opens it again.
    """

    __tablename__ = "unidentified_record"
    __table_args__ = (
        Unique("facility_code", "kind", "key", name="uq_unidentified_record_facility_kind_key"),
        # The reviewers' list: a facility's (or province's) open entries.
        Index("ix_unidentified_record_status_facility", "status", "facility_code"),
    )

    id: Mapped[int] = mapped_column(RowId, primary_key=True)
    facility_code: Mapped[str] = mapped_column(ForeignKey("facility.code"))
    #: ``visit``, ``referral``, ``appointment`` or ``immunization``.
    kind: Mapped[str] = mapped_column(String(12))
    key: Mapped[str] = mapped_column(String(100))
    #: A code of :data:`sokhoe.records.identify.REASONS`.
    reason: Mapped[str] = mapped_column(String(20))
    #: The whole record as sent, as JSON (dates in ISO 8601).
    record: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: ``open``, ``resolved`` or ``dismissed``.
    status: Mapped[str] = mapped_column(String(10))
    fingerprint: Mapped[str] = mapped_column(String(32))
    received_at: Mapped[dt.datetime] = mapped_column(DateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)
    #: When the entry was resolved or dismissed.
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    #: The reviewer who resolved or dismissed the entry (``None`` when a resend identified
    #: the person).
    resolved_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    #: The person the reviewer named: a resend that identifies no one is theirs.
    resolved_person_id: Mapped[str | None] = mapped_column(ForeignKey("citizen.person_id"))
    #: Why the reviewer dismissed the record.
    dismissal_reason: Mapped[str | None] = mapped_column(Text)


class HisCredential(Base):
    """A facility's API key for its hospital information system (HIS): only its SHA-256 is
    kept (see :mod:`sokhoe.records.his_credentials`)."""

    __tablename__ = "his_credential"

    id: Mapped[int] = mapped_column(RowId, primary_key=True)
    facility_code: Mapped[str] = mapped_column(ForeignKey("facility.code"), index=True)
    #: Hexadecimal SHA-256 of the key as presented; unique, and the lookup's index.
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: What the facility calls the key (the HIS vendor, the server), for revoking the right one.
    label: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
