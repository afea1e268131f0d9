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

A FHIR bundle is one document read whole (``read_bundle`` takes bytes) and stored in one
transaction. A ``transaction`` bundle is all or nothing, as FHIR has it and as ``POST /fhir``
answers it: with one problem among its entries, each of its records is refused
(``depends_on_refused``) besides the entries' own problems.
"""

from __future__ import annotations

import pickle
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, BinaryIO, cast

from sqlalchemy.orm import Session, sessionmaker

from sokhoe.records.clinical import ClinicalRecord
from sokhoe.records.fhir import BundleReading, read_bundle
from sokhoe.records.ingest import BATCH_SIZE, FROM_COMMAND_LINE, BatchResult, IngestReport, ingest
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


def ingest_file(
    sessions: sessionmaker[Session],
    path: Path,
    *,
    name: str,
    sender_facility: str | None = None,
    advance: Advance | None = None,
    on_batch: Callable[[BatchResult], None] | None = None,
    batch_size: int = BATCH_SIZE,
) -> IngestReport:
    """Store the records of one file; ``name`` names it in problems and the audit entries.

    Raises :class:`FileUnusable` (nothing of the file stored) for a file that is neither a
    QĐ 130 envelope (``.xml``) nor a FHIR bundle (``.json``), or that cannot be read whole.
    """
    check_kind(path)
    tick = advance or (lambda _n: None)
    if path.suffix.lower() == QD130_SUFFIX:
        with _spooled_envelope(path, name, tick) as items:
            return _store(sessions, items, name, sender_facility, on_batch, batch_size)
    data = path.read_bytes()
    tick(len(data))
    reading = read_bundle(data, source=name, facility=sender_facility)
    whole = bundle_items(reading)
    return _store(sessions, whole, name, sender_facility, on_batch, max(len(whole), 1))


def _store(
    sessions: sessionmaker[Session],
    items: Iterator[Item] | list[Item],
    name: str,
    sender_facility: str | None,
    on_batch: Callable[[BatchResult], None] | None,
    batch_size: int,
) -> IngestReport:
    return ingest(
        sessions,
        items,
        source=name,
        sender_facility=sender_facility,
        channel=FROM_COMMAND_LINE,
        batch_size=batch_size,
        on_batch=on_batch,
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

    def write(self, item: Item) -> None:
        pickle.dump(item, self._file, protocol=pickle.HIGHEST_PROTOCOL)

    def read(self) -> Iterator[Item]:
        self._file.seek(0)
        while True:
            try:
                yield pickle.load(self._file)
            except EOFError:
                return


@contextmanager
def _spooled_envelope(path: Path, name: str, advance: Advance) -> Iterator[Iterator[Item]]:
    """The items of a whole QĐ 130 envelope, parsed to its end before any is given out."""
    with tempfile.TemporaryFile(prefix="sokhoe-ingest-") as file:
        spool = _Spool(file)
        with path.open("rb") as stream:
            counted = cast(BinaryIO, _CountingReader(stream, advance))
            for item in read_envelope(counted, name=name):
                spool.write(item)
        yield spool.read()
