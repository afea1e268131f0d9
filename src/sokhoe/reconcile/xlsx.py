"""A minimal streaming XLSX writer whose rows are rendered by the engine, in SQL.

A province's worklists hold about a million rows; openpyxl writes some ten thousand rows a
second, so a full run would spend minutes there. A worksheet is only XML in a zip: the SQL
engine renders each row's XML (in parallel, with the rest of the query), Python streams the
bytes into the zip. The package is the smallest one Excel, LibreOffice and openpyxl accept:
inline strings, one bold style for the header, a frozen header row, column widths. Zip
entries carry a fixed date, so the same rows give the same bytes.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from sokhoe.reconcile.dialect import Dialect

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_TYPES = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_EPOCH = (1980, 1, 1, 0, 0, 0)
#: Bytes XML 1.0 forbids (C0 controls but tab, LF, CR); never part of a multi-byte UTF-8
#: character, so deleting them from the encoded text is safe.
_FORBIDDEN = bytes([*range(0, 9), 11, 12, *range(14, 32)])
_SHEET_NAME_LIMIT = 31
#: zlib level: 1 compresses worksheet XML about 8-fold at several times level 6's speed.
_LEVEL = 1


@dataclass(frozen=True)
class Column:
    title: str
    width: float


@dataclass(frozen=True)
class Sheet:
    name: str
    columns: Sequence[Column]
    #: The rows' XML (``<row>…</row>`` each, UTF-8), in chunks of any size.
    rows: Iterable[bytes]
    #: How many rows (the header not counted): readers size the sheet from it.
    height: int


def cell_sql(text: str, plain: bool = False) -> str:
    """SQL rendering a text value as an inline-string cell (an empty cell when NULL);
    ``plain`` when the value cannot hold ``&``, ``<`` or ``>`` (digits, dates)."""
    escaped = text
    if not plain:
        escaped = f"""CASE WHEN instr({text}, '&') + instr({text}, '<') + instr({text}, '>') = 0
            THEN {text}
            ELSE replace(replace(replace({text}, '&', '&amp;'), '<', '&lt;'), '>', '&gt;') END"""
    return f"""CASE WHEN {text} IS NULL THEN '<c/>'
        ELSE '<c t="inlineStr"><is><t>' || {escaped} || '</t></is></c>' END"""


class SharedStrings:
    """Texts repeated on many rows (labels, tasks), stored once per workbook: their cells
    hold only an index, which makes a worklist a third smaller to render and compress."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def choice_sql(self, d: Dialect, value: str, texts: Mapping[str, str]) -> str:
        """SQL choosing, by ``value``, the cell of one of ``texts`` (key → text)."""
        whens = []
        for key, text in texts.items():
            if text not in self.texts:
                self.texts.append(text)
            cell = f'<c t="s"><v>{self.texts.index(text)}</v></c>'
            whens.append(f"WHEN {d.literal(key)} THEN {d.literal(cell)}")
        return f"CASE {value} {' '.join(whens)} ELSE '<c/>' END"


def number_sql(number: str) -> str:
    return f"'<c><v>' || CAST({number} AS STRING) || '</v></c>'"


def row_sql(cells: Sequence[str]) -> str:
    """SQL rendering a row from cells made by the functions above."""
    return "'<row>' || " + " || ".join(cells) + " || '</row>'"


def numbered_rows(cells: Iterable[bytes]) -> bytes:
    """Rows from their cells' XML, each after a first cell numbering it from 1 (STT)."""
    return b"".join(b"<row><c><v>%d</v></c>%s</row>" % (n, row) for n, row in enumerate(cells, 1))


def text_row(values: Sequence[str | int]) -> bytes:
    """A row rendered in Python, for small summary sheets."""
    cells = (
        f"<c><v>{value}</v></c>" if isinstance(value, int) else _cell(value) for value in values
    )
    return ("<row>" + "".join(cells) + "</row>").encode()


def _cell(text: str, style: str = "") -> str:
    return f'<c t="inlineStr"{style}><is><t>{escape(text)}</t></is></c>'


