"""The wallet passcode: six digits, hashed with Argon2id, checked before a card is presented.

Six digits are only a million codes, so guessing is slowed down: after
:data:`FREE_FAILURES` wrong codes in a row each further one locks the passcode for twice as
long as the last (:func:`lock_delay`), up to :data:`MAX_LOCK`. While locked, no code is even
checked — a right one included. Failures are counted with an ``UPDATE … + 1`` so that
parallel guesses cannot overwrite each other's count.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update
from sqlalchemy.orm import Session

from sokhoe.access import passwords
from sokhoe.access.scope import Actor
from sokhoe.insurance.passcode_models import WalletPasscode

PASSCODE_LENGTH = 6
FREE_FAILURES = 5
FIRST_LOCK = dt.timedelta(seconds=30)
MAX_LOCK = dt.timedelta(hours=4)


class BadPasscodeFormat(ValueError):
    """Not six digits."""

    def __init__(self) -> None:
        super().__init__(f"mã bảo vệ ví gồm đúng {PASSCODE_LENGTH} chữ số")


class WrongPasscode(ValueError):
    """The passcode does not match (or the current one, when changing it).

    ``remaining`` is how many more codes may be tried before a wrong one locks the passcode
    (0 once locking has begun); ``locked_until`` is set when this failure locked it.
    """

    def __init__(self, remaining: int, locked_until: dt.datetime | None) -> None:
        super().__init__(remaining)
        self.remaining = remaining
        self.locked_until = locked_until


class PasscodeLocked(Exception):
    """Too many wrong codes: no attempt is checked before ``until``."""

    def __init__(self, until: dt.datetime) -> None:
        super().__init__(until)
        self.until = until


class NoPasscode(Exception):
    """The account has not set a wallet passcode yet."""


def lock_delay(failures: int) -> dt.timedelta:
    """How long the passcode stays locked after ``failures`` wrong codes in a row."""
    if failures < FREE_FAILURES:
        return dt.timedelta()
    return min(FIRST_LOCK * (1 << min(failures - FREE_FAILURES, 16)), MAX_LOCK)


def has_passcode(session: Session, actor: Actor) -> bool:
    return session.get(WalletPasscode, actor.user_id) is not None


def _checked_format(code: str) -> str:
    if len(code) != PASSCODE_LENGTH or not code.isascii() or not code.isdigit():
        raise BadPasscodeFormat
    return code


def verify(session: Session, actor: Actor, code: str, *, now: dt.datetime) -> None:
    """Pass if ``code`` is the account's passcode; else raise (and count the failure).

    Raises :class:`NoPasscode`, :class:`PasscodeLocked` (nothing checked) or
    :class:`WrongPasscode`. The caller commits in every case, so failures stay counted.
    """
    stored = session.get(WalletPasscode, actor.user_id)
    if stored is None:
        raise NoPasscode
    if stored.locked_until is not None and now < stored.locked_until:
        raise PasscodeLocked(stored.locked_until)
    if passwords.verify_password(stored.passcode_hash, code):
        stored.failures, stored.locked_until = 0, None
        return
    session.execute(
        update(WalletPasscode)
        .where(WalletPasscode.user_id == actor.user_id)
        .values(failures=WalletPasscode.failures + 1)
    )
    session.refresh(stored)
    delay = lock_delay(stored.failures)
    locked_until = now + delay if delay else None
    if locked_until is not None:
        stored.locked_until = locked_until
    session.flush()
    raise WrongPasscode(max(FREE_FAILURES - stored.failures, 0), locked_until)


def set_passcode(
    session: Session, actor: Actor, new: str, *, current: str | None, now: dt.datetime
) -> None:
    """Set the passcode, or change it: then the current one must be given and is checked
    (and locked out) exactly like :func:`verify`."""
    _checked_format(new)
    stored = session.get(WalletPasscode, actor.user_id)
    new_hash = passwords.hash_password(new)
    if stored is None:
        session.add(WalletPasscode(user_id=actor.user_id, passcode_hash=new_hash, updated_at=now))
        session.flush()
        return
    verify(session, actor, current or "", now=now)
    stored.passcode_hash, stored.updated_at = new_hash, now
    session.flush()
