"""Reception records a check-in after a card verified (R7): the "Tiếp nhận khám" button of
the check's valid answer posts the scanned text again to ``/kiem-tra-the/tiep-nhan``; the
facility's check-ins of the day are listed at ``/kiem-tra-the/hom-nay``; the same check-in
answers JSON at ``/api/v1/the-bhyt/tiep-nhan`` for a HIS or a desk scanner's script.

As on the card check, the token (and so the card number) travels only in POST bodies.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Form
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse

from sokhoe.access.clock import as_utc
from sokhoe.access.scope import Actor
from sokhoe.records.check_in import (
    CheckInResult,
    check_ins_of_day,
    count_check_ins,
    record_check_in,
    visit_day,
)
from sokhoe.registry import service as registry_service
from sokhoe.web.card_check_views import (
    MAX_QR_TEXT,
    PAGE_PATH,
    BodyWithinLimit,
    CheckRequest,
    ClinicStaff,
    check_json,
    verifying_with,
)
from sokhoe.web.deps import CsrfChecked, SessionDep
from sokhoe.web.paging import Page, page_window
from sokhoe.web.templating import render

CHECK_IN_PATH = f"{PAGE_PATH}/tiep-nhan"
TODAY_PATH = f"{PAGE_PATH}/hom-nay"
API_PATH = "/api/v1/the-bhyt/tiep-nhan"
#: A busy desk receives a few hundred patients a day.
PAGE_SIZE = 50

router = APIRouter()


@router.post(CHECK_IN_PATH)
def check_in(
    request: Request,
    session: SessionDep,
    actor: ClinicStaff,
    _size: BodyWithinLimit,
    _: CsrfChecked,
    qr_text: Annotated[str, Form(min_length=1, max_length=MAX_QR_TEXT)],
) -> HTMLResponse:
    """The check-in's confirmation with the card, or the reason the code is refused."""
    result = _record(request, session, actor, qr_text.strip())
    context = {"result": result, "paths": {"check": PAGE_PATH, "today": TODAY_PATH}}
    return render(request, "check_in/result.html", context)


@router.get(TODAY_PATH)
def today(request: Request, session: SessionDep, actor: ClinicStaff) -> HTMLResponse:
    """The facility's check-ins of the day (Vietnam time), newest first."""
    assert actor.facility_code is not None  # reception's account names its facility
    day = visit_day(dt.datetime.now(dt.UTC))
    total = count_check_ins(session, facility_code=actor.facility_code, day=day)
    number, offset = page_window(request, total=total, size=PAGE_SIZE)
    rows = check_ins_of_day(
        session,
        actor,
        facility_code=actor.facility_code,
        day=day,
        offset=offset,
        limit=PAGE_SIZE,
        page=number,
    )
    context = {
        "day": day,
        "facility": registry_service.get_facility(session, actor.facility_code),
        "page": Page(rows, number, PAGE_SIZE, total),
        "paths": {"check": PAGE_PATH},
    }
    return render(request, "check_in/today.html", context)


@router.post(API_PATH)
def check_in_api(
    request: Request,
    session: SessionDep,
    actor: ClinicStaff,
    _size: BodyWithinLimit,
    _: CsrfChecked,
    body: CheckRequest,
) -> JSONResponse:
    """201 ``{"check_in_id", "checked_in_at", "card"}`` for a new check-in, 200 for the one
    the same code already made today; 422 ``{"reason", "card"}`` for a refused code, with
    the card check's reason codes (``card`` when its signature held, as there)."""
    result = _record(request, session, actor, body.qr.strip())
    answer = check_json(result.check)
    no_store = {"Cache-Control": "no-store"}
    if result.check_in is None:
        refusal = {"reason": answer["reason"], "card": answer["card"]}
        return JSONResponse(refusal, status_code=422, headers=no_store)
    body_json = {
        "check_in_id": result.check_in.id,
        "checked_in_at": as_utc(result.check_in.checked_in_at).isoformat(),
        "card": answer["card"],
    }
    return JSONResponse(body_json, status_code=201 if result.created else 200, headers=no_store)


def _record(request: Request, session: Session, actor: Actor, text: str) -> CheckInResult:
    return record_check_in(session, actor, text, **verifying_with(request, session))
