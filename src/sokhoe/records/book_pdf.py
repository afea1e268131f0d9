"""The whole health book as a printable A4 PDF in Vietnamese (R3–R5): the person, then each
section of the book page as a table (visits, vaccinations against the schedule, referral
letters, re-exam appointments), every visit and not a page of them.

A table runs over as many pages as it needs and repeats its heading on each; every page
says which page it is of how many, and the day the book was printed. Set in DejaVu Sans,
like the paper card (:func:`~sokhoe.insurance.paper_card_pdf.dejavu_document`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from fpdf import FPDF
from fpdf.fonts import FontFace

from sokhoe.insurance.paper_card_pdf import dejavu_document
from sokhoe.records import clinical, icd10
from sokhoe.records.book import OUTCOMES, VISIT_TYPES, DoseLine, DoseStatus
from sokhoe.records.book_export import WholeBook
from sokhoe.registry.dates import format_partial_date
from sokhoe.vietnam_time import to_vietnam_time

MEDIA_TYPE = "application/pdf"
MARGIN = 15.0
TITLE = "SỔ SỨC KHỎE ĐIỆN TỬ"
BLUE = (11, 76, 140)
GREY = (90, 90, 90)
HEADING = FontFace(emphasis="BOLD", color=(255, 255, 255), fill_color=BLUE)
SEXES = {"M": "Nam", "F": "Nữ"}
DOSE_STATUS = {
    DoseStatus.DONE: "Đã tiêm",
    DoseStatus.DUE: "Đến hạn",
    DoseStatus.OVERDUE: "Quá hạn",
    DoseStatus.UPCOMING: "Sắp tới",
}


class _BookDocument(FPDF):
    """Pages with the book's running footer: the day it was printed, and the page number."""

    printed_on = ""

    def footer(self) -> None:
        self.set_y(-MARGIN + 3)
        self.set_font("DejaVu", "", 8)
        self.set_text_color(*GREY)
        width = self.w - 2 * MARGIN
        self.cell(width / 2, 5, f"Sổ Khỏe · in ngày {self.printed_on}")
        self.cell(width / 2, 5, f"Trang {self.page_no()}/{{nb}}", align="R")


def book_pdf(book: WholeBook, *, now: dt.datetime) -> bytes:
    """The book's PDF, printed at ``now`` (aware) on ``book.today``. Its metadata names no
    person."""
    pdf = dejavu_document(_BookDocument, "A4")
    pdf.printed_on = _day(book.today)
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(True, margin=MARGIN + 3)
    pdf.set_title("Sổ sức khỏe điện tử - Sổ Khỏe")
    pdf.set_creator("Sổ Khỏe")
    pdf.set_creation_date(now)
    pdf.add_page()
    _person(pdf, book)
    _visits(pdf, book)
    _vaccinations(pdf, book)
    _referrals(pdf, book)
    _appointments(pdf, book)
    return bytes(pdf.output())


def _person(pdf: FPDF, book: WholeBook) -> None:
    person = book.person
    pdf.set_font("DejaVu", "B", 16)
    pdf.set_text_color(*BLUE)
    pdf.cell(0, 9, TITLE, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9)
    pdf.set_text_color(*GREY)
    printed = f"In ngày {_day(book.today)} từ Sổ Khỏe"
    pdf.cell(0, 5, printed, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    birth = "—"
    if person.birth_date is not None:
        birth = format_partial_date(person.birth_date, person.birth_precision)
    residence = ", ".join(part for part in (person.village, person.commune) if part)
    rows = [
        ("Họ và tên", person.full_name),
        ("Số định danh cá nhân", person.person_id),
        ("Ngày sinh", birth),
        ("Giới tính", SEXES.get(person.sex or "", "—")),
        ("Nơi cư trú", residence or "—"),
    ]
    for label, value in rows:
        pdf.set_font("DejaVu", "", 10)
        pdf.set_text_color(*GREY)
        pdf.cell(45, 6, label)
        pdf.set_font("DejaVu", "B", 10)
        pdf.set_text_color(0, 0, 0)
        pdf.multi_cell(0, 6, value, new_x="LMARGIN", new_y="NEXT")


def _section(pdf: FPDF, title: str, note: str | None = None) -> None:
    pdf.ln(4)
    if pdf.will_page_break(30):  # a heading alone at the foot of a page
        pdf.add_page()
    pdf.set_font("DejaVu", "B", 12)
    pdf.set_text_color(*BLUE)
    pdf.cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9)
    pdf.set_text_color(*GREY)
    if note:
        pdf.multi_cell(0, 5, note, new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)


def _table(
    pdf: FPDF, widths: Sequence[int], headings: Sequence[str], rows: Sequence[Sequence[str]]
) -> None:
    pdf.set_font("DejaVu", "", 9)
    with pdf.table(
        col_widths=tuple(widths),
        headings_style=HEADING,
        line_height=4.6,
        text_align="LEFT",
        v_align="TOP",
        padding=1.2,
        borders_layout="HORIZONTAL_LINES",
    ) as table:
        table.row(headings)
        for row in rows:
            table.row(row)


