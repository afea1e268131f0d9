"""The province's monthly report as an XLSX workbook (R18), for the offices that rework it.

Six sheets: "Tổng hợp" (the title block, one row per commune, the province's total in
bold), "Trường học, doanh nghiệp" and "Báo cáo của xã" (the same rows: schools, pupils and
enterprises reached, R13; the communes' reports due, sent and on time, R11), "Khó khăn, đề
xuất" (each sent report's text, wrapped), "Theo ngày" (the province's rates on each snapshot
day of the month) and "Biểu đồ" (native Excel charts over "Tổng hợp" and "Theo ngày": the
book-activation rate per commune, the daily trend). The R13 and R11 figures are sheets of
their own rather than columns of "Tổng hợp": 30 columns would not print on one page.
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
from openpyxl.styles import (  # type: ignore[import-untyped]
    Alignment,
    Border,
    Font,
    NamedStyle,
    PatternFill,
    Side,
)
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]
from openpyxl.worksheet.worksheet import Worksheet  # type: ignore[import-untyped]

from sokhoe.campaign.province_report import Line, ProvinceReport, SentReport, next_month
from sokhoe.vietnam_time import to_vietnam_time

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
COUNT = "#,##0"
CHANGE = "+#,##0;-#,##0;0"
PERCENT = "0.0%"
DATE = "dd/mm/yyyy"
TIME = "dd/mm/yyyy hh:mm"
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
#: The codes and names that begin every sheet of communes.
_UNIT = COLUMNS[:2]
ESTABLISHMENT_COLUMNS: Sequence[Column] = (
    *_UNIT,
    Column("Trường học", 11, COUNT, lambda line: line.schools),
    Column("Trường đã đến vận động", 11, COUNT, lambda line: line.schools_reached),
    Column("% trường đã đến", 9, PERCENT, lambda line: line.schools_rate),
    Column("Học sinh", 11, COUNT, lambda line: line.students),
    Column("Học sinh có thẻ BHYT tích hợp", 12, COUNT, lambda line: line.students_integrated),
    Column("% học sinh có thẻ tích hợp", 10, PERCENT, lambda line: line.students_rate),
    Column("Doanh nghiệp", 11, COUNT, lambda line: line.enterprises),
    Column("Doanh nghiệp đã đến vận động", 12, COUNT, lambda line: line.enterprises_reached),
    Column("% doanh nghiệp đã đến", 10, PERCENT, lambda line: line.enterprises_rate),
)
REPORTING_COLUMNS: Sequence[Column] = (
    *_UNIT,
    Column("Số kỳ báo cáo đến hạn", 11, COUNT, lambda line: line.reports.due),
    Column("Đã gửi", 11, COUNT, lambda line: line.reports.submitted),
    Column("Gửi đúng hạn", 11, COUNT, lambda line: line.reports.on_time),
    Column("Tỷ lệ đầy đủ", 10, PERCENT, lambda line: line.reports.completeness_rate),
    Column("Tỷ lệ kịp thời", 10, PERCENT, lambda line: line.reports.timeliness_rate),
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
    _summary(summary, report, COLUMNS)
    _summary(
        book.create_sheet("Trường học, doanh nghiệp"),
        report,
        ESTABLISHMENT_COLUMNS,
        "Trường học đã đến vận động, học sinh có thẻ BHYT tích hợp VNeID, doanh nghiệp đã "
        f"đến vận động, đến ngày {report.end_day:%d/%m/%Y}",
    )
    _summary(
        book.create_sheet("Báo cáo của xã"),
        report,
        REPORTING_COLUMNS,
        f"Báo cáo của xã có hạn nộp trong tháng {report.month:%m/%Y} và đã quá hạn khi lập "
        "báo cáo: đầy đủ (đã gửi) và kịp thời (gửi đúng hạn), trên số kỳ đến hạn",
    )
    _remarks(book.create_sheet("Khó khăn, đề xuất"), report)
    days = book.create_sheet("Theo ngày")
    _days(days, report)
    _charts(book.create_sheet("Biểu đồ"), summary, days, report)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _summary(
    sheet: Worksheet, report: ProvinceReport, columns: Sequence[Column], caption: str = ""
) -> None:
    """The title block, ``caption`` below it, then a row of ``columns`` per commune and the
    total."""
    last = get_column_letter(_FIRST + len(columns) - 1)
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
    if caption:
        sheet["A6"] = caption
        sheet["A6"].font = _BOLD
    headings = ["STT", *(column.title for column in columns)]
    for col, heading in enumerate(headings, 1):
        cell = sheet.cell(HEADER_ROW, col, heading)
        cell.font, cell.fill, cell.border = _HEADING, _HEADING_FILL, _GRID
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    sheet.row_dimensions[HEADER_ROW].height = 45
    row = HEADER_ROW
    for number, line in enumerate(report.communes, 1):
        row += 1
        _line(sheet, row, number, line, columns)
    _line(sheet, row + 1, None, report.total, columns, total=True)
    sheet.column_dimensions["A"].width = 6
    for col, column in enumerate(columns, _FIRST):
        sheet.column_dimensions[get_column_letter(col)].width = column.width
    sheet.freeze_panes = sheet.cell(HEADER_ROW + 1, _FIRST + 2)
    sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    _landscape(sheet)


def _line(
    sheet: Worksheet,
    row: int,
    number: int | None,
    line: Line,
    columns: Sequence[Column],
    *,
    total: bool = False,
) -> None:
    cells = [sheet.cell(row, 1, number)]
    for col, column in enumerate(columns, _FIRST):
        cell = sheet.cell(row, col, column.value(line))
        cell.number_format = column.number_format
        cells.append(cell)
    for cell in cells:
        cell.border = _GRID
        if total:
            cell.font, cell.fill = _BOLD, _TOTAL_FILL


#: The named styles of "Khó khăn, đề xuất"'s cells.
_REMARK, _REMARK_TIME = "Ý kiến của xã", "Ý kiến của xã, thời điểm"
#: "Khó khăn, đề xuất": title and width of each column.
_REMARK_HEADINGS = (
    ("STT", 6),
    ("Mã xã", 8),
    ("Xã, phường, đặc khu", 24),
    ("Kỳ báo cáo", 16),
    ("Gửi lúc", 16),
    ("Hạn nộp", 10),
    ("Khó khăn, vướng mắc", 60),
    ("Đề xuất, kiến nghị", 60),
)


def _remarks(sheet: Worksheet, report: ProvinceReport) -> None:
    """Each report sent for a period beginning in the month: its commune, period, when it
    was sent (Vietnam time), whether on time, and the officer's two texts, wrapped."""
    last_day = next_month(report.month) - dt.timedelta(days=1)
    sheet["A1"] = (
        f"Khó khăn, vướng mắc và đề xuất, kiến nghị trong báo cáo của xã các kỳ từ "
        f"{report.month:%d/%m/%Y} đến {last_day:%d/%m/%Y}"
    )
    sheet["A1"].font = Font(bold=True, size=12, color=BLUE)
    for col, (heading, width) in enumerate(_REMARK_HEADINGS, 1):
        cell = sheet.cell(2, col, heading)
        cell.font, cell.fill, cell.border = _HEADING, _HEADING_FILL, _GRID
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        sheet.column_dimensions[get_column_letter(col)].width = width
    if not report.sent_reports:
        sheet["A3"] = "Chưa xã nào gửi báo cáo của kỳ nào trong tháng."
    # A named style per kind of cell: thousands of rows styled cell by cell with their own
    # border and alignment objects took seconds, hashing them into the workbook's styles.
    top = Alignment(vertical="top", wrap_text=True)
    sheet.parent.add_named_style(NamedStyle(_REMARK, border=_GRID, alignment=top))
    sheet.parent.add_named_style(
        NamedStyle(_REMARK_TIME, border=_GRID, alignment=top, number_format=TIME)
    )
    for row, sent in enumerate(report.sent_reports, 3):
        _remark(sheet, row, row - 2, sent)
    sheet.freeze_panes = "A3"
    sheet.print_title_rows = "2:2"
    _landscape(sheet)


def _remark(sheet: Worksheet, row: int, number: int, sent: SentReport) -> None:
    values = (
        number,
        sent.commune_code,
        sent.commune_name,
        sent.period.label.capitalize(),
        to_vietnam_time(sent.submitted_at).replace(tzinfo=None),
        "Muộn" if sent.late else "Đúng hạn",
        sent.difficulties,
        sent.proposals,
    )
    for col, value in enumerate(values, 1):
        sheet.cell(row, col, value).style = _REMARK_TIME if col == 5 else _REMARK


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
