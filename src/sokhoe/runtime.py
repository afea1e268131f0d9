"""The process-wide database handle, opened once from the settings and migrated."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from sokhoe.config import get_settings
from sokhoe.db import make_engine, migrate, session_factory


@dataclass(frozen=True)
class Database:
    engine: Engine
    sessions: sessionmaker[Session]


def open_database(url: str | None = None) -> Database:
    """Connect to ``url`` (default: the configured one) and migrate it to head."""
    engine = make_engine(url or get_settings().resolved_database_url())
    migrate(engine)
    return Database(engine=engine, sessions=session_factory(engine))
