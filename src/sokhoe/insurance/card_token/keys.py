"""Ed25519 keys, their ids, and their JSON Web Key form (RFC 8037 ``OKP`` keys).

A key id is derived from the public key: the first 8 bytes of its RFC 7638 JWK thumbprint
(SHA-256 of ``{"crv":"Ed25519","kty":"OKP","x":…}``). Tokens carry those 8 bytes in their
protected header; the published key set writes them in base64url (11 characters).
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

KID_BYTES = 8


class InvalidKey(ValueError):
    """A JSON Web Key that is not a usable Ed25519 verification key."""


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def from_b64url(text: str) -> bytes:
    if not isinstance(text, str) or "=" in text:
        raise InvalidKey("not unpadded base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except ValueError:
        raise InvalidKey("not base64url") from None


def raw_public_bytes(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id(key: Ed25519PublicKey) -> bytes:
    """The RFC 7638 thumbprint of the key's JWK, truncated to :data:`KID_BYTES`."""
    members = {"crv": "Ed25519", "kty": "OKP", "x": b64url(raw_public_bytes(key))}
    canonical = json.dumps(members, separators=(",", ":"), sort_keys=True).encode("ascii")
    return hashlib.sha256(canonical).digest()[:KID_BYTES]


def public_jwk(key: Ed25519PublicKey) -> dict[str, str]:
    return {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": b64url(raw_public_bytes(key)),
        "kid": b64url(key_id(key)),
        "use": "sig",
        "alg": "EdDSA",
    }


def read_jwk(jwk: Mapping[str, Any]) -> Ed25519PublicKey:
    """The Ed25519 key of ``jwk``, refusing one whose ``kid`` is not derived from it (a
    key swapped under a known id) or that is not meant for EdDSA signatures."""
    if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
        raise InvalidKey("not an Ed25519 OKP key")
    if jwk.get("alg", "EdDSA") != "EdDSA" or jwk.get("use", "sig") != "sig":
        raise InvalidKey("not an EdDSA signature key")
    if "d" in jwk:
        raise InvalidKey("a private key: publish only the public part")
    raw = from_b64url(jwk.get("x", ""))
    if len(raw) != 32:
        raise InvalidKey("x is not 32 bytes")
    try:
        key = Ed25519PublicKey.from_public_bytes(raw)
    except ValueError:
        raise InvalidKey("x is not an Ed25519 public key") from None
    if jwk.get("kid") != b64url(key_id(key)):
        raise InvalidKey("kid is not the key's thumbprint")
    return key


@dataclass(frozen=True)
class SigningKey:
    """A private key and its id, as the signer holds it."""

    private: Ed25519PrivateKey

    @property
    def public(self) -> Ed25519PublicKey:
        return self.private.public_key()

    @property
    def kid(self) -> bytes:
        return key_id(self.public)

    def sign(self, data: bytes) -> bytes:
        return self.private.sign(data)


class KeySet:
    """The public keys a verifier trusts, by key id."""

    def __init__(self, keys: Iterable[Ed25519PublicKey] = ()) -> None:
        self._by_kid = {key_id(key): key for key in keys}

    def __len__(self) -> int:
        return len(self._by_kid)

    def __iter__(self) -> Iterator[Ed25519PublicKey]:
        return iter(self._by_kid.values())

    def __contains__(self, kid: object) -> bool:
        return kid in self._by_kid

    def signature_holds(self, kid: bytes, signature: bytes, data: bytes) -> bool:
        """Whether the key ``kid`` (which must be in the set) signed ``data``."""
        try:
            self._by_kid[kid].verify(signature, data)
        except InvalidSignature:
            return False
        return True

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        return {"keys": [public_jwk(key) for key in self]}

    @classmethod
    def from_jwks(cls, document: Mapping[str, Any]) -> KeySet:
        """The Ed25519 keys of a JWK Set; keys of other types are skipped (RFC 7517 §5)."""
        entries = document.get("keys")
        if not isinstance(entries, list):
            raise InvalidKey("no keys array")
        keys = [
            read_jwk(entry)
            for entry in entries
            if isinstance(entry, Mapping) and entry.get("kty") == "OKP"
        ]
        return cls(keys)
