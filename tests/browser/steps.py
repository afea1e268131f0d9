"""Steps every browser test takes the same way: a browser context of one's own (own cookies,
a viewport, console errors failing the test), signing in, and the page fitting the screen."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from playwright.sync_api import Browser, ConsoleMessage, Page, ViewportSize, expect

#: Chromium's console line for a response with this status; a test that asks for a page it
#: must be refused expects it.
NOT_FOUND_LOG = "the server responded with a status of 404"


@contextmanager
def browsing(
    browser: Browser, viewport: ViewportSize, *, expected_errors: tuple[str, ...] = ()
) -> Iterator[Page]:
    """A page in a fresh context (one person's browser) at ``viewport``; on leaving, the test
    fails if the console logged an error (other than ``expected_errors``) or a request failed."""
    context = browser.new_context(viewport=viewport, locale="vi-VN")
    page = context.new_page()
    problems: list[str] = []

    def console(message: ConsoleMessage) -> None:
        if message.type == "error" and not any(e in message.text for e in expected_errors):
            problems.append(message.text)

    page.on("console", console)
    failed: list[tuple[str, str | None]] = []
    page.on("requestfailed", lambda r: failed.append((r.url, r.failure)))
    try:
        yield page
    finally:
        context.close()
    # ERR_ABORTED is Chromium cancelling a request itself — one that turned into a download
    # (a PDF sent as an attachment), or the favicon of a page left before it loaded: not a
    # failure of the server's.
    problems += [f"{url}: {why}" for url, why in failed if why != "net::ERR_ABORTED"]
    assert not problems, problems


def sign_in(page: Page, base_url: str, username: str, password: str) -> None:
    """Fill in the login form as a person does and land on one's home page."""
    page.goto(f"{base_url}/dang-nhap")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page).to_have_url(f"{base_url}/")


def assert_fits_width(page: Page) -> None:
    """Nothing may stick out of the viewport sideways (wide tables scroll in their frame)."""
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than the screen"


def unlock_own_book(page: Page, base_url: str, code: str) -> None:
    """From one's home, the first time: choose the wallet passcode, then unlock one's own
    health book with it."""
    page.get_by_role("link", name="Sổ sức khỏe", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sổ sức khỏe điện tử")
    page.get_by_role("link", name="Đặt mã bảo vệ ví").click()
    page.get_by_label("Mã bảo vệ mới (6 chữ số)").fill(code)
    page.get_by_role("button", name="Lưu mã bảo vệ").click()
    page.goto(f"{base_url}/so-suc-khoe")
    page.get_by_label("Sổ của ai").select_option(label="Bản thân")
    page.get_by_label("Mã bảo vệ ví").fill(code)
    page.get_by_role("button", name="Mở sổ sức khỏe").click()
