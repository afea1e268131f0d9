"""Password hashing with Argon2id (argon2-cffi, RFC 9106 low-memory profile).

The parameters live in each stored hash, so raising them later only needs
:func:`needs_rehash` at the next successful sign-in, never a mass reset.
"""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

HASHER = PasswordHasher()

#: Verified against when the username is unknown, so that a failed sign-in costs the same
#: time whether or not the account exists and timing does not reveal who has an account.
DUMMY_HASH = HASHER.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches; a malformed stored hash is a mismatch, not a crash."""
    try:
        return HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether the hash was made with weaker parameters than :data:`HASHER` uses now."""
    return HASHER.check_needs_rehash(password_hash)
