"""Running the app under uvicorn (``sokhoe serve``, and the demo).

uvicorn's own access log prints paths with their query strings, so it is switched off; the
app logs each request itself by id and route template (:mod:`sokhoe.web.request_log`).
"""

from __future__ import annotations

from typing import Any

import uvicorn

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


def serve(*, host: str, port: int, database: Database | None = None) -> None:
    """Serve the app on ``database`` (default: the configured one) until interrupted."""
    uvicorn.run(
        create_app(database),
        host=host,
        port=port,
        access_log=False,
        log_config=LOG_CONFIG,
        server_header=False,
    )
