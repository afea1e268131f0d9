"""``sokhoe serve --workers N``: several processes on one PostgreSQL serve one app — a
session opened in one is honoured by the others — and SQLite refuses it."""

from __future__ import annotations

import socket
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from sokhoe.cli import app as cli_app
from sokhoe.config import get_settings
from sokhoe.runtime import Database
from tests.support.served import connections_by_process, free_port, process_tree, server
from tests.web.conftest import OFFICER, PASSWORD, form_token


def test_two_processes_share_sessions_through_postgres(
    database: Database, database_url: str, tmp_path: Path
) -> None:
    if database.engine.dialect.name == "sqlite":
        pytest.skip("several processes need PostgreSQL")
    port = free_port()
    command = [str(Path(sys.executable).parent / "sokhoe"), "serve", "--port", str(port)]
    env = {
        "SOKHOE_DATABASE_URL": database_url,
        "SOKHOE_HOME": str(tmp_path / "home"),
        "SOKHOE_SECRET_KEY": "test secret",
    }
    with server([*command, "--workers", "2"], port, env, listeners=2) as (base, pid):
        # Desks connecting together are spread over both processes, not all taken by one.
        desks = [socket.create_connection(("127.0.0.1", port)) for _ in range(24)]
        time.sleep(0.5)
        held = connections_by_process(process_tree(pid), port)
        for desk in desks:
            desk.close()
        serving = [count for count in held.values() if count]
        assert sum(serving) == 24 and len(serving) == 2, held
        with httpx.Client(base_url=base) as browser:
            token = form_token(browser.get("/dang-nhap").text)
            data = {"username": OFFICER, "password": PASSWORD, "csrf_token": token}
            assert browser.post("/dang-nhap", data=data).status_code == 303
            cookies = dict(browser.cookies)
        # A new connection each time, so the requests spread over both processes.
        for _ in range(20):
            with httpx.Client(base_url=base, cookies=cookies) as desk:
                page = desk.get("/")
                assert page.status_code == 200 and "Nguyễn Văn Đức" in page.text


def test_several_workers_on_sqlite_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOKHOE_DATABASE_URL", f"sqlite:///{tmp_path}/sokhoe.db")
    monkeypatch.setenv("SOKHOE_HOME", str(tmp_path / "home"))
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli_app, ["serve", "--workers", "2"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 2
    assert "PostgreSQL" in result.output
