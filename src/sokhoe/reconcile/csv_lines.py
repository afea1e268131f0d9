"""An input's records and unreadable lines, numbered as DuckDB's CSV reader numbers them.

For an engine whose CSV reader cannot tell line numbers (Spark's splits files across tasks
and numbers nothing): the file is read here, once, sequentially, with DuckDB's dialect as
:mod:`~sokhoe.reconcile.engine_duckdb` configures it (quote and escape ``"``, spaces around
a quoted field dropped, an empty field NULL, quoted or not), and the same outcome for a bad
line: too few or too many fields (one reject per missing or extra column, as DuckDB's),
bytes that are not UTF-8, text after a closing quote, a
quote never closed (which swallows the rest of the file), a record over DuckDB's size limit.

Numbers are DuckDB's: an unreadable line's is 2 (after the header) plus the records and
blank lines before it, so a quoted field spanning lines counts once; a record's is derived
from those as :mod:`~sokhoe.reconcile.engine_duckdb` derives it (:func:`_numbers`).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import pyarrow as pa

from sokhoe.reconcile.inputs import Source

#: DuckDB's default ``max_line_size``: a longer record is unreadable.
MAX_RECORD_BYTES = 2_097_152
_QUOTE = ord('"')


class _Unreadable(Exception):
    def __init__(self, kind: str, found: Sequence[int | None] = (None,)) -> None:
        self.kind, self.found = kind, found


def _field_counts(cells: Sequence[str | None], width: int) -> range:
    """What DuckDB reports for a record of ``len(cells)`` fields instead of ``width``: one
    reject per missing column (3 of 7 fields: found 3, 4, 5 and 6), or per extra field from
    the first non-empty one on (empty ones before it are let pass, as are trailing empty
    fields alone)."""
    if len(cells) < width:
        return range(len(cells), width)
    extra = cells[width:]
    first = next(i for i, value in enumerate(extra) if value)
    return range(width + 1, width + 1 + len(extra) - first)


@dataclass
class Lines:
    """What :func:`read` found, column by column, ready for Arrow."""

    columns: tuple[str, ...]
    line: list[int] = field(default_factory=list)
    values: list[list[str | None]] = field(default_factory=list)
    bad_line: list[int] = field(default_factory=list)
    bad_kind: list[str] = field(default_factory=list)
    bad_found: list[int | None] = field(default_factory=list)

    def tables(self) -> tuple[pa.Table, pa.Table]:
        """``(line, <columns>…)`` and ``(line, kind, found)``."""
        lines = pa.table(
            {
                "line": pa.array(self.line, pa.int64()),
                **{
                    name: pa.array(column, pa.string())
                    for name, column in zip(self.columns, self.values, strict=True)
                },
            }
        )
        unreadable = pa.table(
            {
                "line": pa.array(self.bad_line, pa.int64()),
                "kind": pa.array(self.bad_kind, pa.string()),
                "found": pa.array(self.bad_found, pa.int32()),
            }
        )
        return lines, unreadable


def read(source: Source) -> Lines:
    """Every record of ``source`` after its header (already checked by ``inputs.prepare``)."""
    wanted = [source.header.index(column) for column in source.contract.columns]
    width = len(source.header)
    out = Lines(source.contract.columns, values=[[] for _ in wanted])
    delimiter = source.delimiter.encode()
    with source.path.open("rb") as stream:
        physical = iter(stream)
        next(physical, None)  # the header
        records, blanks = 0, 0
        for raw in physical:
            if not raw.rstrip(b"\r\n"):
                blanks += 1
                continue
            number = records + 2 + blanks
            records += 1
            try:
                cells = _cells(raw, physical, delimiter)
                if len(cells) > width and not any(cells[width:]):
                    cells = cells[:width]  # DuckDB lets trailing empty fields pass
                if len(cells) != width:
                    raise _Unreadable("field_count", _field_counts(cells, width))
            except _Unreadable as bad:
                for found in bad.found:
                    out.bad_line.append(number)
                    out.bad_kind.append(bad.kind)
                    out.bad_found.append(found)
                continue
            for column, index in zip(out.values, wanted, strict=True):
                column.append(cells[index])
    out.line = _numbers(len(out.values[0]) if wanted else 0, out.bad_line, source.blank_lines)
    return out


def _numbers(records: int, rejected: Sequence[int], blank: Sequence[int]) -> list[int]:
    """The lines of the records read, as DuckDB's adapter derives them: the k-th is on line
    k + 2 plus the skipped lines (rejected, or blank by physical number) before it, the j-th
    skipped line s coming after s - 2 - j records. The same numbers as the rejects' unless a
    quoted field spans lines; then DuckDB's, not physical, ones."""
    skipped = sorted(set(rejected) | set(blank))
    after = [line - 2 - j for j, line in enumerate(skipped)]
    return [k + 2 + bisect.bisect_right(after, k) for k in range(records)]


def _cells(first: bytes, rest: Iterator[bytes], delimiter: bytes) -> list[str | None]:
    """The fields of the record starting with physical line ``first``; a quoted field
    spanning lines draws them from ``rest``."""
    record = first.rstrip(b"\r\n")
    if _QUOTE not in record:
        fields = record.split(delimiter)
    else:
        fields, record = _quoted(first, rest, delimiter)
    if len(record) > MAX_RECORD_BYTES:
        raise _Unreadable("too_long")
    try:
        return [value.decode("utf-8") or None for value in fields]
    except UnicodeDecodeError:
        raise _Unreadable("encoding") from None


def _quoted(first: bytes, rest: Iterator[bytes], delimiter: bytes) -> tuple[list[bytes], bytes]:
    """Splits a record holding quotes; returns its fields and its whole text."""
    text = first
    fields: list[bytes] = []
    position = 0
    while True:
        end = _line_end(text)
        start = position
        while start < end and text[start] == 0x20:
            start += 1
        if start < end and text[start] == _QUOTE:
            value = bytearray()
            i = start + 1
            while True:
                close = text.find(b'"', i)
                if close < 0:  # the field goes on on the next physical line
                    more = next(rest, None)
                    if more is None:
                        raise _Unreadable("quote")
                    value += text[i:]
                    text, i = text + more, len(text)
                    end = _line_end(text)
                    continue
                value += text[i:close]
                if text[close + 1 : close + 2] == b'"':
                    value += b'"'
                    i = close + 2
                    continue
                break
            after = close + 1
            while after < end and text[after] == 0x20:
                after += 1
            fields.append(bytes(value))
            if after < end and not text.startswith(delimiter, after):
                raise _Unreadable("quote")
            position = after
        else:
            cut = text.find(delimiter, position, end)
            fields.append(text[position : end if cut < 0 else cut])
            position = end if cut < 0 else cut
        if position >= end:
            return fields, text[:end]
        position += len(delimiter)
        if position == end:  # a delimiter ending the line: one more, empty, field
            fields.append(b"")
            return fields, text[:end]


def _line_end(text: bytes) -> int:
    """Where ``text`` ends without its line break."""
    return len(text.rstrip(b"\r\n"))
