"""Card tokens as QR codes: drawn as SVG for the wallet's screen, read back from a photo.

The code is made in alphanumeric mode (the token's characters are all in that set) with
error correction M (15 %): enough for a phone screen's glare and a scratched print, while
keeping the modules large enough for a reception webcam.
"""

from __future__ import annotations

import io
from enum import StrEnum

import segno
import zxingcpp
from PIL import Image, UnidentifiedImageError

#: A phone photo is 12–50 megapixels; anything larger is refused before it is decoded.
MAX_PIXELS = 60_000_000
_QR_CODES = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)


class ImageProblem(StrEnum):
    NOT_AN_IMAGE = "not_an_image"
    TOO_MANY_PIXELS = "too_many_pixels"
    NO_QR_CODE = "no_qr_code"


_PROBLEM_MESSAGES = {
    ImageProblem.NOT_AN_IMAGE: "tệp không phải ảnh đọc được",
    ImageProblem.TOO_MANY_PIXELS: "ảnh quá lớn",
    ImageProblem.NO_QR_CODE: "không tìm thấy mã QR trong ảnh",
}


class UnreadableImage(ValueError):
    """Not an image, or an image without a QR code: :attr:`problem` says which (for a page to
    word in its own language), the message says it in Vietnamese (for the command line)."""

    def __init__(self, problem: ImageProblem) -> None:
        super().__init__(_PROBLEM_MESSAGES[problem])
        self.problem = problem


def make_qr(text: str) -> segno.QRCode:
    return segno.make_qr(text, error="m", mode="alphanumeric", boost_error=False)


def qr_svg(text: str, *, scale: int = 4) -> str:
    """An inline ``<svg>`` of the code with its 4-module quiet zone, for a page: drawn
    ``scale`` pixels a module, and with a ``viewBox`` so that a page's CSS can size it."""
    code = make_qr(text)
    width, height = code.symbol_size(scale=scale, border=4)
    svg = code.svg_inline(scale=scale, border=4, omitsize=True)
    return svg.replace("<svg ", f'<svg width="{width}" height="{height}" ', 1)


def qr_png(text: str, *, scale: int = 8) -> bytes:
    out = io.BytesIO()
    make_qr(text).save(out, kind="png", scale=scale, border=4)
    return out.getvalue()


def read_qr(image_bytes: bytes) -> str:
    """The text of the first QR code in a PNG, JPEG or other common image."""
    codes = zxingcpp.read_barcodes(_greyscale(image_bytes), formats=_QR_CODES)
    if not codes:
        raise UnreadableImage(ImageProblem.NO_QR_CODE)
    return codes[0].text


def _greyscale(image_bytes: bytes) -> Image.Image:
    """The decoded image in 8-bit grey, its size checked from the header before decoding."""
    try:
        with Image.open(io.BytesIO(image_bytes)) as image:
            if image.width * image.height > MAX_PIXELS:
                raise UnreadableImage(ImageProblem.TOO_MANY_PIXELS)
            return image.convert("L")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError):
        raise UnreadableImage(ImageProblem.NOT_AN_IMAGE) from None
