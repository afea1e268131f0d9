"""The province's monthly report as an XLSX workbook (R18), for the offices that rework it.

Three sheets: "Tổng hợp" (the title block, one row per commune, the province's total in
bold), "Theo ngày" (the province's rates on each snapshot day of the month) and "Biểu đồ"
(native Excel charts over the two: the book-activation rate per commune, the daily trend).
Numbers are numeric cells, so the office can sum and sort them; their formats (``#,##0``,
``0.0%``, ``dd/mm/yyyy``) are shown in Vietnamese Excel as 1.234.567, 98,5% and 31/03/2026.
The report is a few hundred cells: openpyxl's ordinary workbook is fast enough, unlike the
worklists' streaming writer (:mod:`sokhoe.reconcile.xlsx`).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl.chart import BarChart, LineChart, Reference  # type: ignore[import-untyped]
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side  # type: ignore[import-untyped]
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]
from openpyxl.worksheet.worksheet import Worksheet  # type: ignore[import-untyped]

from sokhoe.campaign.province_report import Line, ProvinceReport

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
COUNT = "#,##0"
CHANGE = "+#,##0;-#,##0;0"
PERCENT = "0.0%"
DATE = "dd/mm/yyyy"
BLUE = "0B4C8C"
_BOLD = Font(bold=True)
_HEADING = Font(bold=True, color="FFFFFF")
_HEADING_FILL = PatternFill("solid", fgColor=BLUE)
_TOTAL_FILL = PatternFill("solid", fgColor="E8EEF5")
_THIN = Side(style="thin", color="999999")
_GRID = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
#: The table's header row on "Tổng hợp" (the title block is above it).
HEADER_ROW = 7


@dataclass(frozen=True)
class Column:
    title: str
    width: float
    number_format: str
    value: Callable[[Line], int | float | str | None]


COLUMNS: Sequence[Column] = (
    Column("Mã xã", 8, "0", lambda line: line.code),
    Column("Xã, phường, đặc khu", 28, "@", lambda line: line.name),
    Column("Dân số", 11, COUNT, lambda line: line.residents),
    Column("Từ 14 tuổi", 11, COUNT, lambda line: line.eligible),
    Column("Định danh mức 2", 11, COUNT, lambda line: line.level2),
    Column("% định danh mức 2", 9, PERCENT, lambda line: line.level2_rate),
    Column("Đã kích hoạt sổ SKĐT", 11, COUNT, lambda line: line.books_activated),
    Column("% kích hoạt sổ", 9, PERCENT, lambda line: line.books_rate),
    Column("Kích hoạt tăng trong tháng", 11, CHANGE, lambda line: line.books_activated_change),
    Column("Người có thẻ BHYT", 11, COUNT, lambda line: line.cards_listed),
    Column("Thẻ đã tích hợp VNeID", 11, COUNT, lambda line: line.cards_integrated),
    Column("% thẻ tích hợp", 9, PERCENT, lambda line: line.cards_rate),
    Column("Tích hợp tăng trong tháng", 11, CHANGE, lambda line: line.cards_integrated_change),
    Column("Lượt thăm hộ trong tháng", 11, COUNT, lambda line: line.visits_in_month),
    Column("Hộ đã thăm (lũy kế)", 11, COUNT, lambda line: line.households_visited),
)
#: "STT" before the columns above; the books rate's column (for the chart).
_FIRST = 2
_BOOKS_RATE_COLUMN = _FIRST + 7
_NAME_COLUMN = _FIRST + 1


def report_xlsx(report: ProvinceReport, *, now: dt.datetime) -> bytes:
    """The workbook's bytes, made at ``now`` (aware)."""
    book = Workbook()
    book.properties.creator = "Sổ Khỏe"
    book.properties.created = book.properties.modified = now.astimezone(dt.UTC).replace(tzinfo=None)
    book.properties.title = report.title
    summary = book.active
    assert summary is not None
    summary.title = "Tổng hợp"
    _summary(summary, report)
    days = book.create_sheet("Theo ngày")
    _days(days, report)
    _charts(book.create_sheet("Biểu đồ"), summary, days, report)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _summary(sheet: Worksheet, report: ProvinceReport) -> None:
    last = get_column_letter(_FIRST + len(COLUMNS) - 1)
    sheet["A1"] = report.department
    sheet["A1"].font = _BOLD
    sheet["A2"] = report.title
    sheet["A2"].font = Font(bold=True, size=14, color=BLUE)
    sheet["A2"].alignment = Alignment(horizontal="center")
    sheet.merge_cells(f"A2:{last}2")
    facts = (
        ("Số liệu đến ngày", report.end_day),
        ("So với số liệu ngày", report.start_day),
        ("Ngày lập báo cáo", report.generated_on),
    )
    for row, (label, day) in enumerate(facts, 3):
        sheet.cell(row, 1, label).alignment = Alignment(horizontal="right")
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=3)
        _date_cell(sheet, row, 4, day)
    headings = ["STT", *(column.title for column in COLUMNS)]
    for col, heading in enumerate(headings, 1):
        cell = sheet.cell(HEADER_ROW, col, heading)
        cell.font, cell.fill, cell.border = _HEADING, _HEADING_FILL, _GRID
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    sheet.row_dimensions[HEADER_ROW].height = 45
    row = HEADER_ROW
    for number, line in enumerate(report.communes, 1):
        row += 1
        _line(sheet, row, number, line)
    _line(sheet, row + 1, None, report.total, total=True)
    sheet.column_dimensions["A"].width = 6
    for col, column in enumerate(COLUMNS, _FIRST):
        sheet.column_dimensions[get_column_letter(col)].width = column.width
    sheet.freeze_panes = sheet.cell(HEADER_ROW + 1, _FIRST + 2)
    sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    _landscape(sheet)


