"""The paper card as a PDF: one A6 page (105 × 148 mm, a quarter of an A4 sheet), to print,
cut along its frame and keep with the citizen's papers.

The QR code is 56 mm wide: a paper token (300–400 characters: version 10–12, 65–73 modules
with the quiet zone) gets modules of 0.8 mm, which a reception webcam or a phone reads from
20–30 cm and which an office laser printer keeps sharp. Text is set in DejaVu Sans (Debian's
``fonts-dejavu-core``), which has every Vietnamese letter.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import TypeVar

from fpdf import FPDF

from sokhoe.insurance.card_token.qr import qr_png
from sokhoe.insurance.paper_card import PrintedCard, grouped_token_id
from sokhoe.registry.dates import format_partial_date
from sokhoe.vietnam_time import to_vietnam_time

D = TypeVar("D", bound=FPDF)

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
PAGE_WIDTH, PAGE_HEIGHT = 105.0, 148.0
MARGIN = 6.0
QR_SIZE = 56.0
#: BHXH's blue, and a grey for labels.
BLUE = (11, 76, 140)
GREY = (90, 90, 90)
SEXES = {"M": "Nam", "F": "Nữ"}
NOTE = "Xuất trình mã này tại quầy tiếp đón của cơ sở khám chữa bệnh; mã bị thu hồi nếu thẻ bị mất."


class FontsMissing(RuntimeError):
    """DejaVu fonts are not installed (Debian: ``apt install fonts-dejavu-core``)."""


def last_valid_day(expires_at: dt.datetime) -> dt.date:
    """The last whole day, in Vietnam, on which a code expiring at ``expires_at`` still works
    (its card's ``valid_to`` when it expires at the following midnight)."""
    local = to_vietnam_time(expires_at)
    return local.date() - dt.timedelta(days=1)


def _dmy(value: dt.date) -> str:
    return format_partial_date(value, "day")


def dejavu_document(document: type[D], page_format: str | tuple[float, float]) -> D:
    """A portrait ``document`` (``FPDF`` or a subclass) in millimetres, with DejaVu Sans as
    ``"DejaVu"`` (regular and ``"B"``), which has every Vietnamese letter; ``page_format``
    is ``"A4"`` or a size. Raises :class:`FontsMissing`."""
    regular, bold = FONT_DIR / "DejaVuSans.ttf", FONT_DIR / "DejaVuSans-Bold.ttf"
    if not regular.is_file() or not bold.is_file():
        raise FontsMissing(f"thiếu phông chữ DejaVu trong {FONT_DIR} (gói fonts-dejavu-core)")
    pdf = document(orientation="P", unit="mm", format=page_format)
    pdf.add_font("DejaVu", "", str(regular))
    pdf.add_font("DejaVu", "B", str(bold))
    return pdf


def render_pdf(printed: PrintedCard) -> bytes:
    """The card's PDF; its metadata names no person (a file name or a search index would
    show it)."""
    pdf = dejavu_document(FPDF, (PAGE_WIDTH, PAGE_HEIGHT))
    pdf.set_auto_page_break(False)
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_title("Thẻ BHYT giấy - Sổ Khỏe")
    pdf.set_creator("Sổ Khỏe")
    pdf.set_creation_date(printed.issued_at)
    pdf.add_page()
    width = PAGE_WIDTH - 2 * MARGIN
    card = printed.card

    # The frame to cut along, and the header band.
    pdf.set_draw_color(*BLUE)
    pdf.set_line_width(0.4)
    pdf.rect(3, 3, PAGE_WIDTH - 6, PAGE_HEIGHT - 6, round_corners=True, corner_radius=3)
    pdf.set_fill_color(*BLUE)
    pdf.rect(3, 3, PAGE_WIDTH - 6, 17, style="F", round_corners=True, corner_radius=3)
    pdf.set_text_color(255, 255, 255)
    pdf.set_xy(MARGIN, 5)
    pdf.set_font("DejaVu", "B", 13)
    pdf.cell(width, 7, "THẺ BẢO HIỂM Y TẾ", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 8.5)
    pdf.cell(width, 5, "Mã QR Sổ Khỏe · có chữ ký số, kiểm tra được", align="C")

    pdf.set_text_color(0, 0, 0)
    pdf.set_xy(MARGIN, 22.5)
    name = card.full_name.upper()
    size = 12.0
    pdf.set_font("DejaVu", "B", size)
    while pdf.get_string_width(name) > width and size > 7:
        size -= 0.5
        pdf.set_font("DejaVu", "B", size)
    pdf.cell(width, 6, name, align="C", new_x="LMARGIN", new_y="NEXT")

    qr_x = (PAGE_WIDTH - QR_SIZE) / 2
    pdf.image(io.BytesIO(qr_png(printed.token, scale=6)), x=qr_x, y=29, w=QR_SIZE, h=QR_SIZE)

    pdf.set_xy(MARGIN, 29 + QR_SIZE + 1.5)
    facility = " – ".join(part for part in (card.facility_code, printed.facility_name) if part)
    rows = [
        ("Mã thẻ", card.card_number),
        ("Ngày sinh", format_partial_date(card.birth_date, card.birth_precision)),
        ("Giới tính", SEXES.get(card.sex or "", "—")),
        ("Giá trị sử dụng", f"{_dmy(card.valid_from)} – {_dmy(card.valid_to)}"),
        ("Nơi ĐK KCB BĐ", facility or "—"),
    ]
    for label, value in rows:
        pdf.set_font("DejaVu", "", 8)
        pdf.set_text_color(*GREY)
        pdf.cell(27, 5, label)
        pdf.set_font("DejaVu", "B", 9)
        pdf.set_text_color(0, 0, 0)
        pdf.multi_cell(width - 27, 5, value, align="L", new_x="LMARGIN", new_y="NEXT")

    pdf.ln(1)
    pdf.set_draw_color(*GREY)
    pdf.set_line_width(0.2)
    pdf.line(MARGIN, pdf.get_y(), PAGE_WIDTH - MARGIN, pdf.get_y())
    pdf.ln(1.5)
    pdf.set_font("DejaVu", "B", 9)
    pdf.set_text_color(*BLUE)
    expires = _dmy(last_valid_day(printed.expires_at))
    pdf.cell(width, 5, f"Mã có hiệu lực đến hết ngày {expires}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 7.5)
    pdf.set_text_color(*GREY)
    issued = _dmy(to_vietnam_time(printed.issued_at).date())
    token_id = grouped_token_id(printed.token_id)
    pdf.cell(width, 4, f"Cấp ngày {issued} · Số mã {token_id}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    pdf.multi_cell(width, 3.6, NOTE, align="L")
    return bytes(pdf.output())
