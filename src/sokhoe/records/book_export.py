"""The whole health book of one person, read at once to be taken away as a file: a FHIR R4
bundle (:mod:`~sokhoe.records.book_fhir`) or a printable PDF (:mod:`~sokhoe.records.book_pdf`).

The book page reads a page of visits at a time; a download reads every record. The guard is
the book's own (:func:`~sokhoe.records.book.book_person`: the person, or his guardian while
he is a child under 14), with one audit entry of action :data:`DOWNLOAD_BOOK`, which "who
viewed my book" lists. Each table is one query, whatever the number of records; facility
names come from the registry's cache, one query per facility at most.

Records are those the hospitals' parsers give (:mod:`sokhoe.records.clinical`), with the
person as the register knows him, so that a bundle read back gives the same records.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from sokhoe.access.consent import DOWNLOAD_BOOK
from sokhoe.access.scope import Actor
from sokhoe.records import clinical, models
from sokhoe.records.book import (
    DoseLine,
    GivenDose,
    Person,
    book_person,
    split_codes,
    vaccination_lines,
)
from sokhoe.registry.facility_names import facility_name


@dataclass(frozen=True)
class WholeBook:
    person: Person
    #: The day in Vietnam the book was read: doses' status, upcoming appointments.
    today: dt.date
    #: Newest first.
    visits: list[clinical.Visit]
    #: In the order given.
    doses: list[clinical.Immunization]
    #: Newest first.
    referrals: list[clinical.Referral]
    #: Upcoming first (soonest first), then past ones (latest first), as the book shows them.
    appointments: list[clinical.Appointment]
    #: The schedule's doses for a child, then doses given outside it (see ``vaccination_lines``).
    vaccinations: list[DoseLine]
    #: Name of every facility the records name, by ``MA_CSKCB`` (the code when unknown).
    facilities: dict[str, str]

    @property
    def on_schedule(self) -> bool:
        return self.person.schedule_birth is not None

    def facility(self, code: str | None) -> str | None:
        return self.facilities.get(code, code) if code else None


def read_whole_book(session: Session, actor: Actor, person_id: str, *, today: dt.date) -> WholeBook:
    """Every record of the book of ``person_id``, as ``actor`` may read it (audited, one
    entry). ``today`` is the day in Vietnam. Raises
    :class:`~sokhoe.access.guard.AccessDenied`, like the book page."""
    person = book_person(session, actor, person_id, today=today, action=DOWNLOAD_BOOK)
    patient = clinical.Patient(
        full_name=person.full_name,
        person_id=person.person_id,
        birth_date=person.birth_date if person.birth_precision == "day" else None,
        sex=person.sex,
    )
    visits = [
        _visit(row, patient)
        for row in session.scalars(
            select(models.Visit)
            .where(models.Visit.person_id == person_id)
            .order_by(models.Visit.started_at.desc(), models.Visit.id.desc())
        )
    ]
    doses = [
        _dose(row, patient)
        for row in session.scalars(
            select(models.Immunization)
            .where(models.Immunization.person_id == person_id)
            .order_by(models.Immunization.given_on, models.Immunization.id)
        )
    ]
    referrals = [
        _referral(row, patient)
        for row in session.scalars(
            select(models.Referral)
            .where(models.Referral.person_id == person_id)
            .order_by(models.Referral.referred_on.desc(), models.Referral.id.desc())
        )
    ]
    appointments = [
        _appointment(row, patient)
        for row in session.scalars(
            select(models.Appointment)
            .where(models.Appointment.person_id == person_id)
            .order_by(models.Appointment.on_date, models.Appointment.id)
        )
    ]
    records: list[clinical.ClinicalRecord] = [*visits, *doses, *referrals, *appointments]
    codes = {record.facility_code for record in records}
    codes |= {r.to_facility for r in referrals if r.to_facility}
    facilities = {code: facility_name(session, code) or code for code in sorted(codes)}
    given = [
        GivenDose(d.vaccine, d.dose_number, d.given_on, facilities[d.facility_code]) for d in doses
    ]
    return WholeBook(
        person=person,
        today=today,
        visits=visits,
        doses=doses,
        referrals=referrals,
        appointments=[a for a in appointments if a.on >= today]
        + [a for a in reversed(appointments) if a.on < today],
        vaccinations=vaccination_lines(given, birth=person.schedule_birth, today=today),
        facilities=facilities,
    )


def _instant(value: dt.datetime) -> dt.datetime:
    """A stored instant (naive UTC) as the records carry it: aware."""
    return value.replace(tzinfo=dt.UTC)


def _visit(row: models.Visit, patient: clinical.Patient) -> clinical.Visit:
    return clinical.Visit(
        facility_code=row.facility_code,
        key=row.key,
        patient=patient,
        started_at=_instant(row.started_at),
        ended_at=_instant(row.ended_at) if row.ended_at else None,
        visit_type=row.visit_type,
        reason=row.reason,
        main_diagnosis=row.main_diagnosis,
        other_diagnoses=split_codes(row.other_diagnoses),
        outcome=row.outcome,
        re_exam_on=row.re_exam_on,
    )


def _dose(row: models.Immunization, patient: clinical.Patient) -> clinical.Immunization:
    return clinical.Immunization(
        facility_code=row.facility_code,
        key=row.key,
        patient=patient,
        vaccine=row.vaccine,
        given_on=row.given_on,
        dose_number=row.dose_number,
        lot_number=row.lot_number,
    )


def _referral(row: models.Referral, patient: clinical.Patient) -> clinical.Referral:
    return clinical.Referral(
        facility_code=row.facility_code,
        key=row.key,
        patient=patient,
        referred_on=row.referred_on,
        number=row.number,
        to_facility=row.to_facility,
        diagnosis=row.diagnosis,
        diagnosis_text=row.diagnosis_text,
        reason=row.reason,
    )


def _appointment(row: models.Appointment, patient: clinical.Patient) -> clinical.Appointment:
    return clinical.Appointment(
        facility_code=row.facility_code,
        key=row.key,
        patient=patient,
        on=row.on_date,
        number=row.number,
        diagnosis=row.diagnosis,
        diagnosis_text=row.diagnosis_text,
    )
