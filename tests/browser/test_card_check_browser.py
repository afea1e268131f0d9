"""Reception checks presented cards with a real browser on a phone: pasted text, a photo, and
the camera (Chromium's fake camera playing a video of the code)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from sokhoe.access.roles import Role
from sokhoe.access.service import create_user, get_by_username
from sokhoe.insurance.card_token import KeyRing
from sokhoe.insurance.card_token.qr import qr_png
from sokhoe.registry.models import Facility
from sokhoe.registry.units import ensure_province
from tests.browser.conftest import DESKTOP, PHONE, LiveServer, y4m_video
from tests.browser.steps import assert_fits_width, browsing, sign_in
from tests.insurance.conftest import a_card, app_token
from tests.web.test_card_check import tampered

CLINIC, PASSWORD = "letan.nhatrang", "mật khẩu lễ tân"
NHA_TRANG = 22366
VALID, INVALID = "HỢP LỆ", "KHÔNG HỢP LỆ"


@pytest.fixture(scope="module")
def clinic_account(live_server: LiveServer) -> None:
    with live_server.database.sessions() as session:
        if get_by_username(session, CLINIC) is not None:
            return
        ensure_province(session, 56)
        if session.get(Facility, "56001") is None:
            session.add(
                Facility(
                    code="56001",
                    name="Trạm Y tế Nha Trang",
                    commune_code=NHA_TRANG,
                    kind="tram_y_te",
                )
            )
            session.flush()
        create_user(
            session,
            username=CLINIC,
            password=PASSWORD,
            role=Role.CLINIC_STAFF,
            display_name="Phạm Thu Hà",
            facility_code="56001",
        )
        session.commit()


def token_of(live_server: LiveServer, issued: dt.timedelta = dt.timedelta()) -> str:
    """A phone's code for a card valid today, signed by the server's own key ``issued`` from
    now (a negative time: in the past)."""
    now = dt.datetime.now(dt.UTC) + issued
    today = now.date()
    card = a_card(valid_from=today - dt.timedelta(days=30), valid_to=today + dt.timedelta(days=30))
    return app_token(KeyRing.open(live_server.home).active, card, now=now)


def open_check_page(page: Page, live_server: LiveServer) -> None:
    """Sign in as reception and follow the home page's link to the check."""
    sign_in(page, live_server.url, CLINIC, PASSWORD)
    page.get_by_role("link", name="Kiểm tra thẻ", exact=True).click()
    expect(page.get_by_role("heading", name="Kiểm tra thẻ BHYT", level=1)).to_be_visible()


def paste_and_check(page: Page, text: str) -> None:
    page.get_by_label("Nội dung đọc từ mã QR").fill(text)
    page.get_by_role("button", name="Kiểm tra nội dung").click()


@pytest.mark.browser
@pytest.mark.parametrize("page", [PHONE], indirect=True, ids=["375"])
def test_reception_checks_pasted_text_and_a_photo(
    page: Page,
    live_server: LiveServer,
    clinic_account: None,
    screenshot: Callable[[Page, str], Path],
    tmp_path: Path,
) -> None:
    open_check_page(page, live_server)
    screenshot(page, "card-check-375")
    token = token_of(live_server)

    paste_and_check(page, token)
    expect(page.locator(".verdict--valid")).to_contain_text(VALID)
    expect(page.locator(".verdict--valid")).to_contain_text("Nguyễn Thị Lan")
    assert_fits_width(page)
    screenshot(page, "card-check-valid-375")

    paste_and_check(page, tampered(token))
    verdict = page.locator(".verdict--invalid")
    expect(verdict).to_contain_text(INVALID)
    expect(verdict).to_contain_text("Chữ ký không khớp")
    assert_fits_width(page)
    screenshot(page, "card-check-invalid-375")

    paste_and_check(page, token_of(live_server, issued=dt.timedelta(minutes=-10)))
    verdict = page.locator(".verdict--invalid")
    expect(verdict).to_contain_text("Mã đã hết hạn")
    expect(verdict).to_contain_text("Không chấp nhận thẻ này")
    expect(verdict).to_contain_text("Nguyễn Thị Lan")
    screenshot(page, "card-check-expired-375")

    photo = tmp_path / "the-code.png"
    photo.write_bytes(qr_png(token))
    page.get_by_label("Ảnh chụp (PNG hoặc JPEG").set_input_files(photo)
    page.get_by_role("button", name="Kiểm tra ảnh").click()
    expect(page.locator(".verdict--valid")).to_contain_text("GD4565612345678")


@pytest.mark.browser
@pytest.mark.parametrize("page", [DESKTOP], indirect=True, ids=["1280"])
def test_without_a_camera_the_page_says_so(
    page: Page, live_server: LiveServer, clinic_account: None
) -> None:
    open_check_page(page, live_server)
    expect(page.locator("[data-camera-status]")).to_contain_text("ảnh chụp hoặc nội dung mã")
    expect(page.get_by_role("button", name="Mở camera")).to_be_hidden()
    expect(page.get_by_role("button", name="Kiểm tra nội dung")).to_be_visible()


@pytest.mark.browser
def test_reception_scans_with_the_camera(
    camera_browser: tuple[Browser, Path],
    live_server: LiveServer,
    clinic_account: None,
) -> None:
    browser, video = camera_browser
    video.write_bytes(y4m_video(qr_png(token_of(live_server), scale=6)))
    with browsing(browser, PHONE) as page:
        open_check_page(page, live_server)
        page.get_by_role("button", name="Mở camera").click()
        expect(page.locator(".verdict--valid")).to_contain_text(VALID, timeout=20_000)
        expect(page.locator(".verdict--valid")).to_contain_text("Nguyễn Thị Lan")
