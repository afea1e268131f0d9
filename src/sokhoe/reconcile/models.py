"""Tables of reconciliation runs: who started each, on what inputs, and what it found.

A run is kept for good (R8, R9: what was cross-checked, when and by whom must be answerable
later); the app never deletes one. Its files (inputs, outputs) live under
``SOKHOE_HOME/reconcile/<id>/``; the database holds the record and the figures pages show.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from sokhoe.db import Base

#: ``role`` of a run started on the command line.
COMMAND_LINE = "command_line"


class RunStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class RunSource(StrEnum):
    #: Three CSV files uploaded by the officer.
    UPLOAD = "upload"
    #: The register, card list and wallet integrations already in the database.
    DATABASE = "database"
    #: Files named on the command line (``sokhoe reconcile --record``).
    FILES = "files"


class ReconcileRun(Base):
    __tablename__ = "reconcile_run"
    __table_args__ = (Index("ix_reconcile_run_province_status", "province_code", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: The province whose officers see the run; for a command-line run, the province of most
    #: of its communes (``None`` when the database does not know them).
    province_code: Mapped[int | None] = mapped_column(ForeignKey("province.code"))
    #: ``None`` for a run of ``sokhoe reconcile --record`` (no account on the command line).
    started_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    #: The account's name and role when it started the run (accounts change; the run not);
    #: the operating-system user and :data:`COMMAND_LINE` for a command-line run.
    started_by_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(10))
    source: Mapped[str] = mapped_column(String(10))
    as_of: Mapped[dt.date] = mapped_column(Date)
    engine: Mapped[str] = mapped_column(String(20))
    #: When the officer asked for it; the worker then sets ``started_at`` and ``finished_at``.
    requested_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    #: Steps done so far, of ``progress_total``, and the step under way (Vietnamese label).
    progress_step: Mapped[int] = mapped_column(Integer, default=0)
    progress_total: Mapped[int] = mapped_column(Integer, default=0)
    progress_label: Mapped[str] = mapped_column(String(80), default="")
    #: ``summary.json`` of a finished run: links, findings per category, worklists, model.
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    #: Why a failed run failed, ``{"vi": …, "en": …}``; no personal data.
    error: Mapped[dict[str, str] | None] = mapped_column(JSON)
    #: Where the run's files are (``SOKHOE_HOME/reconcile/<id>``); empty for a command-line run.
    directory: Mapped[str] = mapped_column(String(500), default="")
    #: Where its outputs are: ``<directory>/out``, or the command line's ``--out``.
    output_directory: Mapped[str] = mapped_column(String(500), default="")


class RunInput(Base):
    """One of a run's three input files as it was used: fingerprint and line counts."""

    __tablename__ = "reconcile_run_input"

    run_id: Mapped[int] = mapped_column(ForeignKey("reconcile_run.id"), primary_key=True)
    #: ``register``, ``cards`` or ``integrated`` (:data:`sokhoe.reconcile.inputs.CONTRACTS`).
    role: Mapped[str] = mapped_column(String(12), primary_key=True)
    file_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    #: Usable and rejected lines, known once the run has read the file.
    rows: Mapped[int | None] = mapped_column(Integer)
    rejected: Mapped[int | None] = mapped_column(Integer)


class RunCount(Base):
    """Findings of a finished run per commune and category: what the summary page shows."""

    __tablename__ = "reconcile_run_count"
    __table_args__ = (Index("ix_reconcile_run_count_run_commune", "run_id", "commune_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("reconcile_run.id"))
    #: ``None`` for cards whose commune is missing or unknown.
    commune_code: Mapped[int | None] = mapped_column(Integer)
    category: Mapped[str] = mapped_column(String(40))
    cards: Mapped[int] = mapped_column(Integer)
