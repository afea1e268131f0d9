"""Every role signs in with a real browser to the demo province and lands on its own home."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session

from sokhoe import runtime
from sokhoe.dataset import load_directory
from sokhoe.demo import DemoLogin, create_demo_accounts
from sokhoe.synth import SynthOptions, generate
from tests.browser.conftest import DESKTOP, PHONE, LiveServer, serving
from tests.browser.steps import assert_fits_width, sign_in


@pytest.fixture(scope="module")
def demo(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[LiveServer, dict[str, DemoLogin]]]:
    """A small synthetic Khánh Hòa with the demo accounts, served over HTTP."""
    home = tmp_path_factory.mktemp("demo")
    generate(
        SynthOptions(province=56, people=2000, seed=3, out=home / "data", as_of=dt.date.today())
    )
    database = runtime.open_database(f"sqlite:///{home / 'sokhoe.db'}")
    load_directory(database, home / "data")
    with Session(database.engine) as session, session.begin():
        logins = {login.username: login for login in create_demo_accounts(session)}
    with serving(database, home) as server:
        yield server, logins
    database.engine.dispose()


#: A heading each role's home must show once signed in (its title or a section's).
LANDINGS = {
    "congdan": "Thông tin của tôi",
    "letan": "Thẻ BHYT đăng ký khám chữa bệnh ban đầu tại cơ sở",
    "bhxh": "Danh sách thẻ",
    "canboxa": "Danh sách người dân",
    "congan": "Người từ 14 tuổi chưa có định danh mức 2",
    "tohuongdan": "Thôn được giao",
    "soyte": "Các xã, phường — tỷ lệ tích hợp thấp nhất trước",
    "quantri": "Quản trị hệ thống",
}


@pytest.mark.browser
@pytest.mark.parametrize("page", [PHONE, DESKTOP], indirect=True, ids=["375", "1280"])
@pytest.mark.parametrize("username", sorted(LANDINGS))
def test_each_role_signs_in_to_its_home(
    page: Page,
    demo: tuple[LiveServer, dict[str, DemoLogin]],
    username: str,
    screenshot: Callable[[Page, str], Path],
) -> None:
    server, logins = demo
    sign_in(page, server.url, username, logins[username].password)
    expect(page.get_by_role("heading", name=LANDINGS[username], exact=True)).to_be_visible()
    width = page.viewport_size["width"] if page.viewport_size else 0
    assert_fits_width(page)
    screenshot(page, f"home-{username}-{width}")
