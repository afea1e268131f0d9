"""A card, a signing key and the moment tokens are made, shared by the card-token tests."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from PIL import Image

from sokhoe.insurance.card_token import (
    CardDetails,
    KeySet,
    SigningKey,
    TokenKind,
    new_claims,
    sign,
)

#: 1 March 2026, 08:00 in Vietnam.
NOW = dt.datetime(2026, 3, 1, 1, 0, tzinfo=dt.UTC)
ISSUER = "VN-56"
#: A long name, every letter accented: the worst case for the QR's size.
LONG_NAME = "Tôn Nữ Hoàng Phương Thảo Nguyên"


def a_card(**changes: object) -> CardDetails:
    fields: dict[str, object] = {
        "card_number": "GD4565612345678",
        "full_name": "Nguyễn Thị Lan",
        "birth_date": dt.date(1987, 3, 9),
        "birth_precision": "day",
        "sex": "F",
        "valid_from": dt.date(2026, 1, 1),
        "valid_to": dt.date(2026, 12, 31),
        "facility_code": "56001",
    }
    fields.update(changes)
    return CardDetails(**fields)  # type: ignore[arg-type]


def new_key() -> SigningKey:
    return SigningKey(Ed25519PrivateKey.generate())


def app_token(key: SigningKey, card: CardDetails | None = None, now: dt.datetime = NOW) -> str:
    claims = new_claims(card or a_card(), kind=TokenKind.APP, issuer=ISSUER, now=now)
    return sign(claims, key)


def png_of(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


@pytest.fixture(scope="session")
def key() -> SigningKey:
    return new_key()


@pytest.fixture(scope="session")
def keys(key: SigningKey) -> KeySet:
    return KeySet([key.public])
