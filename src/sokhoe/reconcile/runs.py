"""Reconciliation runs kept in the database: started from the web, carried out one at a time
by a worker thread, their progress and results readable by any web request.

The database is the queue: a run is recorded ``queued`` in the request that starts it, and
the worker claims the oldest queued run with a conditional update, writes each step to the
row as it begins (so the run's page can show it), and ends it ``done`` with its summary and
counts per commune, or ``failed`` with a message. A run is never deleted.

Run records (who, when, inputs, counts) carry no personal data and are shown to the
province's BHXH and Department of Health officers. The files do: reading them goes through
:mod:`sokhoe.access.guard` (one audited read per download or worklist page).
"""

from __future__ import annotations

import datetime as dt
import getpass
import logging
import re
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from sokhoe.access import guard
from sokhoe.access.clock import utcnow
from sokhoe.access.models import User
from sokhoe.access.purposes import Purpose
from sokhoe.access.roles import Role
from sokhoe.access.scope import Actor, actor_for
from sokhoe.bulk.messages import FileRejected
from sokhoe.db import unit_of_work
from sokhoe.reconcile import database_inputs, run_files
from sokhoe.reconcile.inputs import CONTRACTS
from sokhoe.reconcile.models import (
    COMMAND_LINE,
    ReconcileRun,
    RunCount,
    RunInput,
    RunSource,
    RunStatus,
)
from sokhoe.reconcile.service import ENGINES, ReconcileOptions, UnknownEngine, run
from sokhoe.reconcile.worklists import NO_COMMUNE
from sokhoe.registry import service as registry_service
from sokhoe.runtime import Database

log = logging.getLogger(__name__)

#: Roles that start runs and read their records: the province's BHXH and Department of Health.
RUN_ROLES = frozenset({Role.BHXH_OFFICER, Role.HEALTH_DEPARTMENT})
#: The steps :func:`~sokhoe.reconcile.service.run` announces, by label, and their codes
#: (what the row stores and pages translate).
SERVICE_STEPS = {
    "Kiểm tra tệp đầu vào": "check_files",
    "Đọc tệp": "read_files",
    "Kiểm tra và chuẩn hóa từng dòng": "validate",
    "Ghép thẻ với người": "match",
    "Phát hiện sai sót": "find",
    "Ghi kết quả": "write",
}
EXPORT_STEP, TALLY_STEP = "export", "tally"
#: Outputs offered for download besides the communes' workbooks; ``True``: personal data.
DOWNLOADS = {
    "fixes_for_bhxh.xlsx": True,
    "findings.csv": True,
    "rejects.csv": True,
    "summary.json": False,
}
_SAFE_NAME = re.compile(r"[^\w.\- ]+")


def run_directory(home: Path, run_id: int) -> Path:
    return home / "reconcile" / str(run_id)


def output_directory(record: ReconcileRun) -> Path:
    return Path(record.output_directory)


def start(
    session: Session,
    actor: Actor,
    *,
    home: Path,
    source: RunSource,
    as_of: dt.date,
    engine: str = "duckdb",
) -> ReconcileRun:
    """Records a queued run of the actor's province. An upload's files are added with
    :func:`add_upload` in the same transaction; the worker takes the run once committed."""
    if actor.role not in RUN_ROLES or actor.province_code is None:
        raise guard.AccessDenied()
    if engine not in ENGINES:
        raise UnknownEngine(engine)
    steps = len(SERVICE_STEPS) + 1 + (source is RunSource.DATABASE)
    record = ReconcileRun(
        province_code=actor.province_code,
        started_by_user_id=actor.user_id,
        started_by_name=actor.display_name,
        role=actor.role.value,
        status=RunStatus.QUEUED.value,
        source=source.value,
        as_of=as_of,
        engine=engine,
        requested_at=utcnow(),
        progress_step=0,
        progress_total=steps,
        progress_label="",
    )
    session.add(record)
    session.flush()
    record.directory = str(run_directory(home, record.id))
    record.output_directory = str(run_directory(home, record.id) / "out")
    return record


