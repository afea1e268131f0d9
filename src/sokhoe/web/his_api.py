"""Hospitals' information systems (HIS) send their records: ``POST /fhir`` (a FHIR R4 Bundle)
and ``POST /api/v1/qd130`` (a QĐ 130 ``GIAMDINHHS`` envelope), each authenticated by the
facility's key (:mod:`sokhoe.web.his_auth`) and allowed its own facility's records only.

FHIR follows the specification's rules for a server's base URL (``POST [base]``; ``[base]/
metadata`` for a client's first question): a ``transaction`` is all or nothing — any problem
answers 400 with an ``OperationOutcome`` naming each path and stores nothing, a record of
another facility 403 (the attempt audited as denied) — while a ``batch`` or ``collection`` is
answered entry by entry in a response bundle (``201``/``200``/``202`` accepted for review,
``400``, ``403`` another facility's).

QĐ 130 answers JSON, counts and problems: 200 when every record was kept (stored or queued
for review), 422 when some were rejected (the rest stored), 400 for an unusable envelope
(nothing stored).

The key's check, parsing and storing run in one worker thread, in one transaction per
request (a key that is not valid gets 401 before the body is parsed); the ingest service
writes the audit entries, naming the key (:attr:`HisKey.audit_label`).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from functools import cache
from http import HTTPStatus
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from sokhoe.db import unit_of_work
from sokhoe.records.fhir import RECORD_RESOURCES, BundleReading, read_bundle
from sokhoe.records.fhir_outcome import (
    CREATED,
    QUEUED,
    UPDATED,
    EntryResult,
    operation_outcome,
    response_bundle,
)
from sokhoe.records.his_credentials import HisKey
from sokhoe.records.ingest import BatchResult, IngestReport, RecordOutcome, Status, chunked
from sokhoe.records.ingest import ingest_batch as store
from sokhoe.records.problems import FileUnusable, RecordProblem
from sokhoe.records.qd130 import read_envelope
from sokhoe.web.his_auth import (
    FHIR_JSON,
    FHIR_PREFIX,
    NO_STORE,
    HisSender,
    PresentedKey,
    body_reader,
    fhir_response,
    language,
    sender_of,
)
from sokhoe.web.state import web_state

QD130_PATH = "/api/v1/qd130"
#: What problems name as the source of a request's records.
FHIR_SOURCE, QD130_SOURCE = "POST /fhir", f"POST {QD130_PATH}"

router = APIRouter()

FhirBody = Annotated[bytes, Depends(body_reader(FHIR_JSON, "application/json"))]
XmlBody = Annotated[bytes, Depends(body_reader("application/xml", "text/xml"))]

#: The answer to each entry's record by ingest status (a resend is ``200 OK`` as an update).
_ANSWERS = {
    Status.CREATED: CREATED,
    Status.UPDATED: UPDATED,
    Status.UNCHANGED: UPDATED,
    Status.QUEUED: QUEUED,
}


@router.get(f"{FHIR_PREFIX}/metadata")
def capability_statement() -> Response:
    """What the server does, for a FHIR client's first call (no key needed)."""
    return fhir_response(_capabilities())


@cache
def _capabilities() -> dict[str, Any]:
    return CapabilityStatement.model_validate(
        {
            "status": "active",
            "date": "2026-11-01",
            "publisher": "Sổ Khỏe",
            "kind": "instance",
            "implementation": {"description": "Sổ Khỏe: hồ sơ khám chữa bệnh từ HIS"},
            "fhirVersion": "4.0.1",
            "format": ["json"],
            "rest": [
                {
                    "mode": "server",
                    "security": {
                        "description": "Authorization: Bearer <khóa HIS của cơ sở> (skh_…)"
                    },
                    "interaction": [{"code": "transaction"}, {"code": "batch"}],
                    "resource": [{"type": kind} for kind in sorted(RECORD_RESOURCES)],
                }
            ],
        }
    ).model_dump(mode="json", exclude_none=True)


@router.post(FHIR_PREFIX)
@router.post(f"{FHIR_PREFIX}/")
@router.post(f"{FHIR_PREFIX}/Bundle")
async def receive_bundle(request: Request, presented: HisSender, body: FhirBody) -> Response:
    lang = language(request)
    status, answer = await run_in_threadpool(_bundle, request, presented, body, lang)
    return fhir_response(answer, status)


