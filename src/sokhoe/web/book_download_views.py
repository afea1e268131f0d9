"""``/so-suc-khoe/tai-ve/…``: the citizen takes his whole health book away, or his child's
(R3–R5): as a FHIR R4 bundle for another system, or as a PDF to print.

Like the book's pages these are POST forms behind the wallet passcode: they carry the book
page's unlock token and whose book, never in the URL. A token out of time, or from another
session, gets the passcode form instead of a file; a book the citizen may not read, the
app's 404. The file's name says what it is and when, not whose it is.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

from fastapi import APIRouter
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from sokhoe.access.scope import Actor
from sokhoe.records import book_fhir, book_pdf
from sokhoe.records.book_export import WholeBook, read_whole_book
from sokhoe.vietnam_time import VIETNAM_TIME
from sokhoe.web.book_views import (
    DOWNLOAD_FHIR_PATH,
    DOWNLOAD_PDF_PATH,
    PersonField,
    Token,
    opened,
)
from sokhoe.web.deps import CsrfChecked, SessionDep, SignedIn, SignedInDep
from sokhoe.web.security_headers import PAGE_CACHE_CONTROL
from sokhoe.web.wallet_views import CitizenActor

router = APIRouter()


@router.post(DOWNLOAD_FHIR_PATH)
def download_fhir(
    request: Request,
    session: SessionDep,
    actor: CitizenActor,
    viewer: SignedInDep,
    _: CsrfChecked,
    unlock: Token = "",
    person: PersonField = "",
) -> Response:
    """The whole book as a FHIR R4 ``collection`` bundle."""
    return _download(request, session, actor, viewer, unlock, person, _fhir_file)


@router.post(DOWNLOAD_PDF_PATH)
def download_pdf(
    request: Request,
    session: SessionDep,
    actor: CitizenActor,
    viewer: SignedInDep,
    _: CsrfChecked,
    unlock: Token = "",
    person: PersonField = "",
) -> Response:
    """The whole book as a printable A4 PDF."""
    return _download(request, session, actor, viewer, unlock, person, _pdf_file)


#: A book's file: its bytes, media type and file name extension.
BookFile = tuple[bytes, str, str]


def _fhir_file(book: WholeBook, now: dt.datetime) -> BookFile:
    bundle = book_fhir.book_bundle(book, now=now)
    return json.dumps(bundle, ensure_ascii=False).encode(), book_fhir.MEDIA_TYPE, "json"


def _pdf_file(book: WholeBook, now: dt.datetime) -> BookFile:
    return book_pdf.book_pdf(book, now=now), book_pdf.MEDIA_TYPE, "pdf"


def _download(
    request: Request,
    session: Session,
    actor: Actor,
    viewer: SignedIn,
    unlock: str,
    person: str,
    render: Callable[[WholeBook, dt.datetime], BookFile],
) -> Response:
    """``person``'s whole book (default: the citizen's own) as ``render`` makes its file,
    once the unlock token is right."""
    now = dt.datetime.now(dt.UTC)
    opening = opened(request, session, actor, viewer, code="", unlock=unlock)
    if isinstance(opening, HTMLResponse):
        return _refused(opening)
    assert actor.person_id is not None  # a citizen's scope
    today = now.astimezone(VIETNAM_TIME).date()
    book = read_whole_book(session, actor, person or actor.person_id, today=today)
    content, media_type, extension = render(book, now)
    name = f"so-suc-khoe-{book.today:%Y%m%d}.{extension}"
    return Response(
        content,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": PAGE_CACHE_CONTROL,
        },
    )


def _refused(passcode_form: HTMLResponse) -> HTMLResponse:
    """The passcode form, said to be no file: the unlock token is out of time or not this
    session's."""
    passcode_form.status_code = 403
    return passcode_form
