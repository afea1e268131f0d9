"""A real browser against the real app: uvicorn in a thread on a free port, Debian chromium.

The server runs on a migrated SQLite database in a temporary directory, one per test
session (one per xdist worker). Playwright comes from PyPI and drives the system browser,
so nothing is downloaded (never run ``playwright install``).
"""

from __future__ import annotations

import io
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from PIL import Image
from playwright.sync_api import Browser, Page, Playwright, ViewportSize, sync_playwright

from sokhoe import runtime
from sokhoe.config import Settings
from sokhoe.web.app import create_app
from tests.browser.steps import browsing

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-dev-shm-usage",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 375, "height": 812}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
#: The fake camera's picture: a 640×480 video, the size of a basic webcam.
CAMERA_WIDTH, CAMERA_HEIGHT = 640, 480


@dataclass(frozen=True)
class LiveServer:
    url: str
    database: runtime.Database
    #: The server's ``SOKHOE_HOME``: its key ring signs the card tokens tests present.
    home: Path


@contextmanager
def serving(database: runtime.Database, home: Path) -> Iterator[LiveServer]:
    """The app on ``database`` served over HTTP on a free port of 127.0.0.1."""
    app = create_app(database, settings=Settings(home=home))
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the web server did not start")
        time.sleep(0.05)
    try:
        yield LiveServer(url=f"http://127.0.0.1:{port}", database=database, home=home)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        listener.close()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The app on an empty migrated database; tests add their data through ``database``."""
    home = tmp_path_factory.mktemp("live")
    database = runtime.open_database(f"sqlite:///{home / 'sokhoe.db'}")
    with serving(database, home) as server:
        yield server
    database.engine.dispose()


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("Chromium is required in CI but is not installed")
        pytest.skip("Debian chromium is not installed here (apt-get install chromium)")
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def camera_browser(playwright: Playwright, tmp_path: Path) -> Iterator[tuple[Browser, Path]]:
    """A browser whose camera films the file ``tmp_path / "camera.y4m"`` (written by the test
    before the camera opens, see :func:`y4m_video`), with permission granted."""
    video = tmp_path / "camera.y4m"
    browser = playwright.chromium.launch(
        executable_path=str(CHROMIUM),
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )
    yield browser, video
    browser.close()


def y4m_video(png: bytes, frames: int = 5) -> bytes:
    """An uncompressed YUV4MPEG2 video of the picture ``png`` (a QR code) centred on white:
    8-bit luma, neutral chroma (4:2:0), the format Chromium's fake camera plays from a file."""
    picture = Image.open(io.BytesIO(png)).convert("L")
    canvas = Image.new("L", (CAMERA_WIDTH, CAMERA_HEIGHT), 255)
    canvas.paste(
        picture, ((CAMERA_WIDTH - picture.width) // 2, (CAMERA_HEIGHT - picture.height) // 2)
    )
    chroma = bytes([128]) * (CAMERA_WIDTH // 2 * CAMERA_HEIGHT // 2)
    frame = b"FRAME\n" + canvas.tobytes() + chroma + chroma
    header = f"YUV4MPEG2 W{CAMERA_WIDTH} H{CAMERA_HEIGHT} F10:1 Ip A1:1 C420jpeg\n".encode()
    return header + frame * frames


@pytest.fixture
def page(request: pytest.FixtureRequest, browser: Browser) -> Iterator[Page]:
    """A fresh page (own cookies) at the viewport given by indirect parametrisation, else
    :data:`DESKTOP`; it fails the test on any console error or failed request."""
    viewport: ViewportSize = getattr(request, "param", DESKTOP)
    with browsing(browser, viewport) as page:
        yield page


@pytest.fixture(scope="session")
def screenshot(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Page, str], Path]:
    """Takes a full-page PNG named ``name``.

    The pictures go to ``docs/screenshots`` when ``SOKHOE_UPDATE_SCREENSHOTS=1`` (to refresh
    the documentation after a change of look), else to a temporary directory: they show the
    time of sign-in and the audit head, so writing them on every run would leave the work
    tree changed after each test run.
    """
    if os.environ.get("SOKHOE_UPDATE_SCREENSHOTS") == "1":
        folder = SCREENSHOTS
        folder.mkdir(parents=True, exist_ok=True)
    else:
        folder = tmp_path_factory.mktemp("screenshots")

    def take(page: Page, name: str) -> Path:
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
