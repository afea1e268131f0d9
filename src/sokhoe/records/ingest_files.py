"""A hospital's file into the health book (``sokhoe ingest FILE…``): a ``.xml`` QĐ 130
envelope or a ``.json`` FHIR bundle, stored by :func:`~sokhoe.records.ingest.ingest`.

Nothing of an unusable file is stored. A QĐ 130 envelope is streamed, and the parser may find
it unusable only near its end (a truncated file, an XML bomb in the thousandth visit's
table), after thousands of good records. So a file is read in two passes: the first parses
the whole envelope into a spool, a temporary file of pickled records (memory holds one visit
at a time, the disk the parsed records, a fraction of the XML's size since tables other than
XML1/13/14 are not kept); only when the parser has reached the end does the second pass store
the spool in batches, one transaction each. Checking the envelope's safety alone in a first
pass would not do: a bomb can sit in a base64 table, which only the full parse decodes, so
the check would cost the parse anyway.

A FHIR bundle is one document read whole (``read_bundle`` takes bytes). A ``transaction``
bundle is all or nothing, as FHIR has it and as ``POST /fhir`` answers it: with one problem
among its entries, each of its records is refused (``depends_on_refused``) besides the
entries' own problems.

Many files (:func:`ingest_files`): a file read whole and found small (at most a batch of
records: a month's envelope of a health station, a FHIR bundle) waits to be stored with the
next ones, a batch's worth in one transaction, each file a batch of its own in it (its
problems and audit entry its own, :func:`~sokhoe.records.ingest.ingest_batches`): hospitals
send thousands of such files, and a transaction each cost more than their records.
"""

from __future__ import annotations

import pickle
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import IO, BinaryIO, cast

from sqlalchemy.orm import Session, sessionmaker

from sokhoe.db import unit_of_work
from sokhoe.records.clinical import ClinicalRecord
from sokhoe.records.fhir import BundleReading, read_bundle
from sokhoe.records.ingest import (
    BATCH_SIZE,
    FROM_COMMAND_LINE,
    Batch,
    IngestReport,
    ingest,
    ingest_batches,
)
from sokhoe.records.problems import FileUnusable, RecordProblem
from sokhoe.records.qd130 import read_envelope

Item = ClinicalRecord | RecordProblem
#: ``advance(n)``: ``n`` more bytes of the file were read.
Advance = Callable[[int], None]

QD130_SUFFIX, FHIR_SUFFIX = ".xml", ".json"


def check_kind(path: Path) -> None:
    """Raise :class:`FileUnusable` for a file that is neither ``.xml`` nor ``.json``."""
    if path.suffix.lower() not in (QD130_SUFFIX, FHIR_SUFFIX):
        raise FileUnusable(RecordProblem(path.name, None, None, "not_xml_or_json"))


def ingest_files(
    sessions: sessionmaker[Session],
    paths: Sequence[Path],
    *,
    sender_facility: str | None = None,
    reading: Callable[[Path], AbstractContextManager[Advance]] | None = None,
    batch_size: int = BATCH_SIZE,
) -> tuple[dict[str, IngestReport], list[RecordProblem]]:
    """Store the records of ``paths`` (each named by its path): the report of each usable
    file, and the problem of each unusable one (nothing of it stored). ``reading(path)``
    gives the progress callback while a file is read.

    A file holding more than ``batch_size`` records is stored on its own: an envelope a batch
    at a time, a bundle in one transaction; smaller ones together, ``batch_size`` records or
    so per transaction.
    """
    reports: dict[str, IngestReport] = {}
    unusable: list[RecordProblem] = []
    waiting: list[Batch] = []

    def store_waiting() -> None:
        if waiting:
            with unit_of_work(sessions) as session:
                results = ingest_batches(session, waiting)
            for batch, result in zip(waiting, results, strict=True):
                reports[batch.source].add(result)
            waiting.clear()

    for path in paths:
        name = str(path)
        try:
            check_kind(path)
            with (
                (reading or _not_shown)(path) as advance,
                _read(path, name, sender_facility, advance) as (count, items),
            ):
                if count > batch_size:  # an envelope a batch at a time, a bundle whole
                    size = batch_size if path.suffix.lower() == QD130_SUFFIX else count
                    store_waiting()
                    reports[name] = _store(sessions, iter(items), name, sender_facility, size)
                else:
                    reports[name] = IngestReport()
                    waiting.append(Batch(list(items), name, sender_facility))
        except FileUnusable as exc:
            unusable.append(exc.problem)
        if sum(len(batch.items) for batch in waiting) >= batch_size:
            store_waiting()
    store_waiting()
    return reports, unusable


