"""The book's records made of a bundle's validated resources: a ``Patient`` (with the card of a
``Coverage``) is the person of every record naming it; an ``Encounter`` with the ``Condition``
resources naming it is a :class:`~sokhoe.records.clinical.Visit`; an ``Immunization``, a
referral ``ServiceRequest`` and an ``Appointment`` are records of their own.

What QĐ 130 says of a visit and FHIR has no element for is read from Sổ Khỏe's own codes
(:mod:`~sokhoe.records.fhir_codes`), as its book export writes them: the kind of visit
(``Encounter.type``, finer than the class), its outcome (``dischargeDisposition``) and the
re-exam day (an extension).

Patients and coverages are read first, then conditions, then the records that need them
(:func:`read_records`). Problems go on the entry they are found in.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from fhir.resources.R4B.appointment import Appointment as FhirAppointment
from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.coding import Coding
from fhir.resources.R4B.condition import Condition
from fhir.resources.R4B.coverage import Coverage
from fhir.resources.R4B.encounter import Encounter
from fhir.resources.R4B.immunization import Immunization as FhirImmunization
from fhir.resources.R4B.patient import Patient as FhirPatient
from fhir.resources.R4B.reference import Reference
from fhir.resources.R4B.servicerequest import ServiceRequest

from sokhoe.records import icd10
from sokhoe.records.clinical import Appointment, Immunization, Referral, Visit
from sokhoe.records.fhir_bundle import Bundle, ParsedEntry, day, instant, record_key
from sokhoe.records.fhir_codes import (
    ICD10_SYSTEMS,
    NOT_RECORDED,
    OUTCOME_CODES,
    OUTCOME_SYSTEM,
    RE_EXAM_EXTENSION,
    REFERRAL_CODES,
    VISIT_TYPE_CODES,
    VISIT_TYPE_SYSTEM,
    VISIT_TYPES,
    codings,
    vaccine_code,
)
from sokhoe.records.fhir_patient import coverage_card, read_patient

#: Longest lot number the book stores, and the highest dose number it takes.
LOT_LIMIT = 50
MAX_DOSE = 99


def read_records(bundle: Bundle) -> None:
    """Give each usable entry its record (or its ``part_of``), or its problems."""
    by_type: dict[str, list[ParsedEntry]] = defaultdict(list)
    for entry in bundle.entries:
        if entry.resource is not None:
            by_type[entry.resource_type or ""].append(entry)
    _read_patients(bundle, by_type["Patient"], by_type["Coverage"])
    diagnoses = _read_conditions(bundle, by_type["Condition"])
    for entry in by_type["Encounter"]:
        _read_visit(bundle, entry, diagnoses[entry.index])
    for entry in by_type["Immunization"]:
        _read_immunization(bundle, entry)
    for entry in by_type["ServiceRequest"]:
        _read_referral(bundle, entry)
    for entry in by_type["Appointment"]:
        _read_appointment(bundle, entry)


def _read_patients(
    bundle: Bundle, patients: Sequence[ParsedEntry], coverages: Sequence[ParsedEntry]
) -> None:
    cards: dict[int, list[str]] = defaultdict(list)
    for entry in coverages:
        assert isinstance(entry.resource, Coverage)
        beneficiary = entry.resource.beneficiary  # required, yet a null gets through
        target = bundle.find(beneficiary, "Patient")
        if target is None:
            if beneficiary is None:
                entry.problem("beneficiary", "required")
            else:
                entry.problem("beneficiary", "unresolved_reference", value=beneficiary.reference)
            continue
        card = coverage_card(entry, entry.resource)
        if card is not None:
            cards[target.index].append(card)
    for entry in patients:
        assert isinstance(entry.resource, FhirPatient)
        entry.patient = read_patient(entry, entry.resource, cards[entry.index])


def _read_conditions(
    bundle: Bundle, conditions: Sequence[ParsedEntry]
) -> dict[int, list[tuple[ParsedEntry, str | None]]]:
    """Check each condition's code and encounter; each encounter's conditions with codes."""
    by_encounter: dict[int, list[tuple[ParsedEntry, str | None]]] = defaultdict(list)
    for entry in conditions:
        condition = entry.resource
        assert isinstance(condition, Condition)
        status = _code_of(condition.verificationStatus)
        if status in NOT_RECORDED:
            entry.problem("verificationStatus", "status_not_stored", value=status)
        code = _diagnosis_code(entry, [("code", condition.code)])
        if not _icd10_codings(condition.code):
            entry.problem("code", "no_icd10")
        if condition.encounter is None:
            entry.problem("encounter", "condition_without_encounter")
            continue
        encounter = bundle.find(condition.encounter, "Encounter")
        if encounter is None:
            entry.problem("encounter", "unresolved_reference", value=condition.encounter.reference)
            continue
        entry.part_of = encounter.index
        by_encounter[encounter.index].append((entry, code))
    return by_encounter


def _read_visit(
    bundle: Bundle, entry: ParsedEntry, conditions: list[tuple[ParsedEntry, str | None]]
) -> None:
    encounter = entry.resource
    assert isinstance(encounter, Encounter)
    if encounter.status in NOT_RECORDED:
        entry.problem("status", "status_not_stored", value=encounter.status)
    key = record_key(entry, encounter.identifier)
    patient = bundle.patient(entry, encounter.subject, "subject")
    period = encounter.period
    started_at = instant(entry, period.start if period else None, "period.start")
    ended_at = None
    if period is not None and period.end is not None:
        ended_at = instant(entry, period.end, "period.end")
        if started_at is not None and ended_at is not None and ended_at < started_at:
            entry.problem("period.end", "end_before_start", start=started_at, end=ended_at)
    main, others = _visit_diagnoses(bundle, entry, encounter, conditions)
    facility = bundle.facility_of(entry, [("serviceProvider", encounter.serviceProvider)])
    re_exam_on = None
    for n, extension in enumerate(encounter.extension or ()):
        if extension.url == RE_EXAM_EXTENSION:
            re_exam_on = day(entry, extension.valueDate, f"extension[{n}].valueDate")
    if entry.problems or key is None or patient is None or started_at is None or not facility:
        return
    hospitalization = encounter.hospitalization
    disposition = hospitalization.dischargeDisposition if hospitalization else None
    entry.record = Visit(
        facility_code=facility,
        key=key,
        patient=patient,
        started_at=started_at,
        ended_at=ended_at,
        visit_type=_coded(encounter.type, VISIT_TYPE_SYSTEM, VISIT_TYPE_CODES)
        or VISIT_TYPES.get(_code(encounter.class_fhir)),
        reason=_texts(encounter.reasonCode),
        main_diagnosis=main,
        other_diagnoses=others,
        outcome=_coded([disposition], OUTCOME_SYSTEM, OUTCOME_CODES),
        re_exam_on=re_exam_on,
    )


def _visit_diagnoses(
    bundle: Bundle,
    entry: ParsedEntry,
    encounter: Encounter,
    conditions: list[tuple[ParsedEntry, str | None]],
) -> tuple[str | None, tuple[str, ...]]:
    """The main diagnosis and the others: the conditions in the encounter's ``diagnosis``
    list first (the one ranked 1, else the ``billing`` one, else the first is the main
    one), then the other conditions naming the encounter, in bundle order."""
    position = {condition.index: n for n, (condition, _) in enumerate(conditions)}
    listed: list[tuple[bool, int]] = []
    for item in encounter.diagnosis or ():
        target = bundle.find(item.condition, "Condition")
        if target is not None and target.index in position:
            is_main = item.rank == 1 or _code_of(item.use) == "billing"
            listed.append((not is_main, position[target.index]))
    order = [n for _, n in sorted(listed, key=lambda pair: pair[0])]
    order += [n for n in range(len(conditions)) if n not in order]
    codes: list[str] = []
    for n in order:
        condition, code = conditions[n]
        if bundle.depends_on(entry, condition) and code is not None and code not in codes:
            codes.append(code)
    return (codes[0] if codes else None), tuple(codes[1:])


def _read_immunization(bundle: Bundle, entry: ParsedEntry) -> None:
    given = entry.resource
    assert isinstance(given, FhirImmunization)
    if given.status in NOT_RECORDED:
        entry.problem("status", "status_not_stored", value=given.status)
    key = record_key(entry, given.identifier)
    patient = bundle.patient(entry, given.patient, "patient")
    vaccine = next(filter(None, map(vaccine_code, codings([given.vaccineCode]))), None)
    if vaccine is None:
        sent = [coding.code for coding in codings([given.vaccineCode])]
        entry.problem("vaccineCode", "unknown_vaccine", value=sent[0] if sent else None)
    if given.occurrenceString is not None:
        entry.problem("occurrenceString", "partial_date", value=given.occurrenceString)
        given_on = None
    else:
        given_on = day(entry, given.occurrenceDateTime, "occurrenceDateTime")
    dose_number = _dose_number(entry, given)
    lot = (given.lotNumber or "").strip() or None
    if lot is not None and len(lot) > LOT_LIMIT:
        entry.problem("lotNumber", "too_long", limit=LOT_LIMIT)
    performers = [(f"performer[{n}].actor", p.actor) for n, p in enumerate(given.performer or ())]
    facility = bundle.facility_of(
        entry,
        [*performers, ("location", given.location), *_via_encounter(bundle, given.encounter)],
    )
    if entry.problems or not (key and patient and vaccine and given_on and facility):
        return
    entry.record = Immunization(
        facility_code=facility,
        key=key,
        patient=patient,
        vaccine=vaccine,
        given_on=given_on,
        dose_number=dose_number,
        lot_number=lot,
    )


def _dose_number(entry: ParsedEntry, given: FhirImmunization) -> int | None:
    """The dose's number in its series (a ``doseNumberString`` that is no number: none)."""
    for n, applied in enumerate(given.protocolApplied or ()):
        text = (applied.doseNumberString or "").strip()
        number = applied.doseNumberPositiveInt or (int(text) if text.isdecimal() else None)
        if number is None:
            continue
        if not 0 < number <= MAX_DOSE:
            entry.problem(f"protocolApplied[{n}]", "bad_dose_number", value=number)
        return number
    return None