def _bundle(
    request: Request, presented: PresentedKey, body: bytes, lang: str
) -> tuple[int, dict[str, Any]]:
    with unit_of_work(web_state(request).database.sessions) as session:
        sender = sender_of(session, presented)
        try:
            reading = read_bundle(body, source=FHIR_SOURCE, facility=sender.facility_code)
        except FileUnusable as exc:
            return HTTPStatus.BAD_REQUEST, operation_outcome([exc.problem], lang)
        if reading.type == "transaction":
            return _transaction(session, reading, sender, lang)
        result = _store(session, [e.record for e in reading.entries if e.record], sender)
    return HTTPStatus.OK, response_bundle(reading, _results(reading, result.outcomes), lang)


def _transaction(
    session: Session, reading: BundleReading, sender: HisKey, lang: str
) -> tuple[int, dict[str, Any]]:
    """All or nothing: another facility's record first (refused and audited, nothing else
    stored), then the entries' problems, then what ingest refused (rolled back)."""
    foreign = [r for r in reading.records if r.facility_code != sender.facility_code]
    if foreign:
        refused = _store(session, foreign, sender)  # writes nothing but the denial's audit
        return HTTPStatus.FORBIDDEN, _outcome(reading, refused.outcomes, lang)
    if reading.problems:
        return HTTPStatus.BAD_REQUEST, operation_outcome(reading.problems, lang)
    result = _store(session, reading.records, sender)
    if result.problems:
        session.rollback()
        return HTTPStatus.BAD_REQUEST, _outcome(reading, result.outcomes, lang)
    return HTTPStatus.OK, response_bundle(reading, _results(reading, result.outcomes), lang)


def _store(session: Session, records: Sequence[Any], sender: HisKey) -> BatchResult:
    return store(
        session,
        records,
        source=FHIR_SOURCE,
        sender_facility=sender.facility_code,
        channel=sender.audit_label,
    )


def _entry_paths(reading: BundleReading) -> dict[int, str]:
    """The entry path of each record, by the record's ``id()``."""
    return {id(e.record): e.path for e in reading.entries if e.record is not None}


def _outcome(
    reading: BundleReading, outcomes: Sequence[RecordOutcome], lang: str
) -> dict[str, Any]:
    """An ``OperationOutcome`` of ingest's refusals, each at its entry's path (ingest names
    a record by its key, which is no FHIR path)."""
    paths = _entry_paths(reading)
    issues = [
        issue
        for o in outcomes
        if o.problem is not None
        for issue in operation_outcome([o.problem], lang, at=paths.get(id(o.record)))["issue"]
    ]
    return {"resourceType": "OperationOutcome", "issue": issues}


def _results(reading: BundleReading, outcomes: Sequence[RecordOutcome]) -> dict[int, EntryResult]:
    with_record = [e for e in reading.entries if e.record is not None]
    return {
        entry.index: _answer(outcome) for entry, outcome in zip(with_record, outcomes, strict=True)
    }


def _answer(outcome: RecordOutcome) -> EntryResult:
    if outcome.status is not Status.REFUSED:
        return _ANSWERS[outcome.status]
    problems = (outcome.problem,) if outcome.problem else ()
    if outcome.problem and outcome.problem.code == "other_facility":
        return EntryResult("403 Forbidden", problems)
    return EntryResult.refused(*problems)


@router.post(QD130_PATH)
async def receive_envelope(request: Request, presented: HisSender, body: XmlBody) -> Response:
    lang = language(request)
    status, answer = await run_in_threadpool(_envelope, request, presented, body, lang)
    return JSONResponse(answer, status, headers=NO_STORE)


def _envelope(request: Request, presented: PresentedKey, body: bytes, lang: str) -> tuple[int, Any]:
    """Parsed whole before anything is stored (an unusable envelope stores nothing), then
    stored in one transaction, a batch at a time."""
    report = IngestReport()
    with unit_of_work(web_state(request).database.sessions) as session:
        sender = sender_of(session, presented)
        try:
            items = list(read_envelope(io.BytesIO(body), name=QD130_SOURCE))
        except FileUnusable as exc:
            return HTTPStatus.BAD_REQUEST, {"problems": [_problem_json(exc.problem, lang)]}
        for chunk in chunked(items):
            report.add(
                store(
                    session,
                    chunk,
                    source=QD130_SOURCE,
                    sender_facility=sender.facility_code,
                    channel=sender.audit_label,
                )
            )
    answer = {
        "counts": {status.value: report.counts[status] for status in Status},
        "problems": [_problem_json(p, lang) for p in report.problems],
    }
    return (HTTPStatus.OK if report.all_kept else HTTPStatus.UNPROCESSABLE_ENTITY), answer


def _problem_json(problem: RecordProblem, lang: str) -> dict[str, str | None]:
    return {
        "record": problem.record,
        "field": problem.field,
        "code": problem.code,
        "message": problem.message(lang),
    }
