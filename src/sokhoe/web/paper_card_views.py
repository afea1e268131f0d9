"""``/the-giay``: a BHXH or commune officer prints a paper card (thẻ giấy) for a holder without
a smartphone, and revokes one (a lost card); a BHXH officer revokes a whole card number.

The person is found by a personal ID or card number typed in a POST form; every later form
(print, revoke) carries the person ID in its body, never in the URL. A person outside the
officer's commune or province gets the same 404 as an unknown one (``AccessDenied``).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Form
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from sokhoe.access.roles import Role
from sokhoe.access.scope import Actor
from sokhoe.insurance import paper_card
from sokhoe.insurance.card_number import InvalidCardNumber
from sokhoe.insurance.card_token import KeyRing
from sokhoe.insurance.paper_card_pdf import last_valid_day, render_pdf
from sokhoe.web.deps import CsrfChecked, SessionDep, require_roles
from sokhoe.web.state import web_state
from sokhoe.web.templating import render

PAGE_PATH = "/the-giay"
PRINT_PATH = f"{PAGE_PATH}/in"
REVOKE_PATH = f"{PAGE_PATH}/thu-hoi"
REVOKE_CARD_PATH = f"{PAGE_PATH}/thu-hoi-the"
#: The download's name: no personal ID, no card number (it stays in the Downloads folder).
PDF_FILENAME = "the-bhyt-giay.pdf"

router = APIRouter()

PaperCardOfficer = Annotated[Actor, Depends(require_roles(Role.BHXH_OFFICER, Role.COMMUNE_OFFICER))]
BhxhOfficer = Annotated[Actor, Depends(require_roles(Role.BHXH_OFFICER))]
PersonField = Annotated[str, Form(max_length=12)]
Reason = Annotated[str, Form(max_length=paper_card.MAX_REASON * 2)]


@router.get(PAGE_PATH)
def search_page(request: Request, _actor: PaperCardOfficer) -> HTMLResponse:
    return _search(request)


@router.post(PAGE_PATH)
def find_holder(
    request: Request,
    session: SessionDep,
    actor: PaperCardOfficer,
    _: CsrfChecked,
    query: Annotated[str, Form(max_length=40)] = "",
) -> HTMLResponse:
    if not query.strip():
        return _search(request, problem="empty", status_code=422)
    try:
        person_id = paper_card.search(session, query)
    except paper_card.BadSearch as exc:
        return _search(request, problem=exc.problem.value, status_code=422)
    return _holder(request, session, actor, person_id)


@router.post(PRINT_PATH)
def print_card(
    request: Request,
    session: SessionDep,
    actor: PaperCardOfficer,
    _: CsrfChecked,
    person_id: PersonField,
) -> Response:
    keys = KeyRing.open(web_state(request).settings.home)
    try:
        printed = paper_card.issue_paper_card(
            session, actor, person_id=person_id, keys=keys, now=dt.datetime.now(dt.UTC)
        )
    except paper_card.NothingToPrint:
        return _holder(request, session, actor, person_id, notice="nothing_to_print", status=409)
    return Response(
        render_pdf(printed),
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{PDF_FILENAME}"',
            "Cache-Control": "no-store",
        },
    )


@router.post(REVOKE_PATH)
def revoke_paper_card(
    request: Request,
    session: SessionDep,
    actor: PaperCardOfficer,
    _: CsrfChecked,
    person_id: PersonField,
    token_id: Annotated[str, Form(max_length=40)],
    reason: Reason = "",
) -> HTMLResponse:
    now = dt.datetime.now(dt.UTC)
    try:
        paper = paper_card.revoke_paper_card(
            session, actor, token_id=token_id, reason=reason, now=now
        )
    except paper_card.BadTokenId:
        return _holder(request, session, actor, person_id, notice="bad_token", status=422)
    except paper_card.BadReason:
        return _holder(request, session, actor, person_id, notice="no_reason", status=422)
    except paper_card.AlreadyRevoked:
        return _holder(request, session, actor, person_id, notice="already_revoked", status=409)
    return _holder(request, session, actor, paper.person_id, notice="revoked_token")


@router.post(REVOKE_CARD_PATH)
def revoke_card(
    request: Request,
    session: SessionDep,
    actor: BhxhOfficer,
    _: CsrfChecked,
    person_id: PersonField,
    card_number: Annotated[str, Form(max_length=20)],
    reason: Reason = "",
) -> HTMLResponse:
    now = dt.datetime.now(dt.UTC)
    try:
        paper_card.revoke_card_number(
            session, actor, card_number=card_number, reason=reason, now=now
        )
    except InvalidCardNumber:
        return _holder(request, session, actor, person_id, notice="bad_card", status=422)
    except paper_card.BadReason:
        return _holder(request, session, actor, person_id, notice="no_reason", status=422)
    except paper_card.AlreadyRevoked:
        return _holder(request, session, actor, person_id, notice="already_revoked", status=409)
    return _holder(request, session, actor, person_id, notice="revoked_card")


def _paths() -> dict[str, str]:
    return {
        "page": PAGE_PATH,
        "print": PRINT_PATH,
        "revoke": REVOKE_PATH,
        "revoke_card": REVOKE_CARD_PATH,
    }


def _search(
    request: Request, *, problem: str | None = None, status_code: int = 200
) -> HTMLResponse:
    context = {"problem": problem, "paths": _paths()}
    return render(request, "paper_card/search.html", context, status_code=status_code)


def _holder(
    request: Request,
    session: Session,
    actor: Actor,
    person_id: str,
    *,
    notice: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    """The holder's card and paper cards (audited); ``notice`` words what just happened."""
    now = dt.datetime.now(dt.UTC)
    view = paper_card.holder_cards(session, actor, person_id=person_id, now=now)
    context = {
        "view": view,
        "notice": notice,
        "problem": None,
        "paths": _paths(),
        "now": now.replace(tzinfo=None),
        "last_valid_day": last_valid_day,
        "grouped_token_id": paper_card.grouped_token_id,
        "may_revoke_card": actor.role is Role.BHXH_OFFICER,
        "max_reason": paper_card.MAX_REASON,
    }
    return render(request, "paper_card/holder.html", context, status_code=status)
