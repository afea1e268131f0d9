"""Runs one file import: read and validate, transform, upsert in batches, with progress."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
from sqlalchemy.engine import Engine

from sokhoe.bulk.csv_source import LINE, Column, CsvSource
from sokhoe.bulk.messages import Problem
from sokhoe.bulk.upsert import UpsertTarget, upsert

#: Turns a block of validated rows (one column per input column, named like it, and
#: :data:`LINE`) into table rows (the target's columns and :data:`LINE`); may drop rows by
#: reporting a problem to the callback.
Transform = Callable[[pa.Table, Callable[[Problem], None]], pa.Table]


@dataclass(frozen=True)
class FileImport:
    """How one kind of file is read and where its rows go."""

    filename: str
    columns: list[Column]
    target: UpsertTarget
    #: Without one, the input columns are the target's columns in the same order.
    transform: Transform | None = None
    #: A file that may be absent from an export.
    optional: bool = False


@dataclass
class FileReport:
    filename: str
    rows_read: int = 0
    rows_written: int = 0
    problems: list[Problem] = field(default_factory=list)
    #: Wall time of the file's import.
    seconds: float = 0.0


def count_data_lines(path: Path) -> int:
    """Physical lines after the header: the progress bar's total (quoted newlines are rare)."""
    lines = 0
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            lines += chunk.count(b"\n")
    return max(lines - 1, 0)


def _positional(target: UpsertTarget) -> Transform:
    def rename(table: pa.Table, _report: Callable[[Problem], None]) -> pa.Table:
        return table.rename_columns([*target.columns, LINE])

    return rename


def run_import(
    engine: Engine,
    spec: FileImport,
    path: Path,
    *,
    batch_size: int = 50_000,
    on_batch: Callable[[int], None] | None = None,
) -> FileReport:
    """Import ``path``; bad lines are reported, good ones written, whole batches at a time.

    Raises :class:`~sokhoe.bulk.messages.FileRejected` before writing anything when the file
    itself is unusable (missing column, empty, not UTF-8 from the first line).
    """
    start = time.perf_counter()
    source = CsvSource(path, spec.columns)
    report = FileReport(spec.filename)
    transform = spec.transform or _positional(spec.target)
    tables = (transform(block, report.problems.append) for block in source.blocks())
    report.rows_written = upsert(
        engine, spec.target, tables, batch_size=batch_size, on_batch=on_batch
    )
    report.rows_read = source.rows_read
    report.problems[:0] = source.problems
    report.problems.sort(key=lambda p: p.line or 0)
    report.seconds = time.perf_counter() - start
    return report
