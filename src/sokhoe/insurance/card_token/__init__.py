"""Signed card tokens: the QR code a citizen presents and a clinic verifies offline.

A token is a CWT (RFC 8392) in a COSE_Sign1 message (RFC 9052) signed with Ed25519, zlib-
compressed and Base45-encoded behind the prefix ``SK1:`` — the EU Digital COVID
Certificate's layout, so any COSE library can check it (``docs/card-token.md``).

A hospital's system verifies with the published key document it has cached::

    from sokhoe.insurance.card_token import read_key_document, verify, Valid

    trust = read_key_document(open("sokhoe-keys.json", "rb").read())
    result = verify(scanned_text, trust.keys, revoked=trust.revocations)
    if isinstance(result, Valid):
        print(result.claims.card.full_name)
    else:
        print(result.reason)          # Reason.EXPIRED, Reason.BAD_SIGNATURE, …
"""

from sokhoe.insurance.card_token.claims import (
    CardClaims,
    CardDetails,
    CardNotValid,
    TokenKind,
    new_claims,
)
from sokhoe.insurance.card_token.keyring import KeyRing
from sokhoe.insurance.card_token.keys import KeySet, SigningKey
from sokhoe.insurance.card_token.published import (
    Trust,
    UnusableKeyDocument,
    key_document,
    read_key_document,
)
from sokhoe.insurance.card_token.revocations import RevocationList
from sokhoe.insurance.card_token.token import Invalid, Reason, Valid, Verification, sign, verify

__all__ = [
    "CardClaims",
    "CardDetails",
    "CardNotValid",
    "Invalid",
    "KeyRing",
    "KeySet",
    "Reason",
    "RevocationList",
    "SigningKey",
    "TokenKind",
    "Trust",
    "UnusableKeyDocument",
    "Valid",
    "Verification",
    "key_document",
    "new_claims",
    "read_key_document",
    "sign",
    "verify",
]
