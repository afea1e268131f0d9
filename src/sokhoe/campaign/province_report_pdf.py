"""The province's monthly report as a printable PDF (R18), A4 landscape, in Vietnamese.

The title block, the table of communes with the province's total (its heading repeated on
every page), a second such table of schools, pupils and enterprises reached (R13) and of the
communes' reports due, sent and on time in the month (R11), the difficulties and proposals
the communes wrote in their reports (wrapped; reports with neither are only counted), then
two charts drawn with fpdf2's lines and rectangles: the communes' book-
activation rates, highest first, against the 100 % target, and the province's daily rates
over the month. Numbers and dates as a Vietnamese reader writes them (1.234.567, 98,5 %,
31/03/2026). Set in DejaVu Sans, like the health book (:mod:`sokhoe.records.book_pdf`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise

from fpdf import FPDF

from sokhoe.campaign.province_report import DayRates, Line, ProvinceReport, SentReport, next_month
from sokhoe.insurance.paper_card_pdf import dejavu_document
from sokhoe.vietnam_time import to_vietnam_time
from sokhoe.web.formatting import vn_date, vn_number

MEDIA_TYPE = "application/pdf"
MARGIN = 12.0
BLUE = (11, 76, 140)
GREY = (90, 90, 90)
LIGHT = (215, 215, 215)
RED = (180, 30, 30)
TOTAL_FILL = (232, 238, 245)
#: The trend's three rates: label and colour.
SERIES = (
    ("Định danh mức 2", (120, 120, 120)),
    ("Kích hoạt sổ SKĐT", BLUE),
    ("Thẻ BHYT tích hợp", (30, 130, 70)),
)


@dataclass(frozen=True)
class Table:
    """A table of communes: its two heading rows — (text, columns spanned, rows: 2 for a
    column heading spanning both) above, the grouped columns' own headings below — its
    columns' widths and a line's cells (after "STT" and the name)."""

    groups: Sequence[tuple[str, int, int]]
    headings: Sequence[str]
    widths: Sequence[float]
    cells: Callable[[Line], list[str]]


def _percent(rate: float | None) -> str:
    return f"{vn_number(100 * rate, 1)} %" if rate is not None else "–"


def _change(number: int) -> str:
    return ("+" if number > 0 else "") + vn_number(number)


_UNIT_GROUPS = (("STT", 1, 2), ("Xã, phường, đặc khu", 1, 2))
CAMPAIGN = Table(
    groups=(
        *_UNIT_GROUPS,
        ("Dân số", 1, 2),
        ("Từ 14 tuổi", 1, 2),
        ("Định danh mức 2", 2, 1),
        ("Sổ sức khỏe điện tử", 3, 1),
        ("Thẻ BHYT", 4, 1),
        ("Vận động tại hộ", 2, 1),
    ),
    headings=(
        "Số người",
        "%",
        "Đã kích hoạt",
        "%",
        "Tăng trong tháng",
        "Người có thẻ",
        "Đã tích hợp",
        "%",
        "Tăng trong tháng",
        "Lượt thăm trong tháng",
        "Hộ đã thăm (lũy kế)",
    ),
    widths=(9, 40, 18, 18, 18, 13, 18, 13, 16, 18, 18, 13, 16, 19, 19),
    cells=lambda line: [
        vn_number(line.residents),
        vn_number(line.eligible),
        vn_number(line.level2),
        _percent(line.level2_rate),
        vn_number(line.books_activated),
        _percent(line.books_rate),
        _change(line.books_activated_change),
        vn_number(line.cards_listed),
        vn_number(line.cards_integrated),
        _percent(line.cards_rate),
        _change(line.cards_integrated_change),
        vn_number(line.visits_in_month),
        vn_number(line.households_visited),
    ],
)
ESTABLISHMENTS_AND_REPORTS = Table(
    groups=(
        *_UNIT_GROUPS,
        ("Trường học", 3, 1),
        ("Học sinh", 3, 1),
        ("Doanh nghiệp", 3, 1),
        ("Báo cáo của xã có hạn nộp trong tháng", 5, 1),
    ),
    headings=(
        "Số trường",
        "Đã đến vận động",
        "%",
        "Số học sinh",
        "Có thẻ BHYT tích hợp",
        "%",
        "Số doanh nghiệp",
        "Đã đến vận động",
        "%",
        "Kỳ đến hạn",
        "Đã gửi",
        "Gửi đúng hạn",
        "% đầy đủ",
        "% kịp thời",
    ),
    widths=(9, 40, 15, 17, 13, 17, 17, 13, 17, 17, 13, 15, 15, 15, 15, 15),
    cells=lambda line: [
        vn_number(line.schools),
        vn_number(line.schools_reached),
        _percent(line.schools_rate),
        vn_number(line.students),
        vn_number(line.students_integrated),
        _percent(line.students_rate),
        vn_number(line.enterprises),
        vn_number(line.enterprises_reached),
        _percent(line.enterprises_rate),
        vn_number(line.reports.due),
        vn_number(line.reports.submitted),
        vn_number(line.reports.on_time),
        _percent(line.reports.completeness_rate),
        _percent(line.reports.timeliness_rate),
    ],
)


class _ReportDocument(FPDF):
    """Landscape pages with the report's running footer: who made it, when, which page."""

    footnote = ""

    def footer(self) -> None:
        self.set_y(-MARGIN + 2)
        self.set_font("DejaVu", "", 7)
        self.set_text_color(*GREY)
        width = self.w - 2 * MARGIN
        self.cell(width * 0.8, 5, self.footnote)
        self.cell(width * 0.2, 5, f"Trang {self.page_no()}/{{nb}}", align="R")