def add_upload(
    session: Session, record: ReconcileRun, *, role: str, file_name: str, data: BinaryIO, limit: int
) -> RunInput:
    """Saves one uploaded input under the run's directory (chunk by chunk, hashed) and
    records its fingerprint; raises :class:`~sokhoe.reconcile.run_files.UploadTooLarge`."""
    name = _SAFE_NAME.sub("_", Path(file_name).name).strip() or f"{role}.csv"
    target = Path(record.directory) / "inputs" / role / name
    printed = run_files.save(data, target, limit)
    entry = RunInput(
        run_id=record.id, role=role, file_name=name, sha256=printed.sha256, size_bytes=printed.size
    )
    session.add(entry)
    return entry


# --- the worker's side ---------------------------------------------------------------------


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


def execute(database: Database, run_id: int) -> None:
    """Carries out a claimed run to ``done`` or ``failed``; never raises for the run's own
    errors (they are recorded), so a worker goes on with the next."""
    with unit_of_work(database.sessions) as session:
        record = session.get_one(ReconcileRun, run_id)
        directory, source = Path(record.directory), RunSource(record.source)
        out, as_of, engine = output_directory(record), record.as_of, record.engine
        province = record.province_code
        assert province is not None  # a run started from the web is its province's
    try:
        if source is RunSource.DATABASE:
            _progress(database, run_id, EXPORT_STEP)
            paths = _export(database, run_id, province, directory / "inputs")
        else:
            paths = _uploaded(database, run_id, directory / "inputs")
        register, cards, integrated = paths
        options = ReconcileOptions(register, cards, integrated, out, as_of, engine)
        summary = run(options, lambda label, total: _advance(database, run_id, label))
        _progress(database, run_id, TALLY_STEP)
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


def _export(database: Database, run_id: int, province: int, directory: Path) -> list[Path]:
    """The province's data written as the three inputs, by the account that asked for it
    (its scope and purpose are checked and audited again now), and fingerprinted."""
    with unit_of_work(database.sessions) as session:
        record = session.get_one(ReconcileRun, run_id)
        user = session.get_one(User, record.started_by_user_id)
        actor = actor_for(session, user, None)
        paths = database_inputs.export(session, actor, province_code=province, directory=directory)
        for contract, path in zip(CONTRACTS, paths, strict=True):
            printed = run_files.fingerprint(path)
            session.add(
                RunInput(
                    run_id=run_id,
                    role=contract.role,
                    file_name=path.name,
                    sha256=printed.sha256,
                    size_bytes=printed.size,
                )
            )
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
    _progress(database, run_id, SERVICE_STEPS.get(label, label))
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
        _record_results(session, session.get_one(ReconcileRun, run_id), summary, counts)


def _record_results(
    session: Session,
    record: ReconcileRun,
    summary: dict[str, Any],
    counts: dict[tuple[int | None, str], int],
) -> None:
    """A finished run's summary, lines per input and counts per commune and category."""
    inputs = summary["inputs"]
    for entry in session.scalars(select(RunInput).where(RunInput.run_id == record.id)):
        entry.rows = inputs[entry.role]["rows"]
        entry.rejected = inputs[entry.role]["rejected"]
    session.add_all(
        RunCount(run_id=record.id, commune_code=commune, category=category, cards=cards)
        for (commune, category), cards in sorted(
            counts.items(), key=lambda item: (item[0][0] or 0, item[0][1])
        )
    )
    record.summary = summary
    record.status = RunStatus.DONE.value
    record.progress_step = record.progress_total
    record.finished_at = utcnow()


