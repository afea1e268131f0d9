"""A citizen on a phone files a BHYT card integration request in the document wallet, sees
"Gửi yêu cầu thành công" with the card list's decision (R1), then presents the card (R2)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from sokhoe.access.roles import Role
from sokhoe.access.service import create_user, get_by_username
from sokhoe.insurance.models import InsuranceCard
from sokhoe.registry.models import Citizen
from sokhoe.registry.units import ensure_province
from tests.browser.conftest import PHONE, LiveServer

CITIZEN, PASSWORD = "congdan.binh", "mật khẩu công dân"
PERSON, CARD = "056090000101", "GD4565600000101"
NHA_TRANG = 22366


@pytest.fixture(scope="module")
def citizen_account(live_server: LiveServer) -> None:
    today = dt.date.today()
    with live_server.database.sessions() as session:
        if get_by_username(session, CITIZEN) is not None:
            return
        ensure_province(session, 56)
        session.add(
            Citizen(
                person_id=PERSON,
                full_name="Trần Văn Bình",
                birth_date=dt.date(1990, 5, 1),
                sex="M",
                commune_code=NHA_TRANG,
            )
        )
        session.add(
            InsuranceCard(
                card_number=CARD,
                bhxh_number=CARD[-10:],
                holder_key=PERSON,
                person_id=PERSON,
                full_name="TRẦN VĂN BÌNH",
                birth_date=dt.date(1990, 5, 1),
                sex="M",
                valid_from=today - dt.timedelta(days=30),
                valid_to=today + dt.timedelta(days=300),
            )
        )
        session.flush()
        create_user(
            session,
            username=CITIZEN,
            password=PASSWORD,
            role=Role.CITIZEN,
            display_name="Trần Văn Bình",
            person_id=PERSON,
        )
        session.commit()


@pytest.mark.usefixtures("citizen_account")
@pytest.mark.parametrize("page", [PHONE], indirect=True, ids=["375"])
def test_a_citizen_requests_integration_on_a_phone(
    page: Page, live_server: LiveServer, screenshot: Callable[[Page, str], Path]
) -> None:
    page.goto(f"{live_server.url}/dang-nhap")
    page.get_by_label("Tên đăng nhập").fill(CITIZEN)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.get_by_role("link", name="Ví giấy tờ", exact=True).click()
    page.get_by_role("link", name="Tạo mới yêu cầu: Thẻ BHYT").click()
    page.get_by_label("Đơn vị cấp thẻ").select_option(label="BHXH Khánh Hòa")
    page.get_by_label("Mã thẻ").fill("5600000101")
    screenshot(page, "wallet-new-request-375")
    page.get_by_role("button", name="Tiếp tục").click()
    expect(page.get_by_role("heading", name="Xác nhận yêu cầu", level=1)).to_be_visible()
    page.get_by_role("button", name="Gửi yêu cầu").click()
    expect(page.get_by_role("status")).to_have_text("Gửi yêu cầu thành công")
    history = page.locator(".history")
    expect(history).to_contain_text("Chờ duyệt")
    expect(history).to_contain_text("Đã duyệt")
    screenshot(page, "wallet-request-sent-375")
    page.get_by_role("link", name="Quay lại ví giấy tờ").click()
    expect(page.get_by_text(CARD).first).to_be_visible()
    screenshot(page, "wallet-375")
    page.get_by_role("link", name="Xuất trình giấy tờ").click()
    page.get_by_label("Mã bảo vệ mới (6 chữ số)").fill("246810")
    page.get_by_role("button", name="Lưu mã bảo vệ").click()
    expect(page.get_by_role("status")).to_have_text("Đã lưu mã bảo vệ ví.")
    page.get_by_label("Mã bảo vệ ví").fill("246810")
    page.get_by_role("button", name="Xuất trình thẻ BHYT").click()
    expect(page.locator(".presented__qr svg")).to_be_visible()
    screenshot(page, "wallet-present-375")