def _read_referral(bundle: Bundle, entry: ParsedEntry) -> None:
    request = entry.resource
    assert isinstance(request, ServiceRequest)
    concepts = [*(request.category or ()), request.code]
    if not any((c.system, c.code) in REFERRAL_CODES for c in codings(concepts)):
        entry.problem("category", "not_a_referral")
        return
    if request.status in NOT_RECORDED:
        entry.problem("status", "status_not_stored", value=request.status)
    key = record_key(entry, request.identifier)
    patient = bundle.patient(entry, request.subject, "subject")
    when = request.authoredOn or request.occurrenceDateTime
    referred_on = day(entry, when, "authoredOn")
    diagnosis = _diagnosis_code(entry, _indexed("reasonCode", request.reasonCode))
    destinations = [(f"performer[{n}]", p) for n, p in enumerate(request.performer or ())]
    to_facility = bundle.named_facility(entry, destinations)
    candidates = [("requester", request.requester), *_via_encounter(bundle, request.encounter)]
    facility = bundle.facility_of(entry, candidates)
    if entry.problems or not (key and patient and referred_on and facility):
        return
    entry.record = Referral(
        facility_code=facility,
        key=key,
        patient=patient,
        referred_on=referred_on,
        number=request.requisition.value if request.requisition else key,
        to_facility=to_facility,
        diagnosis=diagnosis,
        diagnosis_text=_diagnosis_text(request.reasonCode),
        reason=_texts([c for c in request.reasonCode or () if not _icd10_codings(c)]),
    )


