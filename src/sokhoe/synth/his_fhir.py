"""FHIR R4 transaction bundles as a facility that "speaks FHIR" sends them, one per visit.

A visit's bundle holds the Patient (national ID when reception typed it, the card number,
the facility's patient number), the Coverage, the Encounter (identified like ``MA_LK``), its
Conditions in ICD-10, and a ServiceRequest for a referral or an Appointment for a re-exam.
A vaccination session's bundle holds the Patient and one Immunization per dose. Patients,
encounters, referrals and appointments are conditional PUTs on their identifiers, so a
resend updates instead of duplicating.

Patient identifiers follow the draft Vietnamese core IG; facilities, record keys and vaccine
codes use Sổ Khỏe's own systems (the IG has none for them).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sokhoe.records.vaccines import SCHEDULE, VACCINES
from sokhoe.synth import files, his_codes, his_errors
from sokhoe.synth.his_patients import PatientColumns, Patients
from sokhoe.synth.his_vaccines import Doses
from sokhoe.synth.his_visits import Visits
from sokhoe.synth.sampling import Bools, Ints

#: Patient identifiers of the draft Vietnamese core IG (``hl7vn/vn-core-ig``).
NATIONAL_ID = "http://fhir.ehealth.gov.vn/core/sid/national_id"
CARD = "http://fhir.ehealth.gov.vn/core/sid/insurance_number"
#: The facility's own patient number (``MA_BN``).
PATIENT_NUMBER = "http://fhir.ehealth.gov.vn/core/sid/patient-internal-id"
FACILITY = "https://sokhoe.vn/fhir/sid/ma-cskcb"
VISIT = "https://sokhoe.vn/fhir/sid/ma-lk"
REFERRAL = "https://sokhoe.vn/fhir/sid/giay-chuyen-tuyen"
APPOINTMENT = "https://sokhoe.vn/fhir/sid/giay-hen-kham-lai"
IMMUNIZATION = "https://sokhoe.vn/fhir/sid/tiem-chung"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
VACCINE_CODES = "https://sokhoe.vn/fhir/CodeSystem/tcmr-vaccine"
_SNOMED = "http://snomed.info/sct"
_ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
_CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
_CLINICAL_STATUS = "http://terminology.hl7.org/CodeSystem/condition-clinical"
_GENDER = ("", "male", "female", "unknown")
_PAYOR = [{"display": "Bảo hiểm xã hội Việt Nam"}]
_OFFSET = "+07:00"
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
#: Vaccination sessions start at 7:30 at the station.
SESSION_MINUTE = 7 * 60 + 30


@dataclass(frozen=True)
class Sessions:
    """Vaccination sessions: the doses one child had on one day, at the commune's station."""

    child: Ints
    facility: Ints
    day: np.ndarray
    #: The session's doses are ``doses[first : first + count]``.
    first: Ints
    count: Ints


def sessions(doses: Doses, station_of_child: Ints) -> Sessions:
    """Groups the doses (sorted by child and date) into sessions."""
    new = np.ones(doses.size, dtype=bool)
    new[1:] = (doses.child[1:] != doses.child[:-1]) | (doses.given[1:] != doses.given[:-1])
    first = np.flatnonzero(new)
    count = np.diff(np.r_[first, doses.size])
    child = doses.child[first]
    return Sessions(child, station_of_child[child], doses.given[first], first, count)


@dataclass(frozen=True)
class Context:
    root: Path
    texts: files.Texts
    patients: Patients
    visits: Visits
    doses: Doses
    sessions: Sessions
    faults: his_errors.Faults
    #: Whether reception left out the personal ID, per visit and per session.
    visit_hides_id: Bools
    session_hides_id: Bools


