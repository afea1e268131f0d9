"""Headers on every response, cookies, the server secret, and logs free of personal data."""

from __future__ import annotations

import logging
import stat
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import sokhoe.web.csrf as csrf
from sokhoe.config import Settings
from sokhoe.web.language import same_site_path
from sokhoe.web.secret_key import load_secret_key
from sokhoe.web.security_headers import SECURITY_HEADERS

PERSON_ID = "079123456789"


@pytest.mark.parametrize(
    "path", ["/dang-nhap", "/", "/khong-co", "/healthz", "/ngon-ngu/en", "/static/app.css"]
)
def test_every_response_carries_the_security_headers(client: TestClient, path: str) -> None:
    response = client.get(path)
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value
    csp = response.headers["content-security-policy"]
    assert "default-src 'self'" in csp
    assert "unsafe-inline" not in csp


def test_pages_are_never_stored_but_static_files_may_be(admin_client: TestClient) -> None:
    for path in ("/", "/dang-nhap", "/khong-co", "/healthz"):
        assert admin_client.get(path).headers["cache-control"] == "no-store"
    assert admin_client.get("/static/app.css").headers["cache-control"] != "no-store"


def test_pages_have_no_inline_script_or_style(admin_client: TestClient) -> None:
    for path in ("/", "/dang-nhap", "/khong-co"):
        html = admin_client.get(path).text
        assert "<script" not in html
        assert "style=" not in html and "<style" not in html


def test_healthz_checks_the_database(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_log_lines_name_the_route_not_the_path_or_query(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="sokhoe.web")
    client.get("/dang-nhap", params={"so_dinh_danh": PERSON_ID})
    client.get(f"/ho-so/{PERSON_ID}")
    lines = [record.getMessage() for record in caplog.records]
    assert len(lines) == 2
    assert all(PERSON_ID not in line for line in lines)
    assert " GET /dang-nhap 200 " in lines[0]
    assert " GET - 404 " in lines[1]


def test_a_generated_secret_key_is_private_and_stable(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home", secret_key="")
    first = load_secret_key(settings)
    key_file = tmp_path / "home" / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert load_secret_key(settings) == first
    assert len(first) >= 32
    assert load_secret_key(Settings(home=tmp_path, secret_key="given")) == b"given"


def test_login_tokens_expire_and_are_bound_to_the_secret() -> None:
    token = csrf.issue_login_token(b"secret", now=1_000_000)
    assert csrf.login_token_valid(b"secret", cookie=token, field=token, now=1_000_060)
    late = 1_000_000 + csrf.LOGIN_TOKEN_MAX_AGE + 1
    assert not csrf.login_token_valid(b"secret", cookie=token, field=token, now=late)
    assert not csrf.login_token_valid(b"other", cookie=token, field=token, now=1_000_060)
    assert not csrf.login_token_valid(b"secret", cookie=None, field=token, now=1_000_060)


@pytest.mark.parametrize(
    ("candidate", "expected"),
    [
        ("/", "/"),
        ("/?page=2", "/?page=2"),
        ("/dang-nhap", "/dang-nhap"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example/", "/"),
        ("javascript:alert(1)", "/"),
        ("/\r\nSet-Cookie: x=1", "/"),
        ("", "/"),
    ],
)
def test_the_language_switch_returns_only_to_this_site(candidate: str, expected: str) -> None:
    assert same_site_path(candidate) == expected
