"""Shared fixtures: every database test runs on SQLite and on a throwaway PostgreSQL.

Each test gets a fresh, migrated database: copied from a migrated SQLite template file, or
created on PostgreSQL from a migrated template database (``CREATE DATABASE … TEMPLATE``).
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import settings
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from sokhoe.db import make_engine, migrate
from tests.support.postgres import find_bin_dir, throwaway_cluster

BACKENDS = ["sqlite", "postgresql"]

# Property tests check what holds, not how fast: on a shared 2-core machine running the suite
# two workers wide, Hypothesis's 200 ms deadline per example fails tests at random.
settings.register_profile("shared_machine", deadline=None)
settings.load_profile("shared_machine")

# The web app's thread that keeps indicator snapshots current would count behind the tests'
# backs (audit entries, SQLite's write lock): off here; its own tests drive it directly.
os.environ["SOKHOE_SNAPSHOT_EVERY_MINUTES"] = "0"


@pytest.fixture(scope="session")
def postgres_admin_url() -> Iterator[str]:
    """A running cluster: ``SOKHOE_TEST_POSTGRES_URL`` if given, else one started here."""
    given = os.environ.get("SOKHOE_TEST_POSTGRES_URL")
    if given:
        yield given
        return
    if find_bin_dir() is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is required in CI but is not installed")
        pytest.skip("PostgreSQL is not installed here")
    with throwaway_cluster() as url:
        yield url


@pytest.fixture(scope="session")
def postgres_template(postgres_admin_url: str) -> str:
    """Name of a migrated template database in the cluster."""
    name = f"sokhoe_template_{uuid.uuid4().hex[:8]}"
    admin = create_engine(postgres_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(postgres_admin_url.rsplit("/", 1)[0] + f"/{name}")
    migrate(engine)
    engine.dispose()
    admin.dispose()
    return name


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@contextmanager
def fresh_database(request: pytest.FixtureRequest, backend: str, directory: Path) -> Iterator[str]:
    """URL of a new migrated database on ``backend``, dropped afterwards."""
    if backend == "sqlite":
        path = directory / "sokhoe.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    admin_url: str = request.getfixturevalue("postgres_admin_url")
    template: str = request.getfixturevalue("postgres_template")
    name = f"sokhoe_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    try:
        yield admin_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """URL of a fresh migrated database on each backend."""
    with fresh_database(request, request.param, tmp_path) as url:
        yield url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()