@contextmanager
def _read(
    path: Path, name: str, sender_facility: str | None, advance: Advance
) -> Iterator[tuple[int, Iterator[Item] | list[Item]]]:
    """A file's items, read whole (raises :class:`FileUnusable`), and how many."""
    if path.suffix.lower() == QD130_SUFFIX:
        with _spooled_envelope(path, name, advance) as spool:
            yield spool.count, spool.read()
        return
    items = _bundle(path, name, sender_facility, advance)
    yield len(items), items


def _bundle(path: Path, name: str, sender_facility: str | None, advance: Advance) -> list[Item]:
    data = path.read_bytes()
    advance(len(data))
    return bundle_items(read_bundle(data, source=name, facility=sender_facility))


@contextmanager
def _not_shown(_path: Path) -> Iterator[Advance]:
    yield lambda _n: None


def _store(
    sessions: sessionmaker[Session],
    items: Iterator[Item],
    name: str,
    sender_facility: str | None,
    batch_size: int,
) -> IngestReport:
    return ingest(
        sessions,
        items,
        source=name,
        sender_facility=sender_facility,
        channel=FROM_COMMAND_LINE,
        batch_size=batch_size,
    )


def bundle_items(reading: BundleReading) -> list[Item]:
    """The items to ingest of a bundle: its records and problems in entry order; for a
    ``transaction`` with problems, only problems (nothing of it may be stored)."""
    if reading.type != "transaction" or not reading.problems:
        return reading.items
    faulty = next(entry.path for entry in reading.entries if entry.problems)
    return [
        item
        if isinstance(item, RecordProblem)
        else RecordProblem(reading.source, item.key, None, "depends_on_refused", {"value": faulty})
        for item in reading.items
    ]


class _CountingReader:
    """A binary stream that reports how many bytes were read from it."""

    def __init__(self, stream: BinaryIO, advance: Advance) -> None:
        self._stream = stream
        self._advance = advance

    def read(self, size: int = -1) -> bytes:
        chunk = self._stream.read(size)
        self._advance(len(chunk))
        return chunk


class _Spool:
    """Items pickled one after another into an anonymous temporary file, each a pickle of
    its own (a single pickler would keep every item written alive in its memo)."""

    def __init__(self, file: IO[bytes]) -> None:
        self._file = file
        self.count = 0

    def write(self, item: Item) -> None:
        pickle.dump(item, self._file, protocol=pickle.HIGHEST_PROTOCOL)
        self.count += 1

    def read(self) -> Iterator[Item]:
        self._file.seek(0)
        while True:
            try:
                yield pickle.load(self._file)
            except EOFError:
                return


@contextmanager
def _spooled_envelope(path: Path, name: str, advance: Advance) -> Iterator[_Spool]:
    """The spool of a whole QĐ 130 envelope, parsed to its end before any item is read."""
    with tempfile.TemporaryFile(prefix="sokhoe-ingest-") as file:
        spool = _Spool(file)
        with path.open("rb") as stream:
            counted = cast(BinaryIO, _CountingReader(stream, advance))
            for item in read_envelope(counted, name=name):
                spool.write(item)
        yield spool
