"""Interface language: Vietnamese by default, English on request (cookie ``lang``).

Message ids are English; ``locale/vi`` holds the Vietnamese translations and ``locale/en``
stays an identity catalog. The ``.po`` files are compiled in memory at start-up, so no binary
``.mo`` file is built or committed. ``scripts/extract_messages.sh`` refreshes them.
"""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from starlette.requests import HTTPConnection

from sokhoe.access.roles import ROLE_LABELS, Role

LOCALES = ("vi", "en")
DEFAULT_LOCALE = "vi"
LANG_COOKIE = "lang"
DOMAIN = "messages"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"

#: Role names for the English interface; the Vietnamese ones belong to the access context.
ENGLISH_ROLE_LABELS: dict[Role, str] = {
    Role.CITIZEN: "Citizen",
    Role.CLINIC_STAFF: "Health facility staff",
    Role.BHXH_OFFICER: "Social Security (BHXH) officer",
    Role.COMMUNE_OFFICER: "Commune officer",
    Role.POLICE_OFFICER: "Police officer",
    Role.GUIDANCE_MEMBER: "Guidance team member",
    Role.HEALTH_DEPARTMENT: "Department of Health",
    Role.ADMIN: "System administrator",
}


def catalog_path(locale: str) -> Path:
    return LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def load_translations(locale: str) -> Translations:
    """The catalog of ``locale``, compiled from its ``.po`` file in memory."""
    with catalog_path(locale).open("rb") as source:
        catalog = read_po(source, locale=locale, domain=DOMAIN)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def supported(locale: str | None, fallback: str = DEFAULT_LOCALE) -> str:
    """``locale`` if the interface speaks it, else ``fallback`` (itself checked)."""
    if locale in LOCALES:
        return str(locale)
    return fallback if fallback in LOCALES else DEFAULT_LOCALE


def request_locale(connection: HTTPConnection, default: str) -> str:
    """The language chosen with the ``lang`` cookie, else the configured default."""
    return supported(connection.cookies.get(LANG_COOKIE), supported(default))


def role_label(role: str, locale: str) -> str:
    """The role's name in ``locale``; an unknown role shows as stored."""
    try:
        known = Role(role)
    except ValueError:
        return role
    labels = ENGLISH_ROLE_LABELS if locale == "en" else ROLE_LABELS
    return labels[known]
