"""FHIR R4 bundles as a HIS posts them: the records they give, each problem at its FHIR path
(the rest still read), files that are not bundles refused whole, and the answers
(OperationOutcome, response bundle) valid FHIR that ``fhir.resources`` reads back."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.operationoutcome import OperationOutcome
from hypothesis import given, settings
from hypothesis import strategies as st

from sokhoe.records.clinical import Appointment, Immunization, Patient, Referral, Visit
from sokhoe.records.fhir import BundleReading, read_bundle
from sokhoe.records.fhir_outcome import (
    CREATED,
    QUEUED,
    UPDATED,
    EntryResult,
    operation_outcome,
    response_bundle,
)
from sokhoe.records.problems import FileUnusable, RecordProblem

FILES = Path(__file__).parent / "fhir_files"
VN = dt.timezone(dt.timedelta(hours=7))
PATIENT, COVERAGE, ORGANIZATION, ENCOUNTER = 0, 1, 2, 3
CONDITION_I10, CONDITION_J18, IMMUNIZATION, REFERRAL, LOCATION, APPOINTMENT = 4, 5, 6, 7, 8, 9

NHUNG = Patient(
    full_name="Trần Thị Hồng Nhung",
    person_id="056190004321",
    card_number="GD4565620004321",
    birth_date=dt.date(1990, 7, 21),
    sex="F",
    patient_code="BN-24-00871",
)


def transaction() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FILES / "transaction.json").read_bytes())
    return data


def read(bundle: dict[str, Any], facility: str | None = None) -> BundleReading:
    return read_bundle(json.dumps(bundle).encode(), source="his.json", facility=facility)


def resource(bundle: dict[str, Any], index: int) -> dict[str, Any]:
    found: dict[str, Any] = bundle["entry"][index]["resource"]
    return found


def problems_at(reading: BundleReading, index: int) -> list[tuple[str | None, str]]:
    return [(p.field, p.code) for p in reading.entries[index].problems]


def test_a_transaction_gives_the_visit_with_its_diagnoses_and_the_other_records() -> None:
    reading = read(transaction())

    assert reading.type == "transaction"
    assert reading.problems == []
    assert reading.records == [
        Visit(
            facility_code="56012",
            key="2411300087",
            patient=NHUNG,
            started_at=dt.datetime(2024, 11, 30, 21, 40, tzinfo=VN),
            ended_at=dt.datetime(2024, 12, 4, 9, 15, tzinfo=VN),
            visit_type="03",
            reason="Sốt cao, ho khạc đờm",
            main_diagnosis="J18.9",
            other_diagnoses=("I10",),
        ),
        Immunization(
            facility_code="56012",
            key="TC-2024-5531",
            patient=NHUNG,
            vaccine="DTAP_HEPB_HIB",
            given_on=dt.date(2024, 12, 2),  # 23:30 UTC is the next morning in Vietnam
            dose_number=2,
            lot_number="QVX-2417",
        ),
        Referral(
            facility_code="56012",
            key="CT-24-0412",
            patient=NHUNG,
            referred_on=dt.date(2024, 12, 4),
            number="412/2024/GCT",
            to_facility="56001",
            diagnosis="J18.9",
            diagnosis_text="Viêm phổi",
            reason="Vượt quá khả năng chuyên môn",
        ),
        Appointment(
            facility_code="56012",
            key="HK-24-0977",
            patient=NHUNG,
            on=dt.date(2025, 1, 3),
            number="HK-24-0977",
            diagnosis="I10",
            diagnosis_text="Tăng huyết áp",
        ),
    ]
    assert reading.entries[CONDITION_I10].part_of == ENCOUNTER
    assert reading.entries[CONDITION_J18].part_of == ENCOUNTER


def test_without_a_rank_the_first_condition_is_the_main_diagnosis() -> None:
    bundle = transaction()
    del resource(bundle, ENCOUNTER)["diagnosis"]

    (visit, *_) = read(bundle).records

    assert isinstance(visit, Visit)
    assert (visit.main_diagnosis, visit.other_diagnoses) == ("I10", ("J18.9",))


def test_a_collection_with_relative_references_and_the_senders_facility() -> None:
    reading = read_bundle((FILES / "collection.json").read_bytes(), source="c", facility="56203")

    khoi = Patient(
        full_name="Lê Minh Khôi",
        person_id="056224009876",
        card_number="5621234567",
        birth_date=dt.date(2024, 9, 2),
        sex="M",
    )
    assert reading.type == "collection"
    assert reading.problems == []
    assert reading.records == [
        Immunization("56203", "tc-8812", khoi, "OPV", dt.date(2025, 3, 10), dose_number=3),
        Immunization("56203", "tc-8813", khoi, "DTAP_HEPB_HIB", dt.date(2025, 3, 10), 3),
    ]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16"])
def test_json_with_a_byte_order_mark_or_in_utf_16_is_read(encoding: str) -> None:
    text = (FILES / "transaction.json").read_text(encoding="utf-8")

    reading = read_bundle(text.encode(encoding), source="his.json")

    assert len(reading.records) == 4


@pytest.mark.parametrize(
    ("identifier", "person_id", "card_number"),
    [
        (
            {"system": "http://fhir.ehealth.gov.vn/core/sid/citizen_id", "value": "056190004321"},
            "056190004321",
            None,
        ),
        (
            {
                "system": "http://fhir.ehealth.gov.vn/core/NamingSystem/sid-citizen-id",
                "value": "225123456",
            },
            None,
            None,
        ),
        (
            {
                "system": "http://fhir.ehealth.gov.vn/core/NamingSystem/national-id",
                "value": "056190004321",
            },
            "056190004321",
            None,
        ),
        ({"type": {"coding": [{"code": "NNVNM"}]}, "value": "056190004321"}, "056190004321", None),
        (
            {
                "system": "http://fhir.ehealth.gov.vn/core/NamingSystem/insurance_number",
                "value": "gd 456 5620004321",
            },
            None,
            "GD4565620004321",
        ),
        ({"type": {"coding": [{"code": "SB"}]}, "value": "5620004321"}, None, "5620004321"),
        ({"system": "urn:oid:1.2.3", "value": "056190004321"}, None, None),
    ],
)
def test_patient_identifiers_of_the_vn_core_ig_or_of_v2_types(
    identifier: dict[str, Any], person_id: str | None, card_number: str | None
) -> None:
    bundle = transaction()
    resource(bundle, PATIENT)["identifier"] = [identifier]
    del bundle["entry"][COVERAGE]

    (visit, *_) = read(bundle).records

    assert (visit.patient.person_id, visit.patient.card_number) == (person_id, card_number)


def test_a_record_naming_no_facility_from_a_sender_unknown_is_a_problem() -> None:
    reading = read_bundle((FILES / "collection.json").read_bytes(), source="c")

    assert problems_at(reading, 1) == [(None, "no_facility")]


def test_a_bad_date_is_named_by_its_path_and_the_other_records_are_read() -> None:
    bundle = transaction()
    resource(bundle, ENCOUNTER)["period"]["start"] = "2024-02-30T08:00:00+07:00"

    reading = read(bundle, facility="56012")  # the referral names its facility by the visit

    assert problems_at(reading, ENCOUNTER) == [
        ("Bundle.entry[3].resource.period.start", "bad_date")
    ]
    (problem,) = reading.entries[ENCOUNTER].problems
    assert problem.record == "Bundle.entry[3]"
    assert "2024-02-30T08:00:00+07:00" in problem.message()
    assert problem.params["detail"]  # pydantic's own words
    assert [type(r) for r in reading.records] == [Immunization, Referral, Appointment]


def test_a_partial_date_where_a_day_is_needed_is_a_problem() -> None:
    bundle = transaction()
    resource(bundle, IMMUNIZATION)["occurrenceDateTime"] = "2024-12"  # valid FHIR: which day?

    assert problems_at(read(bundle), IMMUNIZATION) == [
        ("Bundle.entry[6].resource.occurrenceDateTime", "partial_date")
    ]


def test_an_unknown_icd10_code_refuses_the_condition_and_its_visit() -> None:
    bundle = transaction()
    resource(bundle, CONDITION_J18)["code"]["coding"][0]["code"] = "J99.99"

    reading = read(bundle)

    assert problems_at(reading, CONDITION_J18) == [
        ("Bundle.entry[5].resource.code.coding[0].code", "unknown_icd10")
    ]
    assert problems_at(reading, ENCOUNTER) == [(None, "depends_on_refused")]
    assert reading.entries[ENCOUNTER].problems[0].params["value"] == "Bundle.entry[5]"
    assert [type(r) for r in reading.records] == [Immunization, Referral, Appointment]
    # What `sokhoe ingest` hands to ingest: records and problems in entry order.
    assert [type(item) for item in reading.items] == [
        RecordProblem,
        RecordProblem,
        Immunization,
        Referral,
        Appointment,
    ]


def test_a_diagnosis_in_another_code_system_is_a_problem() -> None:
    bundle = transaction()
    resource(bundle, CONDITION_I10)["code"] = {
        "coding": [{"system": "http://snomed.info/sct", "code": "38341003"}]
    }

    assert problems_at(read(bundle), CONDITION_I10) == [
        ("Bundle.entry[4].resource.code", "no_icd10")
    ]


def test_a_dangling_reference_to_the_patient_is_a_problem() -> None:
    bundle = transaction()
    resource(bundle, IMMUNIZATION)["patient"] = {"reference": "Patient/not-in-this-bundle"}

    reading = read(bundle)

    assert problems_at(reading, IMMUNIZATION) == [
        ("Bundle.entry[6].resource.patient", "unresolved_reference")
    ]
    assert len(reading.records) == 3


def test_a_problem_repeats_only_the_start_of_a_long_value() -> None:
    bundle = transaction()
    resource(bundle, IMMUNIZATION)["patient"] = {"reference": "Patient/" + "x" * 10_000}
    resource(bundle, ENCOUNTER)["period"]["start"] = "2024-" + "9" * 10_000

    reading = read(bundle, facility="56012")

    shown = [p.params["value"] for p in reading.problems]
    assert [len(str(value)) for value in shown] == [100, 100]


def test_an_encounter_without_identifier_has_no_key() -> None:
    bundle = transaction()
    del resource(bundle, ENCOUNTER)["identifier"]

    reading = read(bundle)

    assert problems_at(reading, ENCOUNTER) == [("Bundle.entry[3].resource.identifier", "required")]


def test_a_bad_personal_id_refuses_the_patients_records() -> None:
    bundle = transaction()
    resource(bundle, PATIENT)["identifier"][0]["value"] = "05619000432"

    reading = read(bundle)

    assert problems_at(reading, PATIENT) == [
        ("Bundle.entry[0].resource.identifier[0].value", "bad_person_id")
    ]
    assert reading.records == []
    assert all(
        problems_at(reading, index) == [(None, "depends_on_refused")]
        for index in (ENCOUNTER, IMMUNIZATION, REFERRAL, APPOINTMENT)
    )


def test_a_coverage_that_is_no_bhyt_card_does_not_hold_back_the_records() -> None:
    bundle = transaction()
    resource(bundle, COVERAGE)["subscriberId"] = "AB9876"

    reading = read(bundle)

    assert problems_at(reading, COVERAGE) == [
        ("Bundle.entry[1].resource.subscriberId", "bad_card_number")
    ]
    assert [r.patient.card_number for r in reading.records] == [None] * 4


def test_a_facility_code_of_the_wrong_length_is_a_problem() -> None:
    bundle = transaction()
    resource(bundle, ORGANIZATION)["identifier"][0]["value"] = "5601"

    reading = read(bundle)

    assert problems_at(reading, ENCOUNTER) == [
        ("Bundle.entry[3].resource.serviceProvider", "bad_facility_code")
    ]


@pytest.mark.parametrize(
    ("status", "index"),
    [("entered-in-error", ENCOUNTER), ("not-done", IMMUNIZATION), ("cancelled", APPOINTMENT)],
)
def test_what_did_not_happen_stays_out_of_the_book(status: str, index: int) -> None:
    bundle = transaction()
    resource(bundle, index)["status"] = status

    assert problems_at(read(bundle), index) == [
        (f"Bundle.entry[{index}].resource.status", "status_not_stored")
    ]


def test_a_vaccine_outside_the_programme_is_a_problem() -> None:
    bundle = transaction()
    resource(bundle, IMMUNIZATION)["vaccineCode"] = {
        "coding": [{"system": "http://hl7.org/fhir/sid/cvx", "code": "88"}]
    }

    assert problems_at(read(bundle), IMMUNIZATION) == [
        ("Bundle.entry[6].resource.vaccineCode", "unknown_vaccine")
    ]


def test_a_dose_number_beyond_any_schedule_is_a_problem() -> None:
    bundle = transaction()
    resource(bundle, IMMUNIZATION)["protocolApplied"] = [{"doseNumberString": "70000"}]

    assert problems_at(read(bundle), IMMUNIZATION) == [
        ("Bundle.entry[6].resource.protocolApplied[0]", "bad_dose_number")
    ]


def test_a_service_request_that_is_not_a_referral_is_refused() -> None:
    bundle = transaction()
    resource(bundle, REFERRAL)["category"] = [{"text": "Xét nghiệm"}]

    assert problems_at(read(bundle), REFERRAL) == [
        ("Bundle.entry[7].resource.category", "not_a_referral")
    ]


def test_an_unsupported_resource_or_method_is_a_problem_of_its_entry_only() -> None:
    bundle = transaction()
    bundle["entry"].append(
        {"resource": {"resourceType": "Observation", "status": "final", "code": {"text": "x"}}}
    )
    bundle["entry"].append({"request": {"method": "DELETE", "url": "Encounter/1"}})
    bundle["entry"].append("not an entry")

    reading = read(bundle)

    assert [problems_at(reading, i) for i in (10, 11, 12)] == [
        [("Bundle.entry[10].resource", "unsupported_resource")],
        [("Bundle.entry[11].request.method", "unsupported_method")],
        [("Bundle.entry[12]", "fhir_invalid")],
    ]
    assert len(reading.records) == 4


def test_a_resource_fhir_resources_refuses_is_reported_with_pydantics_message() -> None:
    bundle = transaction()
    resource(bundle, PATIENT)["gender"] = ["female"]
    resource(bundle, PATIENT)["unknownElement"] = 1

    reading = read(bundle)

    assert problems_at(reading, PATIENT) == [
        ("Bundle.entry[0].resource.gender", "fhir_invalid"),
        ("Bundle.entry[0].resource.unknownElement", "fhir_invalid"),
    ]
    assert "Extra inputs are not permitted" in reading.entries[PATIENT].problems[1].message("en")


@pytest.mark.parametrize(
    ("element", "value"),
    [
        ("_birthDate", "1990"),  # its validator fails with AttributeError
        ("contained", [{"resourceType": "Foo"}]),  # KeyError
    ],
)
def test_a_value_that_trips_a_validator_of_fhir_resources_is_a_problem(
    element: str, value: object
) -> None:
    bundle = transaction()
    resource(bundle, PATIENT)[element] = value

    assert problems_at(read(bundle), PATIENT) == [("Bundle.entry[0].resource", "fhir_invalid")]


@pytest.mark.parametrize(
    ("escape", "refused"), [("\\u0000", True), ("\\udc80", True), ("\\ud83d\\ude37", False)]
)
def test_a_string_postgresql_cannot_store_is_a_problem(escape: str, refused: bool) -> None:
    text = json.dumps(transaction(), ensure_ascii=False).replace("Sốt cao", f"Sốt{escape}cao")

    reading = read_bundle(text.encode(), source="his.json")

    expected = [("Bundle.entry[3].resource.reasonCode[0].text", "bad_character")]
    assert problems_at(reading, ENCOUNTER) == (expected if refused else [])


def test_a_huge_number_is_a_problem_at_its_path() -> None:
    bundle = transaction()
    resource(bundle, PATIENT)["multipleBirthInteger"] = 10**40
    resource(bundle, IMMUNIZATION)["doseQuantity"] = {"value": "HUGE"}
    text = json.dumps(bundle).replace('"HUGE"', "1e400")  # a float beyond range: infinity

    reading = read_bundle(text.encode(), source="his.json")

    assert problems_at(reading, PATIENT) == [
        ("Bundle.entry[0].resource.multipleBirthInteger", "fhir_invalid")
    ]
    assert problems_at(reading, IMMUNIZATION) == [
        ("Bundle.entry[6].resource.doseQuantity.value", "fhir_invalid")
    ]


def test_a_number_of_thousands_of_digits_makes_the_file_unusable() -> None:
    text = json.dumps(transaction()).replace('"rank": 2', '"rank": ' + "9" * 5000)

    with pytest.raises(FileUnusable) as refused:
        read_bundle(text.encode(), source="his.json")

    assert refused.value.problem.code == "number_too_long"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"<Bundle xmlns='http://hl7.org/fhir'/>", "not_xml_or_json"),
        (b"\xff\xfe\x00garbage", "not_xml_or_json"),
        (b'{"resourceType": "Bundle", "type": "batch", "entry": [', "not_xml_or_json"),
        (b'{"resourceType": "Bundle", "type": "batch", "total": NaN}', "not_xml_or_json"),
        (b"[" * 100_000 + b"]" * 100_000, "not_xml_or_json"),
        (b'{"resourceType": "Patient", "id": "example"}', "not_a_bundle"),
        (b'[{"resourceType": "Bundle"}]', "not_a_bundle"),
        (b'{"resourceType": "Bundle", "type": "document", "entry": []}', "bundle_type"),
        (b'{"resourceType": "Bundle", "type": "batch", "entry": {"a": 1}}', "fhir_invalid"),
        (b'{"resourceType": "Bundle", "type": "batch", "timestamp": "today"}', "fhir_invalid"),
    ],
)
def test_what_is_not_a_bundle_is_unusable(data: bytes, code: str) -> None:
    with pytest.raises(FileUnusable) as refused:
        read_bundle(data, source="his.json")

    assert refused.value.problem.code == code
    assert refused.value.problem.message("en").startswith("his.json")


def test_an_empty_bundle_reads_as_nothing() -> None:
    reading = read_bundle(b'{"resourceType": "Bundle", "type": "batch"}', source="x")

    assert (reading.entries, reading.records) == ((), [])


def test_hl7_style_examples_are_read_or_answered_never_raised() -> None:
    """Resources written like the HL7 R4 examples (not for the book: no facility, SNOMED
    diagnoses, an Observation): each entry has a record, a problem, or is read into others."""
    reading = read_bundle((FILES / "hl7_style.json").read_bytes(), source="hl7.json")

    for entry in reading.entries:
        assert (
            entry.record is not None
            or entry.problems
            or entry.resource_type
            in {
                "Patient",
                "Practitioner",
            }
        )
    assert reading.records == []
    codes = {p.code for p in reading.problems}
    assert {"condition_without_encounter", "unknown_vaccine", "status_not_stored"} <= codes
    assert {"unsupported_resource", "not_a_referral", "partial_date"} <= codes
    answer = response_bundle(reading, {})
    assert Bundle.model_validate(answer).type == "batch-response"
    OperationOutcome.model_validate(operation_outcome(reading.problems, "en"))


def test_the_operation_outcome_names_each_path_and_is_valid_fhir() -> None:
    bundle = transaction()
    resource(bundle, ENCOUNTER)["period"]["start"] = "2024-13-01"
    resource(bundle, IMMUNIZATION)["patient"] = {"reference": "urn:uuid:gone"}
    problems = read(bundle, facility="56012").problems
    other = RecordProblem(
        "his.json", "Bundle.entry[9]", None, "other_facility", {"value": "56012", "sender": "56001"}
    )

    outcome = OperationOutcome.model_validate(operation_outcome([*problems, other], "en"))

    assert [(i.severity, i.code, i.expression) for i in outcome.issue] == [
        ("error", "invalid", ["Bundle.entry[3].resource.period.start"]),
        ("error", "not-found", ["Bundle.entry[6].resource.patient"]),
        ("error", "forbidden", ["Bundle.entry[9]"]),
    ]
    assert outcome.issue[1].diagnostics == (
        "his.json, record Bundle.entry[6], field Bundle.entry[6].resource.patient: "
        "reference 'urn:uuid:gone' points to no fitting resource in the Bundle"
    )
    vietnamese = operation_outcome(problems)
    assert "không trỏ tới" in vietnamese["issue"][1]["diagnostics"]


def test_the_response_bundle_answers_every_entry_in_order() -> None:
    bundle = transaction()
    resource(bundle, APPOINTMENT)["start"] = "2025-02-30T07:30:00+07:00"
    reading = read(bundle)
    refusal = RecordProblem("his.json", "CT-24-0412", None, "unknown_facility", {"value": "56012"})
    results = {
        ENCOUNTER: CREATED,
        IMMUNIZATION: UPDATED,
        REFERRAL: EntryResult.refused(refusal),
    }

    answer = Bundle.model_validate(response_bundle(reading, results))

    assert answer.type == "transaction-response"
    statuses = [entry.response.status for entry in answer.entry]
    assert statuses == [
        "200 OK",  # the patient, the coverage, the organization: read into the records
        "200 OK",
        "200 OK",
        "201 Created",  # the visit, and its two diagnoses with it
        "201 Created",
        "201 Created",
        "200 OK",
        "400 Bad Request",
        "200 OK",
        "400 Bad Request",
    ]
    issue = answer.entry[APPOINTMENT].response.outcome.issue[0]
    assert issue.expression == ["Bundle.entry[9].resource.start"]
    refused = answer.entry[REFERRAL].response.outcome.issue[0]
    assert (refused.code, refused.expression) == ("not-found", ["Bundle.entry[7]"])


def test_the_diagnoses_of_a_refused_visit_are_refused_with_it() -> None:
    reading = read(transaction())
    refusal = RecordProblem(
        "his.json", "2411300087", None, "other_facility", {"value": "56012", "sender": "56001"}
    )
    results = dict.fromkeys((IMMUNIZATION, REFERRAL, APPOINTMENT), CREATED)

    answer = response_bundle(reading, {**results, ENCOUNTER: EntryResult.refused(refusal)})

    for index in (ENCOUNTER, CONDITION_I10, CONDITION_J18):
        response = answer["entry"][index]["response"]
        assert response["status"] == "400 Bad Request"
        assert response["outcome"]["issue"][0]["expression"] == ["Bundle.entry[3]"]
        assert response["outcome"]["issue"][0]["code"] == "forbidden"


def test_a_queued_record_is_accepted_and_a_batch_gets_a_batch_response() -> None:
    bundle = transaction()
    bundle["type"] = "batch"
    reading = read(bundle)
    results = dict.fromkeys((ENCOUNTER, IMMUNIZATION, REFERRAL, APPOINTMENT), QUEUED)

    answer = response_bundle(reading, results)

    assert answer["type"] == "batch-response"
    assert answer["entry"][ENCOUNTER]["response"]["status"] == "202 Accepted"


# Any JSON value, and the transaction with one of its values replaced by any JSON value.
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=12,
)


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*path, key))
    elif isinstance(value, list):
        for n, item in enumerate(value):
            found += _paths(item, (*path, n))
    return found


TRANSACTION_PATHS = _paths(transaction())[1:]


@settings(max_examples=150)
@given(st.sampled_from(TRANSACTION_PATHS), json_values)
def test_no_mutation_of_a_bundle_raises_anything_but_file_unusable(
    path: tuple[Any, ...], value: Any
) -> None:
    bundle = copy.deepcopy(transaction())
    target = bundle
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value

    _answer_or_refuse(json.dumps(bundle).encode())


@settings(max_examples=100)
@given(json_values)
def test_no_json_raises_anything_but_file_unusable(value: Any) -> None:
    _answer_or_refuse(
        json.dumps({"resourceType": "Bundle", "type": "batch", "entry": value}).encode()
    )
    _answer_or_refuse(json.dumps(value).encode())


def _answer_or_refuse(data: bytes) -> None:
    try:
        reading = read_bundle(data, source="fuzz")
    except FileUnusable:
        return
    results = {entry.index: CREATED for entry in reading.entries if entry.record is not None}
    Bundle.model_validate(response_bundle(reading, results))
    if reading.problems:
        OperationOutcome.model_validate(operation_outcome(reading.problems))