def _read_appointment(bundle: Bundle, entry: ParsedEntry) -> None:
    booked = entry.resource
    assert isinstance(booked, FhirAppointment)
    if booked.status in NOT_RECORDED:
        entry.problem("status", "status_not_stored", value=booked.status)
    key = record_key(entry, booked.identifier)
    participants = booked.participant or ()  # required, yet a null gets through
    actors = [(f"participant[{n}].actor", p.actor) for n, p in enumerate(participants)]
    named = ((at, ref) for at, ref in actors if _names_patient(bundle, ref))
    at, subject = next(named, ("participant", None))
    patient = bundle.patient(entry, subject, at)
    on = day(entry, booked.start, "start")
    diagnosis = _diagnosis_code(entry, _indexed("reasonCode", booked.reasonCode))
    facility = bundle.facility_of(entry, actors)
    if entry.problems or not (key and patient and on and facility):
        return
    secondary = (i.value for i in booked.identifier or () if i.use == "secondary" and i.value)
    entry.record = Appointment(
        facility_code=facility,
        key=key,
        patient=patient,
        on=on,
        number=next(secondary, key),  # the letter's own number, if it has one besides the key
        diagnosis=diagnosis,
        diagnosis_text=_diagnosis_text(booked.reasonCode),
    )


def _names_patient(bundle: Bundle, reference: Reference | None) -> bool:
    if reference is None:
        return False
    text = reference.reference or ""
    return (
        reference.type == "Patient"
        or text.startswith("Patient/")
        or bundle.find(reference, "Patient") is not None
    )


