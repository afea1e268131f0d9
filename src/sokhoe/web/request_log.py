"""One log line per request, and the last-resort 500 page.

Log lines name the request by a random id and the route *template* (``/ho-so/{token}``),
never the concrete path or query string, which could carry a personal ID, card number or
phone. A crash is logged with its type and stack only: exception messages (database errors
quote their parameters) stay out of the log.
"""

from __future__ import annotations

import logging
import secrets
import time
import traceback
from http import HTTPStatus

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sokhoe.web.errors import error_response

logger = logging.getLogger("sokhoe.web")
REQUEST_ID_HEADER = "X-Request-ID"


def route_template(scope: Scope) -> str:
    """The matched route's path template, or ``-`` when nothing matched."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "-"


class RequestLogMiddleware:
    """Gives each request an id (``request.state.request_id``, ``X-Request-ID``), logs it,
    and turns an unhandled exception into the generic 500 page."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = secrets.token_hex(6)
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = HTTPStatus.INTERNAL_SERVER_ERROR.value
        response_started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                response_started = True
                status = int(message["status"])
                message.setdefault("headers", [])
                message["headers"] = [
                    *message["headers"],
                    (REQUEST_ID_HEADER.lower().encode(), request_id.encode()),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:
            stack = "".join(traceback.format_tb(exc.__traceback__))
            logger.error("%s failed with %s\n%s", request_id, type(exc).__name__, stack)
            if response_started:
                raise
            response = error_response(
                Request(scope), HTTPStatus.INTERNAL_SERVER_ERROR, reference=request_id
            )
            await response(scope, receive, send_with_id)
        finally:
            elapsed_ms = (time.perf_counter() - started) * 1000
            logger.info(
                "%s %s %s %d %.0fms",
                request_id,
                scope["method"],
                route_template(scope),
                status,
                elapsed_ms,
            )
