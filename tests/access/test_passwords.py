"""Argon2id password hashes: verification, malformed hashes, upgrading the parameters."""

import pytest
from argon2 import PasswordHasher

from sokhoe.access import passwords


def test_a_password_verifies_against_its_own_hash_only() -> None:
    stored = passwords.hash_password("một mật khẩu")
    assert stored.startswith("$argon2id$")
    assert passwords.verify_password(stored, "một mật khẩu")
    assert not passwords.verify_password(stored, "mot mat khau")


def test_a_malformed_stored_hash_is_a_mismatch_not_a_crash() -> None:
    assert not passwords.verify_password("not-a-hash", "anything")


def test_a_hash_made_with_weaker_parameters_needs_rehash(
    monkeypatch: pytest.MonkeyPatch, fast_hashing: PasswordHasher
) -> None:
    weak = passwords.hash_password("một mật khẩu")
    assert not passwords.needs_rehash(weak)
    monkeypatch.setattr(
        passwords, "HASHER", PasswordHasher(time_cost=2, memory_cost=16, parallelism=1)
    )
    assert passwords.needs_rehash(weak)
    assert passwords.verify_password(weak, "một mật khẩu")