def write_month(
    context: Context, code: str, yyyymm: str, visit_rows: Ints, session_rows: Ints, order: Ints
) -> list[tuple[str, ...]]:
    """Writes one file per item of a facility-month (``order`` indexes the concatenation of
    visits then sessions, in time order); returns the truth rows of injected faults."""
    folder = context.root / "fhir" / code
    folder.mkdir(parents=True, exist_ok=True)
    prefix = f"{folder}{os.sep}"
    visit_bundles = _VisitBundles(context, code, yyyymm, visit_rows)
    session_bundles = _SessionBundles(context, code, yyyymm, session_rows)
    truth: list[tuple[str, ...]] = []
    for n, item in enumerate(order.tolist(), start=1):
        name = f"{yyyymm}-{n}.json"
        if item < visit_rows.size:
            bundle = visit_bundles.bundle(item, truth, f"his/fhir/{code}/{name}")
        else:
            bundle = session_bundles.bundle(item - visit_rows.size)
        data = _ENCODER.encode(bundle).encode("utf-8")
        handle = os.open(prefix + name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            os.write(handle, data)
        finally:
            os.close(handle)
    return truth


class _Bundles:
    """What visit and session bundles share: the patient and the coverage."""

    def __init__(
        self, context: Context, code: str, people: Ints, days: np.ndarray, hide_id: Bools
    ) -> None:
        self.context, self.code = context, code
        self.people = people
        self.patient: PatientColumns = context.patients.columns(people, days, hide_id)
        self.facility = next(
            i for i, f in enumerate(context.texts.geography.facilities) if f.code == code
        )
        self.uuid_prefix = f"{int(code):08x}"
        self._uuid_bases: dict[int, str] = {}

    def uuid(self, item: int, resource: int) -> str:
        """A fixed, unique ``urn:uuid`` per facility, item and resource (reruns give the
        same bytes)."""
        base = self._uuid_bases.get(item)
        if base is None:
            high, middle, low = item >> 32 & 0xFFFF, item >> 20 & 0xFFF, item >> 8 & 0xFFF
            base = f"urn:uuid:{self.uuid_prefix}-{high:04x}-4{middle:03x}-8{low:03x}-"
            base += f"{item & 0xFF:02x}"
            self._uuid_bases = {item: base}
        return f"{base}{resource:010x}"

    def patient_entries(self, position: int, item: int) -> list[dict[str, Any]]:
        patient = self.patient
        identifiers = []
        if patient.person_id[position]:
            identifiers.append({"system": NATIONAL_ID, "value": patient.person_id[position]})
        card = patient.card[position]
        if card:
            identifiers.append({"system": CARD, "value": card})
        number = f"{(int(self.people[position]) * 48271 + self.facility * 7) % 10**9:09d}"
        identifiers.append({"system": PATIENT_NUMBER, "value": number})
        first = identifiers[0]
        name = patient.name[position]
        family, _, given = name.partition(" ")
        resource = {
            "resourceType": "Patient",
            "identifier": identifiers,
            "name": [{"text": name, "family": family, "given": given.split()}],
            "gender": _GENDER[patient.sex[position]],
            "birthDate": patient.birth[position],
        }
        entries = [
            {
                "fullUrl": self.uuid(item, 0),
                "resource": resource,
                "request": {
                    "method": "PUT",
                    "url": f"Patient?identifier={first['system']}|{first['value']}",
                },
            }
        ]
        if card:
            coverage = {
                "resourceType": "Coverage",
                "status": "active",
                "subscriberId": card,
                "beneficiary": {"reference": self.uuid(item, 0)},
                "payor": _PAYOR,
                "period": {
                    "start": patient.valid_from[position],
                    "end": patient.valid_to[position],
                },
            }
            if patient.registered[position]:
                coverage["class"] = [
                    {
                        "type": {"text": "Nơi đăng ký KCB ban đầu"},
                        "value": patient.registered[position],
                    }
                ]
            entries.append(
                {
                    "fullUrl": self.uuid(item, 1),
                    "resource": coverage,
                    "request": {"method": "POST", "url": "Coverage"},
                }
            )
        return entries

    def provider(self) -> dict[str, Any]:
        return {"identifier": {"system": FACILITY, "value": self.code}}


class _VisitBundles(_Bundles):
    def __init__(self, context: Context, code: str, yyyymm: str, rows: Ints) -> None:
        visits = context.visits
        super().__init__(
            context,
            code,
            visits.person[rows],
            visits.start[rows].astype("datetime64[D]"),
            context.visit_hides_id[rows],
        )
        self.rows = rows
        self.keys = [f"{yyyymm}{n:06d}" for n in visits.number[rows].tolist()]
        self.start = _instants(visits.start[rows])
        self.end = _instants(visits.end[rows])
        self.re_exam = np.datetime_as_string(visits.re_exam[rows], unit="D").tolist()
        codes = np.array([f.code for f in context.texts.geography.facilities] + [""], dtype=object)
        self.referred_to = codes[visits.referred_to[rows]].tolist()

    def bundle(self, position: int, truth: list[tuple[str, ...]], relative: str) -> dict[str, Any]:
        visits, row = self.context.visits, int(self.rows[position])
        item = row
        key = self.keys[position]
        patient = {"reference": self.uuid(item, 0)}
        encounter_url = self.uuid(item, 2)
        entries = self.patient_entries(position, item)
        conditions = []
        main = int(visits.main[row])
        for rank, diagnosis in enumerate(
            (main, int(visits.other_1[row]), int(visits.other_2[row]))
        ):
            if diagnosis < 0:
                continue
            code = his_codes.CODES[diagnosis]
            fault = int(self.context.faults.unknown_icd[row])
            if rank == 0 and fault >= 0:
                wrong = his_errors.UNKNOWN_CODES[fault]
                person = self.context.texts.ids(self.people[position : position + 1])[0]
                truth.append(("his_unknown_icd", "fhir", self.code, relative, key, person,
                              "Condition.code", code, wrong))  # fmt: skip
                code = wrong
            conditions.append((rank, code, his_codes.NAMES[diagnosis]))
        encounter: dict[str, Any] = {
            "resourceType": "Encounter",
            "identifier": [{"system": VISIT, "value": key}],
            "status": "finished",
            "class": {"system": _ACT_CODE, "code": "IMP" if visits.inpatient[row] else "AMB"},
            "subject": patient,
            "period": {"start": self.start[position], "end": self.end[position]},
            "reasonCode": [{"text": his_codes.REASONS[main]}],
            "diagnosis": [
                {"condition": {"reference": self.uuid(item, 3 + rank)}, "rank": rank + 1}
                for rank, _, _ in conditions
            ],
            "serviceProvider": self.provider(),
        }
        entries.append(
            {
                "fullUrl": encounter_url,
                "resource": encounter,
                "request": {"method": "PUT", "url": f"Encounter?identifier={VISIT}|{key}"},
            }
        )
        for rank, code, name in conditions:
            entries.append(
                {
                    "fullUrl": self.uuid(item, 3 + rank),
                    "resource": {
                        "resourceType": "Condition",
                        "clinicalStatus": {
                            "coding": [{"system": _CLINICAL_STATUS, "code": "active"}]
                        },
                        "category": [
                            {
                                "coding": [
                                    {"system": _CONDITION_CATEGORY, "code": "encounter-diagnosis"}
                                ]
                            }
                        ],
                        "code": {"coding": [{"system": ICD10, "code": code}], "text": name},
                        "subject": patient,
                        "encounter": {"reference": encounter_url},
                        "recordedDate": self.end[position],
                    },
                    "request": {"method": "POST", "url": "Condition"},
                }
            )
        main_code = {"coding": [{"system": ICD10, "code": his_codes.CODES[main]}]}
        if self.referred_to[position]:
            entries.append(self._referral(item, position, key, patient, encounter_url, main_code))
        if self.re_exam[position] != "NaT":
            entries.append(self._appointment(item, position, key, patient, main_code))
        return {"resourceType": "Bundle", "type": "transaction", "entry": entries}

    def _referral(
        self,
        item: int,
        position: int,
        key: str,
        patient: dict[str, str],
        encounter: str,
        reason: dict[str, Any],
    ) -> dict[str, Any]:
        resource = {
            "resourceType": "ServiceRequest",
            "identifier": [{"system": REFERRAL, "value": key}],
            "status": "active",
            "intent": "order",
            "code": {
                "coding": [{"system": _SNOMED, "code": "3457005", "display": "Patient referral"}],
                "text": "Chuyển tuyến khám bệnh, chữa bệnh",
            },
            "subject": patient,
            "encounter": {"reference": encounter},
            "authoredOn": self.end[position],
            "requester": self.provider(),
            "performer": [
                {"identifier": {"system": FACILITY, "value": self.referred_to[position]}}
            ],
            "reasonCode": [reason],
        }
        url = f"ServiceRequest?identifier={REFERRAL}|{key}"
        return {"fullUrl": self.uuid(item, 6), "resource": resource,
                "request": {"method": "PUT", "url": url}}  # fmt: skip

    def _appointment(
        self, item: int, position: int, key: str, patient: dict[str, str], reason: dict[str, Any]
    ) -> dict[str, Any]:
        day = self.re_exam[position]
        resource = {
            "resourceType": "Appointment",
            "identifier": [{"system": APPOINTMENT, "value": key}],
            "status": "booked",
            "description": "Hẹn khám lại",
            "reasonCode": [reason],
            "start": f"{day}T07:30:00{_OFFSET}",
            "end": f"{day}T11:30:00{_OFFSET}",
            "participant": [
                {"actor": patient, "status": "accepted"},
                {"actor": {**self.provider(), "display": self.code}, "status": "accepted"},
            ],
        }
        url = f"Appointment?identifier={APPOINTMENT}|{key}"
        return {"fullUrl": self.uuid(item, 7), "resource": resource,
                "request": {"method": "PUT", "url": url}}  # fmt: skip


class _SessionBundles(_Bundles):
    def __init__(self, context: Context, code: str, yyyymm: str, rows: Ints) -> None:
        sessions = context.sessions
        super().__init__(
            context, code, sessions.child[rows], sessions.day[rows], context.session_hides_id[rows]
        )
        self.rows = rows
        self.yyyymm = yyyymm
        self.days = np.datetime_as_string(sessions.day[rows], unit="D").tolist()

    def bundle(self, position: int) -> dict[str, Any]:
        sessions, doses = self.context.sessions, self.context.doses
        row = int(self.rows[position])
        item = (1 << 40) + row
        entries = self.patient_entries(position, item)
        first = int(sessions.first[row])
        for k in range(int(sessions.count[row])):
            dose = SCHEDULE[int(doses.dose[first + k])]
            key = f"TC{self.yyyymm}{position + 1:06d}-{k + 1}"
            resource = {
                "resourceType": "Immunization",
                "identifier": [{"system": IMMUNIZATION, "value": key}],
                "status": "completed",
                "vaccineCode": {
                    "coding": [
                        {
                            "system": VACCINE_CODES,
                            "code": dose.vaccine,
                            "display": VACCINES[dose.vaccine],
                        }
                    ]
                },
                "patient": {"reference": self.uuid(item, 0)},
                "occurrenceDateTime": self.days[position],
                "primarySource": True,
                "performer": [{"actor": self.provider()}],
                "protocolApplied": [{"doseNumberPositiveInt": dose.dose_number}],
            }
            url = f"Immunization?identifier={IMMUNIZATION}|{key}"
            entries.append({"fullUrl": self.uuid(item, 8 + k), "resource": resource,
                            "request": {"method": "PUT", "url": url}})  # fmt: skip
        return {"resourceType": "Bundle", "type": "transaction", "entry": entries}


def _instants(moments: np.ndarray) -> list[str]:
    return [f"{t}:00{_OFFSET}" for t in np.datetime_as_string(moments, unit="m").tolist()]
