"""``/duyet-tich-hop``: a BHXH officer's queue of integration requests the card list could
not settle, for the persons of his province, and the decision on each.

The decision form carries the version the officer saw: if another officer decided first,
the answer is 409 with the request as it now stands.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Form
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from sokhoe.access.roles import Role
from sokhoe.access.scope import Actor
from sokhoe.insurance import requests
from sokhoe.insurance.request_decision import OFFICER_REJECTIONS, Reason
from sokhoe.web.deps import CsrfChecked, SessionDep, require_roles
from sokhoe.web.templating import render

QUEUE_PATH = "/duyet-tich-hop"

router = APIRouter()

BhxhOfficer = Annotated[Actor, Depends(require_roles(Role.BHXH_OFFICER))]


def officer_reason(approve: bool, reason: str) -> Reason:
    """The reason of an officer's decision, or 400 for one a rejection may not give."""
    if approve:
        return Reason.OFFICER_APPROVED
    if reason not in OFFICER_REJECTIONS:
        raise HTTPException(400)
    return Reason(reason)


@router.get(QUEUE_PATH)
def queue_page(request: Request, session: SessionDep, actor: BhxhOfficer) -> HTMLResponse:
    context = {"queue": requests.review_queue(session, actor), "path": QUEUE_PATH}
    return render(request, "wallet/queue.html", context)


@router.get(QUEUE_PATH + "/{request_id}")
def review_page(
    request: Request, session: SessionDep, actor: BhxhOfficer, request_id: str
) -> HTMLResponse:
    return _review(request, session, actor, request_id)


@router.post(QUEUE_PATH + "/{request_id}")
def decide(
    request: Request,
    session: SessionDep,
    actor: BhxhOfficer,
    _: CsrfChecked,
    request_id: str,
    version: Annotated[int, Form()],
    decision: Annotated[str, Form(pattern="^(approve|reject)$")],
    reason: Annotated[str, Form()] = "",
) -> Response:
    approve = decision == "approve"
    try:
        requests.decide_review(
            session,
            actor,
            request_id,
            version=version,
            approve=approve,
            reason=officer_reason(approve, reason),
            now=dt.datetime.now(),
        )
    except requests.DecisionConflict:
        return _review(request, session, actor, request_id, conflict=True)
    return RedirectResponse(f"{QUEUE_PATH}/{request_id}", status_code=303)


def _review(
    request: Request, session: SessionDep, actor: Actor, request_id: str, *, conflict: bool = False
) -> HTMLResponse:
    today = dt.date.today()
    view = requests.get_request(session, actor, request_id, today=today)
    context = {
        "today": today,
        "view": view,
        "rows": requests.list_rows_for(session, view),
        "rejections": OFFICER_REJECTIONS,
        "conflict": conflict,
        "path": QUEUE_PATH,
    }
    return render(request, "wallet/review.html", context, status_code=409 if conflict else 200)
