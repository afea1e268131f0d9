"""Reconciliation runs made as the web app makes them: three files uploaded, then carried out
by the worker's own functions (without its thread)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sokhoe.access.scope import Actor
from sokhoe.reconcile import run_worker, runs
from sokhoe.reconcile.inputs import CONTRACTS
from sokhoe.reconcile.models import RunSource
from sokhoe.runtime import Database


def upload_run(database: Database, actor: Actor, files: Path, home: Path, as_of: dt.date) -> int:
    """Records a queued run of ``files/<role>.csv``; returns its id."""
    with database.sessions() as session:
        record = runs.start(session, actor, home=home, source=RunSource.UPLOAD, as_of=as_of)
        for contract in CONTRACTS:
            path = files / f"{contract.role}.csv"
            with path.open("rb") as data:
                runs.add_upload(
                    session,
                    record,
                    role=contract.role,
                    file_name=path.name,
                    data=data,
                    limit=1 << 30,
                )
        session.commit()
        return record.id


def claim_and_execute(database: Database) -> int:
    """Carries out the oldest queued run, as the worker would; returns its id."""
    with database.sessions() as session:
        run_id = run_worker.claim_next(session)
        session.commit()
    assert run_id is not None
    run_worker.execute(database, run_id)
    return run_id


def finished_run(database: Database, actor: Actor, files: Path, home: Path, as_of: dt.date) -> int:
    """A run of ``files`` uploaded and carried out to its end; returns its id."""
    run_id = upload_run(database, actor, files, home, as_of)
    assert claim_and_execute(database) == run_id
    return run_id
