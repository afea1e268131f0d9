"""One transaction per request: kept on success and on a refusal, undone on any other error.

A refusal must look exactly like a missing page from outside, yet stay in the audit log.
"""

from __future__ import annotations

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from sokhoe.access import guard
from sokhoe.access.models import AuditEntry, User
from sokhoe.access.purposes import Purpose
from sokhoe.access.roles import Role
from sokhoe.access.service import create_user, get_by_username
from sokhoe.runtime import Database
from sokhoe.web import home
from sokhoe.web.deps import CurrentActor, SessionDep
from tests.web.conftest import ADMIN, KHANH_HOA, NHA_TRANG, OFFICER, PASSWORD, sign_in

SOMEONE = "056090000001"


def _test_routes() -> APIRouter:
    """Handlers that exist only in these tests, to drive each outcome of a request."""
    router = APIRouter()

    @router.get("/thu/ho-so")
    def read_outside_scope(session: SessionDep, actor: CurrentActor) -> dict[str, str]:
        guard.authorize_person(
            session,
            actor,
            person_id=SOMEONE,
            commune_code=NHA_TRANG,
            village_id=None,
            province_code=KHANH_HOA,
            guarded_ids=frozenset(),
            action="test_read_book",
            purpose=Purpose.ADMINISTRATION,
        )
        return {"never": "reached"}

    @router.get("/thu/tao/{username}")
    def create_then(session: SessionDep, username: str, fail: bool = False) -> dict[str, str]:
        create_user(
            session, username=username, password=PASSWORD, role=Role.ADMIN, display_name=username
        )
        if fail:
            raise RuntimeError(f"boom for {SOMEONE}")
        return {"created": username}

    @router.get("/thu/trung-ten")
    def commit_fails(session: SessionDep) -> dict[str, str]:
        session.add(User(username=ADMIN, display_name="trùng", role=Role.ADMIN.value))
        return {"status": "claimed success"}

    return router


@pytest.fixture
def test_client(app: FastAPI) -> TestClient:
    app.include_router(_test_routes())
    return TestClient(app, follow_redirects=False)


def test_access_denied_looks_like_not_found_and_its_audit_entry_is_kept(
    test_client: TestClient, database: Database
) -> None:
    sign_in(test_client)
    refused = test_client.get("/thu/ho-so")
    missing = test_client.get("/thu/khong-co-trang-nay")
    assert refused.status_code == missing.status_code == 404
    assert refused.content == missing.content
    assert _headers(refused) == _headers(missing)
    with database.sessions() as session:
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "test_read_book")
        ).one()
    assert (entry.outcome, entry.subject_person_id) == ("denied", SOMEONE)
    assert SOMEONE not in refused.text


def test_a_successful_handler_is_committed(test_client: TestClient, database: Database) -> None:
    assert test_client.get("/thu/tao/nguoimoi").status_code == 200
    with database.sessions() as session:
        assert get_by_username(session, "nguoimoi") is not None


def test_a_failing_handler_is_rolled_back_with_a_plain_500_page(
    test_client: TestClient, database: Database
) -> None:
    response = test_client.get("/thu/tao/nguoiloi", params={"fail": "true"})
    assert response.status_code == 500
    assert "Hệ thống gặp sự cố" in response.text
    assert "boom" not in response.text and "RuntimeError" not in response.text
    assert response.headers["x-request-id"] in response.text  # the reference to quote
    assert response.headers["cache-control"] == "no-store"
    with database.sessions() as session:
        assert get_by_username(session, "nguoiloi") is None


def test_a_failed_commit_is_an_error_not_a_success(test_client: TestClient) -> None:
    response = test_client.get("/thu/trung-ten")
    assert response.status_code == 500
    assert "claimed success" not in response.text


def test_a_role_without_a_home_gets_the_not_found_page(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delitem(home._homes, Role.COMMUNE_OFFICER, raising=False)
    missing = client.get("/khong-co-trang-nay")
    sign_in(client, username=OFFICER)
    response = client.get("/")
    assert response.status_code == 404
    assert response.content == missing.content


def _headers(response: object) -> dict[str, str]:
    """Response headers but the request id, which differs on every request."""
    headers = dict(response.headers)  # type: ignore[attr-defined]
    headers.pop("x-request-id")
    return headers
