"""Runs kept in the database: on uploads and on the data already loaded, on both backends;
fingerprints and counts recorded, failures recorded as failures, one worker at a time."""

from __future__ import annotations

import csv
import hashlib
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from sokhoe.access.guard import AccessDenied
from sokhoe.access.models import AuditEntry
from sokhoe.access.roles import Role
from sokhoe.access.scope import Actor, actor_for
from sokhoe.access.service import create_user
from sokhoe.campaign import findings
from sokhoe.campaign.models import CardFinding
from sokhoe.cli import app as cli_app
from sokhoe.config import get_settings
from sokhoe.database_lease import DatabaseLease
from sokhoe.dataset import load_directory
from sokhoe.reconcile import run_worker, runs
from sokhoe.reconcile.inputs import CONTRACTS
from sokhoe.reconcile.models import (
    COMMAND_LINE,
    ReconcileRun,
    RunCount,
    RunInput,
    RunSource,
    RunStatus,
)
from sokhoe.reconcile.service import ReconcileOptions, run
from sokhoe.registry.units import ensure_province
from sokhoe.runtime import Database, open_database
from sokhoe.synth import SynthOptions, generate
from tests.access.conftest import fast_hashing
from tests.reconcile.conftest import AS_OF, write_inputs
from tests.support.reconcile_runs import claim_and_execute, upload_run

__all__ = ["fast_hashing"]

KHANH_HOA = 56


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth")
    generate(SynthOptions(KHANH_HOA, 800, 5, out, as_of=AS_OF))
    return out


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    database = open_database(database_url)
    yield database
    database.engine.dispose()


def officer(database: Database, username: str = "bhxh") -> Actor:
    with database.sessions() as session:
        ensure_province(session, KHANH_HOA)
        user = create_user(
            session,
            username=username,
            password=None,
            role=Role.BHXH_OFFICER,
            display_name="Trần Thị Mai",
            province_code=KHANH_HOA,
        )
        session.commit()
        return actor_for(session, user, None)


def lines(path: Path) -> int:
    with path.open(encoding="utf-8", newline="") as handle:
        return sum(1 for _ in csv.reader(handle)) - 1


def test_an_uploaded_run_is_kept_with_fingerprints_and_counts(
    database: Database, files: Path, tmp_path: Path
) -> None:
    actor = officer(database)
    run_id = upload_run(database, actor, files, tmp_path, AS_OF)
    assert claim_and_execute(database) == run_id
    with Session(database.engine) as session:
        record = session.get_one(ReconcileRun, run_id)
        assert record.status == RunStatus.DONE
        assert record.started_by_user_id == actor.user_id and record.role == "bhxh_officer"
        assert record.started_at and record.finished_at and record.finished_at >= record.started_at
        assert record.progress_step == record.progress_total == 7
        assert record.directory == str(tmp_path / "reconcile" / str(run_id))
        inputs = {i.role: i for i in session.scalars(select(RunInput))}
        for contract in CONTRACTS:
            source = files / f"{contract.role}.csv"
            entry = inputs[contract.role]
            assert entry.sha256 == hashlib.sha256(source.read_bytes()).hexdigest()
            assert entry.size_bytes == source.stat().st_size
            assert (entry.rows or 0) + (entry.rejected or 0) == lines(source)
        assert record.summary is not None
        counted: dict[str, int] = {}
        for row in session.scalars(select(RunCount).where(RunCount.run_id == run_id)):
            counted[row.category] = counted.get(row.category, 0) + row.cards
        assert counted == {k: v for k, v in record.summary["findings"].items() if v}
    out = tmp_path / "reconcile" / str(run_id) / "out"
    communes = sorted((out / "communes").glob("*.csv"))
    assert {p.stem for p in communes} == {p.stem for p in (out / "worklists").glob("*.xlsx")}
    assert sum(lines(p) for p in communes) == lines(out / "worklist.csv")


def test_what_follows_a_done_run_comes_after_it_and_its_failure_leaves_the_run_done(
    database: Database, files: Path, tmp_path: Path
) -> None:
    """The web app's worker copies a done run's findings for the field (campaign): a step
    of its own, whose failure is logged while the run stays done."""
    actor = officer(database)
    seen: list[tuple[int, str]] = []

    def after(session: Session, record: ReconcileRun) -> None:
        seen.append((record.id, record.status))
        raise RuntimeError("the copy failed")

    run_id = upload_run(database, actor, files, tmp_path, AS_OF)
    with database.sessions() as session:
        assert run_worker.claim_next(session) == run_id
        session.commit()
    run_worker.execute(database, run_id, after)
    assert seen == [(run_id, RunStatus.DONE)]
    with Session(database.engine) as session:
        assert session.get_one(ReconcileRun, run_id).status == RunStatus.DONE

    with database.sessions() as session:
        run_id = upload_run(database, actor, files, tmp_path, AS_OF)
        assert run_worker.claim_next(session) == run_id
        session.commit()
    run_worker.execute(database, run_id, findings.import_run)
    with Session(database.engine) as session:
        copied = session.scalars(select(CardFinding.run_id).distinct()).all()
    assert copied == [run_id]


