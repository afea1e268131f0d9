"""Reception checks a patient in on a phone: the code pasted, "HỢP LỆ", "Tiếp nhận khám", the
confirmation with the card, then the day's list of patients."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from sokhoe.web.check_in_views import TODAY_PATH
from tests.browser.conftest import PHONE, LiveServer
from tests.browser.test_card_check_browser import (
    VALID,
    assert_fits_width,
    clinic_account,
    open_check_page,
    paste_and_check,
    token_of,
)

__all__ = ["clinic_account"]


@pytest.mark.browser
@pytest.mark.parametrize("page", [PHONE], indirect=True, ids=["375"])
def test_reception_checks_a_patient_in(
    page: Page,
    live_server: LiveServer,
    clinic_account: None,
    screenshot: Callable[[Page, str], Path],
) -> None:
    open_check_page(page, live_server)
    paste_and_check(page, token_of(live_server))
    expect(page.locator(".verdict--valid")).to_contain_text(VALID)

    page.get_by_role("button", name="Tiếp nhận khám").click()
    confirmation = page.locator(".verdict--valid")
    expect(confirmation).to_contain_text("ĐÃ TIẾP NHẬN")
    expect(confirmation).to_contain_text("Đã tiếp nhận lúc")
    expect(confirmation).to_contain_text("Nguyễn Thị Lan")
    assert_fits_width(page)
    screenshot(page, "check-in-375")

    page.get_by_role("link", name="Tiếp nhận hôm nay").click()
    expect(page).to_have_url(f"{live_server.url}{TODAY_PATH}")
    table = page.get_by_role("region", name="Người bệnh đã tiếp nhận hôm nay")
    expect(table).to_contain_text("Nguyễn Thị Lan")
    expect(table).to_contain_text("1987")
    expect(table).to_contain_text("Trên điện thoại")
    assert_fits_width(page)
    screenshot(page, "check-ins-today-375")