def keep_command_line_run(
    database: Database,
    options: ReconcileOptions,
    *,
    started_at: dt.datetime,
    summary: dict[str, Any] | None,
    error: dict[str, str] | None = None,
) -> int:
    """Records a run of ``sokhoe reconcile --record``, finished (``summary``) or failed
    (``error``): the operating-system user, the inputs' fingerprints, the counts per commune.
    It is shown to the officers of the province most of its communes belong to."""
    with unit_of_work(database.sessions) as session:
        record = ReconcileRun(
            province_code=None,
            started_by_user_id=None,
            started_by_name=getpass.getuser(),
            role=COMMAND_LINE,
            status=RunStatus.FAILED.value,
            source=RunSource.FILES.value,
            as_of=options.as_of,
            engine=options.engine,
            requested_at=started_at,
            started_at=started_at,
            finished_at=utcnow(),
            progress_step=0,
            progress_total=len(SERVICE_STEPS) + 1,
            progress_label="",
            error=error,
            directory="",
            output_directory=str(options.out),
        )
        session.add(record)
        session.flush()
        for contract, path in zip(
            CONTRACTS, (options.register, options.cards, options.integrated), strict=True
        ):
            printed = run_files.fingerprint(path)
            session.add(
                RunInput(
                    run_id=record.id,
                    role=contract.role,
                    file_name=path.name,
                    sha256=printed.sha256,
                    size_bytes=printed.size,
                )
            )
        session.flush()
        if summary is not None:
            run_files.split_worklist(options.out)
            counts = run_files.commune_counts(options.out)
            _record_results(session, record, summary, counts)
            record.province_code = _main_province(session, counts)
        return record.id


def _main_province(session: Session, counts: dict[tuple[int | None, str], int]) -> int | None:
    """The province of most of the cards counted, as far as the register knows the communes."""
    per_commune: Counter[int] = Counter()
    for (commune, _), cards in counts.items():
        if commune is not None:
            per_commune[commune] += cards
    provinces: Counter[int] = Counter()
    for commune, province in registry_service.provinces_of_communes(session, per_commune).items():
        provinces[province] += per_commune[commune]
    return provinces.most_common(1)[0][0] if provinces else None


def fail_interrupted(session: Session) -> int:
    """Marks the runs a stopped server left ``running`` as failed (their work died with
    that process); queued ones stay queued for the next worker. Returns how many."""
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


