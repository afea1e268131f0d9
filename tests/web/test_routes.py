"""Rules every route must keep, checked over the whole app so a new page cannot forget them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from sokhoe.web import templating
from sokhoe.web.app import ROUTERS
from sokhoe.web.deps import CurrentActor, check_csrf, csrf_header
from sokhoe.web.errors import LOGIN_PATH
from sokhoe.web.his_auth import his_sender
from tests.web.conftest import ADMIN, sign_in

#: The login form comes before any session; it checks its own signed token instead.
PRE_SESSION_FORMS = {LOGIN_PATH}
#: What protects a POST: the session's CSRF token (form field or header), or no session at
#: all — a hospital's HIS authenticates with its facility's key in the Authorization header,
#: which a browser cannot be made to send to another site.
PROTECTIONS = {check_csrf, csrf_header, his_sender}
_POST_FORM = re.compile(r'<form[^>]*method="post".*?</form>', re.DOTALL | re.IGNORECASE)


def _calls(dependant: Dependant) -> Iterator[object]:
    for sub in dependant.dependencies:
        yield sub.call
        yield from _calls(sub)


def test_every_post_route_checks_the_csrf_token() -> None:
    posts = [
        route
        for router in ROUTERS
        for route in router.routes
        if isinstance(route, APIRoute) and "POST" in (route.methods or ())
    ]
    assert posts
    unchecked = [
        route.path
        for route in posts
        if route.path not in PRE_SESSION_FORMS and not PROTECTIONS & set(_calls(route.dependant))
    ]
    assert not unchecked, f"POST routes without CsrfChecked: {unchecked}"


def test_api_paths_answer_401_and_json_errors(app: FastAPI) -> None:
    router = APIRouter()

    @router.get("/api/thu/toi")
    def whoami(actor: CurrentActor) -> dict[str, str]:
        return {"username": actor.username}

    app.include_router(router)
    with TestClient(app, follow_redirects=False) as client:
        anonymous = client.get("/api/thu/toi")
        assert anonymous.status_code == 401
        assert anonymous.json() == {"detail": "Unauthorized"}
        assert client.get("/api/khong-co").json() == {"detail": "Not Found"}
        sign_in(client)
        assert client.get("/api/thu/toi").json() == {"username": ADMIN}


def test_every_post_form_in_the_templates_carries_the_csrf_field() -> None:
    templates = Path(templating.__file__).parent / "templates"
    forms = [
        (path.name, form)
        for path in templates.rglob("*.html")
        for form in _POST_FORM.findall(path.read_text(encoding="utf-8"))
    ]
    assert forms
    missing = [name for name, form in forms if 'name="csrf_token"' not in form]
    assert not missing, f"POST forms without the csrf_token field: {missing}"
