"""The health book in a browser on a 360 px phone (R3, R4, R5): a mother opens it from her
home, sets the wallet passcode, unlocks the book and reads her visits with their Vietnamese
diagnoses and her appointments; then switches to her daughter's book, whose vaccinations
stand against the national schedule, without typing the passcode again. She takes her book
away as a PDF to print."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from sokhoe.access.roles import Role
from sokhoe.access.service import create_user, get_by_username
from sokhoe.records.clinical import (
    Appointment,
    ClinicalRecord,
    Immunization,
    Patient,
    Referral,
    Visit,
)
from sokhoe.records.ingest import ingest_batch
from sokhoe.registry.models import Citizen, Facility, GuardianLink
from sokhoe.registry.units import ensure_province
from tests.browser.conftest import LiveServer
from tests.browser.steps import assert_fits_width, browsing, sign_in, unlock_own_book

PHONE_360: ViewportSize = {"width": 360, "height": 780}
PASSWORD = "mật khẩu công dân"
USERNAME = "congdan.mai"
CODE = "135790"
NHA_TRANG, KHANH_HOA = 22366, 56
STATION, HOSPITAL = "56701", "56702"
TODAY = dt.date.today()
VN = dt.timezone(dt.timedelta(hours=7))
MAI, NGAN = "056189000401", f"0563{(TODAY.year - 1) % 100:02d}000402"
NGAN_BORN = TODAY - dt.timedelta(days=400)


def _records() -> list[ClinicalRecord]:
    mai = Patient(full_name="Võ Thị Mai", person_id=MAI)
    ngan = Patient(full_name="Huỳnh Bảo Ngân", person_id=NGAN)

    def at(days_ago: int, hour: int) -> dt.datetime:
        day = TODAY - dt.timedelta(days=days_ago)
        return dt.datetime(day.year, day.month, day.day, hour, 0, tzinfo=VN)

    return [
        Visit(STATION, "LK-M1", mai, at(300, 8), at(300, 9), "01", None, "J06.9", (), "1"),
        Visit(HOSPITAL, "LK-M2", mai, at(40, 7), at(35, 10), "03", None, "K35.8", ("E11.9",), "1"),
        Visit(
            STATION,
            "LK-M3",
            mai,
            at(12, 14),
            at(12, 15),
            "01",
            None,
            "I10",
            ("E78.5",),
            "2",
            TODAY + dt.timedelta(days=18),
        ),
        Referral(
            STATION,
            "CT-M1",
            mai,
            TODAY - dt.timedelta(days=41),
            "125/CT",
            HOSPITAL,
            "K35.8",
            None,
            "Vượt khả năng chuyên môn",
        ),
        Appointment(STATION, "GH-M1", mai, TODAY + dt.timedelta(days=18), "88/GH", "I10"),
        Appointment(HOSPITAL, "GH-M2", mai, TODAY - dt.timedelta(days=25), "301/GH", "K35.8"),
        Immunization(STATION, "TC-N1", ngan, "BCG", NGAN_BORN, 1),
        Immunization(STATION, "TC-N2", ngan, "HEPB", NGAN_BORN, 1),
        *(
            Immunization(
                STATION,
                f"TC-N{vaccine}{n}",
                ngan,
                vaccine,
                NGAN_BORN + dt.timedelta(days=61 + 30 * (n - 1)),
                n,
            )
            for vaccine in ("DTAP_HEPB_HIB", "OPV")
            for n in (1, 2, 3)
        ),
        Immunization(STATION, "TC-N9", ngan, "MEASLES", NGAN_BORN + dt.timedelta(days=275), 1),
    ]


@pytest.fixture(scope="module")
def family(live_server: LiveServer) -> None:
    with live_server.database.sessions() as session:
        if get_by_username(session, USERNAME) is not None:
            return
        ensure_province(session, KHANH_HOA)
        session.add_all(
            [
                Facility(
                    code=STATION,
                    name="Trạm Y tế phường Nha Trang",
                    commune_code=NHA_TRANG,
                    kind="tram_y_te",
                ),
                Facility(
                    code=HOSPITAL,
                    name="Bệnh viện Đa khoa tỉnh Khánh Hòa",
                    commune_code=NHA_TRANG,
                    kind="benh_vien",
                ),
                Citizen(
                    person_id=MAI,
                    full_name="Võ Thị Mai",
                    birth_date=dt.date(1989, 4, 17),
                    sex="F",
                    commune_code=NHA_TRANG,
                ),
                Citizen(
                    person_id=NGAN,
                    full_name="Huỳnh Bảo Ngân",
                    birth_date=NGAN_BORN,
                    sex="F",
                    commune_code=NHA_TRANG,
                ),
            ]
        )
        session.flush()
        session.add(GuardianLink(child_id=NGAN, guardian_id=MAI, relation="mẹ"))
        create_user(
            session,
            username=USERNAME,
            password=PASSWORD,
            role=Role.CITIZEN,
            display_name="Võ Thị Mai",
            person_id=MAI,
        )
        ingest_batch(session, _records(), source="browser test", sender_facility=None)
        session.commit()


@pytest.mark.browser
def test_a_mother_reads_her_book_and_her_daughters_on_a_phone(
    browser: Browser,
    live_server: LiveServer,
    family: None,
    screenshot: Callable[[Page, str], Path],
    tmp_path: Path,
) -> None:
    with browsing(browser, PHONE_360) as phone:
        sign_in(phone, live_server.url, USERNAME, PASSWORD)
        unlock_own_book(phone, live_server.url, CODE)

        visits = phone.locator("#kham-chua-benh .book-item")
        expect(visits).to_have_count(3)
        expect(visits.first).to_contain_text("Tăng huyết áp vô căn (nguyên phát)")
        expect(visits.nth(1)).to_contain_text("Điều trị nội trú")
        appointments = phone.locator("#hen-kham .book-item")
        expect(appointments.first).to_contain_text("Sắp tới")
        expect(appointments.nth(1)).to_contain_text("Đã qua")
        expect(phone.locator("#chuyen-tuyen")).to_contain_text("Bệnh viện Đa khoa tỉnh Khánh Hòa")
        assert phone.url.removeprefix(live_server.url) == "/so-suc-khoe"
        assert_fits_width(phone)
        screenshot(phone, "health-book")

        with phone.expect_download() as download_info:
            phone.get_by_role("button", name="Tải về bản in (PDF)").click()
        download = download_info.value
        assert re.fullmatch(r"so-suc-khoe-\d{8}\.pdf", download.suggested_filename)
        pdf = tmp_path / download.suggested_filename
        download.save_as(pdf)
        text = subprocess.run(
            ["pdftotext", pdf, "-"], capture_output=True, text=True, check=True
        ).stdout
        assert "SỔ SỨC KHỎE ĐIỆN TỬ" in text and "Võ Thị Mai" in text
        assert "Tăng huyết áp vô căn (nguyên phát)" in " ".join(text.split())
        expect(phone.locator(".lead")).to_have_text("Võ Thị Mai")  # still on the book

        phone.get_by_role("button", name="Huỳnh Bảo Ngân").click()
        expect(phone.locator(".lead")).to_have_text("Huỳnh Bảo Ngân")
        doses = phone.locator("#tiem-chung")
        expect(doses).to_contain_text("Lao (BCG)")
        expect(doses.locator(".badge--ok")).to_have_count(9)
        expect(doses.locator(".badge--danger").first).to_have_text("Quá hạn")  # IPV at 5 months
        expect(doses.locator(".badge--warning").first).to_have_text("Đến hạn")  # JE at 12
        expect(phone.locator("#kham-chua-benh")).to_contain_text("Chưa có lần khám chữa bệnh nào")
        assert_fits_width(phone)
        screenshot(phone, "health-book-child")
