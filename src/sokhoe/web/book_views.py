"""``/so-suc-khoe``: the citizen's health book (Sổ sức khỏe điện tử, R3–R5), behind the
wallet passcode like Xuất trình giấy tờ.

The page first asks for the passcode and whose book to open: the citizen's own, or that of
a child under 14 he manages. Once the passcode is right, the book comes with an *unlock*
token: an HMAC under the server secret of the account, its session and a deadline, so that
switching to a child's book or turning a page of visits asks no passcode for
:data:`UNLOCK_MINUTES`, and a token copied from another session is worth nothing. Whose
book travels in the POST body, never in the URL.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from typing import Annotated

from fastapi import APIRouter, Form
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import HTMLResponse

from sokhoe.access.scope import Actor
from sokhoe.insurance import passcode, requests
from sokhoe.records.book import read_book
from sokhoe.vietnam_time import VIETNAM_TIME
from sokhoe.web.deps import CsrfChecked, SessionDep, SignedIn, SignedInDep
from sokhoe.web.presentation_views import PASSCODE_PATH, PasscodeRefusal, passcode_refusal
from sokhoe.web.security_headers import PAGE_CACHE_CONTROL
from sokhoe.web.state import web_state
from sokhoe.web.templating import render
from sokhoe.web.wallet_views import PRESENT_PATH, CitizenActor

BOOK_PATH = "/so-suc-khoe"
#: The whole book as a file (:mod:`sokhoe.web.book_download_views`).
DOWNLOAD_FHIR_PATH = f"{BOOK_PATH}/tai-ve/fhir"
DOWNLOAD_PDF_PATH = f"{BOOK_PATH}/tai-ve/pdf"
#: How long a right passcode keeps the book open for switching and paging.
UNLOCK_MINUTES = 10
_UNLOCK_PURPOSE = b"sokhoe health book unlock\x00"

router = APIRouter()

Code = Annotated[str, Form(max_length=20)]
Token = Annotated[str, Form(max_length=200)]
#: Whose book: a personal ID, in the form's body (empty: the citizen's own).
PersonField = Annotated[str, Form(max_length=20)]


def unlock_token(secret: bytes, *, user_id: int, session_key: str, until: int) -> str:
    """``until.signature``: the book stays open for this account and session (``session_key``:
    the session's own CSRF token, random per session) until the POSIX time ``until``."""
    return f"{until}.{_sign(secret, user_id, session_key, until)}"


def unlocked(secret: bytes, token: str, *, user_id: int, session_key: str, now: int) -> bool:
    """Whether ``token`` is one :func:`unlock_token` gave this account and session, in time."""
    until, _, signature = token.partition(".")
    if not until.isdigit() or int(until) < now:
        return False
    expected = _sign(secret, user_id, session_key, int(until))
    return hmac.compare_digest(expected.encode(), signature.encode())


def _sign(secret: bytes, user_id: int, session_key: str, until: int) -> str:
    message = _UNLOCK_PURPOSE + f"{user_id}\x00{session_key}\x00{until}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


@router.get(BOOK_PATH)
def unlock_page(request: Request, session: SessionDep, actor: CitizenActor) -> HTMLResponse:
    return unlock_form(request, session, actor)


@router.post(BOOK_PATH)
def book_page(
    request: Request,
    session: SessionDep,
    actor: CitizenActor,
    viewer: SignedInDep,
    _: CsrfChecked,
    code: Code = "",
    unlock: Token = "",
    person: PersonField = "",
    page: Annotated[int, Form(ge=1, le=10_000)] = 1,
) -> HTMLResponse:
    """The book of ``person`` (default: the citizen's own), once the passcode is right or
    the form carries this session's unlock token."""
    opening = opened(request, session, actor, viewer, code=code, unlock=unlock)
    if isinstance(opening, HTMLResponse):
        return opening
    unlock = opening
    now = dt.datetime.now(dt.UTC)
    today = now.astimezone(VIETNAM_TIME).date()
    assert actor.person_id is not None  # a citizen's scope
    book = read_book(session, actor, person or actor.person_id, today=today, visits_page=page)
    holders = requests.wallet_holders(session, actor, today=today)
    context = {
        "book": book,
        "holders": holders,
        "unlock": unlock,
        "unlock_minutes": UNLOCK_MINUTES,
        "paths": _paths(),
    }
    return no_store(render(request, "book/book.html", context))


def _paths() -> dict[str, str]:
    return {
        "book": BOOK_PATH,
        "present": PRESENT_PATH,
        "passcode": PASSCODE_PATH,
        "download_fhir": DOWNLOAD_FHIR_PATH,
        "download_pdf": DOWNLOAD_PDF_PATH,
    }


def opened(
    request: Request,
    session: Session,
    actor: Actor,
    viewer: SignedIn,
    *,
    code: str,
    unlock: str,
    form: str = "book/unlock.html",
    paths: dict[str, str] | None = None,
) -> str | HTMLResponse:
    """This session's unlock token (a new one after a right passcode), or the passcode form
    (template ``form``) to answer with: for the book and for its sharing page alike."""
    secret = web_state(request).secret_key
    now = dt.datetime.now(dt.UTC)
    seconds = int(now.timestamp())
    key = viewer.csrf_token
    if unlock and unlocked(secret, unlock, user_id=actor.user_id, session_key=key, now=seconds):
        return unlock

    def refused(refusal: PasscodeRefusal | None = None, *, expired: bool = False) -> HTMLResponse:
        return unlock_form(
            request, session, actor, refusal, expired=expired, form=form, paths=paths
        )

    if not code:  # a switch or a page after the token ran out: not a wrong passcode
        return refused(expired=bool(unlock))
    try:
        passcode.verify(session, actor, code, now=now.replace(tzinfo=None))
    except (passcode.WrongPasscode, passcode.PasscodeLocked) as exc:
        return refused(passcode_refusal(exc))
    except passcode.NoPasscode:
        return refused()
    until = seconds + UNLOCK_MINUTES * 60
    return unlock_token(secret, user_id=actor.user_id, session_key=key, until=until)


def unlock_form(
    request: Request,
    session: Session,
    actor: Actor,
    refusal: PasscodeRefusal | None = None,
    *,
    expired: bool = False,
    form: str = "book/unlock.html",
    paths: dict[str, str] | None = None,
) -> HTMLResponse:
    """The passcode form; ``expired`` when it comes instead of a page whose unlock ran out."""
    context = {
        "holders": requests.wallet_holders(
            session, actor, today=dt.datetime.now(VIETNAM_TIME).date()
        ),
        "has_passcode": passcode.has_passcode(session, actor),
        "refusal": refusal,
        "expired": expired,
        "unlock_minutes": UNLOCK_MINUTES,
        "paths": paths or _paths(),
    }
    status_code = refusal.status_code if refusal else 200
    return no_store(render(request, form, context, status_code=status_code))


def no_store(response: HTMLResponse) -> HTMLResponse:
    """Said here too, not only by the middleware: the book must never sit in a cache."""
    response.headers["Cache-Control"] = PAGE_CACHE_CONTROL
    return response
