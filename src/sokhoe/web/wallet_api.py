"""``/api/v1/``: the wallet's integration requests as JSON, for the same actors and with the
same checks as the pages (:mod:`sokhoe.web.wallet_views`, :mod:`sokhoe.web.review_views`).

Session-authenticated like every ``/api/`` path (401 without a session); state-changing
calls send the session's CSRF token in ``X-CSRF-Token``. A request ID the actor may not see
is 404, like an unknown one; a stale decision 409; a bad card number or issuing unit 422
with the field and the message.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse

from sokhoe.access.roles import Role
from sokhoe.access.scope import Actor
from sokhoe.insurance import requests
from sokhoe.web.deps import CsrfChecked, SessionDep, require_roles
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


class Decision(BaseModel):
    version: int
    approve: bool
    reason: str = ""


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
        ]
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
        return JSONResponse(
            {"detail": [{"field": problem.field, "message": problem.message}]}, status_code=422
        )
    view = requests.get_request(session, actor, request.id, today=dt.date.today())
    return JSONResponse(_request_json(view), status_code=201 if created else 200)


@router.get(f"{API}/wallet/requests/{{request_id}}")
def one_request(session: SessionDep, actor: CitizenActor, request_id: str) -> dict[str, Any]:
    return _request_json(requests.get_request(session, actor, request_id, today=dt.date.today()))


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
