"""COSE_Sign1 (RFC 9052 §4.2) with EdDSA, and strict CBOR decoding of untrusted bytes.

A signed message is ``18([protected, unprotected, payload, signature])``: ``protected`` is
the CBOR map ``{1: -8 (EdDSA), 4: kid}`` wrapped in a byte string, ``unprotected`` an empty
map, and the signature covers the ``Sig_structure`` ``["Signature1", protected, h'',
payload]``. The key id is read from the protected header only: the unprotected header is
not signed, so whatever it says is ignored.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import cbor2

COSE_SIGN1_TAG = 18
HEADER_ALG, HEADER_KID = 1, 4
ALG_EDDSA = -8
#: Decoded structures are tiny; a deep nesting is an attack, not a token.
_MAX_DEPTH = 16
#: What a decoded CBOR map is: a dict, or cbor2's frozendict inside a tag or an array.
CBOR_MAPS = (dict, cbor2.frozendict)


class MalformedMessage(ValueError):
    """The bytes are not a COSE_Sign1 message of the shape Sổ Khỏe signs."""


def decode_cbor(data: bytes) -> Any:
    """One CBOR item filling ``data`` exactly (no trailing bytes, no duplicate keys, no
    indefinite lengths); any decoding failure is :class:`MalformedMessage`."""
    stream = io.BytesIO(data)
    try:
        item = cbor2.CBORDecoder(
            stream, max_depth=_MAX_DEPTH, allow_indefinite=False, allow_duplicate_keys=False
        ).decode()
    except (cbor2.CBORError, ValueError, TypeError, LookupError, OverflowError) as exc:
        raise MalformedMessage(f"not CBOR: {exc}") from None
    if stream.tell() != len(data):
        raise MalformedMessage("bytes after the CBOR item")
    return item


def to_be_signed(protected: bytes, payload: bytes) -> bytes:
    """The ``Sig_structure`` bytes the signature covers (no external data)."""
    return cbor2.dumps(["Signature1", protected, b"", payload])


def protected_header(kid: bytes) -> bytes:
    return cbor2.dumps({HEADER_ALG: ALG_EDDSA, HEADER_KID: kid})


def encode_sign1(protected: bytes, payload: bytes, signature: bytes) -> bytes:
    return cbor2.dumps(cbor2.CBORTag(COSE_SIGN1_TAG, [protected, {}, payload, signature]))


@dataclass(frozen=True, slots=True)
class Sign1:
    """A parsed COSE_Sign1 message, its signature not yet checked."""

    kid: bytes
    protected: bytes
    payload: bytes
    signature: bytes

    @property
    def signed_bytes(self) -> bytes:
        return to_be_signed(self.protected, self.payload)


def parse_sign1(data: bytes) -> Sign1:
    """Split a message (tagged 18 or untagged) into its parts, checking their types, that the
    algorithm is EdDSA and that the protected header names a key."""
    item = decode_cbor(data)
    if isinstance(item, cbor2.CBORTag):
        if item.tag != COSE_SIGN1_TAG:
            raise MalformedMessage(f"CBOR tag {item.tag}, not COSE_Sign1")
        item = item.value
    if not isinstance(item, (list, tuple)) or len(item) != 4:
        raise MalformedMessage("not a four-part COSE_Sign1 array")
    protected, unprotected, payload, signature = item
    if not (
        isinstance(protected, bytes)
        and isinstance(unprotected, CBOR_MAPS)
        and isinstance(payload, bytes)
        and isinstance(signature, bytes)
    ):
        raise MalformedMessage("COSE_Sign1 parts of the wrong types")
    header = decode_cbor(protected)
    if not isinstance(header, CBOR_MAPS) or header.get(HEADER_ALG) != ALG_EDDSA:
        raise MalformedMessage("the protected header does not say EdDSA")
    kid = header.get(HEADER_KID)
    if not isinstance(kid, bytes) or not kid:
        raise MalformedMessage("the protected header names no key")
    return Sign1(kid=kid, protected=protected, payload=payload, signature=signature)
