"""Sharing the health book in two browsers on 360 px phones (R7, R16): a citizen gives a
one-time code for his whole book for a week; reception types it and reads the book, and the
citizen then sees that reception read it. Reception also scans the code's QR with the camera
(Chromium's fake camera playing a video of it), and is told when a QR is not such a code."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from sokhoe.access import consent
from sokhoe.access.consent_models import ConsentScope
from sokhoe.access.roles import Role
from sokhoe.access.scope import actor_for
from sokhoe.access.service import create_user, get_by_username
from sokhoe.insurance.card_token.qr import qr_png
from sokhoe.records.clinical import Appointment, Patient, Visit
from sokhoe.records.ingest import ingest_batch
from sokhoe.registry.models import Citizen, Facility
from sokhoe.registry.units import ensure_province
from sokhoe.web.consent_views import QR_SCALE
from tests.browser.conftest import LiveServer, y4m_video
from tests.browser.steps import assert_fits_width, browsing, sign_in

PHONE_360: ViewportSize = {"width": 360, "height": 780}
PASSWORD = "mật khẩu đủ dài"
CITIZEN, RECEPTION = "congdan.khoa", "letan.locto"
CODE = "975310"
NHA_TRANG, KHANH_HOA = 22366, 56
STATION = "56811"
KHOA = "056078000811"
TODAY = dt.date.today()


@pytest.fixture(scope="module")
def people(live_server: LiveServer) -> None:
    with live_server.database.sessions() as session:
        if get_by_username(session, CITIZEN) is not None:
            return
        ensure_province(session, KHANH_HOA)
        session.add_all(
            [
                Facility(
                    code=STATION, name="Trạm Y tế Lộc Thọ", commune_code=NHA_TRANG, kind="tram"
                ),
                Citizen(
                    person_id=KHOA,
                    full_name="Đặng Minh Khoa",
                    birth_date=dt.date(1978, 2, 3),
                    sex="M",
                    commune_code=NHA_TRANG,
                ),
            ]
        )
        session.flush()
        create_user(
            session,
            username=CITIZEN,
            password=PASSWORD,
            role=Role.CITIZEN,
            display_name="Đặng Minh Khoa",
            person_id=KHOA,
        )
        create_user(
            session,
            username=RECEPTION,
            password=PASSWORD,
            role=Role.CLINIC_STAFF,
            display_name="Lê Thu Trang",
            facility_code=STATION,
        )
        khoa = Patient(full_name="Đặng Minh Khoa", person_id=KHOA)
        started = dt.datetime.combine(TODAY - dt.timedelta(days=20), dt.time(1), dt.UTC)
        records = [
            Visit(STATION, "LK-K1", khoa, started, main_diagnosis="I10", visit_type="01"),
            Appointment(STATION, "GH-K1", khoa, TODAY + dt.timedelta(days=10), "12/GH", "I10"),
        ]
        ingest_batch(session, records, source="browser test", sender_facility=None)
        session.commit()


@pytest.mark.browser
def test_a_citizen_gives_a_code_and_reception_reads_the_book(
    browser: Browser,
    live_server: LiveServer,
    people: None,
    screenshot: Callable[[Page, str], Path],
) -> None:
    with browsing(browser, PHONE_360) as phone:
        sign_in(phone, live_server.url, CITIZEN, PASSWORD)
        phone.get_by_role("link", name="Chia sẻ sổ sức khỏe").click()
        phone.get_by_role("link", name="Đặt mã bảo vệ ví").click()
        phone.get_by_label("Mã bảo vệ mới (6 chữ số)").fill(CODE)
        phone.get_by_role("button", name="Lưu mã bảo vệ").click()
        phone.goto(f"{live_server.url}/so-suc-khoe/chia-se")
        phone.get_by_label("Mã bảo vệ ví").fill(CODE)
        phone.get_by_role("button", name="Tiếp tục").click()

        phone.get_by_label("Toàn bộ").check()
        phone.get_by_label("Trong bao lâu").select_option(label="7 ngày")
        phone.get_by_role("button", name="Tạo mã").click()
        code = phone.locator("[data-consent-code]").inner_text()
        assert len(code) == 9 and code[4] == "-"
        expect(phone.locator(".consent-code svg")).to_be_visible()
        expect(phone.locator(".consent-code")).to_contain_text("Hết hạn lúc")
        expect(phone.get_by_text("Chờ cơ sở nhập mã")).to_be_visible()
        assert phone.url.removeprefix(live_server.url) == "/so-suc-khoe/chia-se/cap-ma"
        assert_fits_width(phone)
        screenshot(phone, "consent-offer")

        with browsing(browser, PHONE_360) as desk:
            sign_in(desk, live_server.url, RECEPTION, PASSWORD)
            desk.get_by_role("link", name="Xem sổ sức khỏe").first.click()
            desk.get_by_label("Mã (8 chữ và số)").fill(code.lower())
            desk.get_by_role("button", name="Mở sổ", exact=True).click()
            expect(desk.get_by_role("heading", level=1)).to_have_text("Đặng Minh Khoa")
            expect(desk.locator(".lead")).to_contain_text("Toàn bộ")
            expect(desk.get_by_text("Tăng huyết áp vô căn (nguyên phát)").first).to_be_visible()
            expect(desk.get_by_text("Giấy hẹn khám lại")).to_be_visible()
            assert_fits_width(desk)
            screenshot(desk, "consent-reception")

        phone.get_by_role("button", name="Tạo mã").click()
        readers = phone.locator("section", has_text="Ai đã xem sổ của tôi")
        expect(readers).to_contain_text("Nhân viên cơ sở y tế · Trạm Y tế Lộc Thọ")
        expect(phone.get_by_text("Đang hiệu lực đến").first).to_be_visible()


def offered_code(live_server: LiveServer) -> str:
    """A one-time code for Khoa's whole book, offered as his sharing page offers it."""
    with live_server.database.sessions() as session:
        user = get_by_username(session, CITIZEN)
        assert user is not None
        actor = actor_for(session, user, None)
        offer = consent.offer(session, actor, person_id=KHOA, scope=ConsentScope.FULL, days=7)
        session.commit()
    return offer.code


