"""Reconciliation runs kept in the database: started from the web (recorded ``queued``, then
carried out by :mod:`~sokhoe.reconcile.run_worker`) or kept from the command line, their
progress and results readable by any web request. A run is never deleted.

Run records (who, when, inputs, counts) carry no personal data and are shown to the
province's BHXH and Department of Health officers. The files do: reading them goes through
:mod:`sokhoe.access.guard` (one audited read per download or worklist page).
"""

from __future__ import annotations

import datetime as dt
import getpass
import logging
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sokhoe.access import guard
from sokhoe.access.clock import utcnow
from sokhoe.access.purposes import Purpose
from sokhoe.access.roles import Role
from sokhoe.access.scope import Actor
from sokhoe.db import unit_of_work
from sokhoe.reconcile import run_files
from sokhoe.reconcile.inputs import CONTRACTS
from sokhoe.reconcile.models import (
    COMMAND_LINE,
    ReconcileRun,
    RunCount,
    RunInput,
    RunSource,
    RunStatus,
)
from sokhoe.reconcile.service import ENGINES, STEPS, ReconcileOptions, UnknownEngine
from sokhoe.reconcile.worklists import NO_COMMUNE
from sokhoe.registry import service as registry_service
from sokhoe.runtime import Database

log = logging.getLogger(__name__)

#: Roles that start runs and read their records: the province's BHXH and Department of Health.
RUN_ROLES = frozenset({Role.BHXH_OFFICER, Role.HEALTH_DEPARTMENT})
#: The code of each step :func:`~sokhoe.reconcile.service.run` announces, by its label.
SERVICE_STEPS = {label: code for code, label in STEPS.items()}
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


def record_input(session: Session, run_id: int, role: str, path: Path) -> None:
    """Records an input file of a run with its SHA-256 and size."""
    printed = run_files.fingerprint(path)
    session.add(
        RunInput(
            run_id=run_id,
            role=role,
            file_name=path.name,
            sha256=printed.sha256,
            size_bytes=printed.size,
        )
    )


def record_results(
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
            record_input(session, record.id, contract.role, path)
        session.flush()
        if summary is not None:
            run_files.split_worklist(options.out)
            counts = run_files.commune_counts(options.out)
            record_results(session, record, summary, counts)
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
