"""The QR text around a signed message: ``SK1:`` + Base45(zlib(COSE_Sign1)), as the EU
Digital COVID Certificate writes ``HC1:`` + Base45(zlib(COSE_Sign1)).

Every character is in the QR code's alphanumeric set, which packs 11 bits per 2 characters.
"""

from __future__ import annotations

import zlib

from sokhoe.insurance.card_token import base45

PREFIX = "SK1:"
#: No QR code holds more than 4,296 alphanumeric characters.
MAX_TEXT = 4_296
#: A signed card is a few hundred bytes; anything inflating beyond this is refused (a zlib
#: bomb is kilobytes that inflate to gigabytes).
MAX_INFLATED = 8_192


class NotSokhoe(ValueError):
    """The text does not start with :data:`PREFIX`: some other QR code."""


class MalformedEnvelope(ValueError):
    """The text starts like a Sổ Khỏe code but its Base45 or zlib layer is broken."""


def wrap(message: bytes) -> str:
    return PREFIX + base45.encode(zlib.compress(message, 9))


def unwrap(text: str) -> bytes:
    """The signed message inside ``text``, inflated to at most :data:`MAX_INFLATED` bytes."""
    if not text.startswith(PREFIX):
        raise NotSokhoe("no Sổ Khỏe prefix")
    if len(text) > MAX_TEXT:
        raise MalformedEnvelope("longer than any QR code")
    try:
        compressed = base45.decode(text[len(PREFIX) :])
    except base45.InvalidBase45 as exc:
        raise MalformedEnvelope(str(exc)) from None
    inflater = zlib.decompressobj()
    try:
        message = inflater.decompress(compressed, MAX_INFLATED)
    except zlib.error as exc:
        raise MalformedEnvelope(f"not zlib: {exc}") from None
    if inflater.unconsumed_tail:
        raise MalformedEnvelope("inflates beyond the size of any card")
    if not inflater.eof or inflater.unused_data:
        raise MalformedEnvelope("a truncated or padded zlib stream")
    return message
