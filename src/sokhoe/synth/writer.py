"""Chunked CSV writing: UTF-8 without BOM, a header row, csv-module quoting, ``\\n`` endings.

Text for a chunk of rows is built column by column (list comprehensions over index arrays)
and handed to ``csv.writer.writerows`` at once: a province never exists as Python strings.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from sokhoe.synth.sampling import Ints, contains

#: Builds the columns of rows ``[start, end)`` as equally long lists of text.
Columns = Callable[[int, int], Sequence[list[str]]]
Advance = Callable[[int], None]
CHUNK_ROWS = 100_000


def write_csv(
    path: Path,
    header: Sequence[str],
    rows: int,
    columns: Columns,
    advance: Advance | None = None,
    chunk_rows: int = CHUNK_ROWS,
) -> int:
    """Writes ``rows`` data rows; returns their number."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        for start in range(0, rows, chunk_rows):
            end = min(rows, start + chunk_rows)
            writer.writerows(zip(*columns(start, end), strict=True))
            if advance is not None:
                advance(end - start)
    return rows


class Overrides:
    """Texts replacing a computed field in a few rows (the injected errors)."""

    def __init__(self, texts: dict[int, str]) -> None:
        self._texts = texts
        self._rows = np.array(sorted(texts), dtype=np.int64)

    def apply(self, column: list[str], rows: Ints) -> list[str]:
        """``column`` holds the texts of ``rows`` (generator row numbers); changed in place."""
        if self._rows.size:
            for position in np.flatnonzero(contains(self._rows, rows)).tolist():
                column[position] = self._texts[int(rows[position])]
        return column
