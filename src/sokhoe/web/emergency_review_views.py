"""``/truy-cap-khan-cap``: the Department of Health reviews the emergency accesses to health
books in its province (:mod:`sokhoe.access.emergency_review`) — each reason, who opened the
book where and when, and a finding: appropriate or not. A finding another officer recorded
first is answered 409 with the list as it now stands.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from sokhoe.access import emergency_review
from sokhoe.access.roles import Role
from sokhoe.access.scope import Actor
from sokhoe.web.deps import CsrfChecked, SessionDep, require_roles
from sokhoe.web.templating import render

REVIEW_PATH = "/truy-cap-khan-cap"

router = APIRouter()

HealthDepartment = Annotated[Actor, Depends(require_roles(Role.HEALTH_DEPARTMENT))]


@router.get(REVIEW_PATH)
def review_page(request: Request, session: SessionDep, actor: HealthDepartment) -> HTMLResponse:
    return _page(request, session, actor)


@router.post(REVIEW_PATH + "/{consent_id}")
def record_finding(
    request: Request,
    session: SessionDep,
    actor: HealthDepartment,
    _: CsrfChecked,
    consent_id: str,
    appropriate: Annotated[bool, Form()],
) -> Response:
    assert actor.province_code is not None  # the Department of Health's scope
    try:
        emergency_review.review(
            session,
            actor,
            province_code=actor.province_code,
            consent_id=consent_id,
            appropriate=appropriate,
        )
    except emergency_review.AlreadyReviewed:
        return _page(request, session, actor, conflict=True)
    return RedirectResponse(f"{REVIEW_PATH}?da-xem-xet=1", status_code=303)


def _page(
    request: Request, session: SessionDep, actor: Actor, *, conflict: bool = False
) -> HTMLResponse:
    assert actor.province_code is not None
    waiting = emergency_review.waiting(session, actor, province_code=actor.province_code)
    context = {
        "waiting": waiting,
        "path": REVIEW_PATH,
        "conflict": conflict,
        "recorded": request.query_params.get("da-xem-xet") == "1",
    }
    return render(
        request, "book/emergency_review.html", context, status_code=409 if conflict else 200
    )
