"""The MoH XML of QĐ 130/QĐ-BYT (amended by QĐ 4750): a ``GIAMDINHHS`` envelope of visits
(``HOSO``), each a set of tables (``FILEHOSO``: ``LOAIHOSO`` XML1 … XML15 and its document
in ``NOIDUNGFILE``), read into the health book's records.

The envelope is streamed (exports run to hundreds of megabytes): each ``HOSO`` is read,
turned into records and dropped before the next. Only XML1 (the visit), XML13 (referral
letter) and XML14 (re-exam appointment) are decoded; the other tables are skipped unread.

Everything is parsed with ``defusedxml`` and no DTD at all (:mod:`~sokhoe.records.qd130_xml`):
a document type declaration, which every XML bomb and external entity needs, makes the whole
file unusable before anything in it is expanded or fetched, whether in the envelope or in a
table inside it.
Because the file is streamed, :class:`~sokhoe.records.problems.FileUnusable` can come after
records of the file were already yielded (a truncated file, a bomb in the tenth visit): a
caller that stores nothing of an unusable file keeps them aside until the end.

What real exports do is accepted: a BOM, no ``<?xml`` declaration, namespaces (the
misspelt ``XMLSchema instance`` too), ``NGAYLAP``/``SOLUONGHOSO``/``CHUKYDONVI`` around the
list, inner documents in base64 (line-wrapped or not), inline (in CDATA or as elements, as one
vendor writes them) or empty (``<NOIDUNGFILE/>``: a table without rows).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import BinaryIO
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException

from sokhoe.records import qd130_records, qd130_xml
from sokhoe.records.clinical import ClinicalRecord
from sokhoe.records.problems import FileUnusable, RecordProblem
from sokhoe.records.qd130_fields import FieldReader

ROOT = "GIAMDINHHS"

#: The tables read (``LOAIHOSO``), by the tag of their records.
VISIT, REFERRAL, APPOINTMENT = "XML1", "XML13", "XML14"
RECORD_TAGS: dict[str, str] = {
    VISIT: "TONG_HOP",
    REFERRAL: "CHI_TIEU_GIAYCHUYENTUYEN",
    APPOINTMENT: "CHI_TIEU_GIAYHEN_KHAMLAI",
}

Row = Mapping[str, str]
Yielded = ClinicalRecord | RecordProblem
_Builder = Callable[[FieldReader], ClinicalRecord | None]


def read_envelope(source: Path | BinaryIO, *, name: str) -> Iterator[Yielded]:
    """The records of a ``GIAMDINHHS`` file, and a problem for each record (or table) that
    cannot be used, in file order. ``name`` names the file in problems.

    Raises :class:`FileUnusable` for a file that is not XML, is unsafe XML or is not a QĐ 130
    envelope.
    """
    if isinstance(source, Path):
        with source.open("rb") as stream:
            yield from _read(stream, name)
    else:
        yield from _read(source, name)


def _read(stream: BinaryIO, name: str) -> Iterator[Yielded]:
    for number, visit in _visits(stream, name):
        yield from _records(visit, number, name)


def _visits(stream: BinaryIO, name: str) -> Iterator[tuple[int, Element]]:
    """Each complete ``HOSO`` element with its number in the file (from 1)."""
    envelope = qd130_xml.Stream(ROOT, "HOSO")
    try:
        yield from enumerate(envelope.items(stream), 1)
    except qd130_xml.WrongRoot as wrong:
        problem = RecordProblem(name, None, None, "wrong_envelope", {"value": wrong.tag})
        raise FileUnusable(problem) from None
    except DefusedXmlException:
        raise FileUnusable(RecordProblem(name, None, None, "unsafe_xml")) from None
    except (ParseError, LookupError, UnicodeError) as error:
        # Nothing read at all: not XML; a fault further on: broken (often truncated) XML.
        if not envelope.rooted:
            raise FileUnusable(RecordProblem(name, None, None, "not_xml_or_json")) from None
        line, column = getattr(error, "position", (0, 0))
        problem = RecordProblem(name, None, None, "bad_xml", {"line": line, "column": column})
        raise FileUnusable(problem) from None


class _Undecodable(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _records(visit: Element, number: int, name: str) -> Iterator[Yielded]:
    """The records of one ``HOSO``, or the problems that stand in for them."""
    rows: dict[str, list[Row]] = {table: [] for table in RECORD_TAGS}
    undecodable: list[tuple[str, str]] = []
    for table, content in _tables(visit):
        try:
            rows[table] += _rows(content, RECORD_TAGS[table], name, number, table)
        except _Undecodable as error:
            undecodable.append((table, error.code))
    keys = (row.get("MA_LK", "").strip() for found in rows.values() for row in found)
    key = next((key for key in keys if key), "")
    record = f"MA_LK {key}" if key else f"HOSO {number}"
    for table, code in undecodable:
        yield RecordProblem(name, record, f"{table}.NOIDUNGFILE", code)
    if not rows[VISIT] and VISIT not in (table for table, _ in undecodable):
        yield RecordProblem(
            name, record, VISIT, "missing_table", {"table": VISIT, "tag": RECORD_TAGS[VISIT]}
        )
    first_visit = rows[VISIT][0] if rows[VISIT] else None
    for row in rows[VISIT]:
        yield from _built(qd130_records.visit, row, name, number, "")
    for row in rows[REFERRAL]:
        row = qd130_records.with_visit(row, first_visit)
        yield from _built(qd130_records.referral, row, name, number, f"{REFERRAL}.")
    for row in rows[APPOINTMENT]:
        row = qd130_records.with_visit(row, first_visit)
        yield from _built(qd130_records.appointment, row, name, number, f"{APPOINTMENT}.")


def _built(build: _Builder, row: Row, name: str, number: int, table: str) -> Iterator[Yielded]:
    key = row.get("MA_LK", "").strip()
    record = f"MA_LK {key}" if key else f"HOSO {number}"
    fields = FieldReader(row, source=name, record=record, table=table)
    built = build(fields)
    if built is None:
        yield from fields.problems
    else:
        yield built


def _tables(visit: Element) -> Iterator[tuple[str, Element | None]]:
    """``(LOAIHOSO, NOIDUNGFILE)`` of each ``FILEHOSO`` of a table that is read."""
    for item in visit:
        if qd130_xml.local(item.tag) != "FILEHOSO":
            continue
        parts = {qd130_xml.local(child.tag): child for child in item}
        kind = parts.get("LOAIHOSO")
        table = (kind.text or "").strip().upper() if kind is not None else ""
        if table in RECORD_TAGS:
            yield table, parts.get("NOIDUNGFILE")


def _rows(content: Element | None, tag: str, name: str, number: int, table: str) -> list[Row]:
    """The records (``tag`` → text) of a table's ``NOIDUNGFILE``, however it is written."""
    if content is None:
        return []
    documents = list(content)
    if not documents:
        text = (content.text or "").strip().lstrip("\ufeff")
        if not text:
            return []
        inner = text.encode() if text.startswith("<") else _base64(text)
        documents = [_parse_inner(inner, name, number, table)]
    return [
        _fields(element)
        for document in documents
        for element in ([document] if qd130_xml.local(document.tag) == tag else document.iter())
        if qd130_xml.local(element.tag) == tag
    ]


def _fields(record: Element) -> Row:
    """A record's fields as tag → text as written (stripping waits for the fields used)."""
    if "}" in record.tag:
        return {qd130_xml.local(field.tag): field.text or "" for field in record}
    return {field.tag: field.text or "" for field in record}


def _base64(text: str) -> bytes:
    """Strict base64, wrapped in lines (as .NET's line breaks option writes it) or not."""
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        pass
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        raise _Undecodable("bad_base64") from None


def _parse_inner(document: bytes, name: str, number: int, table: str) -> Element:
    try:
        return qd130_xml.parse_document(document)
    except DefusedXmlException:
        problem = RecordProblem(name, f"HOSO {number}", f"{table}.NOIDUNGFILE", "unsafe_xml")
        raise FileUnusable(problem) from None
    except (ParseError, LookupError, UnicodeError):
        raise _Undecodable("bad_inner_xml") from None
