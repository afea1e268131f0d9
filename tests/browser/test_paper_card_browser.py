"""A commune officer, on a phone, prints a paper card for an elderly resident without a
smartphone and revokes it when the resident reports it lost."""

from __future__ import annotations

import datetime as dt
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from sokhoe.access.roles import Role
from sokhoe.access.service import create_user
from sokhoe.insurance.card_token.qr import read_qr
from sokhoe.insurance.models import InsuranceCard
from sokhoe.registry.models import Citizen
from sokhoe.registry.units import ensure_province
from sokhoe.web.paper_card_views import PDF_FILENAME
from tests.browser.conftest import PHONE, LiveServer
from tests.browser.steps import assert_fits_width, sign_in

OFFICER, PASSWORD = "xa.thegiay", "mật khẩu cán bộ xã"
NHA_TRANG = 22366
#: A woman born in 1947 (the ID's 4th digit: 1, a woman of the 1900s), and her card.
ELDER, ELDER_CARD = "056147000321", "HT3565600000321"


@pytest.fixture(scope="module")
def elder(live_server: LiveServer) -> None:
    today = dt.date.today()
    with live_server.database.sessions() as session:
        ensure_province(session, 56)
        session.add(
            Citizen(
                person_id=ELDER,
                full_name="Nguyễn Thị Gấm",
                birth_date=dt.date(1947, 6, 1),
                birth_precision="month",
                sex="F",
                commune_code=NHA_TRANG,
            )
        )
        session.add(
            InsuranceCard(
                card_number=ELDER_CARD,
                bhxh_number=ELDER_CARD[-10:],
                holder_key=ELDER,
                person_id=ELDER,
                full_name="NGUYỄN THỊ GẤM",
                valid_from=today - dt.timedelta(days=60),
                valid_to=dt.date(today.year + 1, 12, 31),
            )
        )
        create_user(
            session,
            username=OFFICER,
            password=PASSWORD,
            role=Role.COMMUNE_OFFICER,
            display_name="Võ Thị Mai",
            commune_code=NHA_TRANG,
        )
        session.commit()


def find(page: Page, typed: str) -> None:
    page.get_by_label("Mã định danh cá nhân hoặc mã thẻ BHYT").fill(typed)
    page.get_by_role("button", name="Tìm", exact=True).click()
    expect(page.get_by_role("heading", name="Nguyễn Thị Gấm", level=1)).to_be_visible()


@pytest.mark.browser
@pytest.mark.parametrize("page", [PHONE], indirect=True, ids=["375"])
def test_a_commune_officer_prints_and_revokes_a_paper_card(
    page: Page,
    live_server: LiveServer,
    elder: None,
    screenshot: Callable[[Page, str], Path],
    tmp_path: Path,
) -> None:
    sign_in(page, live_server.url, OFFICER, PASSWORD)
    page.get_by_role("link", name="Thẻ BHYT giấy").click()
    expect(page.get_by_role("heading", name="Thẻ BHYT giấy", level=1)).to_be_visible()
    assert_fits_width(page)
    find(page, ELDER_CARD[-10:])
    expect(page.locator(".profile").first).to_contain_text("06/1947")
    expect(page.get_by_text("Chưa in thẻ giấy nào cho người này.")).to_be_visible()
    assert_fits_width(page)
    screenshot(page, "paper-card-holder-375")

    with page.expect_download() as download_info:
        page.get_by_role("button", name="In thẻ giấy").click()
    download = download_info.value
    assert download.suggested_filename == PDF_FILENAME
    pdf = tmp_path / PDF_FILENAME
    download.save_as(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "150", pdf, tmp_path / "card"], check=True)
    assert read_qr((tmp_path / "card-1.png").read_bytes()).startswith("SK1:")

    find(page, ELDER)
    printed = page.locator(".paper-cards__item")
    expect(printed).to_have_count(1)
    expect(printed).to_contain_text("Đang dùng")
    expect(printed).to_contain_text("Võ Thị Mai")
    printed.get_by_label("Lý do").fill("Bà báo mất thẻ giấy")
    printed.get_by_role("button", name="Thu hồi").click()
    expect(page.get_by_role("status")).to_contain_text("Đã thu hồi thẻ giấy")
    expect(printed).to_contain_text("Bà báo mất thẻ giấy")
    expect(printed.locator(".badge--danger")).to_have_text("Đã thu hồi")
    expect(printed.get_by_role("button", name="Thu hồi")).to_have_count(0)
    # A commune officer may not revoke the card number itself: no such form for her.
    expect(page.get_by_role("button", name="Thu hồi thẻ")).to_have_count(0)
    assert_fits_width(page)
    screenshot(page, "paper-card-revoked-375")
