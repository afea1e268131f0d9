"""Signing in with a password: generic failures, account lockout, address throttle, audit."""

from __future__ import annotations

import datetime as dt

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select
from sqlalchemy.orm import Session

from sokhoe.access import passwords
from sokhoe.access.clock import utcnow
from sokhoe.access.identity import (
    AccountLocked,
    AuthenticationFailed,
    IdentityProvider,
    LocalPasswordIdentity,
)
from sokhoe.access.models import AuditEntry, User
from sokhoe.access.roles import Role
from sokhoe.access.service import create_user
from sokhoe.config import Settings
from sokhoe.registry.units import ensure_province
from tests.access.conftest import KHANH_HOA, NHA_TRANG, PASSWORD

IP = "203.0.113.7"
WRONG_CREDENTIALS = "Tên đăng nhập hoặc mật khẩu không đúng."
LOCKED = "Tài khoản tạm khoá do đăng nhập sai nhiều lần. Vui lòng thử lại sau."


class FakeClock:
    """Monotonic seconds that a test moves forward."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def user(session: Session) -> User:
    """A commune officer (any role signs in the same way)."""
    ensure_province(session, KHANH_HOA)
    created = create_user(
        session,
        username="Lan.NT",
        password=PASSWORD,
        role=Role.COMMUNE_OFFICER,
        display_name="Nguyễn Thị Lan",
        commune_code=NHA_TRANG,
    )
    session.commit()
    return created


def _identity(**settings: int) -> LocalPasswordIdentity:
    return LocalPasswordIdentity(Settings(**settings))


def _attempt(
    identity: IdentityProvider,
    session: Session,
    username: str,
    password: str,
    remote_addr: str | None = IP,
) -> AuthenticationFailed | User:
    """One sign-in, committed whatever the outcome, as the web layer does."""
    try:
        return identity.authenticate(
            session, username=username, password=password, remote_addr=remote_addr
        )
    except AuthenticationFailed as exc:
        return exc
    finally:
        session.commit()


def test_the_right_password_signs_in_and_is_audited(session: Session, user: User) -> None:
    signed_in = _attempt(_identity(), session, "lan.nt", PASSWORD)
    assert signed_in is user
    assert user.last_login_at is not None
    entry = session.scalars(select(AuditEntry)).one()
    assert (entry.action, entry.outcome, entry.purpose) == ("login", "allowed", "authentication")
    assert (entry.actor_user_id, entry.remote_addr, entry.subject_person_id) == (user.id, IP, None)


def test_unknown_user_and_wrong_password_fail_alike(session: Session, user: User) -> None:
    identity = _identity()
    unknown = _attempt(identity, session, "khong.co.ai", PASSWORD)
    wrong = _attempt(identity, session, "lan.nt", "doan-thu-123")
    assert type(unknown) is type(wrong) is AuthenticationFailed
    assert str(unknown) == str(wrong) == WRONG_CREDENTIALS
    entries = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [(e.outcome, e.actor_user_id) for e in entries] == [
        ("denied", None),
        ("denied", user.id),
    ]
    for entry in entries:
        assert PASSWORD not in entry.detail and "doan-thu-123" not in entry.detail
        assert "khong.co.ai" not in entry.detail  # a mistyped password may sit in it


def test_five_failures_lock_the_account_even_for_the_right_password(
    session: Session, user: User
) -> None:
    identity = _identity()
    for _ in range(4):
        assert type(_attempt(identity, session, "lan.nt", "sai")) is AuthenticationFailed
    fifth = _attempt(identity, session, "lan.nt", "sai")
    assert isinstance(fifth, AccountLocked) and str(fifth) == LOCKED
    assert fifth.until == user.locked_until
    right = _attempt(identity, session, "lan.nt", PASSWORD)
    assert isinstance(right, AccountLocked)
    outcomes = session.scalars(select(AuditEntry.outcome)).all()
    assert outcomes == ["denied"] * 6


def test_the_lock_ends_and_success_resets_the_count(session: Session, user: User) -> None:
    identity = _identity()
    for _ in range(5):
        _attempt(identity, session, "lan.nt", "sai")
    user.locked_until = utcnow() - dt.timedelta(seconds=1)
    session.commit()
    assert _attempt(identity, session, "lan.nt", PASSWORD) is user
    assert (user.failed_logins, user.locked_until) == (0, None)


def test_failures_older_than_the_window_do_not_count(session: Session, user: User) -> None:
    identity = _identity(login_failure_window_seconds=60)
    for _ in range(4):
        _attempt(identity, session, "lan.nt", "sai")
    user.last_failed_login_at = utcnow() - dt.timedelta(minutes=5)
    session.commit()
    assert type(_attempt(identity, session, "lan.nt", "sai")) is AuthenticationFailed
    assert user.failed_logins == 1


def test_one_address_is_throttled_across_accounts(session: Session, user: User) -> None:
    clock = FakeClock()
    identity = LocalPasswordIdentity(
        Settings(login_throttle_failures=3, login_throttle_seconds=300), clock=clock
    )
    for name in ("a.1", "a.2", "a.3"):
        _attempt(identity, session, name, "đoán thử")
    refused = _attempt(identity, session, "lan.nt", PASSWORD)
    assert isinstance(refused, AccountLocked) and str(refused) == LOCKED
    assert _attempt(identity, session, "lan.nt", PASSWORD, remote_addr="198.51.100.9") is user
    clock.now += 301
    assert _attempt(identity, session, "lan.nt", PASSWORD) is user
    assert user.failed_logins == 0  # the throttle never touched the account


def test_an_outdated_hash_is_upgraded_at_sign_in(
    monkeypatch: pytest.MonkeyPatch, session: Session, user: User
) -> None:
    old_hash = user.password_hash
    monkeypatch.setattr(
        passwords, "HASHER", PasswordHasher(time_cost=2, memory_cost=16, parallelism=1)
    )
    assert _attempt(_identity(), session, "lan.nt", PASSWORD) is user
    assert user.password_hash != old_hash
    assert not passwords.needs_rehash(user.password_hash or "")


def test_inactive_and_passwordless_accounts_cannot_sign_in(session: Session, user: User) -> None:
    identity = _identity()
    user.active = False
    session.commit()
    assert str(_attempt(identity, session, "lan.nt", PASSWORD)) == WRONG_CREDENTIALS
    user.active, user.password_hash = True, None
    session.commit()
    assert str(_attempt(identity, session, "lan.nt", "")) == WRONG_CREDENTIALS