class RunWorker:
    """The one thread of a server process that carries out runs, oldest first.

    It looks for queued runs when woken (after a request that started one has committed)
    and every ``poll_seconds`` otherwise (runs queued by another process). One web process
    per database is assumed: on start it fails the runs left ``running`` by a previous one.
    """

    def __init__(self, database: Database, *, poll_seconds: float = 5.0) -> None:
        self._database = database
        self._poll = poll_seconds
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Starts the thread (again, after :meth:`stop`: an app may be started twice)."""
        with unit_of_work(self._database.sessions) as session:
            fail_interrupted(session)
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

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                with unit_of_work(self._database.sessions) as session:
                    run_id = claim_next(session)
                if run_id is not None:
                    execute(self._database, run_id)
                    continue
            except Exception as exc:  # the database went away: try again at the next poll
                log.error("reconciliation worker: %s", type(exc).__name__)
            self._wake.wait(self._poll)
            self._wake.clear()


# --- reading runs --------------------------------------------------------------------------


def list_runs(
    session: Session, actor: Actor, *, offset: int, limit: int
) -> tuple[list[ReconcileRun], int]:
    """The runs of the actor's province, newest first, and how many there are."""
    if actor.role not in RUN_ROLES or actor.province_code is None:
        raise guard.AccessDenied()
    where = ReconcileRun.province_code == actor.province_code
    total = session.scalar(select(func.count()).select_from(ReconcileRun).where(where)) or 0
    runs = session.scalars(
        select(ReconcileRun)
        .where(where)
        .order_by(ReconcileRun.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return list(runs), total


def get_run(session: Session, actor: Actor, run_id: int) -> ReconcileRun:
    """A run of the actor's province (BHXH, Department of Health); anything else is
    :class:`~sokhoe.access.guard.AccessDenied`, an unknown id included."""
    record = session.get(ReconcileRun, run_id)
    if (
        record is None
        or record.province_code is None
        or actor.role not in RUN_ROLES
        or not actor.covers_province(record.province_code)
    ):
        raise guard.AccessDenied()
    return record


def inputs_of(session: Session, record: ReconcileRun) -> list[RunInput]:
    order = {contract.role: i for i, contract in enumerate(CONTRACTS)}
    found = session.scalars(select(RunInput).where(RunInput.run_id == record.id))
    return sorted(found, key=lambda entry: order.get(entry.role, len(order)))


def counts_of(session: Session, record: ReconcileRun) -> dict[int | None, dict[str, int]]:
    """Findings per commune (``None``: unknown commune) and category of a finished run."""
    counts: dict[int | None, dict[str, int]] = {}
    for row in session.scalars(select(RunCount).where(RunCount.run_id == record.id)):
        counts.setdefault(row.commune_code, {})[row.category] = row.cards
    return counts


def latest_done(session: Session, province_code: int) -> ReconcileRun | None:
    return session.scalar(
        select(ReconcileRun)
        .where(
            ReconcileRun.province_code == province_code,
            ReconcileRun.status == RunStatus.DONE.value,
        )
        .order_by(ReconcileRun.id.desc())
        .limit(1)
    )


@dataclass(frozen=True)
class CommuneRun:
    """A finished run and one commune of its province, once the reader may see the commune."""

    record: ReconcileRun
    commune_code: int
    commune_name: str
    province_code: int


def commune_run(
    session: Session, actor: Actor, *, run_id: int | None, commune_code: int
) -> CommuneRun | None:
    """The finished run ``run_id`` (or the province's latest) and the commune; ``None``
    when the province has no finished run yet. An unknown commune or a run of another
    province is ``AccessDenied``; whether the reader may see the commune is decided (and
    audited) by :func:`worklist` and :func:`worklist_workbook`, before anything is read."""
    commune = registry_service.get_commune(session, commune_code)
    if commune is None:
        raise guard.AccessDenied()
    if run_id is None:
        record = latest_done(session, commune.province_code)
        if record is None:
            return None
    else:
        record = session.get(ReconcileRun, run_id)
        if (
            record is None
            or record.province_code != commune.province_code
            or record.status != RunStatus.DONE.value
        ):
            raise guard.AccessDenied()
    return CommuneRun(record, commune_code, commune.name, commune.province_code)


def worklist(
    session: Session, actor: Actor, found: CommuneRun, *, offset: int, limit: int
) -> run_files.WorklistSlice:
    """One page of a commune's worklist (audited read of the commune's list)."""
    guard.authorize_unit(
        session,
        actor,
        commune_code=found.commune_code,
        province_code=found.province_code,
        action="read_reconcile_worklist",
        purpose=_worklist_purpose(actor),
        page=offset // limit + 1,
    )
    return run_files.read_worklist(
        output_directory(found.record), str(found.commune_code), offset, limit
    )


def worklist_workbook(session: Session, actor: Actor, found: CommuneRun) -> Path | None:
    """The commune's workbook (audited); ``None`` when the commune has nobody to visit."""
    guard.authorize_unit(
        session,
        actor,
        commune_code=found.commune_code,
        province_code=found.province_code,
        action="download_reconcile_worklist",
        purpose=_worklist_purpose(actor),
    )
    path = output_directory(found.record) / "worklists" / f"{found.commune_code}.xlsx"
    return path if path.exists() else None


def province_output(session: Session, actor: Actor, record: ReconcileRun, name: str) -> Path:
    """One of :data:`DOWNLOADS` of a finished run (or the workbook of cards without a known
    commune); an output with personal data is an audited province-wide read."""
    if record.status != RunStatus.DONE.value or record.province_code is None:
        raise guard.AccessDenied()
    out = output_directory(record)
    if name == f"{NO_COMMUNE}.xlsx":
        path, personal = out / "worklists" / name, True
    elif name in DOWNLOADS:
        path, personal = out / name, DOWNLOADS[name]
    else:
        raise guard.AccessDenied()
    if personal:
        guard.authorize_province(
            session,
            actor,
            province_code=record.province_code,
            action="download_reconcile_output",
            purpose=Purpose.RECONCILIATION,
            detail=f"lần đối soát {record.id}, {name}",
        )
    if not path.exists():
        raise guard.AccessDenied()
    return path


def _worklist_purpose(actor: Actor) -> Purpose:
    """Province officers read worklists to reconcile; the commune's own, to go door to door."""
    return Purpose.RECONCILIATION if actor.role in RUN_ROLES else Purpose.CAMPAIGN_WORKLIST
