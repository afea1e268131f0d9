"""What every route for hospitals' information systems (HIS) declares: the sender, by its
facility's API key (``Authorization: Bearer skh_…``), and a body within the size limit.

These are machine clients: no session cookie, so no CSRF token either — a browser cannot be
made to send the ``Authorization`` header to another site, which is what CSRF abuses.
``tests/web/test_routes.py`` recognises such routes by :func:`his_sender` among their
dependencies.

Refusals are :class:`HisRefused`, answered in the route's own language
(:func:`his_refused`): a FHIR ``OperationOutcome`` under ``/fhir``, JSON elsewhere. An
unknown key and a revoked one get the same 401.
"""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus
from typing import Annotated, Any

from fastapi import Depends
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from sokhoe.records.his_credentials import HisKey, find_key
from sokhoe.web.i18n import LOCALES, supported
from sokhoe.web.state import web_state

FHIR_PREFIX = "/fhir"
FHIR_JSON = "application/fhir+json"
#: Machine answers are never cached: they hold personal data.
NO_STORE = {"Cache-Control": "no-store"}

#: Why a request was refused before its content was looked at, and the FHIR issue type.
REFUSALS: dict[str, tuple[str, str, str]] = {
    "no_key": (
        "cần khóa API của cơ sở: Authorization: Bearer skh_…",
        "a facility API key is needed: Authorization: Bearer skh_…",
        "login",
    ),
    "too_large": (
        "nội dung dài quá {limit} byte; gửi tệp lớn bằng sokhoe ingest",
        "the body is longer than {limit} bytes; send large files with sokhoe ingest",
        "too-costly",
    ),
    "media_type": (
        "kiểu nội dung {value!r} không được nhận (chỉ {allowed})",
        "content type {value!r} is not accepted (only {allowed})",
        "not-supported",
    ),
}


class HisRefused(Exception):
    """A HIS request refused as a whole, with its status and the reason's code."""

    def __init__(self, status: int, code: str, **params: object) -> None:
        super().__init__(code)
        self.status, self.code, self.params = status, code, params


def language(request: Request) -> str:
    """``?lang=``, else the first of ``Accept-Language`` the app speaks, else the default."""
    asked = request.query_params.get("lang")
    if asked is None:
        tags = request.headers.get("accept-language", "").split(",")
        primary = (tag.split(";")[0].strip().split("-")[0].lower() for tag in tags)
        asked = next((tag for tag in primary if tag in LOCALES), None)
    return supported(asked, supported(web_state(request).settings.locale))


class PresentedKey(str):
    """The key text a request presents, not yet checked; its ``repr`` hides it, so a
    traceback or a debugger's listing never shows a facility's secret."""

    def __repr__(self) -> str:
        return "PresentedKey(…)"


async def his_sender(request: Request) -> PresentedKey:
    """The key the request presents (401 without one). It is checked by :func:`sender_of`
    in the request's own transaction and worker thread, with the work it allows: one
    session and one thread hop per request rather than two."""
    scheme, _, presented = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not presented.strip():
        raise HisRefused(HTTPStatus.UNAUTHORIZED, "no_key")
    return PresentedKey(presented.strip())


def sender_of(session: Session, presented: PresentedKey) -> HisKey:
    """The valid key ``presented`` is; an unknown or revoked one gets the same 401."""
    key = find_key(session, presented)
    if key is None:
        raise HisRefused(HTTPStatus.UNAUTHORIZED, "no_key")
    return key


HisSender = Annotated[PresentedKey, Depends(his_sender)]


def body_reader(*media_types: str) -> Callable[[Request], Any]:
    """A dependency giving the body, if of one of ``media_types`` (415 otherwise) and within
    the setting ``his_max_body_bytes``: 413 from ``Content-Length`` before anything is read,
    or as soon as a body sent without one goes past it."""
    allowed = frozenset(media_types)

    async def read_body(request: Request) -> bytes:
        given = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if given not in allowed:
            shown = ", ".join(sorted(allowed))
            raise HisRefused(
                HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "media_type", value=given, allowed=shown
            )
        limit = web_state(request).settings.his_max_body_bytes
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            raise HisRefused(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "too_large", limit=limit)
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > limit:
                raise HisRefused(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "too_large", limit=limit)
        return bytes(body)

    return read_body


def refusal_message(code: str, lang: str, **params: object) -> str:
    vi, en, _issue = REFUSALS[code]
    return (en if lang == "en" else vi).format(**params)


def fhir_response(content: dict[str, Any], status: int = HTTPStatus.OK) -> Response:
    return JSONResponse(content, status_code=status, media_type=FHIR_JSON, headers=NO_STORE)


async def his_refused(request: Request, exc: Exception) -> Response:
    """The answer to a :class:`HisRefused`: an ``OperationOutcome`` for FHIR clients, else
    ``{"problems": [{"code", "message"}]}``."""
    assert isinstance(exc, HisRefused)
    message = refusal_message(exc.code, language(request), **exc.params)
    headers = dict(NO_STORE)
    if exc.status == HTTPStatus.UNAUTHORIZED:
        headers["WWW-Authenticate"] = "Bearer"
    if request.url.path.startswith(FHIR_PREFIX):
        issue = {"severity": "error", "code": REFUSALS[exc.code][2], "diagnostics": message}
        outcome = {"resourceType": "OperationOutcome", "issue": [issue]}
        return JSONResponse(outcome, exc.status, headers=headers, media_type=FHIR_JSON)
    problems = [{"code": exc.code, "message": message}]
    return JSONResponse({"problems": problems}, exc.status, headers=headers)
