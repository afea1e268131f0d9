"""What a card token says, and its CWT claims map (RFC 8392).

Standard claims: ``1`` iss, ``4`` exp, ``6`` iat, ``7`` cti (8 random bytes, the token id).
The card itself sits under the private-use claim :data:`CARD_CLAIM` as a map with small
integer keys (:class:`Field`); dates are integers ``yyyymmdd`` as on the card (``GT_THE_TU``),
and a birth date known only to the month or year is ``yyyymm`` or ``yyyy``, so its precision
travels with it.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum
from typing import Any, cast

import cbor2

from sokhoe.insurance.card_token.cose import CBOR_MAPS
from sokhoe.registry.dates import Precision
from sokhoe.vietnam_time import VIETNAM_TIME

CLAIM_ISS, CLAIM_EXP, CLAIM_IAT, CLAIM_CTI = 1, 4, 6, 7
#: RFC 8392 leaves keys below -65536 to private use.
CARD_CLAIM = -65537
TOKEN_ID_BYTES = 8

#: A token shown on the phone lives minutes: a screenshot is soon worthless.
APP_LIFETIME = dt.timedelta(minutes=5)
#: A printed code lives until the card's validity ends, at most this long; retired keys are
#: kept for verification this long too (see ``keyring``).
PAPER_MAX_LIFETIME = dt.timedelta(days=366)


class TokenKind(IntEnum):
    APP = 1
    PAPER = 2


class Field(IntEnum):
    """Keys of the card map."""

    CARD_NUMBER = 1
    FULL_NAME = 2
    BIRTH_DATE = 3
    SEX = 4
    VALID_FROM = 5
    VALID_TO = 6
    FACILITY = 7
    KIND = 8


class MalformedClaims(ValueError):
    """A signed payload that is not a card token's claims."""


class CardNotValid(ValueError):
    """A token is asked for a card outside its validity."""


@dataclass(frozen=True, slots=True)
class CardDetails:
    """What reception needs from the card."""

    card_number: str
    full_name: str
    birth_date: dt.date
    birth_precision: Precision
    sex: str | None
    valid_from: dt.date
    valid_to: dt.date
    facility_code: str | None


@dataclass(frozen=True, slots=True)
class CardClaims:
    card: CardDetails
    issuer: str
    token_id: bytes
    issued_at: dt.datetime
    expires_at: dt.datetime
    kind: TokenKind

    @property
    def token_id_text(self) -> str:
        """The token id as revocation lists name it (16 hexadecimal digits)."""
        return self.token_id.hex()


def new_claims(card: CardDetails, *, kind: TokenKind, issuer: str, now: dt.datetime) -> CardClaims:
    """Claims for a new token of ``kind``, never outliving the card's validity (which ends
    at midnight, Vietnam time, after ``valid_to``)."""
    today = now.astimezone(VIETNAM_TIME).date()
    if not card.valid_from <= today <= card.valid_to:
        raise CardNotValid(f"thẻ {card.card_number} không còn giá trị sử dụng")
    card_end = dt.datetime.combine(card.valid_to + dt.timedelta(days=1), dt.time(), VIETNAM_TIME)
    lifetime = APP_LIFETIME if kind is TokenKind.APP else PAPER_MAX_LIFETIME
    issued_at = now.replace(microsecond=0)
    return CardClaims(
        card=card,
        issuer=issuer,
        token_id=secrets.token_bytes(TOKEN_ID_BYTES),
        issued_at=issued_at,
        expires_at=min(issued_at + lifetime, card_end),
        kind=kind,
    )


def _date_number(value: dt.date, precision: Precision = "day") -> int:
    if precision == "year":
        return value.year
    if precision == "month":
        return value.year * 100 + value.month
    return value.year * 10_000 + value.month * 100 + value.day


def encode_claims(claims: CardClaims) -> bytes:
    card = claims.card
    fields: dict[int, Any] = {
        Field.CARD_NUMBER: card.card_number,
        Field.FULL_NAME: card.full_name,
        Field.BIRTH_DATE: _date_number(card.birth_date, card.birth_precision),
        Field.VALID_FROM: _date_number(card.valid_from),
        Field.VALID_TO: _date_number(card.valid_to),
        Field.KIND: int(claims.kind),
    }
    if card.sex is not None:
        fields[Field.SEX] = card.sex
    if card.facility_code is not None:
        fields[Field.FACILITY] = card.facility_code
    return cbor2.dumps(
        {
            CLAIM_ISS: claims.issuer,
            CLAIM_EXP: int(claims.expires_at.timestamp()),
            CLAIM_IAT: int(claims.issued_at.timestamp()),
            CLAIM_CTI: claims.token_id,
            CARD_CLAIM: {int(key): value for key, value in fields.items()},
        }
    )


_KINDS = {int(kind): kind for kind in TokenKind}


def _get(mapping: Mapping[Any, Any], key: int, kind: type, *, optional: bool = False) -> Any:
    """``mapping[key]``, of exactly type ``kind`` (so a CBOR ``true`` is not the integer 1).

    Exact type checks, not ``isinstance`` with abstract classes: this runs a dozen times per
    verification."""
    value = mapping.get(key)
    if type(value) is kind or (optional and value is None):
        return value
    raise MalformedClaims(f"claim {key} missing or not {kind.__name__}")


def _map(value: Any) -> Mapping[Any, Any]:
    if type(value) not in CBOR_MAPS:
        raise MalformedClaims("not a map")
    return cast(Mapping[Any, Any], value)


def _date_of(number: int) -> tuple[dt.date, Precision]:
    try:
        if number >= 10_000_000:
            return dt.date(number // 10_000, number // 100 % 100, number % 100), "day"
        if number >= 100_000:
            return dt.date(number // 100, number % 100, 1), "month"
        return dt.date(number, 1, 1), "year"
    except (ValueError, OverflowError):
        raise MalformedClaims(f"{number} is not a date") from None


def _full_date(number: int) -> dt.date:
    value, precision = _date_of(number)
    if precision != "day":
        raise MalformedClaims(f"{number} is not a full date")
    return value


def instant(seconds: int) -> dt.datetime:
    try:
        return dt.datetime.fromtimestamp(seconds, dt.UTC)
    except (OverflowError, OSError, ValueError):
        raise MalformedClaims(f"{seconds} is not a time") from None


def decode_claims(claims_map: Any) -> CardClaims:
    """The claims of a decoded payload, every type checked."""
    claims_map = _map(claims_map)
    fields = _map(claims_map.get(CARD_CLAIM))
    birth_date, birth_precision = _date_of(_get(fields, Field.BIRTH_DATE, int))
    kind = _KINDS.get(_get(fields, Field.KIND, int))
    if kind is None:
        raise MalformedClaims("unknown token kind")
    card = CardDetails(
        card_number=_get(fields, Field.CARD_NUMBER, str),
        full_name=_get(fields, Field.FULL_NAME, str),
        birth_date=birth_date,
        birth_precision=birth_precision,
        sex=_get(fields, Field.SEX, str, optional=True),
        valid_from=_full_date(_get(fields, Field.VALID_FROM, int)),
        valid_to=_full_date(_get(fields, Field.VALID_TO, int)),
        facility_code=_get(fields, Field.FACILITY, str, optional=True),
    )
    return CardClaims(
        card=card,
        issuer=_get(claims_map, CLAIM_ISS, str),
        token_id=_get(claims_map, CLAIM_CTI, bytes),
        issued_at=instant(_get(claims_map, CLAIM_IAT, int)),
        expires_at=instant(_get(claims_map, CLAIM_EXP, int)),
        kind=kind,
    )
