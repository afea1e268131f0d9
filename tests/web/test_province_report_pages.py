"""The province's monthly report page and its download, on both backends: the Department of
Health of the province gets the months and the files; every other role, and another
province's Department of Health, gets the app's 404 on both addresses; a malformed month
or format is a 400 with a message, a month without snapshots a 404 with one."""

from __future__ import annotations

import datetime as dt
import io
from urllib.parse import urlencode

import openpyxl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from sokhoe.access.models import AuditEntry
from sokhoe.access.roles import Role
from sokhoe.access.service import create_user
from sokhoe.campaign.indicators import take_snapshot
from sokhoe.campaign.province_report_xlsx import HEADER_ROW
from sokhoe.registry.models import Citizen, Facility, Village
from sokhoe.registry.units import ensure_province
from sokhoe.runtime import Database
from tests.web.conftest import ADMIN, KHANH_HOA, NHA_TRANG, OFFICER, PASSWORD, sign_in

PAGE, DOWNLOAD = "/bao-cao/thang", "/bao-cao/thang/tai-ve"
HAI_PHONG = 31
PERSON = "056085000011"
#: Every role but the Department of Health (another province's: see its own test).
OUTSIDERS = [
    ADMIN,
    OFFICER,
    "report.thanhvien",
    "report.congan",
    "report.bhxh",
    "report.letan",
    "report.congdan",
]


@pytest.fixture
def province(database: Database) -> int:
    """Nha Trang's Tổ 1 with a few residents, snapshots on 28/02, 15/03 and 31/03, an
    account of every role; the number of Nha Trang's residents."""
    with database.sessions() as session:
        ensure_province(session, HAI_PHONG)
        village = Village(commune_code=NHA_TRANG, name="Tổ 1")
        session.add(village)
        session.add(Facility(code="56001", name="Trạm Y tế", commune_code=NHA_TRANG, kind="t"))
        session.flush()
        for n in range(7):
            session.add(
                Citizen(
                    person_id=f"0560850000{n + 11:02d}",
                    full_name=f"Người {n}",
                    birth_date=dt.date(1980 + 5 * n, 1, 1),
                    commune_code=NHA_TRANG,
                    village_id=village.id,
                    household_id=f"HO{n // 2}",
                    level2_eid=n % 2 == 0,
                )
            )
        session.flush()
        accounts = {
            "report.soyte": {"role": Role.HEALTH_DEPARTMENT, "province_code": KHANH_HOA},
            "report.soyte.haiphong": {"role": Role.HEALTH_DEPARTMENT, "province_code": HAI_PHONG},
            "report.thanhvien": {
                "role": Role.GUIDANCE_MEMBER,
                "commune_code": NHA_TRANG,
                "village_ids": [village.id],
            },
            "report.congan": {"role": Role.POLICE_OFFICER, "province_code": KHANH_HOA},
            "report.bhxh": {"role": Role.BHXH_OFFICER, "province_code": KHANH_HOA},
            "report.letan": {"role": Role.CLINIC_STAFF, "facility_code": "56001"},
            "report.congdan": {"role": Role.CITIZEN, "person_id": PERSON},
        }
        for username, fields in accounts.items():
            create_user(
                session, username=username, password=PASSWORD, display_name=username, **fields
            )  # type: ignore[arg-type]
        for day in (dt.date(2026, 2, 28), dt.date(2026, 3, 15), dt.date(2026, 3, 31)):
            take_snapshot(session, KHANH_HOA, day)
        residents = session.scalar(
            select(func.count()).select_from(Citizen).where(Citizen.commune_code == NHA_TRANG)
        )
        session.commit()
    assert residents
    return residents


def _as(client: TestClient, username: str) -> TestClient:
    client.cookies.clear()
    assert sign_in(client, username).status_code == 303
    return client


def _download(month: str = "2026-03", kind: str = "xlsx") -> str:
    return f"{DOWNLOAD}?{urlencode({'thang': month, 'dinh-dang': kind})}"


def test_the_department_of_health_sees_the_months_with_snapshots(
    client: TestClient, province: int
) -> None:
    page = _as(client, "report.soyte").get(PAGE)
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert "Báo cáo tháng của tỉnh" in page.text
    assert "Tải XLSX" in page.text and "Tải PDF" in page.text
    march = page.text.index("03/2026 (số liệu đến 31/03/2026)")
    february = page.text.index("02/2026 (số liệu đến 28/02/2026)")
    assert march < february


