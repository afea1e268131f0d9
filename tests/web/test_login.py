"""Signing in and out: the form, generic failures, lockout, CSRF, and sessions that end."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from sokhoe.access.models import AuditEntry
from sokhoe.runtime import Database
from tests.web.conftest import ADMIN, MAX_FAILURES, OFFICER, PASSWORD, form_token, sign_in

GENERIC_FAILURE = "Tên đăng nhập hoặc mật khẩu không đúng."


def test_login_page_is_a_vietnamese_form_with_a_csrf_token(client: TestClient) -> None:
    page = client.get("/dang-nhap")
    assert page.status_code == 200
    assert '<html lang="vi">' in page.text
    for text in ("Đăng nhập", "Tên đăng nhập", "Mật khẩu"):
        assert text in page.text
    assert form_token(page.text) == page.cookies["sokhoe_login_csrf"]


def test_signing_in_sets_a_protected_cookie_and_opens_the_home_page(client: TestClient) -> None:
    response = sign_in(client)
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    cookie = response.headers["set-cookie"]
    assert "sokhoe_session=" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Path=/" in cookie
    assert "Secure" not in cookie  # plain http on loopback, for the demo
    home = client.get("/")
    assert home.status_code == 200
    assert "Lê Thị Hạnh" in home.text
    assert "Quản trị hệ thống" in home.text


def test_the_cookie_is_secure_over_https(app: FastAPI) -> None:
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        response = sign_in(client)
        assert "Secure" in response.headers["set-cookie"]
        assert client.get("/").status_code == 200


def test_unknown_user_and_wrong_password_get_the_same_message(client: TestClient) -> None:
    unknown = sign_in(client, username="khongco", password=PASSWORD)
    wrong = sign_in(client, username=ADMIN, password="sai mật khẩu")
    assert unknown.status_code == wrong.status_code == 200
    assert GENERIC_FAILURE in unknown.text
    assert GENERIC_FAILURE in wrong.text
    assert "sokhoe_session" not in wrong.cookies


def test_a_failed_login_keeps_the_username_but_not_the_password(client: TestClient) -> None:
    page = sign_in(client, username=OFFICER, password="Wrong-Guess-417").text
    assert f'value="{OFFICER}"' in page
    assert "Wrong-Guess-417" not in page


def test_failures_are_committed_and_lock_the_account(
    client: TestClient, database: Database
) -> None:
    for _ in range(MAX_FAILURES):
        sign_in(client, username=OFFICER, password="sai mật khẩu")
    locked = sign_in(client, username=OFFICER, password=PASSWORD)
    assert "tạm khoá" in locked.text
    assert "sokhoe_session" not in locked.cookies
    with database.sessions() as session:
        outcomes = session.scalars(
            select(AuditEntry.outcome).where(AuditEntry.action == "login")
        ).all()
    assert outcomes == ["denied"] * (MAX_FAILURES + 1)


def test_login_without_or_with_a_forged_csrf_token_is_refused(client: TestClient) -> None:
    credentials = {"username": ADMIN, "password": PASSWORD}
    assert client.post("/dang-nhap", data=credentials).status_code == 403
    token = form_token(client.get("/dang-nhap").text)
    forged = token[:-4] + ("0000" if not token.endswith("0000") else "1111")
    refused = client.post("/dang-nhap", data={**credentials, "csrf_token": forged})
    assert refused.status_code == 403
    assert "Biểu mẫu đã hết hạn" in refused.text
    assert "sokhoe_session" not in refused.cookies


def test_login_token_must_match_this_browsers_cookie(client: TestClient, app: FastAPI) -> None:
    """A token fetched by an attacker's browser is no use in the victim's."""
    with TestClient(app) as attacker:
        stolen = form_token(attacker.get("/dang-nhap").text)
    client.get("/dang-nhap")
    response = client.post(
        "/dang-nhap", data={"username": ADMIN, "password": PASSWORD, "csrf_token": stolen}
    )
    assert response.status_code == 403


def test_a_signed_in_visit_to_the_login_page_goes_home(admin_client: TestClient) -> None:
    response = admin_client.get("/dang-nhap")
    assert response.status_code == 303
    assert response.headers["location"] == "/"


def test_unauthenticated_home_redirects_to_the_login_page(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 303
    assert response.headers["location"] == "/dang-nhap"


def test_logout_ends_the_session_for_good(admin_client: TestClient, app: FastAPI) -> None:
    old_cookie = admin_client.cookies["sokhoe_session"]
    token = form_token(admin_client.get("/").text)
    response = admin_client.post("/dang-xuat", data={"csrf_token": token})
    assert response.status_code == 303
    assert response.headers["location"] == "/dang-nhap"
    with TestClient(app, follow_redirects=False) as replay:
        replay.cookies.set("sokhoe_session", old_cookie)
        stale = replay.get("/")
        assert stale.status_code == 303
        assert stale.headers["location"] == "/dang-nhap"
        assert 'sokhoe_session=""' in stale.headers["set-cookie"]


def test_logout_without_the_session_csrf_token_is_refused(admin_client: TestClient) -> None:
    assert admin_client.post("/dang-xuat").status_code == 403
    assert admin_client.post("/dang-xuat", data={"csrf_token": "x" * 43}).status_code == 403
    assert admin_client.get("/").status_code == 200  # still signed in


def test_post_csrf_token_may_come_in_a_header(admin_client: TestClient) -> None:
    token = form_token(admin_client.get("/").text)
    response = admin_client.post("/dang-xuat", headers={"X-CSRF-Token": token})
    assert response.status_code == 303


def test_a_commune_officer_of_a_commune_not_loaded_yet_lands_on_an_empty_home(
    client: TestClient,
) -> None:
    """A new deployment: the officer's commune has no village or resident loaded yet."""
    assert sign_in(client, OFFICER).status_code == 303
    home = client.get("/")
    assert home.status_code == 200
    assert "Chưa có dữ liệu thôn, tổ dân phố của xã này." in home.text