def test_a_run_on_the_loaded_data_reads_it_through_audited_exports(
    database: Database, files: Path, tmp_path: Path
) -> None:
    load_directory(database, files)
    actor = officer(database)
    with database.sessions() as session:
        record = runs.start(session, actor, home=tmp_path, source=RunSource.DATABASE, as_of=AS_OF)
        session.commit()
    run_id = claim_and_execute(database)
    with Session(database.engine) as session:
        record = session.get_one(ReconcileRun, run_id)
        assert record.status == RunStatus.DONE, record.error
        assert record.progress_step == 8
        inputs = {i.role: i for i in session.scalars(select(RunInput))}
        assert inputs["register"].rows == lines(files / "register.csv")
        assert all(len(i.sha256) == 64 and i.size_bytes > 0 for i in inputs.values())
        trail = session.execute(
            select(AuditEntry.action, AuditEntry.outcome, AuditEntry.purpose).where(
                AuditEntry.actor_user_id == actor.user_id
            )
        ).all()
        assert sorted(trail) == [
            ("export_card_list", "allowed", "reconciliation"),
            ("export_register", "allowed", "reconciliation"),
        ]


def test_a_bad_file_fails_the_run_naming_file_and_line(
    database: Database, files: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    for contract in CONTRACTS:
        (bad / f"{contract.role}.csv").write_bytes((files / f"{contract.role}.csv").read_bytes())
    (bad / "cards.csv").write_text("card_number,full_name\nDN4565600000001,An\n", encoding="utf-8")
    run_id = upload_run(database, officer(database), bad, tmp_path, AS_OF)
    claim_and_execute(database)
    with Session(database.engine) as session:
        record = session.get_one(ReconcileRun, run_id)
        assert record.status == RunStatus.FAILED
        assert record.error is not None
        assert record.error["vi"].startswith("cards.csv, dòng 1, cột person_id")
        assert record.error["en"].startswith("cards.csv, line 1, field person_id")
        assert record.finished_at is not None


def test_a_crash_is_recorded_as_failed(
    database: Database, files: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(*args: object) -> None:
        raise MemoryError

    monkeypatch.setattr(run_worker, "run", crash)
    run_id = upload_run(database, officer(database), files, tmp_path, AS_OF)
    claim_and_execute(database)
    with Session(database.engine) as session:
        record = session.get_one(ReconcileRun, run_id)
        assert record.status == RunStatus.FAILED
        assert record.error is not None and "MemoryError" in record.error["vi"]


def test_a_run_cut_short_by_a_restart_is_failed_and_queued_ones_wait(
    database: Database, files: Path, tmp_path: Path
) -> None:
    actor = officer(database)
    first = upload_run(database, actor, files, tmp_path, AS_OF)
    second = upload_run(database, actor, files, tmp_path, AS_OF)
    with database.sessions() as session:
        assert run_worker.claim_next(session) == first
        session.commit()
        assert run_worker.fail_interrupted(session) == 1
        session.commit()
        assert session.get_one(ReconcileRun, first).status == RunStatus.FAILED
        assert session.get_one(ReconcileRun, second).status == RunStatus.QUEUED


def test_the_worker_carries_out_queued_runs_in_order(
    database: Database, files: Path, tmp_path: Path
) -> None:
    actor = officer(database)
    queued = [upload_run(database, actor, files, tmp_path, AS_OF) for _ in range(2)]
    worker = run_worker.RunWorker(database, poll_seconds=0.1)
    worker.start()
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with Session(database.engine) as session:
                records = [session.get_one(ReconcileRun, i) for i in queued]
                if all(r.status == RunStatus.DONE for r in records):
                    break
            time.sleep(0.2)
    finally:
        worker.stop()
    assert [r.status for r in records] == [RunStatus.DONE, RunStatus.DONE]
    # one at a time: the second started only after the first had finished
    assert records[0].finished_at and records[1].started_at
    assert records[1].started_at >= records[0].finished_at


def test_only_the_provinces_officers_start_and_read_runs(
    database: Database, tmp_path: Path
) -> None:
    actor = officer(database)
    with database.sessions() as session:
        record = runs.start(session, actor, home=tmp_path, source=RunSource.UPLOAD, as_of=AS_OF)
        session.commit()
        user = create_user(
            session,
            username="canboxa",
            password=None,
            role=Role.COMMUNE_OFFICER,
            display_name="Lê Văn Bình",
            commune_code=22366,
        )
        session.commit()
        commune = actor_for(session, user, None)
        with pytest.raises(AccessDenied):
            runs.get_run(session, commune, record.id)
        with pytest.raises(AccessDenied):
            runs.start(session, commune, home=tmp_path, source=RunSource.UPLOAD, as_of=AS_OF)
        with pytest.raises(AccessDenied):
            runs.get_run(session, actor, record.id + 1)
        assert runs.get_run(session, actor, record.id).id == record.id


def test_every_step_the_service_announces_has_a_code(tmp_path: Path) -> None:
    """The run page translates steps by code: every label announced must map back to one."""
    announced: list[str] = []

    def record(label: str, total: int) -> Callable[[int], None]:
        announced.append(label)
        return lambda done: None

    files = write_inputs(tmp_path / "in", cards=[{}])
    roles = [files / f"{contract.role}.csv" for contract in CONTRACTS]
    run(ReconcileOptions(*roles, tmp_path / "out", AS_OF), record)
    assert announced == list(runs.SERVICE_STEPS)


@pytest.fixture
def configured(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The command line's database is ``database_url``."""
    monkeypatch.setenv("SOKHOE_DATABASE_URL", database_url)
    get_settings.cache_clear()
    yield database_url
    get_settings.cache_clear()


def test_the_command_line_keeps_its_run_when_asked(
    configured: str, database: Database, files: Path, tmp_path: Path
) -> None:
    with database.sessions() as session:
        ensure_province(session, KHANH_HOA)
        session.commit()
    out = tmp_path / "out"
    arguments = [
        "reconcile",
        *(f"--{c.role}={files / f'{c.role}.csv'}" for c in CONTRACTS),
        f"--out={out}",
        f"--as-of={AS_OF.isoformat()}",
        "--record",
    ]
    result = CliRunner().invoke(cli_app, arguments)
    assert result.exit_code in (0, 1), result.output
    with Session(database.engine) as session:
        record = session.scalars(select(ReconcileRun)).one()
        assert record.status == RunStatus.DONE and record.role == COMMAND_LINE
        assert record.started_by_user_id is None and record.province_code == KHANH_HOA
        assert record.output_directory == str(out)
        inputs = {i.role: i for i in session.scalars(select(RunInput))}
        source = files / "cards.csv"
        assert inputs["cards"].sha256 == hashlib.sha256(source.read_bytes()).hexdigest()
        assert session.scalars(select(RunCount)).first() is not None
    assert (out / "communes").is_dir()

    broken = tmp_path / "broken.csv"
    broken.write_text("card_number\nDN4565600000001\n", encoding="utf-8")
    arguments[2] = f"--cards={broken}"
    assert CliRunner().invoke(cli_app, arguments).exit_code == 2
    with Session(database.engine) as session:
        failed = session.scalars(select(ReconcileRun).where(ReconcileRun.id > record.id)).one()
        assert failed.status == RunStatus.FAILED and failed.error is not None
        assert failed.error["en"].startswith("broken.csv, line 1, field person_id")


def test_only_the_worker_holding_the_lease_runs_and_it_fails_what_a_dead_one_left(
    database: Database, files: Path, tmp_path: Path
) -> None:
    """Several server processes share PostgreSQL: the one worker holding the lease fails
    the run its dead predecessor left running; the others leave it alone."""
    if database.engine.dialect.name == "sqlite":
        pytest.skip("SQLite serves one process")
    left_running = upload_run(database, officer(database), files, tmp_path, AS_OF)
    with database.sessions() as session:
        assert run_worker.claim_next(session) == left_running
        session.commit()
    other_process = open_database(database.engine.url.render_as_string(hide_password=False))
    holder = DatabaseLease(other_process.engine, run_worker.LEASE_KEY)
    assert holder.try_acquire()
    worker = run_worker.RunWorker(database, poll_seconds=0.05)
    worker.start()
    try:
        time.sleep(0.5)
        with Session(database.engine) as session:
            assert session.get_one(ReconcileRun, left_running).status == RunStatus.RUNNING
        holder.release()  # the holder's process stops
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with Session(database.engine) as session:
                status = session.get_one(ReconcileRun, left_running).status
            if status == RunStatus.FAILED:
                break
            time.sleep(0.05)
        assert status == RunStatus.FAILED
        assert not DatabaseLease(other_process.engine, run_worker.LEASE_KEY).try_acquire()
    finally:
        worker.stop()
        other_process.engine.dispose()
