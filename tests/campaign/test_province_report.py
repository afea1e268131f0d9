"""The province's monthly report (R18) against a direct count of the register, the card
list, the wallet and the visits: the XLSX read back with openpyxl, the PDF's text with
pdftotext; on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
from dataclasses import dataclass, replace
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from sokhoe.access.guard import AccessDenied
from sokhoe.access.models import AuditEntry, User
from sokhoe.access.roles import Role
from sokhoe.campaign import province_report
from sokhoe.campaign.indicators import UnknownProvince, take_snapshot
from sokhoe.campaign.models import FieldVisit
from sokhoe.campaign.province_report import (
    BadMonth,
    NoSnapshot,
    ProvinceReport,
    ReportFormat,
    ReportMonth,
    build_report,
    parse_month,
    report_months,
)
from sokhoe.campaign.province_report_files import report_file
from sokhoe.campaign.province_report_xlsx import HEADER_ROW
from sokhoe.insurance.models import InsuranceCard, WalletIntegration
from sokhoe.registry.models import Citizen, Commune
from sokhoe.registry.units import ensure_province
from tests.campaign.conftest import Field, account
from tests.campaign.test_indicators import _direct_counts, _sum, province
from tests.support.factories import BAC_NHA_TRANG, KHANH_HOA, NHA_TRANG

__all__ = ["province"]

MARCH = dt.date(2026, 3, 1)
START = dt.date(2026, 2, 27)
MIDDLE = dt.date(2026, 3, 10)
END = dt.date(2026, 3, 25)
TODAY = dt.date(2026, 4, 2)
NOW = dt.datetime(2026, 4, 2, 3, 0, tzinfo=dt.UTC)
HAI_PHONG = 31
#: Residents added to Bắc Nha Trang's Tổ 9, so its figures need a thousands separator.
CROWD = 1_100

Counts = tuple[int, ...]


@dataclass(frozen=True)
class Month:
    field: Field
    #: Direct counts per commune (and ``None``: the province) on START and END.
    start: dict[int | None, Counts]
    end: dict[int | None, Counts]


def _per_commune(session: Session, field: Field, day: dt.date) -> dict[int | None, Counts]:
    villages = _direct_counts(session, day)
    return {
        NHA_TRANG: _sum([villages[field.to_1.id], villages[field.to_2.id], villages[None]]),
        BAC_NHA_TRANG: villages[field.to_9.id],
        None: _sum(list(villages.values())),
    }


def _progress(session: Session) -> None:
    """March's work: every citizen account signs in, half the cards not yet in the wallet
    go in."""
    for user in session.scalars(select(User).where(User.role == Role.CITIZEN.value)):
        user.last_login_at = user.last_login_at or NOW
    wallet = set(session.scalars(select(WalletIntegration.person_id)))
    waiting = [c for c in session.scalars(select(InsuranceCard)) if c.person_id not in wallet]
    for card in waiting[::2]:
        session.add(WalletIntegration(person_id=card.person_id, card_number=card.card_number))
    session.flush()


@pytest.fixture
def month(session: Session, province: Field) -> Month:
    """Snapshots on 27/02 (before the month), 10/03 and 25/03, with the register moving in
    between; the direct counts taken at the same moments."""
    session.execute(
        insert(Citizen),
        [
            {
                "person_id": f"0562{n:08d}",
                "full_name": "Người thêm",
                "birth_date": dt.date(1980, 1, 1),
                "birth_precision": "day",
                "commune_code": BAC_NHA_TRANG,
                "village_id": province.to_9.id,
                "household_id": f"HT{n // 4}",
                "level2_eid": n % 3 != 0,
            }
            for n in range(CROWD)
        ],
    )
    take_snapshot(session, KHANH_HOA, START)
    start = _per_commune(session, province, START)
    _progress(session)
    take_snapshot(session, KHANH_HOA, MIDDLE)
    take_snapshot(session, KHANH_HOA, END)
    session.commit()
    return Month(province, start, _per_commune(session, province, END))


def _expected(month: Month, key: int | None) -> dict[str, int | float]:
    """A line's figures by the XLSX's column titles, from the direct counts."""
    end, start = month.end[key], month.start[key]
    return {
        "Dân số": end[0],
        "Từ 14 tuổi": end[1],
        "Định danh mức 2": end[2],
        "% định danh mức 2": end[2] / end[1],
        "Đã kích hoạt sổ SKĐT": end[3],
        "% kích hoạt sổ": end[3] / end[1],
        "Kích hoạt tăng trong tháng": end[3] - start[3],
        "Người có thẻ BHYT": end[4],
        "Thẻ đã tích hợp VNeID": end[5],
        "% thẻ tích hợp": end[5] / end[4],
        "Tích hợp tăng trong tháng": end[5] - start[5],
        "Lượt thăm hộ trong tháng": end[7] - start[7],
        "Hộ đã thăm (lũy kế)": end[8],
    }


def _report(session: Session) -> ProvinceReport:
    return build_report(session, province_code=KHANH_HOA, month=MARCH, today=TODAY)


def test_the_month_runs_from_the_last_snapshot_before_it_to_its_last(
    session: Session, month: Month
) -> None:
    report = _report(session)
    assert (report.start_day, report.end_day) == (START, END)
    communes = session.scalar(
        select(func.count()).select_from(Commune).where(Commune.province_code == KHANH_HOA)
    )
    assert [line.code for line in report.communes] == sorted(
        session.scalars(select(Commune.code).where(Commune.province_code == KHANH_HOA))
    )
    assert len(report.communes) == communes
    assert [day.day for day in report.trend] == [MIDDLE, END]
    assert report.department == "SỞ Y TẾ TỈNH KHÁNH HÒA"
    city = replace(
        report, province_name="Thành phố Hải Phòng", division_type="thành phố trung ương"
    )
    assert city.department == "SỞ Y TẾ THÀNH PHỐ HẢI PHÒNG"
    assert report.title == "BÁO CÁO KẾT QUẢ TRIỂN KHAI SỔ SỨC KHỎE ĐIỆN TỬ THÁNG 03/2026"
    # March's visits, counted on the visits themselves.
    visits = session.scalar(
        select(func.count())
        .select_from(FieldVisit)
        .where(FieldVisit.visited_on >= MARCH, FieldVisit.visited_on <= END)
    )
    assert report.total.visits_in_month == visits > 0
    assert report.total.books_activated_change > 0 and report.total.cards_integrated_change > 0


def test_the_xlsx_equals_a_direct_count(session: Session, month: Month) -> None:
    written = report_file(_report(session), ReportFormat.XLSX, now=NOW)
    assert written.filename == "bao-cao-so-suc-khoe-56-2026-03.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(written.content))
    assert book.sheetnames == ["Tổng hợp", "Theo ngày", "Biểu đồ"]
    sheet = book["Tổng hợp"]
    assert sheet["A1"].value == "SỞ Y TẾ TỈNH KHÁNH HÒA"
    assert sheet["A2"].value.endswith("THÁNG 03/2026")
    assert sheet["D3"].value == dt.datetime(2026, 3, 25) and sheet["D3"].number_format == (
        "dd/mm/yyyy"
    )
    assert sheet["D5"].value == dt.datetime(2026, 4, 2)
    titles = [cell.value for cell in sheet[HEADER_ROW]]
    rows = {
        row[1].value if row[2].value != "Toàn tỉnh" else None: row
        for row in sheet.iter_rows(min_row=HEADER_ROW + 1)
    }
    for key in (BAC_NHA_TRANG, None):
        cells = dict(zip(titles, rows[key], strict=True))
        for title, expected in _expected(month, key).items():
            assert cells[title].value == pytest.approx(expected), (key, title)
        assert cells["Dân số"].number_format == "#,##0"
        assert cells["% kích hoạt sổ"].number_format == "0.0%"
    assert rows[None][0].font.b and rows[BAC_NHA_TRANG][2].value == "Phường Bắc Nha Trang"
    assert month.end[BAC_NHA_TRANG][0] > 1_000
    days = list(book["Theo ngày"].iter_rows(min_row=2, values_only=True))
    assert [row[0] for row in days] == [dt.datetime(2026, 3, 10), dt.datetime(2026, 3, 25)]
    total = month.end[None]
    assert days[-1][2] == pytest.approx(total[3] / total[1])
    assert len(book["Biểu đồ"]._charts) == 2


def _thousands(number: int) -> str:
    """1.234.567, written here without the app's formatting."""
    text = f"{abs(number):,}".replace(",", ".")
    return ("-" if number < 0 else "") + text


