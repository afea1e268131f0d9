"""``sokhoe audit verify`` and ``sokhoe users create`` on the configured database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from sokhoe.access import audit, service
from sokhoe.access.models import AuditEntry
from sokhoe.access.passwords import verify_password
from sokhoe.cli import app
from sokhoe.config import get_settings
from sokhoe.db import is_postgres
from tests.access.conftest import NHA_TRANG, PASSWORD, Place

runner = CliRunner()


@pytest.fixture(autouse=True)
def configured(monkeypatch: pytest.MonkeyPatch, database_url: str) -> Iterator[None]:
    """Point the command line at the test database."""
    monkeypatch.setenv("SOKHOE_DATABASE_URL", database_url)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_verify_reports_an_intact_chain(session: Session) -> None:
    for _ in range(3):
        audit.record(session, actor=None, action="view_book", purpose="care")
    session.commit()
    result = runner.invoke(app, ["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "Chuỗi nhật ký toàn vẹn: 3 bản ghi" in result.output


def test_verify_fails_naming_the_first_bad_entry(engine: Engine, session: Session) -> None:
    for _ in range(3):
        audit.record(session, actor=None, action="view_book", purpose="care")
    session.commit()
    audit.seal(session)
    session.commit()
    with engine.begin() as conn:
        if is_postgres(engine):
            conn.exec_driver_sql("ALTER TABLE audit_entry DISABLE TRIGGER ALL")
        else:
            conn.exec_driver_sql("DROP TRIGGER audit_entry_seal_only")
        conn.exec_driver_sql("UPDATE audit_entry SET action = 'nothing' WHERE seq = 2")
    result = runner.invoke(app, ["audit", "verify"])
    assert result.exit_code == 1
    assert "bản ghi số 2" in result.output


def test_users_create_reads_the_password_from_stdin_and_is_audited(
    session: Session, place: Place
) -> None:
    args = [
        "users",
        "create",
        "--username",
        "can.bo.xa",
        "--role",
        "commune_officer",
        "--display-name",
        "Nguyễn Thị Lan",
        "--commune",
        str(NHA_TRANG),
        "--password-stdin",
    ]
    result = runner.invoke(app, args, input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    session.expire_all()
    user = service.get_by_username(session, "can.bo.xa")
    assert user is not None and user.password_hash is not None
    assert verify_password(user.password_hash, PASSWORD)
    entry = session.scalars(select(AuditEntry)).one()
    assert (entry.action, entry.purpose) == ("create_user", "administration")


def test_users_create_explains_a_refusal(place: Place) -> None:
    args = [
        "users",
        "create",
        "--username",
        "to.hd",
        "--role",
        "guidance_member",
        "--display-name",
        "A",
        "--commune",
        str(NHA_TRANG),
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert "ít nhất một thôn" in result.output
