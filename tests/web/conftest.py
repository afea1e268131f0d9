"""A running web app on each backend, a place with accounts of several roles, and sign-in.

Khánh Hòa is loaded; the administrator ``quantri`` and a commune officer of Phường Nha Trang
sign in with :data:`PASSWORD`. Settings lock an account after three wrong passwords.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response

from sokhoe.access.roles import Role
from sokhoe.access.service import create_user
from sokhoe.config import Settings
from sokhoe.db import make_engine, session_factory
from sokhoe.registry.units import ensure_province
from sokhoe.runtime import Database
from sokhoe.web.app import create_app
from tests.access.conftest import fast_hashing

__all__ = ["fast_hashing"]

KHANH_HOA, NHA_TRANG = 56, 22366
PASSWORD = "mật khẩu đủ dài"
ADMIN, OFFICER = "quantri", "canbo.nhatrang"
MAX_FAILURES = 3

_CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        home=tmp_path / "home",
        secret_key="test secret",
        login_max_failures=MAX_FAILURES,
        login_throttle_failures=100,
    )


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    engine = make_engine(database_url)
    database = Database(engine=engine, sessions=session_factory(engine))
    with database.sessions() as session:
        ensure_province(session, KHANH_HOA)
        create_user(
            session, username=ADMIN, password=PASSWORD, role=Role.ADMIN, display_name="Lê Thị Hạnh"
        )
        create_user(
            session,
            username=OFFICER,
            password=PASSWORD,
            role=Role.COMMUNE_OFFICER,
            display_name="Nguyễn Văn Đức",
            commune_code=NHA_TRANG,
        )
        session.commit()
    yield database
    engine.dispose()


@pytest.fixture
def app(database: Database, settings: Settings) -> FastAPI:
    return create_app(database, settings=settings)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, follow_redirects=False) as client:
        yield client


def form_token(html: str) -> str:
    """The hidden ``csrf_token`` of the (first) form in ``html``."""
    match = _CSRF_FIELD.search(html)
    assert match, "the page has no form with a csrf_token"
    return match.group(1)


def sign_in(client: TestClient, username: str = ADMIN, password: str = PASSWORD) -> Response:
    """Fill in and send the login form as a browser would."""
    token = form_token(client.get("/dang-nhap").text)
    response: Response = client.post(
        "/dang-nhap", data={"username": username, "password": password, "csrf_token": token}
    )
    return response


@pytest.fixture
def admin_client(client: TestClient) -> TestClient:
    assert sign_in(client).status_code == 303
    return client
