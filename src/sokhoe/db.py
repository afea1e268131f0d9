"""Database engine, sessions and the declarative base shared by every bounded context.

SQLite is the embedded default; PostgreSQL (``postgresql+psycopg://``) is production.
The schema is owned by Alembic (``migrations/``); :func:`migrate` brings any database to head.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, create_engine, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def make_engine(url: str) -> Engine:
    """An engine for ``url`` with the pragmas and pool settings each backend needs."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One transaction: commit on success, roll back on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


#: Key of the PostgreSQL advisory lock under which the schema is migrated ("SKmigr").
_MIGRATION_LOCK_KEY = 0x534B6D696772


def migrate(engine: Engine) -> None:
    """Upgrade the database behind ``engine`` to the newest Alembic revision.

    Server processes started together (``sokhoe serve --workers``) each migrate: on
    PostgreSQL they take turns on an advisory lock, so one upgrades and the others find the
    schema at head. SQLite's write lock serialises them by itself."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        if is_postgres(engine):
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY}
            )
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")


def insert_unless_duplicate(session: Session, model: type[Base], **values: object) -> bool:
    """Insert one row unless it would break a unique key; whether it was inserted.

    Two submissions at the same instant (a double click, two officers) must end in one row,
    not in an integrity error: ``ON CONFLICT DO NOTHING`` on both backends, and
    ``RETURNING`` to tell (psycopg reports no row count for it).
    """
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    table = Base.metadata.tables[model.__tablename__]
    statement = insert(table).values(**values).on_conflict_do_nothing()
    return session.execute(statement.returning(*table.primary_key)).first() is not None
