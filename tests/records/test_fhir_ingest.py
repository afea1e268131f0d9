"""A FHIR transaction from a HIS through ingest into the book, on both backends, and answered
with the response bundle: the records the reader gives are what the store takes."""

from __future__ import annotations

from pathlib import Path

from fhir.resources.R4B.bundle import Bundle
from sqlalchemy import select
from sqlalchemy.engine import Engine

from sokhoe.db import session_factory
from sokhoe.records import models
from sokhoe.records.fhir import BundleReading, read_bundle
from sokhoe.records.fhir_outcome import CREATED, QUEUED, UPDATED, EntryResult, response_bundle
from sokhoe.records.ingest import BatchResult, Status, ingest_batch
from sokhoe.registry.models import Citizen, Facility
from sokhoe.registry.units import ensure_province

DATA = (Path(__file__).parent / "fhir_files" / "transaction.json").read_bytes()
NHA_TRANG = 22366
#: What the HTTP layer answers for each ingest status.
ANSWERS = {
    Status.CREATED: CREATED,
    Status.UPDATED: UPDATED,
    Status.UNCHANGED: UPDATED,
    Status.QUEUED: QUEUED,
}


def answer(reading: BundleReading, result: BatchResult) -> list[str]:
    with_record = [entry for entry in reading.entries if entry.record is not None]
    results = {
        entry.index: ANSWERS.get(outcome.status)
        or EntryResult.refused(*filter(None, [outcome.problem]))
        for entry, outcome in zip(with_record, result.outcomes, strict=True)
    }
    bundle = Bundle.model_validate(response_bundle(reading, results))
    return [entry.response.status for entry in bundle.entry]


def test_a_transaction_is_stored_once_and_answered(engine: Engine) -> None:
    sessions = session_factory(engine)
    with sessions() as session:
        ensure_province(session, 56)
        session.add_all(
            [
                Facility(code="56012", name="TTYT Cam Lâm", commune_code=NHA_TRANG, kind="ttyt"),
                Facility(code="56001", name="BVĐK tỉnh", commune_code=NHA_TRANG, kind="benh_vien"),
            ]
        )
        nhung = Citizen(
            person_id="056190004321", full_name="Trần Thị Hồng Nhung", commune_code=NHA_TRANG
        )
        session.add(nhung)
        session.commit()

    statuses = []
    for _ in range(2):  # the same bundle sent twice
        reading = read_bundle(DATA, source="POST /fhir", facility="56012")
        with sessions() as session:
            result = ingest_batch(
                session, reading.records, source="POST /fhir", sender_facility="56012"
            )
            session.commit()
        statuses.append(answer(reading, result))

    created, resent = statuses
    # Patient, Coverage, Organization; the visit and its two diagnoses; the vaccination, the
    # referral, the Location, the appointment.
    assert created == ["200 OK"] * 3 + ["201 Created"] * 5 + ["200 OK", "201 Created"]
    assert resent == ["200 OK"] * 10
    with sessions() as session:
        visit = session.scalars(select(models.Visit)).one()
        assert (visit.facility_code, visit.key, visit.person_id) == (
            "56012",
            "2411300087",
            "056190004321",
        )
        assert (visit.main_diagnosis, visit.other_diagnoses) == ("J18.9", "I10")
        assert visit.started_at.replace(tzinfo=None).isoformat() == "2024-11-30T14:40:00"
