"""``GET /``: each role's home page, registered by the module that builds it.

To give a role its home, add ``sokhoe/web/homes/<role>.py``::

    @register_home(Role.COMMUNE_OFFICER)
    def commune_home(session: Session, actor: Actor, request: Request) -> HomeView:
        return "homes/commune_officer.html", {"figures": ...}

The function reads through its context's services (which check scope and audit), and
returns a template under ``templates/homes/`` extending ``base.html`` with its context.
A role without a registered home gets 404.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Mapping
from typing import Any

from fastapi import APIRouter
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from sokhoe.access.roles import Role
from sokhoe.access.scope import Actor
from sokhoe.web import homes
from sokhoe.web.deps import CurrentActor, SessionDep
from sokhoe.web.templating import render

#: What a home function returns: a template name and its context.
HomeView = tuple[str, Mapping[str, Any]]
HomeFunction = Callable[[Session, Actor, Request], HomeView]

_homes: dict[Role, HomeFunction] = {}

router = APIRouter()


class DuplicateHome(RuntimeError):
    """Two modules registered a home for the same role."""


def register_home(role: Role) -> Callable[[HomeFunction], HomeFunction]:
    """Registers the decorated function as the home page of ``role``."""

    def register(function: HomeFunction) -> HomeFunction:
        existing = _homes.get(role)
        if existing is not None and existing is not function:
            raise DuplicateHome(f"{role} already has a home: {existing.__module__}")
        _homes[role] = function
        return function

    return register


def home_for(role: str) -> HomeFunction | None:
    try:
        return _homes.get(Role(role))
    except ValueError:
        return None


def load_homes() -> None:
    """Imports every module of :mod:`sokhoe.web.homes`, which registers their homes."""
    for module in pkgutil.iter_modules(homes.__path__, f"{homes.__name__}."):
        importlib.import_module(module.name)


@router.get("/")
def home(request: Request, session: SessionDep, actor: CurrentActor) -> Response:
    function = home_for(actor.role)
    if function is None:
        raise HTTPException(404)
    template, context = function(session, actor, request)
    return render(request, template, context)
