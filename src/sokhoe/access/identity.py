"""Signing in: who an account is, proved by a password today and by the national e-ID later.

:class:`IdentityProvider` is the seam. :class:`LocalPasswordIdentity` checks an Argon2id
password in the database. The national e-ID (VNeID) offers OpenID Connect; an
``OidcIdentity`` can implement the same Protocol later by verifying the provider's ID token
and mapping its subject (the 12-digit personal ID) to a citizen account, with no change to
the web layer or the audit trail.

Failures never say which part was wrong: an unknown username and a wrong password give the
same message and cost the same time (a dummy hash is verified, see
:data:`~sokhoe.access.passwords.DUMMY_HASH`). Every attempt, allowed or denied, writes an
audit entry without the password; the name typed for an account that does not exist is not
written either (it is often a password typed into the wrong field, and the log is permanent).
The lockout message does tell that an account exists; the per-address throttle bounds how
many names can be probed that way.

The caller commits after a failure too, so the failure count and the audit entry persist.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Protocol

from sqlalchemy.orm import Session

from sokhoe.access import audit, passwords
from sokhoe.access.clock import as_utc, utcnow
from sokhoe.access.models import User
from sokhoe.access.purposes import Purpose
from sokhoe.access.scope import actor_for
from sokhoe.access.service import get_by_username
from sokhoe.config import Settings, get_settings

_LOGIN = "login"


class AuthenticationFailed(Exception):
    """The username or the password is wrong; the message never says which."""

    def __init__(self, message: str = "Tên đăng nhập hoặc mật khẩu không đúng.") -> None:
        super().__init__(message)


class AccountLocked(AuthenticationFailed):
    """Too many failed attempts on this account, or from this address; ``until`` says when
    the refusal ends (UTC)."""

    def __init__(self, until: dt.datetime) -> None:
        super().__init__("Tài khoản tạm khoá do đăng nhập sai nhiều lần. Vui lòng thử lại sau.")
        self.until = until


def _why_unusable(user: User | None) -> str:
    """For the audit log only: why an account cannot sign in with a password."""
    if user is None:
        return "tên đăng nhập không tồn tại"
    if not user.active:
        return "tài khoản đã ngừng hoạt động"
    return "tài khoản không đăng nhập bằng mật khẩu"


class IdentityProvider(Protocol):
    def authenticate(
        self, session: Session, *, username: str, password: str, remote_addr: str | None
    ) -> User:
        """The account proved by these credentials; raises :class:`AuthenticationFailed`
        (or its subclass :class:`AccountLocked`)."""
        ...


class AddressThrottle:
    """Failed sign-ins per remote address in a sliding window, in this process's memory.

    It slows guessing across many accounts from one address, which per-account lockout does
    not. Being in memory it is per process (each web worker counts alone) and forgets on
    restart; the per-account lockout, in the database, is the durable limit.
    """

    #: Beyond this many addresses, those with no failure left in the window are forgotten.
    _PRUNE_ABOVE = 10_000

    def __init__(
        self, *, limit: int, window_seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._limit = limit
        self._window = window_seconds
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _expire(self, failures: deque[float], now: float) -> None:
        while failures and failures[0] <= now - self._window:
            failures.popleft()

    def retry_after(self, address: str | None) -> float | None:
        """Seconds until ``address`` may try again, or ``None`` if it may try now."""
        if address is None:
            return None
        with self._lock:
            now = self._clock()
            failures = self._failures.get(address)
            if failures is None:
                return None
            self._expire(failures, now)
            if len(failures) < self._limit:
                return None
            return failures[-self._limit] + self._window - now

    def fail(self, address: str | None) -> None:
        if address is None:
            return
        with self._lock:
            now = self._clock()
            failures = self._failures.setdefault(address, deque())
            self._expire(failures, now)
            failures.append(now)
            if len(self._failures) > self._PRUNE_ABOVE:
                for stale in [a for a, f in self._failures.items() if f[-1] <= now - self._window]:
                    del self._failures[stale]


class LocalPasswordIdentity:
    """Accounts with an Argon2id password in ``app_user``.

    Per account: ``login_max_failures`` failures, each within
    ``login_failure_window_seconds`` of the previous, lock it for ``login_lockout_seconds``;
    a locked account is refused even with the right password; success resets the count.
    Per address: see :class:`AddressThrottle`.
    """

    def __init__(
        self, settings: Settings | None = None, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._settings = settings or get_settings()
        self._throttle = AddressThrottle(
            limit=self._settings.login_throttle_failures,
            window_seconds=self._settings.login_throttle_seconds,
            clock=clock,
        )

    def authenticate(
        self, session: Session, *, username: str, password: str, remote_addr: str | None
    ) -> User:
        wait = self._throttle.retry_after(remote_addr)
        if wait is not None:
            self._deny(session, None, remote_addr, "quá nhiều lần thử từ địa chỉ này")
            raise AccountLocked(utcnow() + dt.timedelta(seconds=wait))
        user = get_by_username(session, username)
        now = utcnow()
        if user is None or user.password_hash is None or not user.active:
            passwords.verify_password(passwords.DUMMY_HASH, password)
            self._fail(session, user, remote_addr, _why_unusable(user))
            raise AuthenticationFailed
        if user.locked_until is not None and as_utc(user.locked_until) > now:
            self._fail(session, user, remote_addr, "tài khoản đang tạm khoá")
            raise AccountLocked(as_utc(user.locked_until))
        if not passwords.verify_password(user.password_hash, password):
            locked_until = self._count_failure(user, now)
            self._fail(session, user, remote_addr, "sai mật khẩu")
            if locked_until is not None:
                raise AccountLocked(locked_until)
            raise AuthenticationFailed
        if passwords.needs_rehash(user.password_hash):
            user.password_hash = passwords.hash_password(password)
        user.failed_logins, user.locked_until, user.last_login_at = 0, None, now
        audit.record(
            session,
            actor=actor_for(session, user, remote_addr),
            action=_LOGIN,
            purpose=Purpose.AUTHENTICATION,
        )
        return user

    def _count_failure(self, user: User, now: dt.datetime) -> dt.datetime | None:
        """Count one wrong password; return the end of the lockout it triggers, if any."""
        window = dt.timedelta(seconds=self._settings.login_failure_window_seconds)
        last = user.last_failed_login_at
        recent = last is not None and now - as_utc(last) <= window
        user.failed_logins = (user.failed_logins if recent else 0) + 1
        user.last_failed_login_at = now
        if user.failed_logins < self._settings.login_max_failures:
            return None
        user.failed_logins = 0
        user.locked_until = now + dt.timedelta(seconds=self._settings.login_lockout_seconds)
        return user.locked_until

    def _fail(self, session: Session, user: User | None, remote_addr: str | None, why: str) -> None:
        self._throttle.fail(remote_addr)
        self._deny(session, user, remote_addr, why)

    @staticmethod
    def _deny(session: Session, user: User | None, remote_addr: str | None, why: str) -> None:
        audit.record(
            session,
            actor=actor_for(session, user, remote_addr) if user is not None else None,
            action=_LOGIN,
            outcome=audit.Outcome.DENIED,
            purpose=Purpose.AUTHENTICATION,
            detail=why,
            remote_addr=remote_addr,
        )
