"""The document hospitals cache: ``/.well-known/sokhoe-keys.json``.

A JWK Set (RFC 7517) of the keys that verify, with one extra member, ``sokhoe_revocations``:
the signed revocation list (base64url of its COSE_Sign1 message). One document means one file
to fetch and one to pass to ``sokhoe verify --keys``. It is public: key material and the ids
of revoked tokens and cards, no names.

The keys themselves must come over a channel the hospital trusts (HTTPS from the Department
of Health's site); the revocation list, being signed, can then be refreshed from anywhere.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sokhoe.insurance.card_token.keyring import KeyRing
from sokhoe.insurance.card_token.keys import InvalidKey, KeySet, b64url, from_b64url
from sokhoe.insurance.card_token.revocations import (
    InvalidRevocations,
    RevocationList,
    read_revocations,
    sign_revocations,
)

REVOCATIONS_MEMBER = "sokhoe_revocations"


class UnusableKeyDocument(ValueError):
    """A key document that cannot be trusted or read; the message says why, in Vietnamese."""


@dataclass(frozen=True)
class Trust:
    """What an offline verifier needs: the keys, and the cards and tokens revoked."""

    keys: KeySet
    revocations: RevocationList


def key_document(ring: KeyRing, revoked: Iterable[str], *, now: dt.datetime) -> dict[str, Any]:
    """The published document of ``ring``, its revocation list signed by the active key."""
    revocations = RevocationList.of(revoked, now=now)
    document: dict[str, Any] = ring.verification_keys(now).jwks()
    document[REVOCATIONS_MEMBER] = b64url(sign_revocations(revocations, ring.active))
    return document


def read_key_document(text: str | bytes) -> Trust:
    """The keys and the checked revocation list of a published document."""
    try:
        document = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise UnusableKeyDocument(f"tệp khóa không phải JSON: {exc}") from None
    if not isinstance(document, Mapping):
        raise UnusableKeyDocument("tệp khóa không phải một JWK Set")
    signed_revocations = document.get(REVOCATIONS_MEMBER)
    if not isinstance(signed_revocations, str):
        raise UnusableKeyDocument(f"tệp khóa thiếu danh sách thu hồi ({REVOCATIONS_MEMBER})")
    try:
        keys = KeySet.from_jwks(document)
        revocations = read_revocations(from_b64url(signed_revocations), keys)
    except InvalidKey as exc:
        raise UnusableKeyDocument(f"khóa không hợp lệ: {exc}") from None
    except InvalidRevocations as exc:
        raise UnusableKeyDocument(f"danh sách thu hồi không hợp lệ: {exc}") from None
    if not keys:
        raise UnusableKeyDocument("tệp khóa không có khóa Ed25519 nào")
    return Trust(keys, revocations)