def _change(number: int) -> str:
    return ("+" if number > 0 else "") + _thousands(number)


def test_the_pdf_says_the_direct_count_in_vietnamese_formats(
    session: Session, month: Month, tmp_path: Path
) -> None:
    written = report_file(_report(session), ReportFormat.PDF, now=NOW)
    assert written.filename == "bao-cao-so-suc-khoe-56-2026-03.pdf"
    path = tmp_path / written.filename
    path.write_bytes(written.content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert "SỞ Y TẾ TỈNH KHÁNH HÒA" in text
    assert "BÁO CÁO KẾT QUẢ TRIỂN KHAI SỔ SỨC KHỎE ĐIỆN TỬ THÁNG 03/2026" in text
    assert "Số liệu đến ngày 25/03/2026" in text and "Ngày lập báo cáo 02/04/2026" in text
    assert "Biểu đồ 1." in text and "Biểu đồ 2." in text
    pages = text.count("\f")
    assert f"Trang 1/{pages}" in text and f"Trang {pages}/{pages}" in text
    lines = text.splitlines()
    for key, name in ((BAC_NHA_TRANG, "Phường Bắc Nha Trang"), (None, "Toàn tỉnh")):
        end, start = month.end[key], month.start[key]
        counts = [
            _thousands(end[0]),
            _thousands(end[1]),
            _thousands(end[2]),
            _thousands(end[3]),
            _change(end[3] - start[3]),
            _thousands(end[4]),
            _thousands(end[5]),
            _change(end[5] - start[5]),
            _thousands(end[7] - start[7]),
            _thousands(end[8]),
        ]
        rows = [line for line in lines if name in line]
        tails = [
            [w for w in row.split() if "," not in w and w != "%"][-len(counts) :] for row in rows
        ]
        assert counts in tails, (name, rows)
    assert "1." in _thousands(month.end[None][0])


def test_a_month_without_an_earlier_snapshot_starts_at_its_first(
    session: Session, province: Field
) -> None:
    for day in (dt.date(2026, 3, 19), END):
        take_snapshot(session, KHANH_HOA, day)
    report = _report(session)
    assert report.start_day == dt.date(2026, 3, 19)
    # The visits of the 19th belong to the month even though it is the start.
    visits = session.scalar(select(func.count()).select_from(FieldVisit))
    assert report.total.visits_in_month == visits > 0
    # Nothing moved in between but birthdays: the ones turning 14 on the 20th and 21st.
    first, last = (
        _sum(list(_direct_counts(session, day).values())) for day in (dt.date(2026, 3, 19), END)
    )
    assert report.total.books_activated_change == last[3] - first[3] > 0


def test_a_month_without_any_snapshot_is_refused(session: Session, month: Month) -> None:
    with pytest.raises(NoSnapshot, match="04/2026"):
        build_report(session, province_code=KHANH_HOA, month=dt.date(2026, 4, 1), today=TODAY)
    with pytest.raises(UnknownProvince):
        build_report(session, province_code=99, month=MARCH, today=TODAY)


def test_the_months_offered_are_those_with_snapshots(session: Session, month: Month) -> None:
    assert report_months(session, KHANH_HOA) == [
        ReportMonth(MARCH, END),
        ReportMonth(dt.date(2026, 2, 1), START),
    ]
    assert report_months(session, 1) == []


@pytest.mark.parametrize("text", ["2026-3", "2026-13", "2026-00", "03/2026", "", "abcd-ef"])
def test_a_malformed_month_is_refused(text: str) -> None:
    with pytest.raises(BadMonth):
        parse_month(text)


def test_a_month_is_read(session: Session) -> None:
    assert parse_month(" 2026-03 ") == MARCH
    assert province_report.next_month(dt.date(2026, 12, 1)) == dt.date(2027, 1, 1)


def test_each_report_is_audited_and_an_outsider_refused(session: Session, month: Month) -> None:
    officer = account(session, "soyte", Role.HEALTH_DEPARTMENT, province_code=KHANH_HOA)
    ensure_province(session, HAI_PHONG)
    stranger = account(session, "soyte.hp", Role.HEALTH_DEPARTMENT, province_code=HAI_PHONG)
    build_report(session, province_code=KHANH_HOA, month=MARCH, today=TODAY, actor=officer)
    build_report(session, province_code=KHANH_HOA, month=MARCH, today=TODAY)
    with pytest.raises(AccessDenied):
        build_report(session, province_code=KHANH_HOA, month=MARCH, today=TODAY, actor=stranger)
    entries = session.scalars(
        select(AuditEntry)
        .where(AuditEntry.action == "province_monthly_report")
        .order_by(AuditEntry.id)
    ).all()
    assert [(e.actor_role, e.outcome, e.purpose) for e in entries] == [
        ("health_department", "allowed", "statistics"),
        ("none", "allowed", "statistics"),
        ("health_department", "denied", "statistics"),
    ]
    assert all(e.subject_person_id is None and "03/2026" in e.detail for e in entries)