def report_pdf(report: ProvinceReport, *, now: dt.datetime) -> bytes:
    """The report's PDF, made at ``now`` (aware)."""
    pdf = dejavu_document(_ReportDocument, "A4")
    pdf.footnote = (
        f"Sổ Khỏe · {report.department} · báo cáo tháng {report.month:%m/%Y}, "
        f"lập ngày {vn_date(report.generated_on)}"
    )
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(True, margin=MARGIN + 4)
    pdf.set_title(report.title)
    pdf.set_creator("Sổ Khỏe")
    pdf.set_creation_date(now)
    pdf.add_page(orientation="L")
    _title_block(pdf, report)
    _table(pdf, report, CAMPAIGN)
    pdf.add_page(orientation="L")
    _heading(
        pdf,
        "Trường học, học sinh, doanh nghiệp và báo cáo của xã",
        f"Trường học, doanh nghiệp đã có lượt vận động ghi tại đó và học sinh có thẻ BHYT "
        f"tích hợp VNeID, đến ngày {vn_date(report.end_day)}; báo cáo của xã: các kỳ có hạn "
        f"nộp trong tháng {report.month:%m/%Y} đã quá hạn khi lập báo cáo.",
    )
    _table(pdf, report, ESTABLISHMENTS_AND_REPORTS)
    pdf.add_page(orientation="L")
    _remarks(pdf, report)
    pdf.add_page(orientation="L")
    _bars(pdf, report.communes)
    pdf.add_page(orientation="L")
    _trend(pdf, report)
    return bytes(pdf.output())


