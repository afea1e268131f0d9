"""Settings read from the environment (``SOKHOE_*``), with embedded defaults for a laptop."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_home() -> Path:
    return Path.home() / ".sokhoe"


class Settings(BaseSettings):
    """Everything configurable. ``SOKHOE_DATABASE_URL`` picks the database."""

    model_config = SettingsConfigDict(env_prefix="SOKHOE_", extra="ignore")

    home: Path = _default_home()
    database_url: str = ""
    #: Secret for signing session cookies; generated into ``home`` when not given.
    secret_key: str = ""
    locale: str = "vi"
    login_max_failures: int = 5
    login_lockout_seconds: int = 900
    #: A failed sign-in older than this no longer counts towards ``login_max_failures``.
    login_failure_window_seconds: int = 900
    #: Failed sign-ins from one address within ``login_throttle_seconds`` before that address
    #: is refused for a while (per process; raise it when a whole office shares one address).
    login_throttle_failures: int = 20
    login_throttle_seconds: int = 300
    #: Lifetime of a signed-in browser session.
    session_hours: int = 8
    #: Largest file accepted by an upload form (each of a reconciliation's three inputs).
    upload_max_bytes: int = 4 * 1024**3
    #: Largest body a hospital's HIS may send (``POST /fhir``, ``POST /api/v1/qd130``); a
    #: larger one gets 413 before it is read. Bigger exports go through ``sokhoe ingest``.
    his_max_body_bytes: int = 20 * 1024**2
    #: How old today's campaign indicators may get before the server counts them again
    #: (:mod:`sokhoe.campaign.snapshot_schedule`); 0 turns the server's counting off (then
    #: run ``sokhoe indicators snapshot`` from cron).
    snapshot_every_minutes: int = 60
    #: Where ``sokhoe reconcile --engine spark`` runs: local threads, or a cluster's master.
    spark_master: str = "local[2]"

    def resolved_database_url(self) -> str:
        """The configured URL, or an SQLite file under ``home``."""
        if self.database_url:
            return self.database_url
        self.home.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{self.home / 'sokhoe.db'}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
