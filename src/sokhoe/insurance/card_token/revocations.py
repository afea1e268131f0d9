"""The revocation list: token ids and card numbers no longer to be accepted, with the time it
was issued, signed like a card token so that a verifier can trust a copy cached offline.

Its COSE_Sign1 payload is ``{6: iat, -65538: [entries…]}``; having no card claim, it can never
pass for a card token, nor a card token for it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import cbor2

from sokhoe.insurance.card_token import cose
from sokhoe.insurance.card_token.claims import CLAIM_IAT, MalformedClaims, instant
from sokhoe.insurance.card_token.keys import KeySet, SigningKey

REVOKED_CLAIM = -65538


class InvalidRevocations(ValueError):
    """A revocation list that is malformed or not signed by a trusted key."""


@dataclass(frozen=True)
class RevocationList:
    issued_at: dt.datetime
    entries: frozenset[str]

    def __contains__(self, entry: object) -> bool:
        return entry in self.entries

    @classmethod
    def of(cls, entries: Iterable[str], *, now: dt.datetime) -> RevocationList:
        return cls(issued_at=now.replace(microsecond=0), entries=frozenset(entries))


def sign_revocations(revocations: RevocationList, key: SigningKey) -> bytes:
    """The COSE_Sign1 message of the list (entries sorted, so equal lists sign equal bytes)."""
    protected = cose.protected_header(key.kid)
    payload = cbor2.dumps(
        {
            CLAIM_IAT: int(revocations.issued_at.timestamp()),
            REVOKED_CLAIM: sorted(revocations.entries),
        }
    )
    signature = key.sign(cose.to_be_signed(protected, payload))
    return cose.encode_sign1(protected, payload, signature)


def read_revocations(message: bytes, keys: KeySet) -> RevocationList:
    """The list in ``message``, once its signature is checked against ``keys``."""
    try:
        parsed = cose.parse_sign1(message)
    except cose.MalformedMessage as exc:
        raise InvalidRevocations(str(exc)) from None
    if parsed.kid not in keys:
        raise InvalidRevocations("signed by an unknown key")
    if not keys.signature_holds(parsed.kid, parsed.signature, parsed.signed_bytes):
        raise InvalidRevocations("bad signature")
    try:
        payload: Any = cose.decode_cbor(parsed.payload)
    except cose.MalformedMessage as exc:
        raise InvalidRevocations(str(exc)) from None
    issued = payload.get(CLAIM_IAT) if isinstance(payload, Mapping) else None
    entries = payload.get(REVOKED_CLAIM) if isinstance(payload, Mapping) else None
    if not isinstance(issued, int) or not isinstance(entries, (list, tuple)):
        raise InvalidRevocations("not a revocation list")
    if not all(isinstance(entry, str) for entry in entries):
        raise InvalidRevocations("an entry that is not text")
    try:
        issued_at = instant(issued)
    except MalformedClaims as exc:
        raise InvalidRevocations(str(exc)) from None
    return RevocationList(issued_at, frozenset(entries))
