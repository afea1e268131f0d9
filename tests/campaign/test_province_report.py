"""The province's monthly report (R18) against a direct count of the register, the card
list, the wallet, the visits, the schools' and enterprises' rosters and the communes' sent
reports: the XLSX read back with openpyxl, the PDF's text with pdftotext; on SQLite and
PostgreSQL."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import uuid
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from sokhoe.access.clock import as_utc
from sokhoe.access.guard import AccessDenied
from sokhoe.access.models import AuditEntry, User
from sokhoe.access.roles import Role
from sokhoe.campaign import commune_reports, establishments, province_report
from sokhoe.campaign.establishment_models import Establishment, EstablishmentMember
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
from sokhoe.campaign.report_models import CommuneReport
from sokhoe.campaign.report_periods import Period, PeriodKind
from sokhoe.campaign.vocabulary import Outcome
from sokhoe.insurance.models import InsuranceCard, WalletIntegration
from sokhoe.registry.models import Citizen, Commune
from sokhoe.registry.units import ensure_province
from sokhoe.vietnam_time import VIETNAM_TIME
from tests.campaign.conftest import Field, account, refreshed
from tests.campaign.test_indicators import _direct_counts, _sum, province
from tests.support.factories import BAC_NHA_TRANG, KHANH_HOA, NHA_TRANG

__all__ = ["province"]

MARCH = dt.date(2026, 3, 1)
START = dt.date(2026, 2, 27)
MIDDLE = dt.date(2026, 3, 10)
END = dt.date(2026, 3, 25)
#: 10:00 on 2 April in Vietnam: the daily reports of 1–30 March were due in March, and are
#: past due; that of 31 March was due on 1 April.
NOW = dt.datetime(2026, 4, 2, 3, 0, tzinfo=dt.UTC)
DUE_IN_MARCH = 30
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


def _vn(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=VIETNAM_TIME)  # type: ignore[misc]


def _establishments(session: Session, field: Field) -> None:
    """Two schools in Nha Trang (one visited on 5/3, one only on 28/3, after the month's
    end snapshot), an enterprise in Bắc Nha Trang visited on 12/3; Bắc Nha Trang has no
    school. The rosters are people of the register."""
    people = {
        commune: list(
            session.scalars(
                select(Citizen)
                .where(Citizen.commune_code == commune)
                .order_by(Citizen.person_id)
                .limit(12)
            )
        )
        for commune in (NHA_TRANG, BAC_NHA_TRANG)
    }
    places = (
        ("school", NHA_TRANG, people[NHA_TRANG][:8], "pupil", field.member, _vn(2026, 3, 5, 9)),
        ("school", NHA_TRANG, people[NHA_TRANG][4:], "pupil", field.member, _vn(2026, 3, 28, 9)),
        (
            "enterprise",
            BAC_NHA_TRANG,
            people[BAC_NHA_TRANG],
            "employee",
            field.stranger,
            _vn(2026, 3, 12, 9),
        ),
    )
    for n, (kind, commune, roster, role, contact, visited_at) in enumerate(places):
        place = Establishment(
            kind=kind, province_code=KHANH_HOA, commune_code=commune, code=f"E{n}", name=f"Nơi {n}"
        )
        session.add(place)
        session.flush()
        for citizen in roster:
            session.add(
                EstablishmentMember(
                    establishment_id=place.id, person_id=citizen.person_id, role=role
                )
            )
        establishments.add_contact(session, place, contact.username)
        session.flush()
        establishments.record_establishment_visit(
            session,
            refreshed(session, contact),
            establishment_id=place.id,
            client_uuid=str(uuid.uuid4()),
            person_id=roster[0].person_id,
            outcome=Outcome.NOT_HOME,
            visited_at=visited_at,
        )


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
    _establishments(session, province)
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


def _establishment_counts(session: Session, commune: int | None) -> dict[str, int]:
    """A unit's schools, pupils and enterprises at the end of the month, from the rosters,
    the visits recorded at the establishments by END and the cards in the wallet."""
    places = [
        place
        for place in session.scalars(select(Establishment))
        if commune is None or place.commune_code == commune
    ]
    visited = {
        visit.establishment_id
        for visit in session.scalars(select(FieldVisit))
        if visit.establishment_id is not None and visit.visited_on <= END
    }
    integrated = set(session.scalars(select(InsuranceCard.person_id))) & set(
        session.scalars(select(WalletIntegration.person_id))
    )
    pupils = [
        member.person_id
        for member in session.scalars(select(EstablishmentMember))
        if member.role == "pupil" and member.establishment_id in {p.id for p in places}
    ]
    schools = [p for p in places if p.kind == "school"]
    enterprises = [p for p in places if p.kind == "enterprise"]
    return {
        "Trường học": len(schools),
        "Trường đã đến vận động": sum(p.id in visited for p in schools),
        "Học sinh": len(pupils),
        "Học sinh có thẻ BHYT tích hợp": sum(p in integrated for p in pupils),
        "Doanh nghiệp": len(enterprises),
        "Doanh nghiệp đã đến vận động": sum(p.id in visited for p in enterprises),
    }


def _report(session: Session) -> ProvinceReport:
    return build_report(session, province_code=KHANH_HOA, month=MARCH, now=NOW)


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
    assert book.sheetnames == [
        "Tổng hợp",
        "Trường học, doanh nghiệp",
        "Báo cáo của xã",
        "Khó khăn, đề xuất",
        "Theo ngày",
        "Biểu đồ",
    ]
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
    places = _lines(book["Trường học, doanh nghiệp"])
    for key in (NHA_TRANG, BAC_NHA_TRANG, None):
        direct = _establishment_counts(session, key)
        for title, expected in direct.items():
            assert places[key][title].value == expected, (key, title)
    assert [
        places[NHA_TRANG][title].value for title in ("Trường học", "Trường đã đến vận động")
    ] == [
        2,
        1,
    ]
    assert places[NHA_TRANG]["% trường đã đến"].value == 0.5
    assert places[BAC_NHA_TRANG]["Trường học"].value == 0
    assert places[BAC_NHA_TRANG]["% trường đã đến"].value is None  # no school: no share
    assert places[BAC_NHA_TRANG]["% doanh nghiệp đã đến"].value == 1


def _lines(sheet: Any) -> dict[int | None, dict[str, Any]]:
    """A sheet of communes' rows by commune code (``None``: the total), their cells by
    heading."""
    titles = [cell.value for cell in sheet[HEADER_ROW]]
    return {
        None if row[2].value == "Toàn tỉnh" else row[1].value: dict(zip(titles, row, strict=True))
        for row in sheet.iter_rows(min_row=HEADER_ROW + 1)
    }


#: More than a PDF line holds, so it must wrap; its last words say it arrived whole.
LONG = (
    "Thôn xa trung tâm thiếu sóng điện thoại, nhiều người cao tuổi không có điện thoại "
    "thông minh; tổ công tác phải quay lại nhiều lần vào buổi tối khi người dân đi làm "
    "rẫy về, và máy đọc căn cước của xã thường xuyên hỏng nên việc định danh mức 2 "
    "chậm hơn kế hoạch đã đề ra cuối cùng"
)


def _send(
    session: Session, officer: Any, commune: int, day: dt.date, at: dt.datetime, **text: str
) -> None:
    period = Period(PeriodKind.DAILY, day)
    view = commune_reports.report_view(
        session, officer, commune_code=commune, period=period, now=at
    )
    commune_reports.save_report(
        session,
        officer,
        commune_code=commune,
        period=period,
        version=view.version,
        difficulties=text.get("difficulties", ""),
        proposals=text.get("proposals", ""),
        submit=text.get("draft") is None,
        now=at,
    )


def test_the_communes_reports_are_counted_and_their_words_kept(
    session: Session, month: Month, tmp_path: Path
) -> None:
    """Nha Trang sends 10/3 on time (with text) and 25/3 late (without); Bắc Nha Trang
    leaves 10/3 a draft and sends 31/3, which is due in April: listed, not counted."""
    field = month.field
    take_snapshot(session, KHANH_HOA, dt.date(2026, 3, 31))  # the figures 31/3's report sends
    _send(
        session,
        field.officer,
        NHA_TRANG,
        MIDDLE,
        _vn(2026, 3, 10, 20),
        difficulties=LONG,
        proposals="Cấp thêm máy đọc căn cước.",
    )
    _send(session, field.officer, NHA_TRANG, END, _vn(2026, 3, 26, 11))
    _send(session, field.other_officer, BAC_NHA_TRANG, MIDDLE, _vn(2026, 3, 10, 21), draft="1")
    _send(
        session,
        field.other_officer,
        BAC_NHA_TRANG,
        dt.date(2026, 3, 31),
        _vn(2026, 3, 31, 22),
        proposals="Xin thêm cán bộ y tế hỗ trợ.",
    )
    session.commit()
    # Counted by hand: a daily report of D is on time until 10:00 on D+1 (Vietnam).
    sent = {
        (r.commune_code, r.period_start): as_utc(r.submitted_at)
        for r in session.scalars(select(CommuneReport))
        if r.submitted_at is not None
    }
    assert len(sent) == 3
    due = {
        key: at
        for key, at in sent.items()
        if key[1] <= dt.date(2026, 3, 30)  # due by 31/3 at the latest
    }
    on_time = [
        key
        for key, at in due.items()
        if at <= dt.datetime.combine(key[1] + dt.timedelta(days=1), dt.time(10), VIETNAM_TIME)
    ]
    communes = session.scalar(
        select(func.count()).select_from(Commune).where(Commune.province_code == KHANH_HOA)
    )
    report = _report(session)
    lines = {line.code: line for line in report.communes}
    assert (lines[NHA_TRANG].reports.due, lines[NHA_TRANG].reports.submitted) == (DUE_IN_MARCH, 2)
    assert lines[NHA_TRANG].reports.on_time == len(on_time) == 1
    assert (lines[BAC_NHA_TRANG].reports.submitted, lines[BAC_NHA_TRANG].reports.on_time) == (0, 0)
    total = report.total.reports
    assert (total.due, total.submitted, total.on_time) == (
        DUE_IN_MARCH * communes,
        len(due),
        len(on_time),
    )
    assert BAC_NHA_TRANG < NHA_TRANG  # by commune code, then period
    assert [(r.commune_code, r.period.start, r.late) for r in report.sent_reports] == [
        (BAC_NHA_TRANG, dt.date(2026, 3, 31), False),
        (NHA_TRANG, MIDDLE, False),
        (NHA_TRANG, END, True),
    ]

    book = openpyxl.load_workbook(
        io.BytesIO(report_file(report, ReportFormat.XLSX, now=NOW).content)
    )
    reporting = _lines(book["Báo cáo của xã"])
    assert [
        reporting[NHA_TRANG][title].value
        for title in ("Số kỳ báo cáo đến hạn", "Đã gửi", "Gửi đúng hạn")
    ] == [DUE_IN_MARCH, 2, 1]
    assert reporting[NHA_TRANG]["Tỷ lệ đầy đủ"].value == pytest.approx(2 / DUE_IN_MARCH)
    assert reporting[None]["Tỷ lệ kịp thời"].value == pytest.approx(1 / (DUE_IN_MARCH * communes))
    remarks = list(book["Khó khăn, đề xuất"].iter_rows(min_row=3, values_only=True))
    assert [row[1:6] for row in remarks] == [
        (
            BAC_NHA_TRANG,
            "Phường Bắc Nha Trang",
            "Ngày 31/03/2026",
            dt.datetime(2026, 3, 31, 22),
            "Đúng hạn",
        ),
        (
            NHA_TRANG,
            lines[NHA_TRANG].name,
            "Ngày 10/03/2026",
            dt.datetime(2026, 3, 10, 20),
            "Đúng hạn",
        ),
        (NHA_TRANG, lines[NHA_TRANG].name, "Ngày 25/03/2026", dt.datetime(2026, 3, 26, 11), "Muộn"),
    ]
    assert remarks[0][6:] == (None, "Xin thêm cán bộ y tế hỗ trợ.")
    assert remarks[1][6:] == (LONG, "Cấp thêm máy đọc căn cước.")

    path = tmp_path / "report.pdf"
    path.write_bytes(report_file(report, ReportFormat.PDF, now=NOW).content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    words = " ".join(text.split())
    assert "2 báo cáo có ý kiến (dưới đây), 1 báo cáo không ghi khó khăn hay đề xuất" in words
    assert (
        f"{lines[NHA_TRANG].name} · Ngày 10/03/2026 · gửi lúc 20:00 ngày 10/03/2026 (đúng hạn)"
        in words
    )
    assert "Phường Bắc Nha Trang · Ngày 31/03/2026 · gửi lúc 22:00 ngày 31/03/2026" in words
    assert "chậm hơn kế hoạch đã đề ra cuối cùng" in words and "Ngày 25/03/2026" not in words
    assert "Xin thêm cán bộ y tế hỗ trợ." in words
    row = next(
        line
        for line in text.splitlines()
        if f" {lines[NHA_TRANG].name} " in line and "%" in line and " 30 " in line
    )
    assert row.split()[-7:] == ["30", "2", "1", "6,7", "%", "3,3", "%"], row


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
        build_report(session, province_code=KHANH_HOA, month=dt.date(2026, 4, 1), now=NOW)
    with pytest.raises(UnknownProvince):
        build_report(session, province_code=99, month=MARCH, now=NOW)


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
    build_report(session, province_code=KHANH_HOA, month=MARCH, now=NOW, actor=officer)
    build_report(session, province_code=KHANH_HOA, month=MARCH, now=NOW)
    with pytest.raises(AccessDenied):
        build_report(session, province_code=KHANH_HOA, month=MARCH, now=NOW, actor=stranger)
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
