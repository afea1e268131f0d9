"""A run's files on disk: inputs saved with their fingerprint, results read back for pages.

Uploads are copied in 1 MiB chunks, hashed on the way, and refused past a size limit; the
worklist of every commune is cut out of ``worklist.csv`` once, so a commune's page reads
only its own rows.
"""

from __future__ import annotations

import csv
import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import duckdb

from sokhoe.reconcile.worklists import NO_VILLAGE

CHUNK_BYTES = 1 << 20
#: Per-commune worklists under a run's output directory.
COMMUNES_DIR = "communes"
_WORKLIST_COLUMNS = (
    "village",
    "full_name",
    "birth_date",
    "sex",
    "person_id",
    "card_number",
    "category",
    "variant",
    "worklist",
)


@dataclass(frozen=True)
class Fingerprint:
    sha256: str
    size: int


class UploadTooLarge(Exception):
    """The file is larger than the limit; what was written of it is removed."""


def save(source: BinaryIO, target: Path, limit: int) -> Fingerprint:
    """Copies ``source`` to ``target`` chunk by chunk with its SHA-256; raises
    :class:`UploadTooLarge` as soon as more than ``limit`` bytes arrived."""
    digest, size = hashlib.sha256(), 0
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with target.open("wb") as sink:
            while chunk := source.read(CHUNK_BYTES):
                size += len(chunk)
                if size > limit:
                    raise UploadTooLarge
                digest.update(chunk)
                sink.write(chunk)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return Fingerprint(digest.hexdigest(), size)


def fingerprint(path: Path) -> Fingerprint:
    with path.open("rb") as source:
        digest = hashlib.file_digest(source, "sha256")
    return Fingerprint(digest.hexdigest(), path.stat().st_size)


def commune_file_name(commune: str) -> str:
    """The file of a commune's worklist: its code, or :data:`NO_COMMUNE`."""
    return f"{commune}.csv"


def split_worklist(out: Path) -> None:
    """``worklist.csv`` (sorted by commune) cut into ``communes/<commune>.csv``, streaming."""
    directory = out / COMMUNES_DIR
    directory.mkdir(exist_ok=True)
    with (out / "worklist.csv").open(encoding="utf-8", newline="") as source:
        reader = csv.reader(source)
        next(reader)
        current, sink, writer = None, None, None
        try:
            for commune, *row in reader:
                if commune != current:
                    if sink is not None:
                        sink.close()
                    current = commune
                    sink = (directory / commune_file_name(commune)).open(
                        "w", encoding="utf-8", newline=""
                    )
                    writer = csv.writer(sink, lineterminator="\n")
                    writer.writerow(_WORKLIST_COLUMNS)
                assert writer is not None
                writer.writerow(row)
        finally:
            if sink is not None:
                sink.close()


def commune_counts(out: Path) -> dict[tuple[int | None, str], int]:
    """Findings per (commune, category) of ``findings.csv``; ``None`` for no known commune."""
    with duckdb.connect() as connection:
        rows = connection.execute(
            "SELECT commune_code, category, count(*) FROM read_csv(?, all_varchar = true) "
            "GROUP BY ALL",
            [str(out / "findings.csv")],
        ).fetchall()
    counts: Counter[tuple[int | None, str]] = Counter()
    for commune, category, cards in rows:
        code = int(commune) if commune and commune.isdigit() else None
        counts[code, category] += cards
    return dict(counts)


@dataclass(frozen=True)
class WorklistRow:
    """A person to visit or call: as in the commune's workbook, one card row each."""

    village: str
    full_name: str
    #: As the register gives it: YYYY-MM-DD, YYYY-MM or YYYY.
    birth_date: str
    sex: str
    person_id: str
    card_number: str
    category: str
    variant: str
    #: Who acts: the village's guidance team or the commune police (``Worklist``).
    worklist: str

    @property
    def without_village(self) -> bool:
        return self.village == NO_VILLAGE


@dataclass(frozen=True)
class WorklistSlice:
    rows: list[WorklistRow]
    total: int
    #: Every village of the commune's worklist with its number of rows, in list order.
    villages: list[tuple[str, int]]


def read_worklist(out: Path, commune: str, offset: int, limit: int) -> WorklistSlice:
    """One slice of a commune's worklist, with its total and the count per village (an
    empty worklist when the commune has nothing to do)."""
    path = out / COMMUNES_DIR / commune_file_name(commune)
    if not path.exists():
        return WorklistSlice([], 0, [])
    rows: list[WorklistRow] = []
    villages: dict[str, int] = defaultdict(int)
    total = 0
    for row in _rows(path):
        if offset <= total < offset + limit:
            rows.append(row)
        villages[row.village] += 1
        total += 1
    return WorklistSlice(rows, total, list(villages.items()))


def _rows(path: Path) -> Iterator[WorklistRow]:
    with path.open(encoding="utf-8", newline="") as source:
        reader = csv.reader(source)
        next(reader)
        for fields in reader:
            yield WorklistRow(*fields)