def open_reception(desk: Page, live_server: LiveServer) -> None:
    sign_in(desk, live_server.url, RECEPTION, PASSWORD)
    desk.get_by_role("link", name="Xem sổ sức khỏe").first.click()
    expect(desk.get_by_role("heading", name="Quét mã QR")).to_be_visible()


@pytest.mark.browser
def test_reception_scans_the_patients_qr_and_reads_the_book(
    camera_browser: tuple[Browser, Path], live_server: LiveServer, people: None
) -> None:
    browser, video = camera_browser
    video.write_bytes(y4m_video(qr_png(offered_code(live_server), scale=QR_SCALE)))
    with browsing(browser, PHONE_360) as desk:
        open_reception(desk, live_server)
        desk.get_by_role("button", name="Mở camera").click()
        expect(desk.get_by_role("heading", level=1)).to_have_text("Đặng Minh Khoa", timeout=20_000)
        expect(desk.locator(".lead")).to_contain_text("Toàn bộ")
        expect(desk.get_by_text("Giấy hẹn khám lại")).to_be_visible()


@pytest.mark.browser
def test_a_qr_that_is_not_a_consent_code_is_named_and_scanning_goes_on(
    camera_browser: tuple[Browser, Path],
    live_server: LiveServer,
    people: None,
    screenshot: Callable[[Page, str], Path],
) -> None:
    browser, video = camera_browser
    video.write_bytes(y4m_video(qr_png("HTTPS://BAOHIEMXAHOI.GOV.VN", scale=QR_SCALE)))
    with browsing(browser, PHONE_360) as desk:
        open_reception(desk, live_server)
        reception = desk.url
        desk.get_by_role("button", name="Mở camera").click()
        status = desk.locator("[data-camera-status]")
        expect(status).to_contain_text("không phải mã để xem sổ sức khỏe", timeout=20_000)
        expect(desk.get_by_role("button", name="Tắt camera")).to_be_visible()
        assert desk.url == reception
        assert_fits_width(desk)
        screenshot(desk, "consent-reception-camera")
