"""``/kiem-tra-the``: reception checks a presented BHYT card (R7) — the QR text pasted (or
typed by a hand scanner), a photo of the code, or the device's camera.

The camera script (``static/camera_scan.js``) sends a frame every few hundred milliseconds
to ``/kiem-tra-the/khung-hinh``, which only reads the code (JSON, ``camera_frames``); once one
is found the script puts its text in the paste form and submits it, so all three ways end in
the same audited check and the same result page. Card numbers travel only in POST bodies,
never in a URL.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, TypedDict

from fastapi import APIRouter, Depends, File, Form, UploadFile
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse

from sokhoe.access.roles import Role
from sokhoe.access.scope import Actor
from sokhoe.insurance.card_check import CardCheck, check_card_token
from sokhoe.insurance.card_token import KeySet, Valid
from sokhoe.insurance.card_token.qr import UnreadableImage, read_qr
from sokhoe.insurance.card_token.revoked import StoredRevocations
from sokhoe.insurance.card_token.token import Revoked
from sokhoe.registry.dates import format_partial_date
from sokhoe.web.camera_frames import Frame, frame_answer, frame_text
from sokhoe.web.deps import (
    CsrfChecked,
    CsrfHeader,
    SessionDep,
    in_one_hop,
    require_roles,
    signed_in_actor,
)
from sokhoe.web.state import web_state
from sokhoe.web.templating import render

PAGE_PATH = "/kiem-tra-the"
#: The same check for a hospital's HIS or a desk scanner's script (session and CSRF header).
API_PATH = "/api/v1/the-bhyt/kiem-tra"
PHOTO_PATH = f"{PAGE_PATH}/anh"
FRAME_PATH = f"{PAGE_PATH}/khung-hinh"
#: A phone's photo is 2–8 MB; a camera frame far less.
MAX_BODY_BYTES = 10 * 1024 * 1024
#: The largest text a QR code holds (version 40, alphanumeric).
MAX_QR_TEXT = 4296
#: Problems worded by the page (``card_check/page.html``) besides :class:`ImageProblem`'s.
NO_TEXT, NO_PHOTO = "no_text", "no_photo"

router = APIRouter()

#: Checking a card is reception's work, for care: the only purpose of a clinic's account.
#: BHXH officers check tokens with ``sokhoe verify`` (their purposes are reconciliation and
#: statistics, not care).
ClinicStaff = Annotated[Actor, Depends(require_roles(Role.CLINIC_STAFF))]


async def body_within_limit(request: Request) -> None:
    """413 for a body over :data:`MAX_BODY_BYTES`, decided from ``Content-Length`` before
    anything reads the body (the CSRF check parses the form: this comes first)."""
    length = request.headers.get("content-length")
    if length is None:
        raise HTTPException(411)
    if not length.isdigit() or int(length) > MAX_BODY_BYTES:
        raise HTTPException(413)


BodyWithinLimit = Annotated[None, Depends(body_within_limit)]


@router.get(PAGE_PATH)
def check_page(request: Request, _actor: ClinicStaff) -> HTMLResponse:
    return _page(request)


@router.post(PAGE_PATH)
def check_pasted(
    request: Request,
    session: SessionDep,
    actor: ClinicStaff,
    _size: BodyWithinLimit,
    _: CsrfChecked,
    qr_text: Annotated[str, Form()] = "",
) -> HTMLResponse:
    if not qr_text.strip():
        return _page(request, problem=NO_TEXT)
    text = qr_text.strip()
    return _page(request, check=_check(request, session, actor, text), text=text)


@router.post(PHOTO_PATH)
def check_photo(
    request: Request,
    session: SessionDep,
    actor: ClinicStaff,
    _size: BodyWithinLimit,
    _: CsrfChecked,
    photo: Annotated[UploadFile | None, File()] = None,
) -> HTMLResponse:
    data = photo.file.read() if photo is not None else b""
    if not data:
        return _page(request, problem=NO_PHOTO)
    try:
        text = read_qr(data)
    except UnreadableImage as exc:
        return _page(request, problem=exc.problem)
    return _page(request, check=_check(request, session, actor, text), text=text)


@router.post(FRAME_PATH)
def read_frame(
    _actor: ClinicStaff, _size: BodyWithinLimit, _: CsrfChecked, frame: Frame = None
) -> JSONResponse:
    """Any code found is submitted: the check itself tells a card's code from another."""
    return frame_answer(frame_text(frame))


class CheckRequest(BaseModel):
    qr: str = Field(min_length=1, max_length=MAX_QR_TEXT)


@router.post(API_PATH)
async def check_api(
    request: Request, _size: BodyWithinLimit, csrf_token: CsrfHeader, body: CheckRequest
) -> JSONResponse:
    """``{"valid": …, "reason": …, "card": …}``: ``reason`` is null when valid, else one of
    :class:`~sokhoe.insurance.card_token.Reason`; ``card`` is what the signed token states
    (also for an expired, revoked or not-yet-valid one), null when nothing can be trusted.

    A desk scanner's busiest call: its database work runs in one hop (:func:`in_one_hop`)."""

    def check(session: Session) -> CardCheck:
        actor = signed_in_actor(request, session, csrf_token, Role.CLINIC_STAFF)
        return _check(request, session, actor, body.qr.strip())

    checked = await in_one_hop(request, check)
    return JSONResponse(check_json(checked), headers={"Cache-Control": "no-store"})


def check_json(check: CardCheck) -> dict[str, object]:
    verification = check.verification
    claims = check.claims
    card = None
    if claims is not None:
        card = {
            "card_number": claims.card.card_number,
            "full_name": claims.card.full_name,
            "birth_date": format_partial_date(claims.card.birth_date, claims.card.birth_precision),
            "sex": claims.card.sex,
            "valid_from": claims.card.valid_from.isoformat(),
            "valid_to": claims.card.valid_to.isoformat(),
            "facility_code": claims.card.facility_code,
            "facility_name": check.facility_name,
            "kind": claims.kind.name.lower(),
            "expires_at": claims.expires_at.isoformat(),
        }
    return {
        "valid": check.valid,
        "reason": None if isinstance(verification, Valid) else verification.reason.value,
        "kid": verification.kid if isinstance(verification, Valid) else None,
        "card": card,
    }


class VerifyingWith(TypedDict):
    keys: KeySet
    revoked: Revoked
    secret: bytes
    now: dt.datetime


def verifying_with(request: Request, session: Session) -> VerifyingWith:
    """What any act on a presented token (this check, reception's check-in) takes from the
    server: the keys valid now, the stored revocations, the audit digest's key, the time."""
    state = web_state(request)
    now = dt.datetime.now(dt.UTC)
    return {
        "keys": state.key_ring.get().verification_keys(now),
        "revoked": StoredRevocations(session),
        "secret": state.secret_key,
        "now": now,
    }


def _check(request: Request, session: Session, actor: Actor, text: str) -> CardCheck:
    return check_card_token(session, actor, text, **verifying_with(request, session))


def _page(
    request: Request,
    *,
    check: CardCheck | None = None,
    problem: str | None = None,
    text: str | None = None,
) -> HTMLResponse:
    context = {
        "check": check,
        "problem": problem,
        "paths": {"page": PAGE_PATH, "photo": PHOTO_PATH, "frame": FRAME_PATH},
        "max_megabytes": MAX_BODY_BYTES // (1024 * 1024),
    }
    if check is not None and check.valid:
        # The valid answer's "Tiếp nhận khám" form posts the scanned text again (check_in_views).
        context["check_in_text"] = text
    return render(request, "card_check/page.html", context)
