"""Declared dependencies, so a route's signature says what it needs and cannot forget it.

``session: SessionDep`` — the request's unit of work; ``actor: CurrentActor`` — who is signed
in (else the login page, or 401 under ``/api/``); ``actor: Annotated[Actor,
Depends(require_roles(Role.ADMIN))]`` — and with one of these roles (else 404);
``_: CsrfChecked`` — on every POST route.

A dependency that only computes is ``async``: FastAPI runs a plain ``def`` one in a worker
thread, a hop that costs more than the work on a busy path such as the card check.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException
from starlette.requests import Request

from sokhoe.access.guard import AccessDenied
from sokhoe.access.roles import Role
from sokhoe.access.scope import Actor, actor_for
from sokhoe.access.service import resolve_session
from sokhoe.web import csrf
from sokhoe.web.errors import CsrfRejected, LoginRequired
from sokhoe.web.sessions import client_addr, session_token
from sokhoe.web.state import web_state


def get_session(request: Request) -> Iterator[Session]:
    """One transaction per request: committed when the handler succeeds, rolled back on error.

    A refusal (:class:`AccessDenied`) is committed too: the guard has put the refusal's audit
    entry in the session, and R16 needs it kept even though the request fails.
    """
    session = web_state(request).database.sessions()
    try:
        yield session
    except AccessDenied:
        session.commit()
        raise
    except BaseException:
        session.rollback()
        raise
    else:
        session.commit()
    finally:
        session.close()


#: ``scope="function"``: the commit happens before the response is sent, so a failed commit
#: becomes a 500 instead of a success page for work that was lost.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


@dataclass(frozen=True)
class SignedIn:
    """The person behind the session cookie, and the CSRF token of that session."""

    actor: Actor
    csrf_token: str


def signed_in(request: Request, session: SessionDep) -> SignedIn:
    """Resolves the session cookie; also leaves the result in ``request.state.signed_in``
    for the page layout (name, role, logout form)."""
    token = session_token(request)
    resolved = resolve_session(session, token) if token else None
    if resolved is None:
        raise LoginRequired
    user, web_session = resolved
    viewer = SignedIn(
        actor=actor_for(session, user, client_addr(request)),
        csrf_token=web_session.csrf_token,
    )
    request.state.signed_in = viewer
    return viewer


SignedInDep = Annotated[SignedIn, Depends(signed_in)]


async def current_actor(viewer: SignedInDep) -> Actor:
    return viewer.actor


CurrentActor = Annotated[Actor, Depends(current_actor)]


def require_roles(*roles: Role) -> Callable[[Actor], Coroutine[None, None, Actor]]:
    """A dependency giving the actor if their role is one of ``roles``; otherwise the request
    gets the same 404 as a page that does not exist."""
    allowed = frozenset(roles)

    async def actor_in_role(actor: CurrentActor) -> Actor:
        if actor.role not in allowed:
            raise HTTPException(404)
        return actor

    return actor_in_role


async def check_csrf(request: Request, viewer: SignedInDep) -> None:
    """The session's token must come back in the ``csrf_token`` field (or the
    ``X-CSRF-Token`` header, for scripts); otherwise 403."""
    given = request.headers.get(csrf.HEADER)
    if given is None:
        field = (await request.form()).get(csrf.FIELD)
        given = field if isinstance(field, str) else None
    if not csrf.tokens_match(viewer.csrf_token, given):
        raise CsrfRejected


CsrfChecked = Annotated[None, Depends(check_csrf)]