def _line(
    sheet: Worksheet, row: int, number: int | None, line: Line, *, total: bool = False
) -> None:
    cells = [sheet.cell(row, 1, number)]
    for col, column in enumerate(COLUMNS, _FIRST):
        cell = sheet.cell(row, col, column.value(line))
        cell.number_format = column.number_format
        cells.append(cell)
    for cell in cells:
        cell.border = _GRID
        if total:
            cell.font, cell.fill = _BOLD, _TOTAL_FILL


def _days(sheet: Worksheet, report: ProvinceReport) -> None:
    headings = ("Ngày", "% định danh mức 2", "% kích hoạt sổ", "% thẻ tích hợp")
    for col, heading in enumerate(headings, 1):
        cell = sheet.cell(1, col, heading)
        cell.font, cell.fill = _HEADING, _HEADING_FILL
        sheet.column_dimensions[get_column_letter(col)].width = 18 if col > 1 else 12
    for row, day in enumerate(report.trend, 2):
        _date_cell(sheet, row, 1, day.day)
        for col, rate in enumerate((day.level2_rate, day.books_rate, day.cards_rate), 2):
            sheet.cell(row, col, rate).number_format = PERCENT
    sheet.freeze_panes = "A2"
    _landscape(sheet)


def _charts(sheet: Worksheet, summary: Worksheet, days: Worksheet, report: ProvinceReport) -> None:
    first, last = HEADER_ROW + 1, HEADER_ROW + len(report.communes)
    bars = BarChart()
    bars.type = "bar"  # horizontal: one readable bar per commune, even 65 of them
    bars.title = "Tỷ lệ kích hoạt sổ sức khỏe điện tử theo xã"
    bars.y_axis.number_format = "0%"
    bars.y_axis.scaling.min = 0
    bars.y_axis.scaling.max = 1
    bars.x_axis.scaling.orientation = "maxMin"  # the first commune on top, as in the table
    bars.add_data(
        Reference(summary, min_col=_BOOKS_RATE_COLUMN, min_row=HEADER_ROW, max_row=last),
        titles_from_data=True,
    )
    bars.set_categories(Reference(summary, min_col=_NAME_COLUMN, min_row=first, max_row=last))
    bars.legend = None
    _axes_shown(bars)
    bars.width, bars.height = 18, max(8, 0.45 * len(report.communes))
    sheet.add_chart(bars, "A1")
    trend = LineChart()
    trend.title = f"Tỷ lệ toàn tỉnh theo ngày, tháng {report.month:%m/%Y}"
    trend.y_axis.number_format = "0%"
    trend.y_axis.scaling.min = 0
    trend.y_axis.scaling.max = 1
    trend.x_axis.number_format = "dd/mm"
    rows = len(report.trend) + 1
    trend.add_data(
        Reference(days, min_col=2, max_col=4, min_row=1, max_row=rows), titles_from_data=True
    )
    trend.set_categories(Reference(days, min_col=1, min_row=2, max_row=rows))
    trend.width, trend.height = 18, 9
    _axes_shown(trend)
    sheet.add_chart(trend, "L1")


def _axes_shown(chart: BarChart | LineChart) -> None:
    """openpyxl leaves an axis's ``delete`` unset, which recent Excel reads as hidden."""
    chart.x_axis.delete = False
    chart.y_axis.delete = False


def _date_cell(sheet: Worksheet, row: int, col: int, day: dt.date) -> None:
    sheet.cell(row, col, day).number_format = DATE


def _landscape(sheet: Worksheet) -> None:
    """Printed on A4 landscape, as wide as the page, as many pages down as it takes."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
