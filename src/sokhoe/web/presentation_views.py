"""``/vi-giay-to/xuat-trinh``: Xuất trình giấy tờ (R2) — behind the wallet passcode, the card
of the citizen or of a child under 14 he manages, with a signed QR code that lives minutes;
and ``/vi-giay-to/ma-bao-ve`` to set or change the passcode.

Whose card to present travels in the POST body, never in the URL.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Form
from markupsafe import Markup
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from sokhoe.access.scope import Actor
from sokhoe.insurance import passcode, requests
from sokhoe.insurance.card_token import KeyRing
from sokhoe.insurance.presentation import NothingToPresent, present_behind_passcode
from sokhoe.vietnam_time import VIETNAM_TIME
from sokhoe.web.deps import CsrfChecked, SessionDep
from sokhoe.web.state import web_state
from sokhoe.web.templating import render
from sokhoe.web.wallet_views import PRESENT_PATH, WALLET_PATH, CitizenActor

PASSCODE_PATH = f"{WALLET_PATH}/ma-bao-ve"

router = APIRouter()

Code = Annotated[str, Form(max_length=20)]


@router.get(PRESENT_PATH)
def present_page(request: Request, session: SessionDep, actor: CitizenActor) -> HTMLResponse:
    return _form(request, session, actor)


@router.post(PRESENT_PATH)
def present_card(
    request: Request,
    session: SessionDep,
    actor: CitizenActor,
    _: CsrfChecked,
    code: Code = "",
    person: Annotated[str, Form()] = "",
) -> HTMLResponse:
    try:
        shown = present_behind_passcode(
            session,
            actor,
            person_id=person,
            code=code,
            keys=signing_keys(request),
            now=dt.datetime.now(dt.UTC),
        )
    except (passcode.WrongPasscode, passcode.PasscodeLocked) as exc:
        return _refused(request, session, actor, exc)
    except passcode.NoPasscode:
        return _form(request, session, actor)
    except NothingToPresent:
        return _form(request, session, actor, problem="no_card", status_code=404)
    context = {
        "shown": shown,
        "qr": Markup(shown.qr_svg),
        "expires_local": shown.expires_at.astimezone(VIETNAM_TIME),
        "paths": {"wallet": WALLET_PATH, "present": PRESENT_PATH},
    }
    return render(request, "wallet/presented.html", context)


@router.post(PASSCODE_PATH)
def change_passcode(
    request: Request,
    session: SessionDep,
    actor: CitizenActor,
    _: CsrfChecked,
    new_code: Code = "",
    current_code: Code = "",
) -> Response:
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    try:
        passcode.set_passcode(session, actor, new_code, current=current_code, now=now)
    except passcode.BadPasscodeFormat:
        return _form(request, session, actor, problem="format", status_code=422)
    except (passcode.WrongPasscode, passcode.PasscodeLocked) as exc:
        return _refused(request, session, actor, exc)
    return RedirectResponse(f"{PRESENT_PATH}?da-dat=1", status_code=303)


def signing_keys(request: Request) -> KeyRing:
    """The server's key ring, whose active key signs the codes presented (page and API)."""
    return web_state(request).key_ring.get()


@dataclass(frozen=True)
class PasscodeRefusal:
    """How a page answers a wrong passcode or a locked wallet (here and in the health book)."""

    #: ``wrong`` or ``locked``.
    problem: str
    status_code: int
    #: Codes left before a wrong one locks the wallet.
    remaining: int
    #: Vietnam time, when the wallet is locked.
    locked_until: dt.datetime | None


def passcode_refusal(exc: passcode.WrongPasscode | passcode.PasscodeLocked) -> PasscodeRefusal:
    """What to tell the holder: how many tries are left, or until when the wallet is locked."""
    until: dt.datetime | None
    if isinstance(exc, passcode.PasscodeLocked):
        problem, status_code, until, remaining = "locked", 429, exc.until, 0
    else:
        problem, status_code, until, remaining = "wrong", 403, exc.locked_until, exc.remaining
    local = until.replace(tzinfo=dt.UTC).astimezone(VIETNAM_TIME) if until else None
    return PasscodeRefusal(problem, status_code, remaining, local)


def _refused(
    request: Request,
    session: Session,
    actor: Actor,
    exc: passcode.WrongPasscode | passcode.PasscodeLocked,
) -> HTMLResponse:
    """The form again, saying how many tries are left or until when the wallet is locked."""
    refusal = passcode_refusal(exc)
    return _form(
        request,
        session,
        actor,
        problem=refusal.problem,
        status_code=refusal.status_code,
        remaining=refusal.remaining,
        locked_until=refusal.locked_until,
    )


def _form(
    request: Request,
    session: Session,
    actor: Actor,
    *,
    problem: str | None = None,
    status_code: int = 200,
    remaining: int = 0,
    locked_until: dt.datetime | None = None,
) -> HTMLResponse:
    context = {
        "holders": requests.wallet_holders(session, actor, today=dt.date.today()),
        "has_passcode": passcode.has_passcode(session, actor),
        "saved": "da-dat" in request.query_params,
        "problem": problem,
        "remaining": remaining,
        "locked_until": locked_until,
        "paths": {"wallet": WALLET_PATH, "present": PRESENT_PATH, "passcode": PASSCODE_PATH},
    }
    return render(request, "wallet/present.html", context, status_code=status_code)
