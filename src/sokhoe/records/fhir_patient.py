"""The person of a bundle's records, as the facility identifies them: a FHIR ``Patient``, with
the BHYT card of a ``Coverage`` when the patient's identifiers carry none.

Identifiers are told apart by :func:`~sokhoe.records.fhir_codes.identifier_kind`. A
national-ID identifier that is not 12 digits is a problem (the person would be looked up
by a wrong number); an old 9-digit CMND under the IG's ``citizen_id`` is simply not a
personal ID. A partial birth date (``1990``) is left out: the register matches on the rest.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from fhir.resources.R4B.coverage import Coverage
from fhir.resources.R4B.humanname import HumanName
from fhir.resources.R4B.patient import Patient as FhirPatient

from sokhoe.insurance.card_number import InvalidCardNumber, split_card_number
from sokhoe.records.clinical import Patient
from sokhoe.records.fhir_bundle import KEY_LIMIT, ParsedEntry
from sokhoe.records.fhir_codes import NOT_RECORDED, identifier_kind

#: Longest name the book stores.
NAME_LIMIT = 255

_SEXES = {"male": "M", "female": "F"}


def read_patient(entry: ParsedEntry, patient: FhirPatient, cards: Sequence[str]) -> Patient | None:
    """The person, or ``None`` with the entry's problems; ``cards`` are the coverages'."""
    found: dict[str, str] = {}
    for n, identifier in enumerate(patient.identifier or ()):
        value = (identifier.value or "").strip()
        kind = identifier_kind(identifier)
        if not value or kind is None or kind in found:
            continue
        at = f"identifier[{n}].value"
        if kind == "person_id" and not _is_person_id(value):
            entry.problem(at, "bad_person_id", value=value)
        elif kind == "citizen_id":
            if _is_person_id(value):
                found.setdefault("person_id", value)
        elif kind == "card_number":
            card = _card(entry, value, at)
            if card is not None:
                found[kind] = card
        elif kind == "patient_code" and len(value) > KEY_LIMIT:
            entry.problem(at, "too_long", limit=KEY_LIMIT)
        else:
            found[kind] = value
    full_name = _full_name(entry, patient.name or ())
    if entry.problems or full_name is None:
        return None
    birth_date = patient.birthDate
    return Patient(
        full_name=full_name,
        person_id=found.get("person_id"),
        card_number=found.get("card_number") or next(iter(cards), None),
        birth_date=birth_date if isinstance(birth_date, dt.date) else None,
        sex=_SEXES.get(patient.gender or ""),
        patient_code=found.get("patient_code"),
    )


def coverage_card(entry: ParsedEntry, coverage: Coverage) -> str | None:
    """The BHYT card number of a coverage in force: a card-number identifier, else its
    ``subscriberId``. A number that is no BHYT card is a problem of the coverage alone (it
    may be another insurer's): the patient's records do not wait for it."""
    if coverage.status in NOT_RECORDED:
        return None
    for n, identifier in enumerate(coverage.identifier or ()):
        value = (identifier.value or "").strip()
        if value and identifier_kind(identifier) == "card_number":
            return _card(entry, value, f"identifier[{n}].value")
    subscriber = (coverage.subscriberId or "").strip()
    return _card(entry, subscriber, "subscriberId") if subscriber else None


def _card(entry: ParsedEntry, value: str, at: str) -> str | None:
    try:
        return split_card_number(value).text
    except InvalidCardNumber as error:
        entry.problem(at, "bad_card_number", reason=str(error))
        return None


def _is_person_id(value: str) -> bool:
    return len(value) == 12 and value.isdecimal() and value.isascii()


def _full_name(entry: ParsedEntry, names: Sequence[HumanName]) -> str | None:
    """The official name (else the first): its ``text``, else family name then given names,
    the Vietnamese order."""
    chosen = next((name for name in names if name.use == "official"), names[0] if names else None)
    if chosen is None:
        entry.problem("name", "required")
        return None
    parts = [chosen.family or "", *(given for given in chosen.given or () if given)]
    full = " ".join((chosen.text or " ".join(parts)).split())
    if not full:
        entry.problem("name", "required")
        return None
    if len(full) > NAME_LIMIT:
        entry.problem("name", "too_long", limit=NAME_LIMIT)
        return None
    return full
