"""One process per database holds a lease (the reconciliation worker's), and another takes
it over when the holder lets go or its connection dies."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from sokhoe.database_lease import DatabaseLease
from sokhoe.db import make_engine

KEY = 0x7E57


@pytest.fixture
def second_engine(database_url: str) -> Iterator[Engine]:
    """Another process's pool on the same database."""
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def test_one_holder_at_a_time_on_postgres_always_granted_on_sqlite(
    engine: Engine, second_engine: Engine
) -> None:
    first, second = DatabaseLease(engine, KEY), DatabaseLease(second_engine, KEY)
    assert first.try_acquire() and first.held()
    if engine.dialect.name == "sqlite":  # one process serves SQLite: nothing to elect
        assert second.try_acquire()
        return
    assert not second.try_acquire() and not second.held()
    assert DatabaseLease(second_engine, KEY + 1).try_acquire()  # another role, another lease
    first.release()
    assert not first.held()
    assert second.try_acquire() and second.held()
    second.release()


def test_a_holder_whose_connection_dies_loses_the_lease_to_another(
    engine: Engine, second_engine: Engine
) -> None:
    if engine.dialect.name == "sqlite":
        pytest.skip("SQLite has no server connection to lose")
    first, second = DatabaseLease(engine, KEY), DatabaseLease(second_engine, KEY)
    assert first.try_acquire()
    with second_engine.connect() as connection:
        connection.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_locks"
                " WHERE locktype = 'advisory' AND objid = :key AND granted"
            ),
            {"key": KEY},
        )
        connection.commit()
    assert not first.held()
    assert second.try_acquire()
    second.release()
    first.release()  # nothing held: a no-op
