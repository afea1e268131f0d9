"""Cross-site request forgery tokens.

Signed-in forms carry the session's own token (stored with the session, see
``access.service.start_session``). The login form comes before any session, so it uses a
signed double-submit token: the same value in a cookie and in the form, with an HMAC under
the server secret so only tokens this server issued, recently, are accepted.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

#: Name of the hidden field every POST form carries.
FIELD = "csrf_token"
#: Header alternative for requests sent by script (HTMX ``hx-headers``).
HEADER = "X-CSRF-Token"
LOGIN_COOKIE = "sokhoe_login_csrf"
#: How long a login form may stay open before it must be reloaded.
LOGIN_TOKEN_MAX_AGE = 2 * 60 * 60
_LOGIN_PURPOSE = b"sokhoe login csrf\x00"


def tokens_match(expected: str, given: str | None) -> bool:
    """Constant-time equality, so the comparison leaks no prefix of the expected token."""
    if given is None:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


def issue_login_token(secret: bytes, *, now: float | None = None) -> str:
    """A fresh ``nonce.issued_at.signature`` token for one login form."""
    issued = int(time.time() if now is None else now)
    payload = f"{secrets.token_urlsafe(18)}.{issued}"
    return f"{payload}.{_sign(secret, payload)}"


def login_token_valid(
    secret: bytes, *, cookie: str | None, field: str | None, now: float | None = None
) -> bool:
    """Whether the form's token equals the cookie's, carries our signature and is recent."""
    if not cookie or not tokens_match(cookie, field) or field is None:
        return False
    payload, _, signature = field.rpartition(".")
    if not tokens_match(_sign(secret, payload), signature):
        return False
    issued = payload.rpartition(".")[2]
    if not issued.isdigit():
        return False
    age = (time.time() if now is None else now) - int(issued)
    return 0 <= age <= LOGIN_TOKEN_MAX_AGE


def _sign(secret: bytes, payload: str) -> str:
    return hmac.new(secret, _LOGIN_PURPOSE + payload.encode(), hashlib.sha256).hexdigest()
