"""Reading an import CSV: header check, line decoding, field validation, a block at a time.

A missing required column rejects the whole file before anything is written. A line that
cannot be decoded, has the wrong number of fields or holds an invalid value becomes a
:class:`~sokhoe.bulk.messages.Problem` naming file, line and field; the other lines go on.

The file is parsed by pyarrow in blocks of a few megabytes and every column is checked a
whole block at a time (:mod:`sokhoe.bulk.fields`). Problems name physical lines (the header
is line 1; a record whose quoted value spans lines is named by its first line), worked out
from pyarrow's record numbers, the newlines inside values and the empty lines, which
:class:`_DataLines` notes while it hands the bytes to pyarrow.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from sokhoe.bulk.fields import Check, strip
from sokhoe.bulk.messages import FileRejected, Problem

#: Column of every validated block holding each row's physical line number.
LINE = "_line"
#: Bytes read from the file at a time, and the size of the blocks pyarrow parses.
CHUNK_BYTES = 4 << 20

Lines = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Column:
    """An input column: its header name and the check turning its text into values."""

    name: str
    check: Check
    #: A file without this column is refused; optional columns read as "" when absent.
    required: bool = True


_LONE_CR = re.compile(rb"\r(?!\n)")


def _is_utf8(data: bytes) -> bool:
    offsets = pa.py_buffer(np.array([0, len(data)], dtype=np.int64))
    array = pa.Array.from_buffers(pa.large_string(), 1, [None, offsets, pa.py_buffer(data)])
    try:
        array.validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


class _DataLines(io.RawIOBase):
    """The bytes of a file's data lines, as pyarrow is to read them, noting on the way:

    - lines that are not UTF-8 (:attr:`not_utf8`): their bad bytes become U+FFFD, so they
      keep their commas and quotes, and the record holding them is dropped later;
    - empty lines (:attr:`empty`), which are no record;
    - whether a quote occurs at all (:attr:`quoted`): if not, no value holds a newline.

    A lone CR (an old Mac line end) becomes LF, so pyarrow and the line count agree.
    """

    def __init__(self, raw: BinaryIO, first_line: int) -> None:
        super().__init__()
        self._raw = raw
        self._carry = b""
        self._out = b""
        self._pos = 0
        #: Number of the first line of the next chunk.
        self._line = first_line
        self.not_utf8: list[int] = []
        self.empty: list[int] = []
        self.quoted = False

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        """``size`` bytes (all if negative), fewer only at the end or to keep a CRLF whole:
        pyarrow takes each read as a block, and a record may not straddle more than two."""
        left = None if size is None or size < 0 else size
        parts: list[bytes] = []
        while left is None or left > 0:
            if self._pos >= len(self._out):
                self._out, self._pos = self._chunk(), 0
                if not self._out:
                    break
            end = len(self._out) if left is None else min(len(self._out), self._pos + left)
            whole = self._pos == 0 and end == len(self._out)
            parts.append(self._out if whole else self._out[self._pos : end])
            if left is not None:
                left -= end - self._pos
            self._pos = end
        data = b"".join(parts)
        if data.endswith(b"\r") and self._pos < len(self._out) and len(data) > 1:
            # pyarrow drops the LF of a quoted CRLF split between two blocks: keep them together.
            self._pos -= 1
            return data[:-1]
        return data

    def _chunk(self) -> bytes:
        """The next whole lines (the last line of the file may lack its line end)."""
        while True:
            raw = self._raw.read(CHUNK_BYTES)
            data = self._carry + raw if self._carry else raw
            if not raw:
                self._carry = b""
                return self._note(data) if data else b""
            cut = data.rfind(b"\n") + 1 or data.rfind(b"\r", 0, len(data) - 1) + 1
            if cut:
                self._carry = data[cut:]
                return self._note(data[:cut])
            self._carry = data

    def _note(self, chunk: bytes) -> bytes:
        if b"\r" in chunk and chunk.count(b"\r") != chunk.count(b"\r\n"):
            chunk = _LONE_CR.sub(b"\n", chunk)
        if not _is_utf8(chunk):
            chunk = self._mend(chunk)
        self.quoted = self.quoted or b'"' in chunk
        if b"\n\n" in chunk or b"\n\r\n" in chunk or chunk.startswith((b"\n", b"\r\n")):
            lines = chunk.split(b"\n")[:-1]
            self.empty.extend(self._line + i for i, x in enumerate(lines) if x in (b"", b"\r"))
        self._line += chunk.count(b"\n")
        return chunk

    def _mend(self, chunk: bytes) -> bytes:
        lines = chunk.split(b"\n")
        for i, line in enumerate(lines):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                self.not_utf8.append(self._line + i)
                lines[i] = line.decode("utf-8", "replace").encode("utf-8")
        return b"\n".join(lines)


@dataclass(frozen=True, slots=True)
class _Invalid:
    """A record pyarrow refused for its number of fields."""

    ordinal: int
    fields: int
    newlines: int


class _Placer:
    """Physical line of each record from its ordinal (pyarrow counts records from 1, empty
    lines included) and the newlines inside earlier records' values.

    Refused records are reported (through pyarrow's handler) before the block holding them
    is returned, possibly along with some of later blocks: they wait in :attr:`pending`.
    """

    def __init__(self, first_line: int) -> None:
        self.pending: list[_Invalid] = []
        self._next = 1
        self._shift = first_line - 1

    def place(self, count: int, newlines: Lines | None) -> tuple[Lines, list[tuple[int, _Invalid]]]:
        """Lines of the next ``count`` good records, and the refused ones placed among them."""
        if count == 0:
            return np.zeros(0, np.int64), []
        k = np.arange(count, dtype=np.int64)
        invalid = np.array([r.ordinal for r in self.pending], dtype=np.int64)
        # b[j]: how many good records come before refused record j.
        before = invalid - self._next - np.arange(len(invalid), dtype=np.int64)
        ordinals = self._next + k + np.searchsorted(before, k, side="right")
        taken = int(np.searchsorted(before, count, side="left"))
        placed, self.pending = self.pending[:taken], self.pending[taken:]
        good_nl = newlines if newlines is not None else np.zeros(count, np.int64)
        all_ordinals = np.concatenate([ordinals, invalid[:taken]])
        all_nl = np.concatenate([good_nl, np.array([r.newlines for r in placed], np.int64)])
        order = np.argsort(all_ordinals, kind="stable")
        earlier = np.cumsum(all_nl[order]) - all_nl[order]
        lines = np.empty_like(all_ordinals)
        lines[order] = all_ordinals[order] + self._shift + earlier
        self._shift += int(all_nl.sum())
        self._next = int(all_ordinals.max()) + 1
        return lines[:count], list(zip(lines[count:].tolist(), placed, strict=True))

    def rest(self) -> list[tuple[int, _Invalid]]:
        """The refused records after the last good one."""
        placed = []
        for record in self.pending:
            placed.append((record.ordinal + self._shift, record))
            self._shift += record.newlines
        self.pending = []
        return placed


def _line_end(data: bytes, final: bool) -> int | None:
    """Index just after the first line end of ``data`` (LF, CRLF or a lone CR)."""
    lf, cr = data.find(b"\n"), data.find(b"\r")
    if cr >= 0 and (lf < 0 or cr < lf):
        if cr + 1 < len(data):
            return cr + (2 if data[cr + 1] == 0x0A else 1)
        return cr + 1 if final else None
    if lf >= 0:
        return lf + 1
    return len(data) if final else None


def _blank(count: int) -> pa.StringArray:
    return pa.repeat("", count)


class CsvSource:
    """The valid rows of one CSV file, a block at a time, as Arrow tables: one column per
    :class:`Column` (its check's values) and :data:`LINE`."""

    def __init__(self, path: Path, columns: list[Column]) -> None:
        self.path = path
        self.name = path.name
        self.columns = columns
        self.problems: list[Problem] = []
        self.rows_read = 0
        self._width, self._positions, self._data_start = self._header()

    def _header(self) -> tuple[int, list[int | None], int]:
        """Reads and checks the header line (rejecting the file if it lacks a column)."""
        head = b""
        with self.path.open("rb") as stream:
            while True:
                piece = stream.read(1 << 16)
                head += piece
                end = _line_end(head, final=not piece)
                if end is not None:
                    break
        if not head:
            raise FileRejected(Problem(self.name, None, None, "empty_file"))
        line = head[:end].removeprefix(b"\xef\xbb\xbf")
        try:
            text = line.decode("utf-8").rstrip("\r\n")
        except UnicodeDecodeError:
            raise FileRejected(Problem(self.name, 1, None, "not_utf8")) from None
        header = next(csv.reader([text]), [])
        index = {name.strip(): i for i, name in enumerate(header)}
        positions: list[int | None] = []
        for column in self.columns:
            if column.name not in index and column.required:
                raise FileRejected(
                    Problem(self.name, 1, column.name, "missing_column", {"column": column.name})
                )
            positions.append(index.get(column.name))
        return len(header), positions, end

    def blocks(self) -> Iterator[pa.Table]:
        names = [f"f{i}" for i in range(self._width)]
        placer = _Placer(first_line=2)

        def refused(row: Any) -> str:
            text: str = row.text or ""
            placer.pending.append(_Invalid(row.number, row.actual_columns, text.count("\n")))
            return "skip"

        if self.path.stat().st_size <= self._data_start:
            return  # a header alone (pyarrow refuses empty input)
        with self.path.open("rb") as raw:
            raw.seek(self._data_start)
            data = _DataLines(raw, first_line=2)
            reader = pcsv.open_csv(
                data,
                read_options=pcsv.ReadOptions(
                    use_threads=False, block_size=CHUNK_BYTES, column_names=names
                ),
                parse_options=pcsv.ParseOptions(
                    newlines_in_values=True, ignore_empty_lines=False, invalid_row_handler=refused
                ),
                convert_options=pcsv.ConvertOptions(
                    column_types=dict.fromkeys(names, pa.string()), check_utf8=False
                ),
            )
            for batch in reader:
                newlines = self._newlines(batch) if data.quoted else None
                lines, invalid = placer.place(batch.num_rows, newlines)
                self._report_invalid(invalid, data)
                keep = self._kept(lines, newlines, data)
                if keep is not None:
                    batch, lines = batch.filter(pa.array(keep)), lines[keep]
                self.rows_read += batch.num_rows
                if batch.num_rows:
                    yield self._validate(batch, lines)
            self._report_invalid(placer.rest(), data)
            self.problems.extend(Problem(self.name, n, None, "not_utf8") for n in data.not_utf8)

    @staticmethod
    def _newlines(batch: pa.RecordBatch) -> Lines:
        total = np.zeros(batch.num_rows, np.int64)
        for column in batch.columns:
            total += np.asarray(pc.count_substring(column, "\n").to_numpy(), dtype=np.int64)
        return total

    @staticmethod
    def _covers(lines: Lines, newlines: Lines | None, marked: list[int]) -> npt.NDArray[np.bool_]:
        """Whether each record (first line, newlines inside) spans a line of ``marked``."""
        marks = np.array(marked, dtype=np.int64)
        if newlines is None or not len(lines):
            return np.isin(lines, marks)
        last = lines + newlines
        found = np.zeros(len(lines), np.bool_)
        index = np.searchsorted(lines, marks, side="right") - 1
        inside = (index >= 0) & (marks <= last[np.maximum(index, 0)])
        found[index[inside]] = True
        return found

    def _kept(
        self, lines: Lines, newlines: Lines | None, data: _DataLines
    ) -> npt.NDArray[np.bool_] | None:
        """Mask of the records to read on: not an empty line, no line that is not UTF-8."""
        drop = np.zeros(len(lines), np.bool_)
        if data.empty:
            drop |= np.isin(lines, np.array(data.empty, dtype=np.int64))
        if data.not_utf8:
            drop |= self._covers(lines, newlines, data.not_utf8)
        return ~drop if drop.any() else None

    def _report_invalid(self, invalid: list[tuple[int, _Invalid]], data: _DataLines) -> None:
        bad = set(data.not_utf8)
        for line, record in invalid:
            if any(n in bad for n in range(line, line + record.newlines + 1)):
                continue
            self.rows_read += 1
            params: dict[str, object] = {"found": record.fields, "expected": self._width}
            self.problems.append(Problem(self.name, line, None, "wrong_field_count", params))

    def _validate(self, batch: pa.RecordBatch, lines: Lines) -> pa.Table:
        count = batch.num_rows
        refused = np.zeros(count, np.bool_)
        values: dict[str, pa.Array] = {}
        for column, position in zip(self.columns, self._positions, strict=True):
            text = strip(batch.column(position)) if position is not None else _blank(count)
            checked = column.check(text)
            for failure in checked.failures:
                fresh = failure.mask & ~refused
                if not fresh.any():
                    continue
                refused |= fresh
                for i in np.flatnonzero(fresh).tolist():
                    params = failure.params(text[i].as_py())
                    self.problems.append(
                        Problem(self.name, int(lines[i]), column.name, failure.code, params)
                    )
            values[column.name] = checked.values
        values[LINE] = pa.array(lines, pa.int64())
        table = pa.table(values)
        return table.filter(pa.array(~refused)) if refused.any() else table
