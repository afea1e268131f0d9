"""A role that one process per database may hold at a time, when several server processes
share the database (``sokhoe serve --workers N``): the reconciliation worker, which fails
the runs a dead holder left ``running`` when it takes over.

On PostgreSQL the lease is a session-level advisory lock held on a connection of its own: it
ends when the holder releases it, closes that connection or dies, and another process then
takes it. SQLite serves one process (``sokhoe serve`` refuses several workers on it), so
there the lease is always granted.
"""

from __future__ import annotations

import logging

from sqlalchemy import Connection, text
from sqlalchemy.engine import Engine

from sokhoe.db import is_postgres

log = logging.getLogger(__name__)


class DatabaseLease:
    def __init__(self, engine: Engine, key: int) -> None:
        self._engine = engine
        self._key = key
        self._connection: Connection | None = None
        self._granted_without_lock = False

    def held(self) -> bool:
        """Whether this process holds the lease now: a PostgreSQL holder checks that its
        connection (and so its lock) is still alive, and lets go of a dead one."""
        if self._granted_without_lock:
            return True
        if self._connection is None:
            return False
        try:
            self._connection.execute(text("SELECT 1"))
        except Exception as exc:  # the server restarted or the connection broke: lock gone
            log.error("database lease %x lost: %s", self._key, type(exc).__name__)
            self._connection.invalidate()
            self._connection.close()
            self._connection = None
            return False
        return True

    def try_acquire(self) -> bool:
        """Takes the lease if nobody holds it; whether this process holds it now."""
        if self.held():
            return True
        if not is_postgres(self._engine):
            self._granted_without_lock = True
            return True
        connection = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            granted = connection.scalar(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": self._key}
            )
        except BaseException:
            connection.close()
            raise
        if not granted:
            connection.close()
            return False
        self._connection = connection
        return True

    def release(self) -> None:
        self._granted_without_lock = False
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self._key})
        except Exception:  # a broken connection holds no lock; never return it to the pool
            connection.invalidate()
        connection.close()
