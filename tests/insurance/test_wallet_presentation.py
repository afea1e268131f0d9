"""The wallet passcode (Argon2, lockout with a growing delay) and Xuất trình giấy tờ: a signed
short-lived code for one's own card or a child's under 14, never another person's (R2, R5)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from sokhoe.access.guard import AccessDenied
from sokhoe.access.roles import Role
from sokhoe.access.scope import Actor
from sokhoe.insurance import passcode
from sokhoe.insurance.card_token import KeyRing, Valid, verify
from sokhoe.insurance.card_token.claims import APP_LIFETIME, TokenKind
from sokhoe.insurance.card_token.qr import qr_svg
from sokhoe.insurance.models import WalletIntegration
from sokhoe.insurance.paper_card_models import CardRevocation, RevocationKind
from sokhoe.insurance.passcode_models import WalletPasscode
from sokhoe.insurance.presentation import NothingToPresent, present
from tests.access.conftest import Place, fast_hashing, make_actor, place, session
from tests.insurance.test_integration_requests import (
    PARENT_CARD,
    _card,
    family,
    officer,
    parent,
)

__all__ = ["family", "fast_hashing", "officer", "parent", "place", "session"]

NOW = dt.datetime(2026, 11, 23, 1, 0)
AWARE = NOW.replace(tzinfo=dt.UTC)


def test_five_wrong_codes_then_a_growing_lock(session: Session, parent: Actor) -> None:
    passcode.set_passcode(session, parent, "246810", current=None, now=NOW)
    for _ in range(passcode.FREE_FAILURES - 1):
        with pytest.raises(passcode.WrongPasscode):
            passcode.verify(session, parent, "000000", now=NOW)
    passcode.verify(session, parent, "246810", now=NOW)  # a right one resets the count
    for _ in range(passcode.FREE_FAILURES):
        with pytest.raises(passcode.WrongPasscode):
            passcode.verify(session, parent, "000000", now=NOW)
    with pytest.raises(passcode.PasscodeLocked) as locked:
        passcode.verify(session, parent, "246810", now=NOW + dt.timedelta(seconds=29))
    assert locked.value.until == NOW + passcode.FIRST_LOCK
    later = NOW + passcode.FIRST_LOCK
    with pytest.raises(passcode.WrongPasscode):
        passcode.verify(session, parent, "000000", now=later)
    with pytest.raises(passcode.PasscodeLocked) as again:
        passcode.verify(session, parent, "246810", now=later + passcode.FIRST_LOCK)
    assert again.value.until == later + 2 * passcode.FIRST_LOCK
    passcode.verify(session, parent, "246810", now=later + 2 * passcode.FIRST_LOCK)
    stored = session.get(WalletPasscode, parent.user_id)
    assert stored is not None and stored.failures == 0
    assert stored.passcode_hash.startswith("$argon2id$") and "246810" not in stored.passcode_hash


def test_the_delay_doubles_up_to_its_cap() -> None:
    assert passcode.lock_delay(4) == dt.timedelta()
    assert [passcode.lock_delay(n).seconds for n in (5, 6, 7)] == [30, 60, 120]
    assert passcode.lock_delay(60) == passcode.MAX_LOCK


@pytest.mark.parametrize("code", ["12345", "1234567", "12345a", "١٢٣٤٥٦"])
def test_a_passcode_is_six_ascii_digits(session: Session, parent: Actor, code: str) -> None:
    with pytest.raises(passcode.BadPasscodeFormat):
        passcode.set_passcode(session, parent, code, current=None, now=NOW)


def test_changing_needs_the_current_code(session: Session, parent: Actor) -> None:
    passcode.set_passcode(session, parent, "246810", current=None, now=NOW)
    with pytest.raises(passcode.WrongPasscode):
        passcode.set_passcode(session, parent, "135790", current="000000", now=NOW)
    passcode.set_passcode(session, parent, "135790", current="246810", now=NOW)
    passcode.verify(session, parent, "135790", now=NOW)


def _integrate(session: Session, person_id: str, card_number: str) -> None:
    session.add(WalletIntegration(person_id=person_id, card_number=card_number))
    session.commit()


def test_presenting_ones_card_gives_a_short_signed_code(
    session: Session, family: Place, parent: Actor, tmp_path: Path
) -> None:
    keys = KeyRing.open(tmp_path)
    with pytest.raises(NothingToPresent):
        present(session, parent, person_id=family.parent, keys=keys, now=AWARE)
    _integrate(session, family.parent, PARENT_CARD)
    shown = present(session, parent, person_id=family.parent, keys=keys, now=AWARE)
    assert shown.expires_at - AWARE <= APP_LIFETIME
    assert shown.qr_svg == qr_svg(shown.token)
    checked = verify(shown.token, keys.verification_keys(AWARE), now=AWARE)
    assert isinstance(checked, Valid)
    assert checked.claims.kind is TokenKind.APP
    assert checked.claims.card.card_number == PARENT_CARD


def test_a_revoked_card_is_not_presented(
    session: Session, family: Place, parent: Actor, tmp_path: Path
) -> None:
    """A code for a card BHXH revoked would only be refused at the desk: none is made."""
    _integrate(session, family.parent, PARENT_CARD)
    session.add(
        CardRevocation(
            entry=PARENT_CARD,
            kind=RevocationKind.CARD,
            revoked_at=AWARE.replace(tzinfo=None),
            revoked_by_user_id=None,
            reason="Mất thẻ",
        )
    )
    session.flush()
    with pytest.raises(NothingToPresent):
        present(session, parent, person_id=family.parent, keys=KeyRing.open(tmp_path), now=AWARE)


def test_nobody_presents_another_persons_card(
    session: Session, family: Place, parent: Actor, officer: Actor, tmp_path: Path
) -> None:
    keys = KeyRing.open(tmp_path)
    session.add(
        _card(
            "TE1565600000002", family.child, "Trần Thị Cúc", birth_date=dt.date(2022, 3, 2), sex="F"
        )
    )
    session.commit()
    _integrate(session, family.child, "TE1565600000002")
    assert present(session, parent, person_id=family.child, keys=keys, now=AWARE)
    neighbour = make_actor(session, "hangxom", role=Role.CITIZEN, person_id=family.neighbour)
    for actor, person_id in (
        (neighbour, family.child),
        (neighbour, family.parent),
        (officer, family.child),
    ):
        with pytest.raises(AccessDenied):
            present(session, actor, person_id=person_id, keys=keys, now=AWARE)
