"""``/api/v1/``: the wallet's integration requests, its passcode and Xuất trình giấy tờ as
JSON, for the same actors and with the same checks as the pages
(:mod:`sokhoe.web.wallet_views`, :mod:`sokhoe.web.presentation_views`,
:mod:`sokhoe.web.review_views`).

Session-authenticated like every ``/api/`` path (401 without a session); state-changing
calls send the session's CSRF token in ``X-CSRF-Token``. A request ID or person the actor
may not reach is 404, like an unknown one; a stale decision 409; a bad card number, issuing
unit or passcode 422 with the field and the message; a wrong passcode 403 with the tries
left, a locked one 429 with ``Retry-After``. Refusals of a passcode are answers, not
exceptions: the request's transaction commits, so every wrong code stays counted.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from sokhoe.access.roles import Role
from sokhoe.access.scope import Actor
from sokhoe.insurance import passcode, requests
from sokhoe.insurance.presentation import NothingToPresent, present_behind_passcode
from sokhoe.web.card_json import card_json
from sokhoe.web.deps import CsrfChecked, SessionDep, require_roles
from sokhoe.web.presentation_views import signing_keys
from sokhoe.web.review_views import officer_reason
from sokhoe.web.wallet_views import problem_of, wallets

API = "/api/v1"

router = APIRouter()

CitizenActor = Annotated[Actor, Depends(require_roles(Role.CITIZEN))]
BhxhOfficer = Annotated[Actor, Depends(require_roles(Role.BHXH_OFFICER))]


class NewRequest(BaseModel):
    #: The child's personal ID when filing for a child under 14; omitted for oneself.
    person_id: str | None = Field(default=None, max_length=12)
    issuing_unit: int
    card_number: str = Field(max_length=40)


class NewPasscode(BaseModel):
    new_passcode: str = Field(max_length=20)
    #: Required to change a passcode already set.
    current_passcode: str | None = Field(default=None, max_length=20)


class Presentation(BaseModel):
    #: The child's personal ID to present a child's card (under 14); omitted for oneself.
    person_id: str | None = Field(default=None, max_length=12)
    passcode: str = Field(max_length=20)


class Decision(BaseModel):
    version: int
    approve: bool
    reason: str = ""


def _field_problem(field: str, message: str) -> JSONResponse:
    return JSONResponse({"detail": [{"field": field, "message": message}]}, status_code=422)


def _request_json(view: requests.RequestView) -> dict[str, Any]:
    request = view.request
    return {
        "id": request.id,
        "person_name": view.person.full_name,
        "card_number": request.card_number,
        "issuing_unit": request.issuing_province_code,
        "status": request.status,
        "reason": request.reason,
        "version": request.version,
        "created_at": request.created_at.isoformat(),
        "history": [
            {
                "at": event.at.isoformat(),
                "status": event.status,
                "reason": event.reason,
                "by": "officer" if event.by_user_id else "system",
            }
            for event in view.events
        ],
    }


@router.get(f"{API}/wallet")
def my_wallet(session: SessionDep, actor: CitizenActor) -> dict[str, Any]:
    return {
        "holders": [
            {
                "name": item.holder.full_name,
                "self": item.holder.person_id == actor.person_id,
                "cards": [card.card_number for card in item.cards],
                "requests": [_request_json(view) for view in item.requests],
            }
            for item in wallets(session, actor, dt.date.today())
        ],
        "has_passcode": passcode.has_passcode(session, actor),
    }


@router.post(f"{API}/wallet/requests")
def create_request(
    session: SessionDep, actor: CitizenActor, _: CsrfChecked, body: NewRequest
) -> JSONResponse:
    """201 with the decided request; 200 with the open one when the same card is asked again."""
    try:
        request, created = requests.submit(
            session,
            actor,
            person_id=body.person_id or actor.person_id or "",
            card_number=body.card_number,
            issuing_province_code=body.issuing_unit,
            now=dt.datetime.now(),
        )
    except ValueError as exc:
        problem = problem_of(exc)
        return _field_problem(problem.field, problem.message)
    view = requests.get_request(session, actor, request.id, today=dt.date.today())
    return JSONResponse(_request_json(view), status_code=201 if created else 200)


@router.get(f"{API}/wallet/requests/{{request_id}}")
def one_request(session: SessionDep, actor: CitizenActor, request_id: str) -> dict[str, Any]:
    return _request_json(requests.get_request(session, actor, request_id, today=dt.date.today()))


def _passcode_refused(
    exc: passcode.WrongPasscode | passcode.PasscodeLocked, now: dt.datetime
) -> JSONResponse:
    """403 with the tries left for a wrong code; 429 while locked. Either way, once locked,
    ``Retry-After`` (and ``retry_after``) in whole seconds until a code is checked again."""
    until: dt.datetime | None
    if isinstance(exc, passcode.PasscodeLocked):
        status, until = 429, exc.until
        body: dict[str, Any] = {"detail": "Nhập sai mã bảo vệ quá nhiều lần: ví đang bị khóa."}
    else:
        status, until = 403, exc.locked_until
        body = {"detail": "Mã bảo vệ ví không đúng.", "remaining_attempts": exc.remaining}
    headers = {}
    if until is not None:
        wait = max(math.ceil((until - now).total_seconds()), 1)
        body["retry_after"] = wait
        headers["Retry-After"] = str(wait)
    return JSONResponse(body, status_code=status, headers=headers)


@router.post(f"{API}/wallet/passcode")
def set_passcode(
    session: SessionDep, actor: CitizenActor, _: CsrfChecked, body: NewPasscode
) -> Response:
    """Set the wallet passcode (204), or change it with ``current_passcode``."""
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    try:
        passcode.set_passcode(
            session, actor, body.new_passcode, current=body.current_passcode, now=now
        )
    except passcode.BadPasscodeFormat as exc:
        return _field_problem("new_passcode", str(exc))
    except (passcode.WrongPasscode, passcode.PasscodeLocked) as exc:
        return _passcode_refused(exc, now)
    return Response(status_code=204)


@router.post(f"{API}/wallet/presentation")
def present_card(
    request: Request, session: SessionDep, actor: CitizenActor, _: CsrfChecked, body: Presentation
) -> JSONResponse:
    """The card valid today of oneself or of a child under 14, with a signed code for
    reception: ``token`` (the QR code's text), ``qr_svg`` (that code drawn), ``expires_at``.

    No PNG: the token is a credential for its few minutes and would have to go into a URL or
    a second request; a client draws its own code from ``token`` if the SVG does not suit.
    """
    now = dt.datetime.now(dt.UTC)
    try:
        shown = present_behind_passcode(
            session,
            actor,
            person_id=body.person_id or actor.person_id or "",
            code=body.passcode,
            keys=signing_keys(request),
            now=now,
        )
    except passcode.NoPasscode:
        return _field_problem("passcode", "chưa đặt mã bảo vệ ví (POST /api/v1/wallet/passcode)")
    except (passcode.WrongPasscode, passcode.PasscodeLocked) as exc:
        return _passcode_refused(exc, now.replace(tzinfo=None))
    except NothingToPresent:
        detail = "Trong ví chưa có thẻ BHYT còn hạn hôm nay để xuất trình."
        return JSONResponse({"detail": detail}, status_code=404)
    return JSONResponse(
        {
            "token": shown.token,
            "qr_svg": shown.qr_svg,
            "expires_at": shown.expires_at.isoformat(),
            "card": card_json(shown.card),
        },
        headers={"Cache-Control": "no-store"},
    )


@router.get(f"{API}/review/requests")
def review_queue(session: SessionDep, actor: BhxhOfficer) -> dict[str, Any]:
    queue = requests.review_queue(session, actor)
    return {
        "requests": [
            {"id": r.id, "card_number": r.card_number, "reason": r.reason, "version": r.version}
            for r in queue
        ]
    }


@router.post(f"{API}/review/requests/{{request_id}}/decision")
def decide(
    session: SessionDep, actor: BhxhOfficer, _: CsrfChecked, request_id: str, body: Decision
) -> dict[str, Any]:
    try:
        view = requests.decide_review(
            session,
            actor,
            request_id,
            version=body.version,
            approve=body.approve,
            reason=officer_reason(body.approve, body.reason),
            now=dt.datetime.now(),
        )
    except requests.DecisionConflict:
        raise HTTPException(409) from None
    return _request_json(view)
