"""The language switch: ``GET /ngon-ngu/vi`` or ``/ngon-ngu/en`` remembers the choice in the
``lang`` cookie and goes back to the page it came from, on this site only."""

from __future__ import annotations

from http import HTTPStatus
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Query
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from sokhoe.web.i18n import LANG_COOKIE, LOCALES
from sokhoe.web.sessions import is_https

LANGUAGE_COOKIE_MAX_AGE = 365 * 24 * 60 * 60

router = APIRouter()


def same_site_path(candidate: str) -> str:
    """``candidate`` if it is a path on this site, else ``/``.

    Refuses anything a browser could read as another origin: schemes, ``//host`` and
    ``/\\host`` (which browsers treat as ``//host``), and control characters.
    """
    if not candidate.startswith("/") or candidate.startswith(("//", "/\\")):
        return "/"
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in candidate):
        return "/"
    parts = urlsplit(candidate)
    if parts.scheme or parts.netloc:
        return "/"
    return candidate


@router.get("/ngon-ngu/{locale}")
def switch_language(
    request: Request, locale: str, next_path: Annotated[str, Query(alias="next")] = "/"
) -> Response:
    if locale not in LOCALES:
        raise HTTPException(404)
    response = RedirectResponse(same_site_path(next_path), status_code=HTTPStatus.SEE_OTHER)
    response.set_cookie(
        LANG_COOKIE,
        locale,
        max_age=LANGUAGE_COOKIE_MAX_AGE,
        path="/",
        httponly=True,
        samesite="lax",
        secure=is_https(request),
    )
    return response