def _title_block(pdf: FPDF, report: ProvinceReport) -> None:
    half = (pdf.w - 2 * MARGIN) / 2
    pdf.set_font("DejaVu", "B", 10)
    pdf.cell(half, 5, report.department, align="C")
    pdf.cell(
        half, 5, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", align="C", new_x="LMARGIN", new_y="NEXT"
    )
    pdf.cell(half, 5, "")
    pdf.cell(half, 5, "Độc lập - Tự do - Hạnh phúc", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("DejaVu", "B", 13)
    pdf.set_text_color(*BLUE)
    pdf.cell(0, 7, report.title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9)
    pdf.set_text_color(*GREY)
    facts = (
        f"Số liệu đến ngày {vn_date(report.end_day)} "
        f"(so với số liệu ngày {vn_date(report.start_day)}) · "
        f"Ngày lập báo cáo {vn_date(report.generated_on)}"
    )
    pdf.cell(0, 5, facts, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    pdf.ln(3)


def _table(pdf: FPDF, report: ProvinceReport, table: Table) -> None:
    """The communes, then the total, one plain line each; the heading again atop each page.

    Drawn cell by cell rather than with ``FPDF.table``, which lays out every cell as a
    paragraph: for a province's 65 communes that took 1.5 s of the report's 2."""
    _table_heading(pdf, table)
    rows = [(str(n), line, False) for n, line in enumerate(report.communes, 1)]
    for number, line, total in [*rows, ("", report.total, True)]:
        if pdf.will_page_break(ROW_HEIGHT):
            pdf.add_page(orientation="L")
            _table_heading(pdf, table)
        pdf.set_font("DejaVu", "B" if total else "", 7)
        pdf.set_fill_color(*TOTAL_FILL)
        pdf.set_draw_color(*LIGHT)
        cells = [number, line.name, *table.cells(line)]
        for i, (text, width) in enumerate(zip(cells, table.widths, strict=True)):
            with pdf.local_context():
                while pdf.get_string_width(text) > width - 1.6 and pdf.font_size_pt > 5:
                    pdf.set_font_size(pdf.font_size_pt - 0.5)  # a long name, made to fit
                pdf.cell(
                    width, ROW_HEIGHT, text, border="B", align="L" if i == 1 else "R", fill=total
                )
        pdf.ln(ROW_HEIGHT)


#: A line of the table; the heading's two rows.
ROW_HEIGHT = 4.6
_GROUP_HEIGHT, _COLUMN_HEIGHT = 5.0, 9.6


def _table_heading(pdf: FPDF, table: Table) -> None:
    """The groups (a column heading spanning both rows, or a group over its columns), then
    each grouped column's own heading."""
    x, y = pdf.l_margin, pdf.get_y()
    edges = [x + sum(table.widths[:i]) for i in range(len(table.widths) + 1)]
    below: list[int] = []
    column = 0
    for text, span, rows in table.groups:
        height = _GROUP_HEIGHT + (_COLUMN_HEIGHT if rows == 2 else 0)
        _heading_cell(pdf, edges[column], y, edges[column + span] - edges[column], height, text)
        if rows == 1:
            below += range(column, column + span)
        column += span
    for i, text in zip(below, table.headings, strict=True):
        width = edges[i + 1] - edges[i]
        _heading_cell(pdf, edges[i], y + _GROUP_HEIGHT, width, _COLUMN_HEIGHT, text)
    pdf.set_xy(x, y + _GROUP_HEIGHT + _COLUMN_HEIGHT)
    pdf.set_text_color(0, 0, 0)


def _heading_cell(pdf: FPDF, x: float, y: float, width: float, height: float, text: str) -> None:
    """White bold words centred in a blue box with a white rule around it."""
    pdf.set_fill_color(*BLUE)
    pdf.set_draw_color(255, 255, 255)
    pdf.rect(x, y, width, height, "DF")
    pdf.set_font("DejaVu", "B", 6.5)
    pdf.set_text_color(255, 255, 255)
    lines = pdf.multi_cell(width - 1, 3, text, align="C", dry_run=True, output="LINES")
    assert isinstance(lines, list)
    pdf.set_xy(x + 0.5, y + (height - 3 * len(lines)) / 2)
    pdf.multi_cell(width - 1, 3, text, align="C")


def _heading(pdf: FPDF, text: str, note: str) -> None:
    pdf.set_font("DejaVu", "B", 11)
    pdf.set_text_color(*BLUE)
    pdf.cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 8)
    pdf.set_text_color(*GREY)
    pdf.multi_cell(0, 4, note, new_x="LMARGIN", new_y="NEXT")  # a long note wraps
    pdf.set_text_color(0, 0, 0)
    pdf.ln(2)


def _remarks(pdf: FPDF, report: ProvinceReport) -> None:
    """The difficulties and proposals of the month's sent reports, by commune then period;
    a report with neither is counted in the note, not listed."""
    said = [sent for sent in report.sent_reports if sent.difficulties or sent.proposals]
    silent = len(report.sent_reports) - len(said)
    _heading(
        pdf,
        "Khó khăn, vướng mắc và đề xuất, kiến nghị của xã",
        f"Báo cáo đã gửi của các kỳ trong tháng {report.month:%m/%Y}: "
        f"{vn_number(len(said))} báo cáo có ý kiến (dưới đây), "
        f"{vn_number(silent)} báo cáo không ghi khó khăn hay đề xuất.",
    )
    if not said:
        pdf.set_font("DejaVu", "", 10)
        pdf.cell(0, 6, "Không có báo cáo nào ghi khó khăn, vướng mắc hay đề xuất, kiến nghị.")
    widths: dict[str, float] = {}
    for sent in said:
        _remark(pdf, sent, widths)


def wrapped(pdf: FPDF, text: str, width: float, widths: dict[str, float]) -> list[str]:
    """``text`` in lines no wider than ``width`` in the current font, broken at spaces and at
    its own line breaks (a word wider than a line stands alone). Measured word by word, each
    word once (``widths``: the words measured so far, in this font): fpdf2's ``multi_cell``
    measures its line again at every character, 6 s for a month of the communes' texts."""
    space = pdf.get_string_width(" ")
    lines = []
    for paragraph in text.splitlines() or [""]:
        words: list[str] = []
        used = 0.0
        for word in paragraph.split():
            if word not in widths:
                widths[word] = pdf.get_string_width(word)
            if words and used + space + widths[word] > width:
                lines.append(" ".join(words))
                words, used = [], 0.0
            used += (space if words else 0.0) + widths[word]
            words.append(word)
        lines.append(" ".join(words))
    return lines


#: The remarks' label column and line height.
_LABEL_WIDTH, _TEXT_LINE = 36.0, 4.2


def _remark(pdf: FPDF, sent: SentReport, widths: dict[str, float]) -> None:
    """The commune, period and sending, then each text that was written, wrapped."""
    if pdf.will_page_break(14):
        pdf.add_page(orientation="L")
    at = to_vietnam_time(sent.submitted_at)
    pdf.set_font("DejaVu", "B", 9)
    pdf.set_text_color(*BLUE)
    timing = "muộn" if sent.late else "đúng hạn"
    pdf.cell(
        0,
        5,
        f"{sent.commune_name} · {sent.period.label.capitalize()} · gửi lúc "
        f"{at:%H:%M} ngày {vn_date(at.date())} ({timing})",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_text_color(0, 0, 0)
    for label, text in (
        ("Khó khăn, vướng mắc", sent.difficulties),
        ("Đề xuất, kiến nghị", sent.proposals),
    ):
        if text:
            pdf.set_font("DejaVu", "B", 8)
            pdf.cell(_LABEL_WIDTH, _TEXT_LINE, f"{label}:")
            pdf.set_font("DejaVu", "", 8)
            for line in wrapped(pdf, text, pdf.w - 2 * MARGIN - _LABEL_WIDTH, widths):
                pdf.set_x(MARGIN + _LABEL_WIDTH)
                pdf.cell(0, _TEXT_LINE, line, new_x="LMARGIN", new_y="NEXT")
    pdf.set_draw_color(*LIGHT)
    pdf.line(MARGIN, pdf.get_y() + 1, pdf.w - MARGIN, pdf.get_y() + 1)
    pdf.ln(3)


def _bars(pdf: FPDF, communes: Sequence[Line]) -> None:
    """The communes by book-activation rate, highest first, in two panels side by side;
    a commune without anyone aged 14 or over has no rate and is left out."""
    _heading(
        pdf,
        "Biểu đồ 1. Tỷ lệ kích hoạt sổ sức khỏe điện tử theo xã, phường, đặc khu",
        "Người đã kích hoạt sổ trên người từ 14 tuổi, từ cao đến thấp; vạch đỏ: mục tiêu 100 %.",
    )
    rated = sorted(
        (line for line in communes if line.books_rate is not None),
        key=lambda line: (-(line.books_rate or 0), line.code),
    )
    if not rated:
        pdf.set_font("DejaVu", "", 10)
        pdf.cell(0, 6, "Chưa có xã nào có người từ 14 tuổi trong sổ đăng ký.")
        return
    half = (len(rated) + 1) // 2
    panels = (rated[:half], rated[half:])
    top, bottom = pdf.get_y(), pdf.h - MARGIN - 8
    gap, label_width, figure_width = 8, 42, 16
    panel_width = (pdf.w - 2 * MARGIN - gap) / 2
    bar_room = panel_width - label_width - figure_width
    step = min(6.0, (bottom - top) / max(half, 1))
    for n, panel in enumerate(panels):
        x = MARGIN + n * (panel_width + gap)
        axis = x + label_width
        pdf.set_draw_color(*LIGHT)
        for tenth in range(0, 11, 2):
            grid = axis + bar_room * tenth / 10
            pdf.line(grid, top, grid, top + step * max(len(panel), 1))
        for i, line in enumerate(panel):
            y = top + i * step
            pdf.set_font("DejaVu", "", min(7, step * 2))
            pdf.set_xy(x, y)
            pdf.cell(label_width - 1, step, line.name, align="R")
            pdf.set_fill_color(*BLUE)
            pdf.rect(
                axis, y + step * 0.15, bar_room * min(line.books_rate or 0, 1), step * 0.7, "F"
            )
            pdf.set_xy(axis + bar_room, y)
            pdf.cell(figure_width, step, _percent(line.books_rate), align="R")
        height = step * max(len(panel), 1)
        pdf.set_draw_color(*RED)
        pdf.set_line_width(0.5)
        pdf.line(axis + bar_room, top - 1, axis + bar_room, top + height + 1)
        pdf.set_line_width(0.2)
        pdf.set_font("DejaVu", "", 6)
        pdf.set_text_color(*GREY)
        for tenth in range(0, 11, 2):
            pdf.set_xy(axis + bar_room * tenth / 10 - 6, top + height + 1)
            pdf.cell(12, 3, f"{tenth * 10} %", align="C")
        pdf.set_text_color(0, 0, 0)


def _trend(pdf: FPDF, report: ProvinceReport) -> None:
    """The province's three rates on each snapshot day, on a 0–100 % scale."""
    _heading(
        pdf,
        f"Biểu đồ 2. Tỷ lệ toàn tỉnh theo ngày, tháng {report.month:%m/%Y}",
        "Định danh mức 2 và kích hoạt sổ trên người từ 14 tuổi; thẻ tích hợp trên người có "
        "thẻ BHYT. Mỗi điểm là một ngày có số liệu.",
    )
    left, top = MARGIN + 14, pdf.get_y() + 2
    width, height = pdf.w - 2 * MARGIN - 20, pdf.h - top - MARGIN - 26
    pdf.set_font("DejaVu", "", 7)
    pdf.set_text_color(*GREY)
    for tenth in range(0, 11):
        y = top + height * (1 - tenth / 10)
        pdf.set_draw_color(*(RED if tenth == 10 else LIGHT))
        pdf.line(left, y, left + width, y)
        pdf.set_xy(left - 14, y - 2)
        pdf.cell(12, 4, f"{tenth * 10} %", align="R")
    days = report.trend
    month_days = (_last_day(report.month) - report.month).days or 1

    def x_of(day: dt.date) -> float:
        return left + width * (day - report.month).days / month_days

    for day in range(1, _last_day(report.month).day + 1, 3):
        at = report.month.replace(day=day)
        pdf.set_xy(x_of(at) - 6, top + height + 1)
        pdf.cell(12, 4, f"{at:%d/%m}", align="C")
    pdf.set_line_width(0.6)
    for (_, colour), rates in zip(SERIES, _series(days), strict=True):
        pdf.set_draw_color(*colour)
        pdf.set_fill_color(*colour)
        points = [
            (x_of(day), top + height * (1 - min(rate, 1)))
            for day, rate in rates
            if rate is not None
        ]
        for (x1, y1), (x2, y2) in pairwise(points):
            pdf.line(x1, y1, x2, y2)
        for x, y in points:
            pdf.circle(x, y, 0.9, style="F")
    pdf.set_line_width(0.2)
    _legend(pdf, left, top + height + 8, days)


def _series(days: Sequence[DayRates]) -> list[list[tuple[dt.date, float | None]]]:
    return [
        [(day.day, day.level2_rate) for day in days],
        [(day.day, day.books_rate) for day in days],
        [(day.day, day.cards_rate) for day in days],
    ]


def _legend(pdf: FPDF, x: float, y: float, days: Sequence[DayRates]) -> None:
    """Each series' colour, name and its value on the month's last snapshot day."""
    last = days[-1] if days else None
    ends = (last.level2_rate, last.books_rate, last.cards_rate) if last else (None,) * 3
    pdf.set_font("DejaVu", "", 8)
    pdf.set_text_color(0, 0, 0)
    for (label, colour), end in zip(SERIES, ends, strict=True):
        pdf.set_fill_color(*colour)
        pdf.rect(x, y + 1.2, 6, 2.5, "F")
        pdf.set_xy(x + 8, y)
        text = f"{label}: {_percent(end)}" + (f" ngày {vn_date(last.day)}" if last else "")
        pdf.cell(80, 5, text)
        x += 88


def _last_day(month: dt.date) -> dt.date:
    return next_month(month) - dt.timedelta(days=1)
