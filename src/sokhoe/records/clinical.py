"""What a hospital information system sends, whatever the format: the health book's records
as the parsers (:mod:`~sokhoe.records.qd130` for the MoH XML of QĐ 130/4750,
:mod:`~sokhoe.records.fhir` for FHIR R4) hand them to the ingest service.

A record names its facility (``MA_CSKCB``) and its key at that facility (``MA_LK`` for a
QĐ 130 visit, the resource's identifier for FHIR): the pair makes a resend an update, not a
second record. The person is as the facility identifies them (:class:`Patient`); finding
them in the register is the ingest service's work, not the parser's.

Instants are timezone-aware (QĐ 130 writes Vietnam time, FHIR states its offset); storage
converts them to UTC. Diagnoses are ICD-10 codes in the WHO's dotted form (``J06.9``), as
:func:`sokhoe.records.icd10.normalize` gives them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Patient:
    """The person as the sending facility identifies them."""

    full_name: str
    #: 12-digit personal ID (``SO_CCCD``; a FHIR identifier of the national-ID system).
    person_id: str | None = None
    #: BHYT card number, 10 digits or 15 characters (``MA_THE_BHYT``; the first of several).
    card_number: str | None = None
    birth_date: dt.date | None = None
    #: ``"M"``, ``"F"`` or ``None`` (unknown), as in the register.
    sex: str | None = None
    #: The facility's own patient number (``MA_BN``).
    patient_code: str | None = None


@dataclass(frozen=True, slots=True)
class Visit:
    """A visit (``XML1``; a FHIR ``Encounter`` with its ``Condition`` resources)."""

    facility_code: str
    key: str
    patient: Patient
    started_at: dt.datetime
    ended_at: dt.datetime | None = None
    #: ``MA_LOAI_KCB``: 01 outpatient, 03 inpatient, … (FHIR: the encounter class mapped).
    visit_type: str | None = None
    reason: str | None = None
    main_diagnosis: str | None = None
    other_diagnoses: tuple[str, ...] = ()
    #: ``KET_QUA_DTRI``: 1 cured, 2 improved, 3 unchanged, 4 worse, 5 died, …
    outcome: str | None = None
    #: ``NGAY_TAI_KHAM``, when the visit set a re-exam date.
    re_exam_on: dt.date | None = None


@dataclass(frozen=True, slots=True)
class Referral:
    """A referral letter, giấy chuyển tuyến (``XML13``; a FHIR ``ServiceRequest``)."""

    facility_code: str
    key: str
    patient: Patient
    referred_on: dt.date
    #: ``SO_CHUYENTUYEN``: the letter's number as printed.
    number: str | None = None
    #: ``MA_NOI_DEN``: where the patient is sent (may be unknown).
    to_facility: str | None = None
    diagnosis: str | None = None
    diagnosis_text: str | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class Appointment:
    """A re-exam appointment, giấy hẹn khám lại (``XML14``; a FHIR ``Appointment``)."""

    facility_code: str
    key: str
    patient: Patient
    on: dt.date
    #: ``SO_GIAYHEN_KL``.
    number: str | None = None
    diagnosis: str | None = None
    diagnosis_text: str | None = None


@dataclass(frozen=True, slots=True)
class Immunization:
    """A vaccine dose given (a FHIR ``Immunization``; QĐ 130 has no vaccination table)."""

    facility_code: str
    key: str
    patient: Patient
    #: A code of :data:`sokhoe.records.vaccines.VACCINES`.
    vaccine: str
    given_on: dt.date
    dose_number: int | None = None
    lot_number: str | None = None


ClinicalRecord = Visit | Referral | Appointment | Immunization
