"""``sokhoe load``: a whole export directory (synthetic or real) into the database.

Files load in dependency order: units, villages, facilities, citizens, guardian links, then
BHXH's cards and the wallet's integrations. Each file is idempotent and atomic per batch.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy.orm import Session

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
    specs: list[FileImport] = [
        village_import(),
        facility_import(),
        citizen_import(engine),
        guardian_import(engine),
        card_import(),
        integration_import(),
    ]
    for spec in specs:
        if not spec.optional and not (directory / spec.filename).exists():
            raise MissingFile(directory, spec.filename)
    reports = []
    for spec in specs:
        path = directory / spec.filename
        if not path.exists():
            continue
        advance = progress(spec.filename, count_data_lines(path)) if progress else None
        reports.append(run_import(engine, spec, path, batch_size=batch_size, on_batch=advance))
    return reports
