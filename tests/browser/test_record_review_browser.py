"""The Department of Health on a phone resolves a hospital visit whose patient came without
a personal ID: from its home to the waiting records, the record's page, the person's ID
typed — and the visit is then in that citizen's health book."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from sokhoe.access.roles import Role
from sokhoe.access.scope import actor_for
from sokhoe.access.service import create_user, get_by_username
from sokhoe.records.book import read_book
from sokhoe.records.clinical import Patient, Visit
from sokhoe.records.ingest import ingest_batch
from sokhoe.registry.models import Citizen, Facility
from sokhoe.registry.units import ensure_province
from tests.browser.conftest import PHONE, LiveServer
from tests.browser.steps import assert_fits_width, browsing, sign_in

PASSWORD = "mật khẩu đủ dài"
REVIEWER, CITIZEN = "soyte.xacdinh", "congdan.holan"
NHA_TRANG, KHANH_HOA = 22366, 56
HOSPITAL = "56821"
LAN = "056180000821"
TODAY = dt.date.today()


@pytest.fixture(scope="module")
def waiting_visit(live_server: LiveServer) -> None:
    """Lan's visit to the hospital, sent with her name and birth date but no identifier."""
    with live_server.database.sessions() as session:
        if get_by_username(session, REVIEWER) is not None:
            return
        ensure_province(session, KHANH_HOA)
        session.add_all(
            [
                Facility(
                    code=HOSPITAL, name="Bệnh viện Cam Ranh", commune_code=NHA_TRANG, kind="bv"
                ),
                Citizen(
                    person_id=LAN,
                    full_name="Hồ Thị Lan",
                    birth_date=dt.date(1980, 6, 1),
                    sex="F",
                    commune_code=NHA_TRANG,
                ),
            ]
        )
        session.flush()
        create_user(
            session,
            username=REVIEWER,
            password=PASSWORD,
            role=Role.HEALTH_DEPARTMENT,
            display_name="Chuyên viên Sở Y tế",
            province_code=KHANH_HOA,
        )
        create_user(
            session,
            username=CITIZEN,
            password=PASSWORD,
            role=Role.CITIZEN,
            display_name="Hồ Thị Lan",
            person_id=LAN,
        )
        lan = Patient("Hồ Thị Lan", birth_date=dt.date(1980, 6, 1), sex="F", patient_code="BN821")
        started = dt.datetime.combine(TODAY - dt.timedelta(days=3), dt.time(2), dt.UTC)
        visit = Visit(HOSPITAL, "LK-821", lan, started, main_diagnosis="I10", visit_type="01")
        ingest_batch(session, [visit], source="browser test", sender_facility=None)
        session.commit()


@pytest.mark.browser
def test_the_department_names_the_person_and_the_visit_joins_her_book(
    browser: Browser,
    live_server: LiveServer,
    waiting_visit: None,
    screenshot: Callable[[Page, str], Path],
) -> None:
    with browsing(browser, PHONE) as phone:
        sign_in(phone, live_server.url, REVIEWER, PASSWORD)
        phone.get_by_role("link", name="Hồ sơ chưa xác định được người").click()
        card = phone.locator("li.card", has_text="Hồ Thị Lan")
        expect(card).to_contain_text("Bệnh viện Cam Ranh")
        expect(card).to_contain_text("không có mã định danh và mã thẻ BHYT")
        expect(card).to_contain_text("01/06/1980")
        assert_fits_width(phone)
        screenshot(phone, "record-review-queue")

        card.get_by_role("link", name="Xem và quyết định").click()
        expect(phone.get_by_role("heading", level=1)).to_have_text("Hồ sơ chưa xác định được người")
        phone.get_by_label("Số định danh cá nhân").fill(LAN)
        assert_fits_width(phone)
        screenshot(phone, "record-review-record")
        phone.get_by_role("button", name="Ghi vào sổ của người này").click()
        expect(phone.get_by_role("status")).to_have_text(
            "Hồ sơ đã được ghi vào sổ sức khỏe của người bệnh."
        )
        assert LAN not in phone.url
        expect(phone.locator("li.card", has_text="Hồ Thị Lan")).to_have_count(0)

    with live_server.database.sessions() as session:
        user = get_by_username(session, CITIZEN)
        assert user is not None
        book = read_book(session, actor_for(session, user, None), LAN, today=TODAY)
        assert [
            (v.facility, v.main_diagnosis.code if v.main_diagnosis else None) for v in book.visits
        ] == [("Bệnh viện Cam Ranh", "I10")]
