"""The worker that carries out reconciliation runs, one at a time, oldest first.

The database is the queue (:mod:`~sokhoe.reconcile.runs` records a run ``queued``): the
worker claims the oldest queued run with a conditional update, writes each step to the row
as it begins, and ends it ``done`` with its summary and counts per commune, or ``failed``
with a message. A run's own errors are recorded, never raised, so the worker goes on.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from sokhoe.access.clock import utcnow
from sokhoe.access.models import User
from sokhoe.access.scope import actor_for
from sokhoe.bulk.messages import FileRejected
from sokhoe.database_lease import DatabaseLease
from sokhoe.db import unit_of_work
from sokhoe.reconcile import database_inputs, run_files, runs
from sokhoe.reconcile.inputs import CONTRACTS
from sokhoe.reconcile.models import ReconcileRun, RunInput, RunSource, RunStatus
from sokhoe.reconcile.service import ReconcileOptions, UnknownEngine, run
from sokhoe.runtime import Database

log = logging.getLogger(__name__)


def claim_next(session: Session) -> int | None:
    """Marks the oldest queued run ``running`` and returns its id; ``None`` when none waits.

    The update is conditional on the status, so two workers never take the same run."""
    for run_id in session.scalars(
        select(ReconcileRun.id)
        .where(ReconcileRun.status == RunStatus.QUEUED.value)
        .order_by(ReconcileRun.id)
        .limit(5)
    ):
        claimed = session.execute(
            update(ReconcileRun)
            .where(ReconcileRun.id == run_id, ReconcileRun.status == RunStatus.QUEUED.value)
            .values(status=RunStatus.RUNNING.value, started_at=utcnow())
        )
        if claimed.rowcount == 1:  # type: ignore[attr-defined]
            return run_id
    return None


#: What else is done with a run once it is ``done``, in a transaction of its own (the
#: campaign copies its findings for the field, :func:`sokhoe.campaign.findings.import_run`).
AfterRun = Callable[[Session, ReconcileRun], object]


def execute(database: Database, run_id: int, after: AfterRun | None = None) -> None:
    """Carries out a claimed run to ``done`` or ``failed``, then ``after`` a done one;
    never raises for the run's own errors (they are recorded), nor for ``after``'s (logged:
    the run stays done), so a worker goes on with the next."""
    with unit_of_work(database.sessions) as session:
        record = session.get_one(ReconcileRun, run_id)
        directory, source = Path(record.directory), RunSource(record.source)
        out, as_of, engine = runs.output_directory(record), record.as_of, record.engine
        province = record.province_code
        assert province is not None  # a run started from the web is its province's
    try:
        if source is RunSource.DATABASE:
            _progress(database, run_id, runs.EXPORT_STEP)
            paths = _export(database, run_id, province, directory / "inputs")
        else:
            paths = _uploaded(database, run_id, directory / "inputs")
        register, cards, integrated = paths
        options = ReconcileOptions(register, cards, integrated, out, as_of, engine)
        summary = run(options, lambda label, total: _advance(database, run_id, label))
        _progress(database, run_id, runs.TALLY_STEP)
        run_files.split_worklist(options.out)
        counts = run_files.commune_counts(options.out)
    except FileRejected as exc:
        _fail(database, run_id, {"vi": exc.problem.message("vi"), "en": exc.problem.message("en")})
    except UnknownEngine as exc:  # an engine this server cannot run now (Spark without Java)
        _fail(database, run_id, {"vi": str(exc), "en": str(exc)})
    except Exception as exc:  # the record says it failed; the log says with what, no data
        kind = type(exc).__name__
        log.error("reconciliation run %s failed: %s", run_id, kind)
        _fail(
            database,
            run_id,
            {
                "vi": f"Lỗi hệ thống khi chạy ({kind}); báo quản trị hệ thống.",
                "en": f"System error during the run ({kind}); tell the administrator.",
            },
        )
    else:
        _finish(database, run_id, summary, counts)
        if after is not None:
            _after(database, run_id, after)


def _after(database: Database, run_id: int, after: AfterRun) -> None:
    try:
        with unit_of_work(database.sessions) as session:
            after(session, session.get_one(ReconcileRun, run_id))
    except Exception as exc:  # the run is done all the same; the log says what failed after
        log.error("reconciliation run %s: after the run, %s", run_id, type(exc).__name__)


def _export(database: Database, run_id: int, province: int, directory: Path) -> list[Path]:
    """The province's data written as the three inputs, by the account that asked for it
    (its scope and purpose are checked and audited again now), and fingerprinted."""
    with unit_of_work(database.sessions) as session:
        record = session.get_one(ReconcileRun, run_id)
        user = session.get_one(User, record.started_by_user_id)
        actor = actor_for(session, user, None)
        paths = database_inputs.export(session, actor, province_code=province, directory=directory)
        for contract, path in zip(CONTRACTS, paths, strict=True):
            runs.record_input(session, run_id, contract.role, path)
    return paths


def _uploaded(database: Database, run_id: int, directory: Path) -> list[Path]:
    with unit_of_work(database.sessions) as session:
        names = dict(
            session.execute(
                select(RunInput.role, RunInput.file_name).where(RunInput.run_id == run_id)
            ).all()
        )
    return [directory / contract.role / names[contract.role] for contract in CONTRACTS]


def _advance(database: Database, run_id: int, label: str) -> Callable[[int], None]:
    _progress(database, run_id, runs.SERVICE_STEPS.get(label, label))
    return lambda done: None


def _progress(database: Database, run_id: int, step: str) -> None:
    with unit_of_work(database.sessions) as session:
        session.execute(
            update(ReconcileRun)
            .where(ReconcileRun.id == run_id)
            .values(progress_step=ReconcileRun.progress_step + 1, progress_label=step)
        )


def _fail(database: Database, run_id: int, error: dict[str, str]) -> None:
    with unit_of_work(database.sessions) as session:
        record = session.get_one(ReconcileRun, run_id)
        record.status = RunStatus.FAILED.value
        record.error = error
        record.finished_at = utcnow()


def _finish(
    database: Database,
    run_id: int,
    summary: dict[str, Any],
    counts: dict[tuple[int | None, str], int],
) -> None:
    with unit_of_work(database.sessions) as session:
        runs.record_results(session, session.get_one(ReconcileRun, run_id), summary, counts)


def fail_interrupted(session: Session) -> int:
    """Marks the runs a stopped worker left ``running`` as failed (their work died with
    its process); queued ones stay queued. Only the lease holder may call it. Returns how
    many."""
    result = session.execute(
        update(ReconcileRun)
        .where(ReconcileRun.status == RunStatus.RUNNING.value)
        .values(
            status=RunStatus.FAILED.value,
            finished_at=utcnow(),
            error={
                "vi": "Máy chủ dừng khi lần đối soát đang chạy; hãy chạy lại.",
                "en": "The server stopped while the run was under way; start it again.",
            },
        )
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


#: Key of the lease that makes one process per database the reconciliation worker ("SKrecon").
LEASE_KEY = 0x534B7265636F6E


class RunWorker:
    """The thread of a server process that carries out runs, oldest first, while this
    process holds the database's worker lease (:mod:`sokhoe.database_lease`).

    Every server process starts one; the one that takes the lease first works, the others
    try again every ``poll_seconds`` and take over when its process dies. On taking the
    lease, a worker fails the runs a previous holder left ``running`` (their work died with
    it). It looks for queued runs when woken (after a request of this process started one)
    and every ``poll_seconds`` otherwise (runs queued by another process).
    """

    def __init__(
        self, database: Database, *, poll_seconds: float = 5.0, after: AfterRun | None = None
    ) -> None:
        self._database = database
        self._after = after
        self._poll = poll_seconds
        self._lease = DatabaseLease(database.engine, LEASE_KEY)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Starts the thread (again, after :meth:`stop`: an app may be started twice)."""
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="reconcile-worker", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():  # a run still going: the lease ends with the process
                return
        self._lease.release()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                if self._leading():
                    with unit_of_work(self._database.sessions) as session:
                        run_id = claim_next(session)
                    if run_id is not None:
                        execute(self._database, run_id, self._after)
                        continue
            except Exception as exc:  # the database went away: try again at the next poll
                log.error("reconciliation worker: %s", type(exc).__name__)
            self._wake.wait(self._poll)
            self._wake.clear()

    def _leading(self) -> bool:
        """Whether this process is the worker now; on taking over, fails what the previous
        holder left running."""
        if self._lease.held():
            return True
        if not self._lease.try_acquire():
            return False
        with unit_of_work(self._database.sessions) as session:
            failed = fail_interrupted(session)
        if failed:
            log.warning("reconciliation worker: %d interrupted run(s) marked failed", failed)
        return True
