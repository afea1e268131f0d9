"""The commune officer's home: her commune's figures, its villages, and its residents."""

from __future__ import annotations

from sqlalchemy.orm import Session
from starlette.requests import Request

from sokhoe.access.roles import Role
from sokhoe.access.scope import Actor
from sokhoe.web.commune_view import commune_view
from sokhoe.web.home import HomeView, register_home


@register_home(Role.COMMUNE_OFFICER)
def commune_officer_home(session: Session, actor: Actor, request: Request) -> HomeView:
    assert actor.commune_code is not None  # the role's scope requires it
    home = commune_view(
        session, actor, request, commune_code=actor.commune_code, without_level2=False
    )
    return "homes/commune.html", {"home": home}