def _via_encounter(
    bundle: Bundle, reference: Reference | None
) -> list[tuple[str, Reference | None]]:
    """The facility candidate of the encounter a resource names, if it is in the bundle."""
    encounter = bundle.find(reference, "Encounter")
    if encounter is None or not isinstance(encounter.resource, Encounter):
        return []
    return [("encounter", encounter.resource.serviceProvider)]


def _icd10_codings(concept: CodeableConcept | None) -> list[tuple[int, str]]:
    """The ICD-10 codes of a concept, with their positions in ``coding``."""
    if concept is None:
        return []
    return [
        (n, coding.code)
        for n, coding in enumerate(concept.coding or ())
        if coding.system in ICD10_SYSTEMS and coding.code
    ]


def _diagnosis_code(
    entry: ParsedEntry, concepts: Sequence[tuple[str, CodeableConcept | None]]
) -> str | None:
    """The first ICD-10 code of some ``(path, concept)``, in the WHO's dotted form."""
    for at, concept in concepts:
        found = _icd10_codings(concept)
        if not found:
            continue
        n, code = found[0]
        normalized = icd10.normalize(code)
        if normalized is None:
            entry.problem(f"{at}.coding[{n}].code", "unknown_icd10", value=code)
        return normalized
    return None


def _indexed(
    name: str, concepts: Sequence[CodeableConcept] | None
) -> list[tuple[str, CodeableConcept | None]]:
    return [(f"{name}[{n}]", concept) for n, concept in enumerate(concepts or ())]


def _diagnosis_text(concepts: Sequence[CodeableConcept] | None) -> str | None:
    return _texts([c for c in concepts or () if _icd10_codings(c)])


def _texts(concepts: Sequence[CodeableConcept] | None) -> str | None:
    """The text of some concepts (each its ``text``, else its first display), joined."""
    texts = []
    for concept in concepts or ():
        displays = [coding.display for coding in concept.coding or () if coding.display]
        text = concept.text or (displays[0] if displays else None)
        if text and text.strip():
            texts.append(text.strip())
    return "; ".join(texts) or None


def _coded(
    concepts: Sequence[CodeableConcept | None] | None, system: str, allowed: frozenset[str]
) -> str | None:
    """The first code of ``system`` among some concepts, if it is one of ``allowed``."""
    found = (c.code for c in codings(concepts) if c.system == system)
    code = next(found, None)
    return code if code in allowed else None


def _code(coding: Coding | None) -> str:
    return (coding.code or "") if coding is not None else ""


def _code_of(concept: CodeableConcept | None) -> str | None:
    codes = [coding.code for coding in codings([concept])]
    return codes[0] if codes else None
