"""Reconciliation in a real browser: a BHXH officer uploads the three files, follows the run
to its summary and downloads a commune's worklist; a commune officer reads her worklist on a
phone."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from sokhoe import runtime
from sokhoe.access.models import User
from sokhoe.access.scope import actor_for
from sokhoe.dataset import load_directory
from sokhoe.demo import DemoLogin, create_demo_accounts
from sokhoe.synth import SynthOptions, generate
from tests.browser.conftest import DESKTOP, PHONE, LiveServer, serving
from tests.browser.steps import assert_fits_width, sign_in
from tests.support.reconcile_runs import finished_run

Province = tuple[LiveServer, dict[str, DemoLogin], Path]


@pytest.fixture(scope="module")
def province(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Province]:
    """A small synthetic Khánh Hòa with the demo accounts and one finished run, served."""
    home = tmp_path_factory.mktemp("reconcile")
    data = home / "data"
    generate(SynthOptions(province=56, people=2000, seed=3, out=data, as_of=dt.date.today()))
    database = runtime.open_database(f"sqlite:///{home / 'sokhoe.db'}")
    load_directory(database, data)
    with Session(database.engine) as session, session.begin():
        logins = {login.username: login for login in create_demo_accounts(session)}
    _reconcile(database, data, home)
    with serving(database, home) as server:
        yield server, logins, data
    database.engine.dispose()


def _reconcile(database: runtime.Database, data: Path, home: Path) -> None:
    with database.sessions() as session:
        user = session.scalar(select(User).where(User.username == "bhxh"))
        assert user is not None
        actor = actor_for(session, user, None)
    finished_run(database, actor, data, home, dt.date.today())


def sign_in_as(page: Page, server: LiveServer, login: DemoLogin) -> None:
    sign_in(page, server.url, login.username, login.password)


@pytest.mark.browser
@pytest.mark.parametrize("page", [DESKTOP], indirect=True, ids=["1280"])
def test_bhxh_uploads_three_files_and_downloads_a_worklist(
    page: Page, province: Province, screenshot: Callable[[Page, str], Path], tmp_path: Path
) -> None:
    server, logins, data = province
    sign_in_as(page, server, logins["bhxh"])
    page.get_by_role("link", name="Đối soát thẻ BHYT").click()
    expect(page.get_by_role("heading", name="Đối soát thẻ BHYT", exact=True)).to_be_visible()
    page.get_by_label("Sổ đăng ký dân cư").set_input_files(data / "register.csv")
    page.get_by_label("Danh sách thẻ BHXH").set_input_files(data / "cards.csv")
    page.get_by_label("Thẻ đã tích hợp VNeID").set_input_files(data / "integrated.csv")
    screenshot(page, "reconcile-start-1280")
    page.get_by_role("button", name="Bắt đầu đối soát").click()
    expect(page.get_by_role("heading", name="Tiến độ")).to_be_visible()
    screenshot(page, "reconcile-progress-1280")
    expect(page.get_by_text("Hoàn thành").first).to_be_visible(timeout=90_000)
    expect(page.get_by_role("heading", name="Các xã có tỷ lệ tích hợp thấp nhất")).to_be_visible()
    expect(page.locator("svg.chart__svg rect").first).to_be_visible()
    assert_fits_width(page)
    screenshot(page, "reconcile-summary-1280")
    with page.expect_download() as download:
        page.locator("a", has_text="XLSX").first.click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name.endswith(".xlsx") and saved.read_bytes()[:2] == b"PK"


@pytest.mark.browser
@pytest.mark.parametrize("page", [PHONE], indirect=True, ids=["375"])
def test_commune_officer_reads_her_worklist_on_a_phone(
    page: Page, province: Province, screenshot: Callable[[Page, str], Path]
) -> None:
    server, logins, _ = province
    sign_in_as(page, server, logins["canboxa"])
    page.get_by_role("link", name="Danh sách công việc từ đối soát").click()
    expect(page.get_by_role("heading", name="Danh sách công việc — ", exact=False)).to_be_visible()
    expect(page.locator(".worklist h2").first).to_be_visible()
    expect(page.get_by_text("Hướng dẫn tích hợp thẻ vào ví VNeID").first).to_be_visible()
    assert_fits_width(page)
    screenshot(page, "reconcile-worklist-375")


@pytest.mark.browser
@pytest.mark.parametrize("page", [PHONE], indirect=True, ids=["375"])
def test_a_run_summary_fits_a_phone(
    page: Page, province: Province, screenshot: Callable[[Page, str], Path]
) -> None:
    server, logins, _ = province
    sign_in_as(page, server, logins["soyte"])
    page.get_by_role("link", name="Đối soát thẻ BHYT").click()
    page.get_by_role("link", name="Số 1", exact=True).click()
    expect(page.locator("svg.chart__svg rect").first).to_be_visible()
    assert_fits_width(page)
    screenshot(page, "reconcile-summary-375")
