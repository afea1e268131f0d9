"""The whole health book as a FHIR R4 ``collection`` bundle, for the citizen to take to another
system or keep (R3–R5).

Built with ``fhir.resources``' R4B models, as the reader (:mod:`sokhoe.records.fhir`) reads
them, and with the same systems (:mod:`sokhoe.records.fhir_codes`): the person is a
``Patient`` with his personal ID in the VN core IG's system; each facility an
``Organization`` with its ``MA_CSKCB``; a visit an ``Encounter`` with a ``Condition`` per
diagnosis (ICD-10, named in Vietnamese); a dose an ``Immunization`` in the TCMR vaccine
codes; a referral letter a ``ServiceRequest``; a re-exam appointment an ``Appointment`` at the
facility's ``Location`` (an appointment's participant cannot be an organization). Reading the
bundle back gives the book's records again.

Each record keeps its key at its facility as an official identifier assigned by the
facility's ``Organization``. Resources are named by ``urn:uuid:`` full URLs drawn afresh for
each file: they say nothing of the person.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator

from fhir.resources.R4B.appointment import Appointment, AppointmentParticipant
from fhir.resources.R4B.bundle import Bundle, BundleEntry
from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.coding import Coding
from fhir.resources.R4B.condition import Condition
from fhir.resources.R4B.domainresource import DomainResource
from fhir.resources.R4B.encounter import Encounter, EncounterDiagnosis, EncounterHospitalization
from fhir.resources.R4B.extension import Extension
from fhir.resources.R4B.humanname import HumanName
from fhir.resources.R4B.identifier import Identifier
from fhir.resources.R4B.immunization import (
    Immunization,
    ImmunizationPerformer,
    ImmunizationProtocolApplied,
)
from fhir.resources.R4B.location import Location
from fhir.resources.R4B.organization import Organization
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.period import Period
from fhir.resources.R4B.reference import Reference
from fhir.resources.R4B.servicerequest import ServiceRequest

from sokhoe.records import clinical, icd10
from sokhoe.records.book import OUTCOMES, VISIT_TYPES
from sokhoe.records.book_export import WholeBook
from sokhoe.records.fhir_codes import (
    FACILITY_SYSTEM,
    ICD10_SYSTEM,
    OUTCOME_SYSTEM,
    PERSON_ID_SYSTEM,
    RE_EXAM_EXTENSION,
    VACCINE_SYSTEM,
    VISIT_TYPE_SYSTEM,
)
from sokhoe.records.vaccines import VACCINES
from sokhoe.vietnam_time import VIETNAM_TIME

MEDIA_TYPE = "application/fhir+json"

_V2_IDENTIFIER_TYPES = "http://terminology.hl7.org/CodeSystem/v2-0203"
_ACT_CODES = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
_CONDITION_CATEGORIES = "http://terminology.hl7.org/CodeSystem/condition-category"
_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
#: SNOMED CT "patient referral": one of the codings the reader takes for a referral letter.
_REFERRAL = Coding(system="http://snomed.info/sct", code="3457005", display="Patient referral")
#: ``Encounter.class`` of a ``MA_LOAI_KCB`` (inpatient, day care), else ambulatory; the type
#: itself goes in ``Encounter.type``.
_CLASSES = {"03": "IMP", "09": "IMP", "04": "SS"}
#: A visit of no known kind: ``Encounter.class`` is required, and any class would be read
#: back as a kind.
_UNKNOWN_CLASS = Coding(system="http://terminology.hl7.org/CodeSystem/v3-NullFlavor", code="UNK")
_GENDERS = {"M": "male", "F": "female"}
#: A birth date as precise as the register knows it (FHIR takes ``1990`` and ``1990-05``).
_DATE_FORMS = {"day": "%Y-%m-%d", "month": "%Y-%m", "year": "%Y"}


def book_bundle(book: WholeBook, *, now: dt.datetime) -> dict[str, object]:
    """The bundle as JSON-ready data; ``now`` (aware) is its timestamp."""
    builder = _Builder(book)
    return Bundle(
        type="collection",
        timestamp=now,
        identifier=Identifier(system="urn:ietf:rfc:3986", value=f"urn:uuid:{uuid.uuid4()}"),
        entry=[BundleEntry(fullUrl=url, resource=resource) for url, resource in builder.entries()],
    ).model_dump(mode="json", exclude_none=True)


class _Builder:
    def __init__(self, book: WholeBook) -> None:
        self.book = book
        self.patient = _url()
        self.organizations = {code: _url() for code in book.facilities}
        self.locations: dict[str, str] = {}

    def entries(self) -> Iterator[tuple[str, DomainResource]]:
        yield self.patient, self._patient()
        for visit in self.book.visits:
            encounter = _url()
            conditions = [_url() for _ in _codes(visit)]
            yield encounter, self._encounter(visit, conditions)
            for url, code in zip(conditions, _codes(visit), strict=True):
                yield url, self._condition(code, encounter)
        for dose in self.book.doses:
            yield _url(), self._immunization(dose)
        for letter in self.book.referrals:
            yield _url(), self._referral(letter)
        for appointment in self.book.appointments:
            yield _url(), self._appointment(appointment)
        for code, url in self.organizations.items():
            yield url, self._organization(code)
        for code, url in self.locations.items():
            yield url, Location(name=self.book.facility(code), managingOrganization=self._org(code))

    def _patient(self) -> Patient:
        person = self.book.person
        birth = None
        if person.birth_date is not None:
            birth = person.birth_date.strftime(_DATE_FORMS[person.birth_precision])
        return Patient(
            identifier=[
                Identifier(use="official", system=PERSON_ID_SYSTEM, value=person.person_id)
            ],
            name=[HumanName(use="official", text=person.full_name)],
            gender=_GENDERS.get(person.sex or "", "unknown"),
            birthDate=birth,
        )

    def _organization(self, code: str) -> Organization:
        name = self.book.facilities[code]
        return Organization(
            identifier=[Identifier(system=FACILITY_SYSTEM, value=code)],
            name=name if name != code else None,
        )

    def _org(self, code: str) -> Reference:
        return Reference(reference=self.organizations[code], type="Organization")

    def _subject(self) -> Reference:
        return Reference(reference=self.patient, type="Patient")

    def _key(
        self, record: clinical.ClinicalRecord, kind: CodeableConcept | None = None
    ) -> Identifier:
        """The record's key, assigned by its facility."""
        return Identifier(
            use="official", type=kind, value=record.key, assigner=self._org(record.facility_code)
        )

    def _encounter(self, visit: clinical.Visit, conditions: list[str]) -> Encounter:
        visit_number = CodeableConcept(coding=[Coding(system=_V2_IDENTIFIER_TYPES, code="VN")])
        kind = visit.visit_type or ""
        outcome = None
        if visit.outcome:
            outcome = EncounterHospitalization(
                dischargeDisposition=_concept(
                    OUTCOME_SYSTEM, visit.outcome, OUTCOMES.get(visit.outcome)
                )
            )
        return Encounter(
            identifier=[self._key(visit, visit_number)],
            status="finished" if visit.ended_at else "in-progress",
            class_fhir=Coding(system=_ACT_CODES, code=_CLASSES.get(kind, "AMB"))
            if kind
            else _UNKNOWN_CLASS,
            type=[_concept(VISIT_TYPE_SYSTEM, kind, VISIT_TYPES.get(kind))] if kind else None,
            subject=self._subject(),
            period=Period(start=_vietnam(visit.started_at), end=_vietnam(visit.ended_at)),
            serviceProvider=self._org(visit.facility_code),
            reasonCode=[CodeableConcept(text=visit.reason)] if visit.reason else None,
            diagnosis=[
                EncounterDiagnosis(condition=Reference(reference=url), rank=rank)
                for rank, url in enumerate(conditions, start=1)
            ]
            or None,
            hospitalization=outcome,
            extension=[Extension(url=RE_EXAM_EXTENSION, valueDate=visit.re_exam_on)]
            if visit.re_exam_on
            else None,
        )

    def _condition(self, code: str, encounter: str) -> Condition:
        return Condition(
            category=[_concept(_CONDITION_CATEGORIES, "encounter-diagnosis", None)],
            verificationStatus=_concept(_VERIFICATION, "confirmed", None),
            code=_diagnosis(code, None),
            subject=self._subject(),
            encounter=Reference(reference=encounter, type="Encounter"),
        )

    def _immunization(self, dose: clinical.Immunization) -> Immunization:
        number = dose.dose_number
        return Immunization(
            identifier=[self._key(dose)],
            status="completed",
            vaccineCode=_concept(VACCINE_SYSTEM, dose.vaccine, VACCINES.get(dose.vaccine)),
            patient=self._subject(),
            occurrenceDateTime=dose.given_on,
            performer=[ImmunizationPerformer(actor=self._org(dose.facility_code))],
            lotNumber=dose.lot_number,
            protocolApplied=[ImmunizationProtocolApplied(doseNumberPositiveInt=number)]
            if number
            else None,
        )

    def _referral(self, letter: clinical.Referral) -> ServiceRequest:
        reasons = [_diagnosis(letter.diagnosis, letter.diagnosis_text)] if letter.diagnosis else []
        if letter.reason:
            reasons.append(CodeableConcept(text=letter.reason))
        return ServiceRequest(
            identifier=[self._key(letter)],
            requisition=Identifier(value=letter.number) if letter.number else None,
            status="completed",
            intent="order",
            category=[CodeableConcept(coding=[_REFERRAL])],
            subject=self._subject(),
            authoredOn=letter.referred_on,
            requester=self._org(letter.facility_code),
            performer=[self._org(letter.to_facility)] if letter.to_facility else None,
            reasonCode=reasons or None,
        )

    def _appointment(self, appointment: clinical.Appointment) -> Appointment:
        code = appointment.facility_code
        location = self.locations.setdefault(code, _url())
        identifiers = [self._key(appointment)]
        if appointment.number and appointment.number != appointment.key:
            identifiers.append(Identifier(use="secondary", value=appointment.number))
        # A day, not an hour: the appointment spans it, in Vietnam.
        day = dt.datetime.combine(appointment.on, dt.time(), VIETNAM_TIME)
        return Appointment(
            identifier=identifiers,
            status="booked",
            start=day,
            end=day + dt.timedelta(days=1, seconds=-1),
            participant=[
                AppointmentParticipant(actor=self._subject(), status="accepted"),
                AppointmentParticipant(
                    actor=Reference(reference=location, type="Location"), status="accepted"
                ),
            ],
            reasonCode=[_diagnosis(appointment.diagnosis, appointment.diagnosis_text)]
            if appointment.diagnosis
            else None,
        )


def _url() -> str:
    return f"urn:uuid:{uuid.uuid4()}"


def _codes(visit: clinical.Visit) -> list[str]:
    main = [visit.main_diagnosis] if visit.main_diagnosis else []
    return main + list(visit.other_diagnoses)


def _concept(system: str, code: str, display: str | None) -> CodeableConcept:
    return CodeableConcept(coding=[Coding(system=system, code=code, display=display)])


def _diagnosis(code: str, text: str | None) -> CodeableConcept:
    """An ICD-10 diagnosis named in Vietnamese (the facility's own words as its text)."""
    name = icd10.name(code)
    return CodeableConcept(
        coding=[Coding(system=ICD10_SYSTEM, code=code, display=name)], text=text or name
    )


def _vietnam(value: dt.datetime | None) -> dt.datetime | None:
    return value.astimezone(VIETNAM_TIME) if value is not None else None