def test_the_xlsx_counts_the_communes_residents(
    client: TestClient, database: Database, province: int
) -> None:
    answer = _as(client, "report.soyte").get(_download())
    assert answer.status_code == 200
    assert answer.headers["content-disposition"] == (
        'attachment; filename="bao-cao-so-suc-khoe-56-2026-03.xlsx"'
    )
    assert answer.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert answer.headers["cache-control"] == "no-store"
    sheet = openpyxl.load_workbook(io.BytesIO(answer.content))["Tổng hợp"]
    titles = [cell.value for cell in sheet[HEADER_ROW]]
    (row,) = [
        r for r in sheet.iter_rows(min_row=HEADER_ROW + 1, values_only=True) if r[1] == NHA_TRANG
    ]
    assert dict(zip(titles, row, strict=True))["Dân số"] == province
    with database.sessions() as session:
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "province_monthly_report")
        ).one()
    assert entry.actor_role == "health_department" and entry.purpose == "statistics"


def test_the_pdf_is_answered(client: TestClient, province: int) -> None:
    answer = _as(client, "report.soyte").get(_download(kind="pdf"))
    assert answer.status_code == 200 and answer.content.startswith(b"%PDF-")
    assert answer.headers["content-type"] == "application/pdf"
    assert 'filename="bao-cao-so-suc-khoe-56-2026-03.pdf"' in answer.headers["content-disposition"]


@pytest.mark.parametrize(
    ("month", "kind"),
    [
        ("2026-3", "xlsx"),
        ("tháng ba", "pdf"),
        ("2026-13", "xlsx"),
        ("2026-03", "csv"),
        ("2026-03", ""),
    ],
)
def test_a_malformed_month_or_format_is_a_400_with_a_message(
    client: TestClient, province: int, month: str, kind: str
) -> None:
    answer = _as(client, "report.soyte").get(_download(month, kind))
    assert answer.status_code == 400
    assert "Tháng hoặc định dạng tệp không hợp lệ" in answer.text


def test_a_month_without_snapshots_is_a_404_with_a_message(
    client: TestClient, province: int
) -> None:
    answer = _as(client, "report.soyte").get(_download("2026-04"))
    assert answer.status_code == 404
    assert "Tháng này chưa có số liệu chỉ số nào" in answer.text


def test_without_any_snapshot_the_page_says_to_take_one(
    client: TestClient, database: Database
) -> None:
    with database.sessions() as session:
        create_user(
            session,
            username="report.soyte",
            password=PASSWORD,
            display_name="Sở Y tế",
            role=Role.HEALTH_DEPARTMENT,
            province_code=KHANH_HOA,
        )
        session.commit()
    page = _as(client, "report.soyte").get(PAGE)
    assert page.status_code == 200 and "Chưa có số liệu chỉ số nào." in page.text
    assert "Tải XLSX" not in page.text


@pytest.mark.parametrize("username", OUTSIDERS)
def test_everyone_else_gets_the_apps_404(
    client: TestClient, database: Database, province: int, username: str
) -> None:
    _as(client, username)
    missing = client.get("/khong-co-trang-nay")
    for address in (PAGE, _download(), _download(kind="pdf")):
        answer = client.get(address)
        assert answer.status_code == 404, (username, address)
        assert answer.text == missing.text
    with database.sessions() as session:
        given = session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "province_monthly_report")
        )
    assert given == 0


def test_another_provinces_department_sees_only_its_own_province(
    client: TestClient, province: int
) -> None:
    _as(client, "report.soyte.haiphong")
    page = client.get(PAGE)
    assert page.status_code == 200 and "Chưa có số liệu chỉ số nào." in page.text
    assert "03/2026" not in page.text
    for kind in ("xlsx", "pdf"):
        answer = client.get(_download(kind=kind))
        assert answer.status_code == 404 and "content-disposition" not in answer.headers
        assert "Tháng này chưa có số liệu chỉ số nào" in answer.text


def test_signed_out_goes_to_the_login(client: TestClient, province: int) -> None:
    for address in (PAGE, _download()):
        answer = client.get(address)
        assert answer.status_code in (302, 303) and "/dang-nhap" in answer.headers["location"]
