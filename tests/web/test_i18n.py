"""Vietnamese by default, English on request; every interface string has its translation."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient

import sokhoe.web.i18n as i18n
from sokhoe.access.roles import Role
from sokhoe.web.formatting import vn_date, vn_datetime, vn_number

WEB_DIR = Path(i18n.__file__).parent
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _used_msgids() -> set[str]:
    """Every msgid the templates and the code pass to gettext, found as pybabel finds them."""
    method_map = [("templates/**.html", "jinja2"), ("**.py", "python")]
    options_map = {"templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(WEB_DIR), method_map, options_map
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_interface_string_has_a_vietnamese_translation() -> None:
    used = _used_msgids()
    assert "Sign in" in used  # the extraction itself works
    with i18n.catalog_path("vi").open("rb") as source:
        catalog = read_po(source, locale="vi")
    untranslated = sorted(
        msgid for msgid in used if catalog.get(msgid) is None or not catalog[msgid].string
    )
    assert not untranslated, "run scripts/extract_messages.sh and translate: " + repr(untranslated)


def test_translations_keep_every_placeholder() -> None:
    with i18n.catalog_path("vi").open("rb") as source:
        catalog = read_po(source, locale="vi")
    for message in catalog:
        if message.id and message.string:
            assert set(PLACEHOLDER.findall(str(message.id))) == set(
                PLACEHOLDER.findall(str(message.string))
            ), message.id


def test_both_catalogs_compile_in_memory() -> None:
    assert i18n.load_translations("vi").gettext("Sign in") == "Đăng nhập"
    assert i18n.load_translations("en").gettext("Sign in") == "Sign in"


def test_switching_to_english_changes_the_login_page(client: TestClient) -> None:
    switched = client.get("/ngon-ngu/en", params={"next": "/dang-nhap"})
    assert switched.status_code == 303
    assert switched.headers["location"] == "/dang-nhap"
    page = client.get("/dang-nhap").text
    assert '<html lang="en">' in page
    assert "Username" in page and "Password" in page
    assert "Tên đăng nhập" not in page
    client.get("/ngon-ngu/vi")
    assert "Tên đăng nhập" in client.get("/dang-nhap").text


def test_an_unknown_language_is_not_found(client: TestClient) -> None:
    assert client.get("/ngon-ngu/fr").status_code == 404


def test_role_names_follow_the_interface_language() -> None:
    assert i18n.role_label(Role.ADMIN, "vi") == "Quản trị hệ thống"
    assert i18n.role_label(Role.ADMIN, "en") == "System administrator"
    assert set(i18n.ENGLISH_ROLE_LABELS) == set(Role)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (dt.date(2026, 3, 1), "01/03/2026"),
        (dt.datetime(2026, 3, 31, 18, 30, tzinfo=dt.UTC), "01/04/2026"),
        (None, ""),
    ],
)
def test_dates_read_day_month_year_in_vietnam_time(value: dt.date | None, expected: str) -> None:
    assert vn_date(value) == expected


def test_datetimes_are_shown_in_vietnam_time() -> None:
    assert vn_datetime(dt.datetime(2026, 3, 31, 18, 30)) == "01/04/2026 01:30"


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [(1234567, 0, "1.234.567"), (0, 0, "0"), (Decimal("98.46"), 1, "98,5"), (None, 0, "")],
)
def test_numbers_group_thousands_with_dots(
    value: int | Decimal | None, decimals: int, expected: str
) -> None:
    assert vn_number(value, decimals) == expected
