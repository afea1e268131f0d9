"""Running the app under uvicorn (``sokhoe serve``, and the demo).

uvicorn's own access log prints paths with their query strings, so it is switched off; the
app logs each request itself by id and route template (:mod:`sokhoe.web.request_log`).

One process runs Python on one core at a time, so a busy province serves with several
(``--workers N``): uvicorn starts N processes on the same socket, each building its own app
through :func:`~sokhoe.web.app.create_app` on the configured database. They share all state
through PostgreSQL (sessions, passcode lockouts, the audit chain, the reconciliation queue
and its one worker, :mod:`sokhoe.database_lease`); the per-address sign-in throttle is per
process. SQLite, the embedded default, serves one process.
"""

from __future__ import annotations

from typing import Any

import uvicorn

from sokhoe import runtime
from sokhoe.db import is_postgres
from sokhoe.runtime import Database
from sokhoe.web.app import create_app

LOG_CONFIG: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {
        "stderr": {"class": "logging.StreamHandler", "formatter": "plain"},
    },
    "loggers": {
        "uvicorn": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "sokhoe": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
    },
}


#: ``create_app`` by import path, as uvicorn's worker processes build it.
APP_FACTORY = "sokhoe.web.app:create_app"


class SeveralWorkersNeedPostgres(ValueError):
    def __init__(self) -> None:
        super().__init__(
            "Nhiều tiến trình (--workers) cần PostgreSQL: SQLite chỉ phục vụ một tiến trình."
            " Đặt SOKHOE_DATABASE_URL=postgresql+psycopg://…"
        )


def serve(*, host: str, port: int, database: Database | None = None, workers: int = 1) -> None:
    """Serve the app on ``database`` (default: the configured one) until interrupted, in
    ``workers`` processes (the configured database only, which must be PostgreSQL)."""
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "access_log": False,
        "log_config": LOG_CONFIG,
        "server_header": False,
    }
    if workers == 1:
        uvicorn.run(create_app(database), **options)
        return
    assert database is None, "worker processes open the configured database themselves"
    configured = runtime.open_database()  # migrated once here, before the workers start
    several_allowed = is_postgres(configured.engine)
    configured.engine.dispose()
    if not several_allowed:
        raise SeveralWorkersNeedPostgres
    uvicorn.run(APP_FACTORY, factory=True, workers=workers, **options)
