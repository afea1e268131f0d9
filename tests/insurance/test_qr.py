"""QR codes of tokens: drawn by segno, read back by zxing-cpp, even from a rough photo."""

from __future__ import annotations

import contextlib
import io
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from sokhoe.insurance.card_token import KeySet, SigningKey, Valid, verify
from sokhoe.insurance.card_token.qr import UnreadableImage, qr_png, qr_svg, read_qr
from tests.insurance.conftest import LONG_NAME, NOW, a_card, app_token, png_of


def test_a_png_reads_back_to_a_valid_token(key: SigningKey, keys: KeySet) -> None:
    token = app_token(key, a_card(full_name=LONG_NAME))
    assert read_qr(qr_png(token)) == token
    assert isinstance(verify(read_qr(qr_png(token)), keys, now=NOW), Valid)


def test_a_tilted_jpeg_photo_reads_back(key: SigningKey) -> None:
    token = app_token(key)
    code = Image.open(io.BytesIO(qr_png(token, scale=6))).convert("L")
    scene = Image.new("L", (code.width * 2, code.height * 2), 200)
    scene.paste(code, (code.width // 2, code.height // 3))
    photo = io.BytesIO()
    scene.rotate(12, fillcolor=200).save(photo, format="JPEG", quality=60)
    assert read_qr(photo.getvalue()) == token


def test_the_svg_is_inline_markup(key: SigningKey) -> None:
    svg = qr_svg(app_token(key))
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    assert "<?xml" not in svg and "style=" not in svg
    # Drawn at its size, and scalable by a page's CSS (a phone's narrow screen).
    side = re.search(r'<svg width="(\d+)" height="\1" viewBox="0 0 \1 \1"', svg)
    assert side is not None and int(side.group(1)) % 4 == 0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "không phải ảnh"),
        (b"SK1:not an image", "không phải ảnh"),
        (png_of(Image.new("RGB", (200, 100), "white")), "không tìm thấy mã QR"),
        (png_of(Image.new("RGB", (200, 100), "white"))[:60], "không phải ảnh"),
    ],
)
def test_unreadable_images_say_why(data: bytes, message: str) -> None:
    with pytest.raises(UnreadableImage, match=message):
        read_qr(data)


@settings(max_examples=50)
@given(st.binary(max_size=2000))
def test_any_bytes_are_read_or_refused(data: bytes) -> None:
    with contextlib.suppress(UnreadableImage):
        read_qr(b"\x89PNG\r\n\x1a\n" + data)
