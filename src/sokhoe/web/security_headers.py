"""Headers that every response carries, whatever produced it (page, error, redirect, API).

The policy allows only this origin's own files and no inline script or style, so injected
markup cannot run; framing is refused (clickjacking); and nothing but static files may be
stored by a browser or proxy, because pages hold personal data — except the public documents
under ``/.well-known/`` (the card-token keys), which say themselves how long they keep.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}

STATIC_PREFIX = "/static/"
#: Public documents without personal data; their own Cache-Control is kept.
WELL_KNOWN_PREFIX = "/.well-known/"
#: Static files are not fingerprinted, so browsers may keep them but must revalidate.
STATIC_CACHE_CONTROL = "no-cache"
PAGE_CACHE_CONTROL = "no-store"


class SecurityHeadersMiddleware:
    """Pure ASGI middleware (no body buffering) that sets :data:`SECURITY_HEADERS`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        is_static = str(scope["path"]).startswith(STATIC_PREFIX)
        is_public = str(scope["path"]).startswith(WELL_KNOWN_PREFIX)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers[name] = value
                if not (is_public and "Cache-Control" in headers):
                    headers["Cache-Control"] = (
                        STATIC_CACHE_CONTROL if is_static else PAGE_CACHE_CONTROL
                    )
            await send(message)

        await self.app(scope, receive, send_with_headers)
