"""Reading an import CSV: header check, per-line decoding, per-field validation.

A missing required column rejects the whole file before anything is written. A line that
cannot be decoded, has the wrong number of fields or holds an invalid value becomes a
:class:`~sokhoe.bulk.messages.Problem` naming file, line and field; the other lines go on.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from sokhoe.bulk.messages import FieldError, FileRejected, Problem

Converter = Callable[[str], Any]


@dataclass(frozen=True, slots=True)
class Column:
    """An input column: its header name and the function turning its text into a value."""

    name: str
    convert: Converter
    #: A file without this column is refused; optional columns read as "" when absent.
    required: bool = True


class CsvSource:
    """Iterates the valid rows of one CSV file as ``(line, values)``, values ordered like
    ``columns``."""

    def __init__(self, path: Path, columns: list[Column]) -> None:
        self.path = path
        self.name = path.name
        self.columns = columns
        self.problems: list[Problem] = []
        self.rows_read = 0

    def _lines(self, stream: BinaryIO) -> Iterator[str]:
        for number, raw in enumerate(stream, start=1):
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError:
                if number == 1:
                    raise FileRejected(Problem(self.name, 1, None, "not_utf8")) from None
                self.problems.append(Problem(self.name, number, None, "not_utf8"))
                yield "\n"  # an empty record keeps the reader's line count right

    def _positions(self, header: list[str]) -> list[int | None]:
        index = {name.strip(): i for i, name in enumerate(header)}
        positions: list[int | None] = []
        for column in self.columns:
            if column.name not in index and column.required:
                raise FileRejected(
                    Problem(self.name, 1, column.name, "missing_column", {"column": column.name})
                )
            positions.append(index.get(column.name))
        return positions

    def rows(self) -> Iterator[tuple[int, tuple[Any, ...]]]:
        with self.path.open("rb") as stream:
            reader = csv.reader(self._lines(stream))
            header = next(reader, None)
            if header is None:
                raise FileRejected(Problem(self.name, None, None, "empty_file"))
            positions = self._positions(header)
            width = len(header)
            for record in reader:
                if not record:
                    continue
                line = reader.line_num
                self.rows_read += 1
                if len(record) != width:
                    self.problems.append(
                        Problem(
                            self.name,
                            line,
                            None,
                            "wrong_field_count",
                            {"found": len(record), "expected": width},
                        )
                    )
                    continue
                values = self._convert(record, positions, line)
                if values is not None:
                    yield line, values

    def _convert(
        self, record: list[str], positions: list[int | None], line: int
    ) -> tuple[Any, ...] | None:
        values = []
        for column, position in zip(self.columns, positions, strict=True):
            text = record[position].strip() if position is not None else ""
            try:
                values.append(column.convert(text))
            except FieldError as exc:
                self.problems.append(Problem(self.name, line, column.name, exc.code, exc.params))
                return None
        return tuple(values)
