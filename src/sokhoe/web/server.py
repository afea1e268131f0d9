"""Running the app under uvicorn (``sokhoe serve``, and the demo).

uvicorn's own access log prints paths with their query strings, so it is switched off; the
app logs each request itself by id and route template (:mod:`sokhoe.web.request_log`).

One process runs Python on one core at a time, so a busy province serves with several
(``--workers N``): N processes, each building its own app through
:func:`~sokhoe.web.app.create_app` on the configured database and listening on a socket of
its own on the same port (``SO_REUSEPORT``), so that the kernel spreads new connections
evenly over them. (uvicorn's own ``--workers`` shares one socket, and whichever process
wakes first accepts a whole burst: a hospital's desks, connecting together and keeping
their connections, all landed in one process while the other idled.) They share all state
through PostgreSQL (sessions, passcode lockouts, the audit chain, the reconciliation queue
and its one worker, :mod:`sokhoe.database_lease`); the per-address sign-in throttle is per
process. SQLite, the embedded default, serves one process.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import signal
import socket
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


#: ``create_app`` by import path, as each worker process builds it.
APP_FACTORY = "sokhoe.web.app:create_app"
#: Connections waiting to be accepted, per process (uvicorn's default).
BACKLOG = 2048


class SeveralWorkersNeedPostgres(ValueError):
    def __init__(self) -> None:
        super().__init__(
            "Nhiều tiến trình (--workers) cần PostgreSQL: SQLite chỉ phục vụ một tiến trình."
            " Đặt SOKHOE_DATABASE_URL=postgresql+psycopg://…"
        )


def serve(*, host: str, port: int, database: Database | None = None, workers: int = 1) -> None:
    """Serve the app on ``database`` (default: the configured one) until interrupted, in
    ``workers`` processes (the configured database only, which must be PostgreSQL)."""
    if workers == 1:
        uvicorn.run(create_app(database), host=host, port=port, **_OPTIONS)
        return
    assert database is None, "worker processes open the configured database themselves"
    configured = runtime.open_database()  # migrated once here, before the workers start
    several_allowed = is_postgres(configured.engine)
    configured.engine.dispose()
    if not several_allowed:
        raise SeveralWorkersNeedPostgres
    _run_processes(host, port, workers)


_OPTIONS: dict[str, Any] = {
    "access_log": False,
    "log_config": LOG_CONFIG,
    "server_header": False,
}


def _run_processes(host: str, port: int, workers: int) -> None:
    """Runs the worker processes until one of them stops or this one is interrupted or
    terminated; then stops the others (a supervisor such as systemd restarts the whole)."""
    context = multiprocessing.get_context("spawn")
    processes = [
        context.Process(target=_worker, args=(host, port), name=f"sokhoe-web-{n}")
        for n in range(workers)
    ]
    for process in processes:
        process.start()
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        multiprocessing.connection.wait([process.sentinel for process in processes])
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        for process in processes:
            process.terminate()  # uvicorn finishes the requests under way, then exits
        for process in processes:
            process.join()


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def _worker(host: str, port: int) -> None:
    listening = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    listening.bind((host, port))
    listening.listen(BACKLOG)
    config = uvicorn.Config(APP_FACTORY, factory=True, host=host, port=port, **_OPTIONS)
    uvicorn.Server(config).run(sockets=[listening])
