"""Sign a card token, and verify one offline: the answer is :class:`Valid` with the card, or
:class:`Invalid` with one :class:`Reason`. Nothing a scanner reads makes :func:`verify` raise.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Container
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, runtime_checkable

from sokhoe.insurance.card_token import cose, envelope
from sokhoe.insurance.card_token.claims import (
    CardClaims,
    MalformedClaims,
    decode_claims,
    encode_claims,
)
from sokhoe.insurance.card_token.keys import KeySet, SigningKey, b64url

#: Phones and reception PCs disagree on the time by this much at most.
CLOCK_SKEW = dt.timedelta(minutes=2)


class Reason(StrEnum):
    NOT_SOKHOE = "not_sokhoe"
    MALFORMED = "malformed"
    UNKNOWN_KEY = "unknown_key"
    BAD_SIGNATURE = "bad_signature"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    REVOKED = "revoked"


@dataclass(frozen=True, slots=True)
class Valid:
    claims: CardClaims
    #: The signing key's id, as the published key set writes it.
    kid: str


@dataclass(frozen=True, slots=True)
class Invalid:
    reason: Reason
    #: The signed claims when the signature held (expired, revoked, not yet valid), so the
    #: desk can see whose card it is; ``None`` otherwise, as nothing else can be trusted.
    claims: CardClaims | None = None


Verification = Valid | Invalid


@runtime_checkable
class RevocationLookup(Protocol):
    """Revocations too many to hold as a set (a server's database): asked once per token,
    for its id and its card number together."""

    def any_revoked(self, entries: tuple[str, ...]) -> bool: ...


#: Revoked token ids and card numbers: a set (a cached published list) or a lookup.
Revoked = Container[str] | RevocationLookup


def sign(claims: CardClaims, key: SigningKey) -> str:
    """The QR text of ``claims`` signed by ``key``."""
    protected = cose.protected_header(key.kid)
    payload = encode_claims(claims)
    signature = key.sign(cose.to_be_signed(protected, payload))
    return envelope.wrap(cose.encode_sign1(protected, payload, signature))


def verify(
    text: str,
    keys: KeySet,
    *,
    revoked: Revoked = frozenset(),
    now: dt.datetime | None = None,
) -> Verification:
    """Check a scanned QR text against trusted ``keys``, offline.

    ``revoked`` holds revoked token ids (:attr:`CardClaims.token_id_text`) and card numbers
    (all tokens of a lost card); ``now`` (timezone-aware) defaults to the current time.
    """
    if now is not None and now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    try:
        message = cose.parse_sign1(envelope.unwrap(text))
    except envelope.NotSokhoe:
        return Invalid(Reason.NOT_SOKHOE)
    except (envelope.MalformedEnvelope, cose.MalformedMessage):
        return Invalid(Reason.MALFORMED)
    if message.kid not in keys:
        return Invalid(Reason.UNKNOWN_KEY)
    if not keys.signature_holds(message.kid, message.signature, message.signed_bytes):
        return Invalid(Reason.BAD_SIGNATURE)
    try:
        claims = decode_claims(cose.decode_cbor(message.payload))
    except (cose.MalformedMessage, MalformedClaims):
        return Invalid(Reason.MALFORMED)
    return _judge(claims, b64url(message.kid), revoked, now or dt.datetime.now(dt.UTC))


def _judge(claims: CardClaims, kid: str, revoked: Revoked, now: dt.datetime) -> Verification:
    entries = (claims.token_id_text, claims.card.card_number)
    if isinstance(revoked, RevocationLookup):
        is_revoked = revoked.any_revoked(entries)
    else:
        is_revoked = any(entry in revoked for entry in entries)
    if is_revoked:
        return Invalid(Reason.REVOKED, claims)
    if now + CLOCK_SKEW < claims.issued_at:
        return Invalid(Reason.NOT_YET_VALID, claims)
    if now - CLOCK_SKEW >= claims.expires_at:
        return Invalid(Reason.EXPIRED, claims)
    return Valid(claims, kid)
