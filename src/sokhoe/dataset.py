"""``sokhoe load``: a whole export directory (synthetic or real) into the database.

Files load in dependency order: units, villages, facilities, citizens, guardian links; and
BHXH's cards then the wallet's integrations, which depend on none of those. On PostgreSQL the
two sequences load at once on two connections (the server's work is most of the time, and
there are two of everything else); on SQLite, which has one writer, one after the other.
Every file's header is checked before anything is written. Each file is idempotent and
atomic per batch.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from pathlib import Path

from sqlalchemy.orm import Session

from sokhoe.bulk.csv_source import CsvSource
from sokhoe.bulk.messages import FileRejected, Problem
from sokhoe.bulk.runner import FileImport, FileReport, count_data_lines, run_import
from sokhoe.insurance.loader import card_import, integration_import
from sokhoe.registry.loader import (
    citizen_import,
    facility_import,
    guardian_import,
    village_import,
)
from sokhoe.registry.units import ensure_all_units
from sokhoe.runtime import Database

#: Given a file name and its number of data lines, returns a callback advanced per batch.
ProgressFactory = Callable[[str, int], Callable[[int], None]]


class MissingFile(FileRejected):
    def __init__(self, directory: Path, filename: str) -> None:
        super().__init__(Problem(filename, None, None, "missing_file", {"directory": directory}))


class _Stopped(Exception):
    """The other sequence of files failed: this one stops after its current batch."""


def load_directory(
    database: Database,
    directory: Path,
    *,
    batch_size: int = 50_000,
    progress: ProgressFactory | None = None,
) -> list[FileReport]:
    """Load every known file of ``directory``; raises :class:`FileRejected` on an unusable one."""
    engine = database.engine
    with Session(engine) as session, session.begin():
        ensure_all_units(session)
    register: list[FileImport] = [
        village_import(),
        facility_import(),
        citizen_import(engine),
        guardian_import(engine),
    ]
    cards: list[FileImport] = [card_import(), integration_import()]
    for spec in register + cards:
        path = directory / spec.filename
        if not path.exists():
            if not spec.optional:
                raise MissingFile(directory, spec.filename)
            continue
        CsvSource(path, spec.columns)  # reads the header: a missing column rejects it now
    sequences = [
        [s for s in register if (directory / s.filename).exists()],
        [s for s in cards if (directory / s.filename).exists()],
    ]
    stop = threading.Event()

    def load(specs: list[FileImport]) -> list[FileReport]:
        reports = []
        try:
            for spec in specs:
                path = directory / spec.filename
                advance = progress(spec.filename, count_data_lines(path)) if progress else None

                def on_batch(rows: int, advance: Callable[[int], None] | None = advance) -> None:
                    if advance is not None:
                        advance(rows)
                    if stop.is_set():
                        raise _Stopped

                reports.append(
                    run_import(engine, spec, path, batch_size=batch_size, on_batch=on_batch)
                )
        except BaseException:
            stop.set()
            raise
        return reports

    if engine.dialect.name != "postgresql":
        return [report for specs in sequences for report in load(specs)]
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="load") as pool:
        futures = [pool.submit(load, specs) for specs in sequences]
        try:
            wait(futures)
        except BaseException:  # e.g. Ctrl-C: both sequences stop after their current batch
            stop.set()
            raise
    errors = [f.exception() for f in futures if f.exception() is not None]
    failure = next((e for e in errors if not isinstance(e, _Stopped)), None)
    if failure is not None:
        raise failure
    return [report for future in futures for report in future.result()]
