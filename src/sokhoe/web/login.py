"""Signing in and out (``/dang-nhap``, ``/dang-xuat``).

The identity service writes the login audit entries and counts failures; this module only
turns its answer into pages. Its messages are deliberately the same for an unknown username
and a wrong password, so the form cannot be used to find out who has an account.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Annotated

from fastapi import APIRouter, Form
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from sokhoe.access.identity import AccountLocked, AuthenticationFailed
from sokhoe.access.service import end_session, resolve_session, start_session
from sokhoe.web import csrf
from sokhoe.web.deps import CsrfChecked, SessionDep
from sokhoe.web.errors import LOGIN_PATH, CsrfRejected
from sokhoe.web.sessions import (
    clear_session_cookie,
    client_addr,
    is_https,
    session_token,
    set_session_cookie,
)
from sokhoe.web.state import web_state
from sokhoe.web.templating import render

LOGOUT_PATH = "/dang-xuat"
HOME_PATH = "/"

router = APIRouter()


@router.get(LOGIN_PATH)
def login_form(request: Request, session: SessionDep) -> Response:
    """The login form; someone already signed in goes straight home."""
    token = session_token(request)
    if token and resolve_session(session, token) is not None:
        return RedirectResponse(HOME_PATH, status_code=HTTPStatus.SEE_OTHER)
    return _login_page(request, username="", error=None)


@router.post(LOGIN_PATH)
def login(
    request: Request,
    session: SessionDep,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Checks the form's token, then the credentials; a failure re-shows the form with the
    service's message and the typed username, and is committed (failure count, audit)."""
    state = web_state(request)
    if not csrf.login_token_valid(
        state.secret_key,
        cookie=request.cookies.get(csrf.LOGIN_COOKIE),
        field=csrf_token,
    ):
        raise CsrfRejected
    try:
        user = state.identity.authenticate(
            session, username=username.strip(), password=password, remote_addr=client_addr(request)
        )
    except (AuthenticationFailed, AccountLocked) as refusal:
        return _login_page(request, username=username, error=str(refusal))
    previous = session_token(request)
    if previous:
        end_session(session, previous)
    token, _csrf = start_session(session, user)
    response = RedirectResponse(HOME_PATH, status_code=HTTPStatus.SEE_OTHER)
    set_session_cookie(response, request, token)
    response.delete_cookie(csrf.LOGIN_COOKIE, path=LOGIN_PATH)
    return response


@router.post(LOGOUT_PATH)
def logout(request: Request, session: SessionDep, _: CsrfChecked) -> Response:
    """Ends the session on the server, so the old cookie is worthless even if kept."""
    token = session_token(request)
    if token:
        end_session(session, token)
    response = RedirectResponse(LOGIN_PATH, status_code=HTTPStatus.SEE_OTHER)
    clear_session_cookie(response, request)
    return response


def _login_page(request: Request, *, username: str, error: str | None) -> Response:
    """The form with a fresh pre-session CSRF token, in the page and in a cookie."""
    token = csrf.issue_login_token(web_state(request).secret_key)
    response = render(
        request,
        "login.html",
        {"username": username, "error": error, "csrf_token": token},
    )
    response.set_cookie(
        csrf.LOGIN_COOKIE,
        token,
        max_age=csrf.LOGIN_TOKEN_MAX_AGE,
        path=LOGIN_PATH,
        httponly=True,
        samesite="lax",
        secure=is_https(request),
    )
    return response