def sheet_names(wanted: Sequence[str]) -> list[str]:
    """Valid, distinct sheet names: no ``[]:*?/\\``, at most 31 characters, cut at a word."""
    names: list[str] = []
    for raw in wanted:
        name = "".join(" " if ch in "[]:*?/\\" else ch for ch in raw).strip() or "Trang"
        if len(name) > _SHEET_NAME_LIMIT:
            name = name[:_SHEET_NAME_LIMIT].rsplit(" ", 1)[0]
        candidate, n = name, 2
        while candidate.casefold() in (existing.casefold() for existing in names):
            suffix = f" ({n})"
            candidate = name[: _SHEET_NAME_LIMIT - len(suffix)] + suffix
            n += 1
        names.append(candidate)
    return names


def write_workbook(path: Path, sheets: Sequence[Sheet], shared: Sequence[str] = ()) -> None:
    """The workbook; ``shared`` are the texts of :class:`SharedStrings` cells."""
    with zipfile.ZipFile(path, "w") as package:
        _put(package, "[Content_Types].xml", _content_types(len(sheets)))
        _put(
            package,
            "_rels/.rels",
            f'<Relationships xmlns="{_PACKAGE_REL}"><Relationship Id="rId1" '
            f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        entries = "".join(
            f'<sheet name={quoteattr(sheet.name)} sheetId="{i}" r:id="rId{i}"/>'
            for i, sheet in enumerate(sheets, 1)
        )
        _put(
            package,
            "xl/workbook.xml",
            f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>{entries}</sheets></workbook>',
        )
        links = "".join(
            f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
            for i in range(1, len(sheets) + 1)
        )
        n = len(sheets)
        links += f'<Relationship Id="rId{n + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
        links += (
            f'<Relationship Id="rId{n + 2}" Type="{_REL}/sharedStrings" '
            'Target="sharedStrings.xml"/>'
        )
        _put(
            package,
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="{_PACKAGE_REL}">{links}</Relationships>',
        )
        _put(package, "xl/styles.xml", _STYLES)
        items = "".join(f"<si><t>{escape(text)}</t></si>" for text in shared)
        _put(
            package,
            "xl/sharedStrings.xml",
            f'<sst xmlns="{_MAIN}" count="{len(shared)}" uniqueCount="{len(shared)}">{items}</sst>',
        )
        for i, sheet in enumerate(sheets, 1):
            body = b"".join(chunk.translate(None, _FORBIDDEN) for chunk in sheet.rows)
            package.writestr(
                _entry(f"xl/worksheets/sheet{i}.xml"),
                _sheet_head(sheet.columns, sheet.height) + body + b"</sheetData></worksheet>",
                compresslevel=_LEVEL,
            )


def _sheet_head(columns: Sequence[Column], height: int) -> bytes:
    widths = "".join(
        f'<col min="{i}" max="{i}" width="{c.width}" customWidth="1"/>'
        for i, c in enumerate(columns, 1)
    )
    header = "".join(_cell(c.title, style=' s="1"') for c in columns)
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{_MAIN}">'
        f'<dimension ref="A1:{_column_letter(len(columns))}{height + 1}"/>'
        '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
        'activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>'
        f"<cols>{widths}</cols><sheetData><row>{header}</row>"
    ).encode()


def _column_letter(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _content_types(sheets: int) -> str:
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{_TYPES}.worksheet+xml"/>'
        for i in range(1, sheets + 1)
    )
    return (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{_TYPES}.sheet.main+xml"/>'
        f'<Override PartName="/xl/styles.xml" ContentType="{_TYPES}.styles+xml"/>'
        f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_TYPES}.sharedStrings+xml"/>'
        f"{overrides}</Types>"
    )


_STYLES = (
    f'<styleSheet xmlns="{_MAIN}">'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def _entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_EPOCH)
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def _put(package: zipfile.ZipFile, name: str, xml: str) -> None:
    package.writestr(
        _entry(name),
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + xml,
        compresslevel=_LEVEL,
    )
