"""Jinja2 rendering: one environment per interface language, with its catalog installed.

Keeping an environment per locale (instead of swapping translations on a shared one) makes
rendering safe across the threads that serve requests concurrently. Every page gets
``request``, ``locale``, ``viewer`` (the signed-in person, or ``None``), ``csrf_token``
(what POST forms put in their hidden ``csrf_token`` field) and ``return_path`` (where the
language switch comes back to).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from babel.support import Translations
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from sokhoe.insurance.groups import group_label
from sokhoe.web.formatting import vn_date, vn_datetime, vn_number, vn_partial_date, vn_time
from sokhoe.web.i18n import request_locale, role_label
from sokhoe.web.paging import page_url
from sokhoe.web.state import web_state

PRODUCT_NAME = "Sổ Khỏe"


class Templates:
    """The templates of :mod:`sokhoe.web` rendered in each language of ``catalogs``."""

    def __init__(self, catalogs: Mapping[str, Translations]) -> None:
        loader = PackageLoader("sokhoe.web", "templates")
        self._environments = {
            locale: _environment(loader, locale, translations)
            for locale, translations in catalogs.items()
        }

    def environment(self, locale: str) -> Environment:
        return self._environments[locale]

    def render(self, locale: str, name: str, context: Mapping[str, Any]) -> str:
        return self.environment(locale).get_template(name).render(context)


def _environment(loader: PackageLoader, locale: str, translations: Translations) -> Environment:
    environment = Environment(
        loader=loader,
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
    environment.filters.update(
        vn_date=vn_date,
        vn_datetime=vn_datetime,
        vn_number=vn_number,
        vn_partial_date=vn_partial_date,
        vn_time=vn_time,
    )
    environment.globals.update(
        locale=locale,
        product_name=PRODUCT_NAME,
        role_label=partial(role_label, locale=locale),
        page_url=page_url,
        group_label=group_label,
    )
    return environment


def render(
    request: Request,
    name: str,
    context: Mapping[str, Any] | None = None,
    *,
    status_code: int = 200,
) -> HTMLResponse:
    """``name`` rendered in the request's language.

    ``viewer`` and ``csrf_token`` come from the signed-in session when the route resolved one
    (see :mod:`sokhoe.web.deps`); ``context`` may override them and ``return_path``, as error
    pages do.
    """
    state = web_state(request)
    locale = request_locale(request, state.settings.locale)
    viewer = getattr(request.state, "signed_in", None)
    full: dict[str, Any] = {
        "request": request,
        "viewer": viewer,
        "csrf_token": viewer.csrf_token if viewer is not None else "",
        "return_path": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
    }
    full.update(context or {})
    html = state.templates.render(locale, name, full)
    return HTMLResponse(html, status_code=status_code)
