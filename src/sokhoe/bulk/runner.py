"""Runs one file import: read and validate, transform, upsert in batches, with progress."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import Engine

from sokhoe.bulk.csv_source import Column, CsvSource
from sokhoe.bulk.messages import Problem
from sokhoe.bulk.upsert import Row, UpsertTarget, upsert

NumberedRow = tuple[int, Row]
#: Turns validated ``(line, row)`` pairs into table rows; may drop a row by reporting a
#: problem to ``report``.
Transform = Callable[[Iterable[NumberedRow], Callable[[Problem], None]], Iterator[Row]]


def _unnumbered(rows: Iterable[NumberedRow], _report: Callable[[Problem], None]) -> Iterator[Row]:
    return (row for _line, row in rows)


@dataclass(frozen=True)
class FileImport:
    """How one kind of file is read and where its rows go."""

    filename: str
    columns: list[Column]
    target: UpsertTarget
    transform: Transform | None = None
    #: A file that may be absent from an export.
    optional: bool = False


@dataclass
class FileReport:
    filename: str
    rows_read: int = 0
    rows_written: int = 0
    problems: list[Problem] = field(default_factory=list)


def count_data_lines(path: Path) -> int:
    """Physical lines after the header: the progress bar's total (quoted newlines are rare)."""
    lines = 0
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            lines += chunk.count(b"\n")
    return max(lines - 1, 0)


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
    source = CsvSource(path, spec.columns)
    report = FileReport(spec.filename)
    transform = spec.transform or _unnumbered
    rows = transform(source.rows(), report.problems.append)
    report.rows_written = upsert(
        engine, spec.target, rows, batch_size=batch_size, on_batch=on_batch
    )
    report.rows_read = source.rows_read
    report.problems[:0] = source.problems
    report.problems.sort(key=lambda p: p.line or 0)
    return report
