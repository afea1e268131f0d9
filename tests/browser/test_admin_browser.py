"""The administrator signs in with a real browser, on a phone and on a desktop."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from sokhoe.access.roles import Role
from sokhoe.access.service import create_user, get_by_username
from sokhoe.registry.units import ensure_province
from tests.browser.conftest import DESKTOP, PHONE, LiveServer

PASSWORD = "mật khẩu quản trị"
NHA_TRANG = 22366
#: Below this width the header folds behind its "Menu" toggle (see app.css).
NARROW = 720


@pytest.fixture(scope="module")
def accounts(live_server: LiveServer) -> None:
    """The administrator and a few field accounts, so the list has something to show."""
    with live_server.database.sessions() as session:
        if get_by_username(session, "quantri") is not None:
            return
        ensure_province(session, 56)
        create_user(
            session,
            username="quantri",
            password=PASSWORD,
            role=Role.ADMIN,
            display_name="Lê Thị Hạnh",
        )
        create_user(
            session,
            username="canbo.nhatrang",
            password=PASSWORD,
            role=Role.COMMUNE_OFFICER,
            display_name="Nguyễn Văn Đức",
            commune_code=NHA_TRANG,
        )
        create_user(
            session,
            username="bhxh.khanhhoa",
            password=PASSWORD,
            role=Role.BHXH_OFFICER,
            display_name="Trần Thị Quỳnh Như",
            province_code=56,
        )
        create_user(
            session,
            username="syt.khanhhoa",
            password=PASSWORD,
            role=Role.HEALTH_DEPARTMENT,
            display_name="Phạm Đức Thắng",
            province_code=56,
        )
        session.commit()


@pytest.mark.browser
@pytest.mark.parametrize("page", [PHONE, DESKTOP], indirect=True, ids=["375", "1280"])
def test_admin_signs_in_and_sees_the_accounts(
    page: Page,
    live_server: LiveServer,
    accounts: None,
    screenshot: Callable[[Page, str], Path],
) -> None:
    width = page.viewport_size["width"] if page.viewport_size else 0
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(f"{live_server.url}/dang-nhap")
    expect(page.get_by_role("heading", name="Đăng nhập")).to_be_visible()
    screenshot(page, f"login-{width}")

    page.get_by_label("Tên đăng nhập").fill("quantri")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()

    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", name="Quản trị hệ thống")).to_be_visible()
    table = page.get_by_role("table")
    expect(table).to_contain_text("Nguyễn Văn Đức")
    expect(table).to_contain_text("Cán bộ BHXH")
    expect(table).to_contain_text("Phường Nha Trang")
    document_width = page.evaluate("document.documentElement.scrollWidth")
    assert document_width <= width, "the page scrolls sideways; only tables may"
    screenshot(page, f"admin-home-{width}")

    sign_out = page.get_by_role("button", name="Đăng xuất")
    if width < NARROW:
        expect(sign_out).to_be_hidden()
        page.get_by_text("Menu", exact=True).click()
        screenshot(page, f"admin-menu-{width}")
    sign_out.click()
    expect(page).to_have_url(f"{live_server.url}/dang-nhap")
