"""A first load on PostgreSQL sets indexes and foreign keys aside and leaves the schema whole."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

import sokhoe.tables  # noqa: F401  (every model in Base.metadata)
from sokhoe.bulk import first_load
from sokhoe.dataset import load_directory
from sokhoe.db import Base
from sokhoe.runtime import Database, open_database
from tests.conftest import fresh_database
from tests.test_load import write_export


@pytest.fixture
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    with fresh_database(request, "postgresql", tmp_path) as url:
        database = open_database(url)
        yield database
        database.engine.dispose()


def schema_differences(database: Database) -> list[object]:
    with database.engine.connect() as connection:
        return list(compare_metadata(MigrationContext.configure(connection), Base.metadata))


def unvalidated_keys(database: Database) -> list[str]:
    with database.engine.connect() as connection:
        return list(
            connection.scalars(
                text("SELECT conname FROM pg_constraint WHERE contype = 'f' AND NOT convalidated")
            )
        )


def test_after_a_first_load_every_index_and_foreign_key_is_back_and_checked(
    database: Database, tmp_path: Path
) -> None:
    assert schema_differences(database) == []
    load_directory(database, write_export(tmp_path / "export"), batch_size=2)
    assert schema_differences(database) == []
    assert unvalidated_keys(database) == []
    with database.engine.connect() as connection, pytest.raises(IntegrityError):
        connection.execute(
            text(
                "INSERT INTO citizen (person_id, full_name, birth_precision, sex, commune_code,"
                " level2_eid) VALUES ('056085000099', 'X', 'day', 'M', 99999, false)"
            )
        )


def test_the_next_load_repairs_what_an_interrupted_first_load_left(
    database: Database, tmp_path: Path
) -> None:
    with database.engine.connect() as connection:
        for table in ("citizen", "insurance_card", "guardian_link"):
            first_load.set_aside(connection, table)
    assert schema_differences(database) != []
    load_directory(database, write_export(tmp_path / "export"))
    assert schema_differences(database) == []
    assert unvalidated_keys(database) == []


def test_a_failed_first_load_still_rebuilds_what_it_set_aside(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sokhoe.bulk.upsert

    real = sokhoe.bulk.upsert._Postgres.write
    calls = {"n": 0}

    def failing(self: object, dbapi: object, rows: object) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("connection lost")
        real(self, dbapi, rows)  # type: ignore[arg-type]

    monkeypatch.setattr(sokhoe.bulk.upsert._Postgres, "write", failing)
    with pytest.raises(RuntimeError, match="connection lost"):
        load_directory(database, write_export(tmp_path / "export"), batch_size=1)
    assert schema_differences(database) == []
