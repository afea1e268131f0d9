"""Sharing the health book with a clinic (R7, R16): the citizen's side and reception's.

- ``/so-suc-khoe/chia-se`` — Chia sẻ sổ sức khỏe: behind the wallet passcode (the same
  unlock token as the book, so a citizen coming from his book is not asked again), the
  citizen or a parent for a child under 14 offers a scope and a duration and is shown a
  one-time code with its QR, sees the consents and revokes them, and sees who read the book.
  Whose book travels in the POST body, never in the URL.
- ``/so-suc-khoe/co-so`` — reception types the code or scans its QR with the camera, or
  opens a book in an emergency with a reason; ``/so-suc-khoe/co-so/{consent_id}`` then shows
  the book as the consent's scope allows. Every refusal there (unknown, expired, revoked,
  another facility's consent, an unknown person, another role) is the app's 404.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form
from markupsafe import Markup
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from sokhoe.access import consent
from sokhoe.access.consent_models import ConsentScope
from sokhoe.access.roles import Role
from sokhoe.access.scope import Actor
from sokhoe.insurance import requests
from sokhoe.insurance.card_token.qr import qr_svg
from sokhoe.records.care_book import SUMMARY_MONTHS, read_care_book
from sokhoe.vietnam_time import VIETNAM_TIME
from sokhoe.web.book_views import BOOK_PATH, no_store, opened, unlock_form
from sokhoe.web.camera_frames import Frame, frame_answer, frame_text
from sokhoe.web.card_check_views import BodyWithinLimit
from sokhoe.web.deps import CsrfChecked, SessionDep, SignedIn, SignedInDep, require_roles
from sokhoe.web.presentation_views import PASSCODE_PATH
from sokhoe.web.templating import render
from sokhoe.web.wallet_views import PRESENT_PATH, CitizenActor

SHARE_PATH = f"{BOOK_PATH}/chia-se"
OFFER_PATH = f"{SHARE_PATH}/cap-ma"
REVOKE_PATH = f"{SHARE_PATH}/thu-hoi"
RECEPTION_PATH = f"{BOOK_PATH}/co-so"
REDEEM_PATH = f"{RECEPTION_PATH}/nhap-ma"
EMERGENCY_PATH = f"{RECEPTION_PATH}/khan-cap"
FRAME_PATH = f"{RECEPTION_PATH}/khung-hinh"

#: Pixels a QR module: the one-time code's small QR drawn about 230 px wide, for a webcam.
QR_SCALE = 8

router = APIRouter()

ReceptionActor = Annotated[Actor, Depends(require_roles(Role.CLINIC_STAFF))]
Code = Annotated[str, Form(max_length=20)]
Token = Annotated[str, Form(max_length=200)]
Person = Annotated[str, Form(max_length=20)]


# --- The citizen's side ----------------------------------------------------------------


@router.get(SHARE_PATH)
def share_unlock_page(request: Request, session: SessionDep, actor: CitizenActor) -> HTMLResponse:
    return _unlock_form(request, session, actor)


@router.post(SHARE_PATH)
def share_page(
    request: Request,
    session: SessionDep,
    actor: CitizenActor,
    viewer: SignedInDep,
    _: CsrfChecked,
    code: Code = "",
    unlock: Token = "",
    person: Person = "",
) -> HTMLResponse:
    """The sharing page of ``person`` (default: the citizen's own book), once the passcode
    is right or the form carries this session's unlock token."""
    opened = _opened(request, session, actor, viewer, code=code, unlock=unlock)
    if isinstance(opened, HTMLResponse):
        return opened
    return _share(request, session, actor, opened, person or _own(actor))


@router.post(OFFER_PATH)
def offer_code(
    request: Request,
    session: SessionDep,
    actor: CitizenActor,
    viewer: SignedInDep,
    _: CsrfChecked,
    scope: Annotated[ConsentScope, Form()],
    days: Annotated[int, Form()],
    person: Person,
    unlock: Token = "",
) -> HTMLResponse:
    """A one-time code for ``person``'s book, shown with its QR (the unlock token only: a
    code is offered from the opened page)."""
    opened = _opened(request, session, actor, viewer, unlock=unlock)
    if isinstance(opened, HTMLResponse):
        return opened
    if days not in consent.DURATION_DAYS:
        return _share(request, session, actor, opened, person, status_code=422)
    made = consent.offer(session, actor, person_id=person, scope=scope, days=days)
    return _share(request, session, actor, opened, person, offer=made)


@router.post(REVOKE_PATH)
def revoke_consent(
    request: Request,
    session: SessionDep,
    actor: CitizenActor,
    viewer: SignedInDep,
    _: CsrfChecked,
    consent_id: Annotated[str, Form(max_length=40)],
    person: Person,
    unlock: Token = "",
) -> HTMLResponse:
    opened = _opened(request, session, actor, viewer, unlock=unlock)
    if isinstance(opened, HTMLResponse):
        return opened
    consent.revoke(session, actor, consent_id=consent_id)
    return _share(request, session, actor, opened, person, revoked=True)


def _opened(
    request: Request,
    session: Session,
    actor: Actor,
    viewer: SignedIn,
    *,
    unlock: str,
    code: str = "",
) -> str | HTMLResponse:
    """This session's unlock token (a new one after a right passcode), or the sharing
    page's passcode form to answer with."""
    return opened(
        request,
        session,
        actor,
        viewer,
        code=code,
        unlock=unlock,
        form="consent/unlock.html",
        paths=_paths(),
    )


def _share(
    request: Request,
    session: Session,
    actor: Actor,
    unlock: str,
    person_id: str,
    *,
    offer: consent.Offer | None = None,
    revoked: bool = False,
    status_code: int = 200,
) -> HTMLResponse:
    """The page of ``person_id``'s consents and readers; the services refuse anyone but the
    person and his guardian (the app's 404)."""
    consents = consent.consents_of(session, actor, person_id=person_id)
    views = consent.book_views(session, actor, person_id=person_id)
    holders = requests.wallet_holders(session, actor, today=_today())
    context = {
        "person_id": person_id,
        "holder": next((h for h in holders if h.person_id == person_id), None),
        "holders": holders,
        "consents": consents,
        "views": views,
        "offer": offer,
        "offer_qr": Markup(qr_svg(offer.code, scale=QR_SCALE)) if offer else None,
        "revoked": revoked,
        "unlock": unlock,
        "durations": consent.DURATION_DAYS,
        "summary_months": SUMMARY_MONTHS,
        "paths": _paths(),
    }
    return no_store(render(request, "consent/share.html", context, status_code=status_code))


def _unlock_form(request: Request, session: Session, actor: Actor) -> HTMLResponse:
    return unlock_form(request, session, actor, form="consent/unlock.html", paths=_paths())


# --- Reception's side ------------------------------------------------------------------


@router.get(RECEPTION_PATH)
def reception_page(request: Request, actor: ReceptionActor) -> HTMLResponse:
    return _reception_form(request)


@router.post(REDEEM_PATH)
def redeem_code(
    request: Request,
    session: SessionDep,
    actor: ReceptionActor,
    _: CsrfChecked,
    code: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    try:
        access = consent.redeem(session, actor, code=code)
    except consent.ConsentCodeInvalid:
        return _reception_form(request, code=code, problem="code", status_code=422)
    return RedirectResponse(f"{RECEPTION_PATH}/{access.consent_id}", status_code=303)


@router.post(FRAME_PATH)
def read_frame(
    _actor: ReceptionActor, _size: BodyWithinLimit, _: CsrfChecked, frame: Frame = None
) -> JSONResponse:
    """The code of a consent's QR, for the camera script to submit in the code form.

    Reception's own endpoint rather than the card check's: this one answers only a consent
    code and refuses any other QR without sending its text back, so a BHYT card scanned here
    by mistake neither opens anything nor travels again. The same role (clinic staff) and the
    same size limit as the card check's."""
    text = frame_text(frame)
    code = consent.scanned_code(text) if text else None
    return frame_answer(code, refused=text is not None and code is None)


@router.post(EMERGENCY_PATH)
def emergency_access(
    request: Request,
    session: SessionDep,
    actor: ReceptionActor,
    _: CsrfChecked,
    person: Person = "",
    reason: Annotated[str, Form(max_length=consent.MAX_REASON_LENGTH * 2)] = "",
) -> Response:
    """An emergency read without consent; an unknown person is the app's 404 like any
    refusal."""
    try:
        access = consent.emergency(session, actor, person_id=person.strip(), reason=reason)
    except consent.ReasonRequired:
        return _reception_form(
            request, person=person, reason=reason, problem="reason", status_code=422
        )
    return RedirectResponse(f"{RECEPTION_PATH}/{access.consent_id}", status_code=303)


@router.get(RECEPTION_PATH + "/{consent_id}")
def care_book_page(
    request: Request,
    session: SessionDep,
    actor: ReceptionActor,
    consent_id: str,
    trang: int = 1,
) -> HTMLResponse:
    care = read_care_book(
        session, actor, consent_id=consent_id, today=_today(), visits_page=max(trang, 1)
    )
    context = {"care": care, "summary_months": SUMMARY_MONTHS, "paths": _paths()}
    return no_store(render(request, "consent/care_book.html", context))


def _reception_form(
    request: Request,
    *,
    code: str = "",
    person: str = "",
    reason: str = "",
    problem: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context: dict[str, Any] = {
        "code": code,
        "person": person,
        "reason": reason,
        "problem": problem,
        "min_reason": consent.MIN_REASON_LENGTH,
        "max_reason": consent.MAX_REASON_LENGTH,
        "emergency_hours": consent.EMERGENCY_HOURS,
        "paths": _paths(),
    }
    return no_store(render(request, "consent/reception.html", context, status_code=status_code))


# --- Shared ----------------------------------------------------------------------------


def _paths() -> dict[str, str]:
    return {
        "book": BOOK_PATH,
        "share": SHARE_PATH,
        "offer": OFFER_PATH,
        "revoke": REVOKE_PATH,
        "reception": RECEPTION_PATH,
        "redeem": REDEEM_PATH,
        "emergency": EMERGENCY_PATH,
        "frame": FRAME_PATH,
        "present": PRESENT_PATH,
        "passcode": PASSCODE_PATH,
    }


def _own(actor: Actor) -> str:
    assert actor.person_id is not None  # a citizen's scope
    return actor.person_id


def _today() -> dt.date:
    return dt.datetime.now(VIETNAM_TIME).date()
