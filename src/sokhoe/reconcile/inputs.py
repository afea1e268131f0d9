"""The three input files: their column contracts, encoding and header, checked before any work.

A file that cannot be used as a whole (missing column, unknown encoding, no header) is
refused with a message naming the file and the column, before anything is written. A file
in Windows-1258, the legacy Vietnamese code page, is converted to UTF-8 NFC beside the run's
other scratch files; UTF-8 with or without BOM, CRLF and NFD text are read as they are
(names are NFC-normalised in SQL). Line-level problems are the engine's and the rules' job.
"""

from __future__ import annotations

import codecs
import csv
import mmap
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from sokhoe.bulk.messages import FileRejected, Problem


@dataclass(frozen=True)
class Contract:
    """An input file's role and the columns reconciliation needs (others, such as the
    cards' ``facility_code``, are ignored)."""

    role: str
    columns: tuple[str, ...]


REGISTER = Contract(
    "register",
    ("person_id", "full_name", "birth_date", "sex", "commune_code", "village", "level2_eid"),
)
CARDS = Contract(
    "cards",
    (
        "card_number",
        "person_id",
        "full_name",
        "birth_date",
        "sex",
        "commune_code",
        "valid_from",
        "valid_to",
    ),
)
INTEGRATED = Contract("integrated", ("person_id", "card_number", "integrated_at"))
CONTRACTS = (REGISTER, CARDS, INTEGRATED)

UTF8, WINDOWS_1258 = "utf-8", "windows-1258"
_SAMPLE_BYTES = 1 << 20
_DELIMITERS = (",", ";", "\t")
#: How many valid non-ASCII letters per broken byte sequence still make a file UTF-8.
_UTF8_LETTERS_PER_ERROR = 10
#: Share of non-ASCII characters that must be Vietnamese letters for a file that is not
#: UTF-8 to be read as Windows-1258 (other single-byte code pages decode to other letters).
_VIETNAMESE_SHARE = 0.98
_VIETNAMESE_LETTERS = frozenset(
    unicodedata.normalize("NFC", base + tone)
    for base in "aăâeêioôơuưyAĂÂEÊIOÔƠUƯY"
    for tone in ("", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323")
) | frozenset("đĐ")


@dataclass(frozen=True)
class Source:
    """An input ready for the engine: a UTF-8 file, its header and where its lines skip."""

    contract: Contract
    #: The file name as the user gave it, for messages.
    name: str
    #: The UTF-8 file to read: the original, or its conversion.
    path: Path
    encoding: str
    delimiter: str
    header: tuple[str, ...]
    #: Physical lines without a record (blank lines), so record numbers become line numbers.
    blank_lines: tuple[int, ...]


def prepare(contract: Contract, path: Path, scratch: Path) -> Source:
    """Checks encoding and header of ``path``; raises :class:`FileRejected` when unusable."""
    name = path.name
    encoding = detect_encoding(path, name)
    readable = path
    if encoding == WINDOWS_1258:
        readable = scratch / f"{contract.role}.utf8.csv"
        _convert(path, readable)
    first = _first_line(readable)
    if not first.strip():
        raise FileRejected(Problem(name, None, None, "empty_file"))
    delimiter = max(_DELIMITERS, key=first.count)
    header = tuple(cell.strip() for cell in next(csv.reader([first], delimiter=delimiter)))
    repeated = sorted({column for column in header if header.count(column) > 1})
    if repeated:
        raise FileRejected(
            Problem(name, 1, repeated[0], "duplicate_column", {"column": repeated[0]})
        )
    missing = [column for column in contract.columns if column not in header]
    if missing:
        column = ", ".join(missing)
        raise FileRejected(Problem(name, 1, column, "missing_column", {"column": column}))
    return Source(contract, name, readable, encoding, delimiter, header, _blank_lines(readable))


def detect_encoding(path: Path, name: str) -> str:
    """UTF-8 (BOM or not), or Windows-1258 when the text decodes to Vietnamese letters;
    anything else (UTF-16, TCVN3, Latin-1…) is refused rather than read as garbage.

    A UTF-8 file may hold a few broken lines (rejected one by one later); a Windows-1258
    file read as UTF-8 is nearly all errors and has almost no valid multi-byte letters.
    """
    with path.open("rb") as stream:
        sample = stream.read(_SAMPLE_BYTES)
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise FileRejected(Problem(name, None, None, "not_utf8"))
    text = codecs.getincrementaldecoder(UTF8)(errors="replace").decode(sample, final=False)
    broken = text.count("\ufffd")
    letters = sum(1 for ch in text if ord(ch) > 127) - broken
    if letters >= _UTF8_LETTERS_PER_ERROR * broken:
        return UTF8
    if _looks_vietnamese(sample):
        return WINDOWS_1258
    raise FileRejected(Problem(name, None, None, "not_utf8"))


def _looks_vietnamese(sample: bytes) -> bool:
    try:
        text = sample.decode("cp1258")
    except UnicodeDecodeError:
        return False
    foreign = [ch for ch in unicodedata.normalize("NFC", text) if ord(ch) > 127]
    if not foreign:
        return False
    letters = sum(ch in _VIETNAMESE_LETTERS for ch in foreign)
    return letters >= _VIETNAMESE_SHARE * len(foreign)


def _convert(source: Path, target: Path) -> None:
    """Windows-1258 → UTF-8 NFC, line by line (a tone mark never leaves its letter's line)."""
    with (
        source.open(encoding="cp1258", newline="") as reader,
        target.open("w", encoding=UTF8, newline="") as writer,
    ):
        for line in reader:
            writer.write(unicodedata.normalize("NFC", line))


def _first_line(path: Path) -> str:
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as stream:
        return stream.readline().rstrip("\r\n")


def _blank_lines(path: Path) -> tuple[int, ...]:
    """Numbers of the empty lines amid the records: the CSV reader skips them silently."""
    if path.stat().st_size == 0:
        return ()
    with path.open("rb") as stream, mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ) as data:
        end = len(data)
        while end and data[end - 1] in b"\r\n":
            end -= 1
        found = []
        for pattern in (b"\n\n", b"\n\r\n"):
            position = data.find(pattern, 0, end)
            while position >= 0:
                found.append(position)
                position = data.find(pattern, position + 1, end)
        lines, line, counted = [], 1, 0
        for position in sorted(found):
            line += data[counted : position + 1].count(b"\n")
            counted = position + 1
            lines.append(line)
    return tuple(lines)
