"""``sokhoe verify`` and ``sokhoe keys``: exit 0 valid, 1 invalid, 2 nothing usable."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from typer.testing import CliRunner

from sokhoe.cli import app
from sokhoe.config import get_settings
from sokhoe.insurance.card_token import KeyRing, key_document
from sokhoe.insurance.card_token.qr import qr_png
from tests.insurance.conftest import a_card, app_token, new_key, png_of

runner = CliRunner()
TODAY = dt.date.today()
CARD = a_card(
    birth_date=dt.date(1987, 3, 1),
    birth_precision="month",
    valid_from=TODAY - dt.timedelta(days=30),
    valid_to=TODAY + dt.timedelta(days=300),
)


@pytest.fixture
def home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    monkeypatch.setenv("SOKHOE_HOME", str(tmp_path / "home"))
    get_settings.cache_clear()
    yield tmp_path / "home"
    get_settings.cache_clear()


@pytest.fixture
def ring(home: Path) -> KeyRing:
    return KeyRing.open(home)


def _now_token(ring: KeyRing, *, minutes_ago: int = 0) -> str:
    moment = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=minutes_ago)
    return app_token(ring.active, CARD, now=moment)


def test_a_valid_code_shows_the_card_in_vietnamese(ring: KeyRing) -> None:
    result = runner.invoke(app, ["verify", _now_token(ring)])
    assert result.exit_code == 0, result.output
    assert "HỢP LỆ" in result.output
    assert "Họ và tên: Nguyễn Thị Lan" in result.output
    assert "Ngày sinh: 03/1987" in result.output
    assert "Giới tính: Nữ" in result.output
    assert f"{CARD.valid_to:%d/%m/%Y}" in result.output


def test_english_on_request(ring: KeyRing) -> None:
    result = runner.invoke(app, ["verify", _now_token(ring), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "VALID" in result.output and "Full name: Nguyễn Thị Lan" in result.output


def test_an_expired_code_is_invalid_and_says_why(ring: KeyRing) -> None:
    result = runner.invoke(app, ["verify", _now_token(ring, minutes_ago=10)])
    assert result.exit_code == 1
    assert "KHÔNG HỢP LỆ" in result.output and "Mã đã hết hạn" in result.output
    assert "Nguyễn Thị Lan" in result.output  # genuine, so the desk sees whose card it was


def test_another_code_is_invalid(ring: KeyRing) -> None:
    result = runner.invoke(app, ["verify", "https://example.com/", "--lang", "en"])
    assert result.exit_code == 1
    assert "Not a Sổ Khỏe code" in result.output


def test_a_code_of_an_unknown_key_names_it(ring: KeyRing) -> None:
    token = app_token(new_key(), CARD, now=dt.datetime.now(dt.UTC))
    result = runner.invoke(app, ["verify", token])
    assert result.exit_code == 1
    assert "khóa không rõ" in result.output


def test_a_photo_a_file_or_stdin_is_read(ring: KeyRing, tmp_path: Path) -> None:
    token = _now_token(ring)
    photo = tmp_path / "the qr.png"
    photo.write_bytes(qr_png(token))
    assert runner.invoke(app, ["verify", str(photo)]).exit_code == 0
    assert runner.invoke(app, ["verify", "-"], input=token + "\n").exit_code == 0
    assert runner.invoke(app, ["verify", "-"], input=qr_png(token)).exit_code == 0


@pytest.mark.parametrize("name", ["missing.png", "not-an-image.txt", "blank.png", "."])
def test_unusable_input_exits_2(ring: KeyRing, tmp_path: Path, name: str) -> None:
    (tmp_path / "not-an-image.txt").write_text("hello")
    (tmp_path / "blank.png").write_bytes(png_of(Image.new("L", (120, 120), 255)))
    result = runner.invoke(app, ["verify", str(tmp_path / name)])
    assert result.exit_code == 2, result.output


def test_without_a_key_ring_or_keys_file_exits_2(home: Path) -> None:
    result = runner.invoke(app, ["verify", "SK1:ABC"])
    assert result.exit_code == 2
    assert "chưa có khóa ký" in result.output


def test_a_cached_keys_file_brings_its_revocations(ring: KeyRing, tmp_path: Path) -> None:
    keys = tmp_path / "sokhoe-keys.json"
    document = key_document(ring, [CARD.card_number], now=dt.datetime.now(dt.UTC))
    keys.write_text(json.dumps(document))
    result = runner.invoke(app, ["verify", _now_token(ring), "--keys", str(keys)])
    assert result.exit_code == 1
    assert "thu hồi" in result.output


@pytest.mark.parametrize("content", ["not json", '{"keys": []}'])
def test_an_unusable_keys_file_exits_2(tmp_path: Path, home: Path, content: str) -> None:
    keys = tmp_path / "keys.json"
    keys.write_text(content)
    assert runner.invoke(app, ["verify", "SK1:ABC", "--keys", str(keys)]).exit_code == 2
    assert runner.invoke(app, ["verify", "SK1:ABC", "--keys", "absent.json"]).exit_code == 2


def test_rotate_then_publish_keeps_old_codes_valid(ring: KeyRing, tmp_path: Path) -> None:
    before = _now_token(ring)
    rotated = runner.invoke(app, ["keys", "rotate"])
    assert rotated.exit_code == 0, rotated.output
    out = tmp_path / "published.json"
    assert runner.invoke(app, ["keys", "publish", "--out", str(out)]).exit_code == 0
    assert len(json.loads(out.read_text())["keys"]) == 2
    assert runner.invoke(app, ["verify", before, "--keys", str(out)]).exit_code == 0
    after = _now_token(KeyRing.open(ring.directory.parent))
    assert runner.invoke(app, ["verify", after, "--keys", str(out)]).exit_code == 0