def _empty(pdf: FPDF, text: str) -> None:
    pdf.set_font("DejaVu", "", 10)
    pdf.cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")


def _visits(pdf: FPDF, book: WholeBook) -> None:
    count = len(book.visits)
    _section(pdf, "Lịch sử khám chữa bệnh", f"{count} lần khám chữa bệnh, mới nhất trước.")
    if not book.visits:
        _empty(pdf, "Chưa có lần khám chữa bệnh nào được ghi nhận.")
        return
    rows = [_visit_row(book, visit) for visit in book.visits]
    _table(pdf, (22, 48, 80, 30), ("Ngày", "Cơ sở khám chữa bệnh", "Chẩn đoán", "Kết quả"), rows)


def _visit_row(book: WholeBook, visit: clinical.Visit) -> list[str]:
    start = to_vietnam_time(visit.started_at).date()
    end = to_vietnam_time(visit.ended_at).date() if visit.ended_at else start
    days = _day(start) + (f" –\n{_day(end)}" if end != start else "")
    place = book.facility(visit.facility_code) or ""
    if visit.visit_type:
        place += f"\n{VISIT_TYPES.get(visit.visit_type, visit.visit_type)}"
    diagnoses = []
    if visit.main_diagnosis:
        diagnoses.append(_diagnosis(visit.main_diagnosis))
    diagnoses += [f"Kèm theo: {_diagnosis(code)}" for code in visit.other_diagnoses]
    outcome = OUTCOMES.get(visit.outcome or "", visit.outcome or "")
    if visit.re_exam_on:
        outcome += f"\nHẹn tái khám {_day(visit.re_exam_on)}"
    return [days, place, "\n".join(diagnoses) or "—", outcome.strip() or "—"]


def _vaccinations(pdf: FPDF, book: WholeBook) -> None:
    note = None
    if book.on_schedule:
        note = f"Theo lịch tiêm chủng mở rộng quốc gia, tính đến ngày {_day(book.today)}."
    _section(pdf, "Tiêm chủng", note)
    if not book.vaccinations:
        _empty(pdf, "Chưa có mũi tiêm nào được ghi nhận.")
        return
    rows = [_dose_row(dose) for dose in book.vaccinations]
    _table(pdf, (70, 14, 24, 72), ("Vắc xin", "Mũi", "Trạng thái", "Ngày, nơi tiêm"), rows)


def _dose_row(dose: DoseLine) -> list[str]:
    if dose.status is DoseStatus.DONE:
        when = _day(dose.given_on) + (f"\n{dose.facility}" if dose.facility else "")
    elif dose.status is DoseStatus.UPCOMING:
        when = f"Từ ngày {_day(dose.due_on)}"
    else:
        when = f"Đến hạn từ {_day(dose.due_on)}"
    number = str(dose.dose_number) if dose.dose_number else ""
    return [dose.vaccine_name, number, DOSE_STATUS[dose.status], when]


def _referrals(pdf: FPDF, book: WholeBook) -> None:
    _section(pdf, "Giấy chuyển tuyến")
    if not book.referrals:
        _empty(pdf, "Chưa có giấy chuyển tuyến.")
        return
    rows = [
        [
            _day(letter.referred_on),
            letter.number or "",
            book.facility(letter.facility_code) or "",
            book.facility(letter.to_facility) or "—",
            "\n".join(
                filter(None, [_named(letter.diagnosis, letter.diagnosis_text), letter.reason])
            ),
        ]
        for letter in book.referrals
    ]
    headings = ("Ngày", "Số giấy", "Nơi chuyển", "Nơi đến", "Chẩn đoán, lý do")
    _table(pdf, (22, 22, 42, 42, 52), headings, rows)


def _appointments(pdf: FPDF, book: WholeBook) -> None:
    _section(pdf, "Giấy hẹn khám lại")
    if not book.appointments:
        _empty(pdf, "Chưa có giấy hẹn khám lại.")
        return
    rows = [
        [
            _day(appointment.on),
            "Sắp tới" if appointment.on >= book.today else "Đã qua",
            book.facility(appointment.facility_code) or "",
            _named(appointment.diagnosis, appointment.diagnosis_text) or "—",
            appointment.number or "",
        ]
        for appointment in book.appointments
    ]
    headings = ("Ngày hẹn", "", "Cơ sở", "Chẩn đoán", "Số giấy")
    _table(pdf, (22, 18, 55, 60, 25), headings, rows)


def _diagnosis(code: str) -> str:
    return f"{icd10.name(code)} ({code})"


def _named(code: str | None, text: str | None) -> str | None:
    """A letter's diagnosis: its code named in Vietnamese, else the facility's words."""
    return _diagnosis(code) if code else text


def _day(value: dt.date | None) -> str:
    return format_partial_date(value, "day") if value is not None else ""
