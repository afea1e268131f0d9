"""How failures look from outside: one error page per status, no detail that helps an intruder.

A refusal (:class:`~sokhoe.access.guard.AccessDenied`, or a role without a page) answers
exactly like a page that does not exist, so nobody can probe which records exist. Paths under
``/api/`` get JSON instead of pages.
"""

from __future__ import annotations

from http import HTTPStatus

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from sokhoe.access.guard import AccessDenied
from sokhoe.web.sessions import clear_session_cookie, session_token
from sokhoe.web.templating import render

API_PREFIX = "/api/"
LOGIN_PATH = "/dang-nhap"


class LoginRequired(Exception):
    """The route needs a signed-in person and the request carried no valid session."""


class CsrfRejected(Exception):
    """A POST came without the token of a form this server served to this browser."""


def is_api(request: Request) -> bool:
    return request.url.path.startswith(API_PREFIX)


def error_response(request: Request, status_code: int, *, reference: str | None = None) -> Response:
    """The error page (or JSON body) for ``status_code``; the same for every cause.

    It shows neither who is signed in nor the path asked for, so a refusal and a missing
    page are byte for byte alike.
    """
    if is_api(request):
        return JSONResponse({"detail": HTTPStatus(status_code).phrase}, status_code=status_code)
    context = {
        "status_code": status_code,
        "reference": reference,
        "viewer": None,
        "csrf_token": "",
        "return_path": "/",
    }
    return render(request, "error.html", context, status_code=status_code)


async def _not_found(request: Request, _exc: Exception) -> Response:
    return error_response(request, HTTPStatus.NOT_FOUND)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    response = error_response(request, exc.status_code)
    for name, value in (exc.headers or {}).items():
        response.headers[name] = value
    return response


async def _invalid_request(request: Request, exc: Exception) -> Response:
    """A page answers 400; the API 422 naming each field and what is wrong with it, in the
    shape the wallet API's own checks use (``{"detail": [{"field", "message"}]}``). The
    value sent is never echoed: it may be personal."""
    if not is_api(request):
        return error_response(request, HTTPStatus.BAD_REQUEST)
    assert isinstance(exc, RequestValidationError)
    detail = [
        {
            "field": ".".join(str(part) for part in error["loc"][1:]) or str(error["loc"][0]),
            "message": error["msg"],
        }
        for error in exc.errors()
    ]
    return JSONResponse({"detail": detail}, status_code=HTTPStatus.UNPROCESSABLE_ENTITY)


async def _csrf_rejected(request: Request, _exc: Exception) -> Response:
    return error_response(request, HTTPStatus.FORBIDDEN)


async def _login_required(request: Request, _exc: Exception) -> Response:
    """Pages send the browser to the login form; the API answers 401."""
    response: Response
    if is_api(request):
        response = error_response(request, HTTPStatus.UNAUTHORIZED)
    else:
        response = RedirectResponse(LOGIN_PATH, status_code=HTTPStatus.SEE_OTHER)
    if session_token(request):
        clear_session_cookie(response, request)
    return response


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AccessDenied, _not_found)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(LoginRequired, _login_required)
    app.add_exception_handler(CsrfRejected, _csrf_rejected)
