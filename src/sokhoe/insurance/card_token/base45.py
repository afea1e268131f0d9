"""Base45 (RFC 9285), the text form that fits a QR code's alphanumeric mode.

Encoding uses the ``base45`` package. Decoding is written here with numpy because it runs
once per verification: the package's pure-Python loop costs about a third of an Ed25519
verification, this one a twentieth (``tests/insurance/test_base45.py`` checks that both
decoders agree on every input).
"""

from __future__ import annotations

import base45
import numpy as np

ALPHABET = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_INVALID = 0xFF
#: Byte → its Base45 digit, or 0xFF for a byte outside the alphabet.
_DIGITS = bytes(ALPHABET.index(byte) if byte in ALPHABET else _INVALID for byte in range(256))
_WEIGHTS = np.array([1, 45, 45 * 45], dtype=np.uint32)


class InvalidBase45(ValueError):
    """The text is not Base45."""


def encode(data: bytes) -> str:
    encoded: bytes = base45.b45encode(data)
    return encoded.decode("ascii")


def decode(text: str) -> bytes:
    """The bytes of ``text``; every three characters give two bytes, a last pair one byte."""
    try:
        digits = text.encode("ascii").translate(_DIGITS)
    except UnicodeEncodeError:
        raise InvalidBase45("not ASCII") from None
    if _INVALID in digits:
        raise InvalidBase45("a character outside the Base45 alphabet")
    whole, rest = divmod(len(digits), 3)
    if rest == 1:
        raise InvalidBase45("a length that leaves one character alone")
    words = np.frombuffer(digits, np.uint8, count=3 * whole).reshape(-1, 3) @ _WEIGHTS
    if whole and int(words.max()) > 0xFFFF:
        raise InvalidBase45("a group of three characters above 65535")
    decoded = words.astype(">u2").tobytes()
    if rest:
        last = digits[-2] + 45 * digits[-1]
        if last > 0xFF:
            raise InvalidBase45("a final pair above 255")
        decoded += bytes((last,))
    return decoded
