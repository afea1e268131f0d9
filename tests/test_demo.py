"""`sokhoe demo`'s building blocks: the province is built once, the logins are stable."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sokhoe import demo
from sokhoe.access.identity import LocalPasswordIdentity
from sokhoe.access.models import User
from sokhoe.records.models import Immunization, Visit
from sokhoe.registry.models import Citizen
from sokhoe.runtime import open_database


def test_demo_builds_once_and_prints_the_same_working_logins(
    database_url: str, tmp_path: Path
) -> None:
    database = open_database(database_url)
    assert not demo.has_citizens(database)
    demo.build_province(database, tmp_path / "data", people=1500)
    assert demo.has_citizens(database)

    logins_file = tmp_path / "demo-logins.json"
    first = demo.demo_logins(database, logins_file)
    assert demo.demo_logins(database, logins_file) == first
    assert stat.S_IMODE(logins_file.stat().st_mode) == 0o600
    assert len({login.role for login in first}) == 8

    with Session(database.engine) as session:
        assert session.scalar(select(func.count()).select_from(User)) == 8
        assert session.scalar(select(func.count()).select_from(Citizen)) == 1500
        citizen = next(login for login in first if login.username == "congdan")
        user = LocalPasswordIdentity().authenticate(
            session, username=citizen.username, password=citizen.password, remote_addr=None
        )
        assert user.person_id is not None
        # The hospitals' files are in the health books, the demo citizen's among them.
        own_visits = select(func.count()).where(Visit.person_id == user.person_id)
        assert session.scalar(own_visits) > 0
        assert session.scalar(select(func.count()).select_from(Immunization)) > 0

    logins_file.unlink()
    with pytest.raises(RuntimeError, match="thiếu tệp"):
        demo.demo_logins(database, logins_file)
    database.engine.dispose()
