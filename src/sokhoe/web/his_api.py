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

The key's check, parsing and storing run in a worker thread, in one transaction (a key that
is not valid gets 401 before the body is parsed): per envelope, and per group of bundles
that arrive together (:mod:`sokhoe.web.his_bundles`). The ingest service writes the audit
entries, naming the key (:attr:`~sokhoe.records.his_credentials.HisKey.audit_label`).
"""

from __future__ import annotations

import io
from functools import cache
from http import HTTPStatus
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from sokhoe.db import unit_of_work
from sokhoe.records.fhir import RECORD_RESOURCES
from sokhoe.records.ingest import IngestReport, Status, chunked
from sokhoe.records.ingest import ingest_batch as store
from sokhoe.records.problems import FileUnusable, RecordProblem
from sokhoe.records.qd130 import read_envelope
from sokhoe.web.his_auth import (
    FHIR_JSON,
    FHIR_PREFIX,
    NO_STORE,
    HisRefused,
    HisSender,
    PresentedKey,
    body_reader,
    fhir_response,
    language,
    sender_of,
)
from sokhoe.web.his_bundles import BundlePost
from sokhoe.web.state import web_state

QD130_PATH = "/api/v1/qd130"
#: What problems name as the source of an envelope's records.
QD130_SOURCE = f"POST {QD130_PATH}"

router = APIRouter()

FhirBody = Annotated[bytes, Depends(body_reader(FHIR_JSON, "application/json"))]
XmlBody = Annotated[bytes, Depends(body_reader("application/xml", "text/xml"))]


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
    """Stored with the bundles that arrive meanwhile (:mod:`sokhoe.web.his_bundles`)."""
    post = BundlePost(presented, body, language(request))
    answer = await web_state(request).bundle_posts.submit(post)
    if isinstance(answer, HisRefused):
        raise answer
    status, content = answer
    return fhir_response(content, status)


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
