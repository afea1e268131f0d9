"""The session cookie: what the browser keeps of a sign-in (the server keeps only a hash).

``HttpOnly`` keeps it from scripts, ``SameSite=Lax`` from cross-site form posts, and
``Secure`` is set whenever the request came over HTTPS; plain HTTP is left working for the
loopback demo.
"""

from __future__ import annotations

from starlette.requests import HTTPConnection
from starlette.responses import Response

SESSION_COOKIE = "sokhoe_session"


def is_https(connection: HTTPConnection) -> bool:
    return connection.url.scheme == "https"


def client_addr(connection: HTTPConnection) -> str | None:
    """The peer address as the server sees it (after uvicorn's trusted proxy headers)."""
    return connection.client.host if connection.client else None


def session_token(connection: HTTPConnection) -> str | None:
    return connection.cookies.get(SESSION_COOKIE) or None


def set_session_cookie(response: Response, connection: HTTPConnection, token: str) -> None:
    """A browser-session cookie (no ``Max-Age``); the server enforces the real expiry."""
    response.set_cookie(
        SESSION_COOKIE,
        token,
        path="/",
        httponly=True,
        samesite="lax",
        secure=is_https(connection),
    )


def clear_session_cookie(response: Response, connection: HTTPConnection) -> None:
    response.delete_cookie(
        SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=is_https(connection)
    )
