"""A card token checked at a clinic's reception (R7): the verdict, the card as the signed
token states it, and one audit entry for every check (R16).

The token carries no personal ID. The audit entry's subject is the holder BHXH's card list
names for the card number (when it names exactly one), so the holder's own history shows who
checked the card; the entry's detail never holds the card number itself, only a keyed digest
of it, which the server (and nobody reading the log alone) can match against a number.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from sokhoe.access import guard
from sokhoe.access.purposes import Purpose
from sokhoe.access.scope import Actor
from sokhoe.insurance.card_token import (
    CardClaims,
    CardDetails,
    KeySet,
    Valid,
    Verification,
    verify,
)
from sokhoe.insurance.card_token.token import Revoked
from sokhoe.insurance.models import InsuranceCard
from sokhoe.registry.facility_names import facility_name

ACTION = "verify_card_token"
_DIGEST_PURPOSE = b"sokhoe card number digest\x00"


@dataclass(frozen=True)
class CardCheck:
    verification: Verification
    #: The registered facility's name, when the card names one the register knows.
    facility_name: str | None

    @property
    def valid(self) -> bool:
        return isinstance(self.verification, Valid)

    @property
    def claims(self) -> CardClaims | None:
        """The signed claims: always for a valid token, and for an expired, revoked or not yet
        valid one (its signature held); ``None`` when nothing in it can be trusted."""
        return self.verification.claims


def card_number_digest(secret: bytes, card_number: str) -> str:
    """A keyed digest of a card number, for the audit log: a card's checks can be found
    again by the server, but the number cannot be read back (it has too few possible values
    for a plain hash to hide it)."""
    mac = hmac.new(secret, _DIGEST_PURPOSE + card_number.encode(), hashlib.sha256)
    return mac.hexdigest()[:16]


def check_card_token(
    session: Session,
    actor: Actor,
    text: str,
    *,
    keys: KeySet,
    revoked: Revoked,
    secret: bytes,
    now: dt.datetime | None = None,
) -> CardCheck:
    """Verify ``text`` (a scanned QR code) for ``actor``'s desk, audited whatever the answer;
    :class:`~sokhoe.access.guard.AccessDenied` if the role may not check cards for care."""
    verification = verify(text, keys, revoked=revoked, now=now)
    claims = verification.claims
    guard.authorize_presented_card(
        session,
        actor,
        subject_person_id=listed_holder(session, claims),
        action=ACTION,
        purpose=Purpose.CARE,
        detail=audit_detail(verification, secret),
    )
    card = claims.card if claims is not None else None
    return CardCheck(verification, registered_facility_name(session, card))


def audit_detail(verification: Verification, secret: bytes) -> str:
    """An audit entry's detail for an act on a presented token (this check, reception's
    check-in): the verdict and, when the card can be read, its keyed digest, never the number."""
    result = "hợp lệ" if isinstance(verification, Valid) else verification.reason.value
    detail = f"kết quả: {result}"
    if verification.claims is not None:
        detail += f"; thẻ #{card_number_digest(secret, verification.claims.card.card_number)}"
    return detail


def listed_holder(session: Session, claims: CardClaims | None) -> str | None:
    """The person ID BHXH's list gives for the card, if it gives exactly one: the subject of
    every audit entry about a presented card, whichever page wrote it."""
    if claims is None:
        return None
    number = claims.card.card_number  # the 15-character card code, or the 10-digit BHXH number
    holders = session.scalars(
        select(InsuranceCard.person_id)
        .where(
            or_(InsuranceCard.card_number == number, InsuranceCard.bhxh_number == number),
            InsuranceCard.person_id.is_not(None),
        )
        .distinct()
        .limit(2)
    ).all()
    return holders[0] if len(holders) == 1 else None


def registered_facility_name(session: Session, card: CardDetails | None) -> str | None:
    """The name of the card's registered facility, when the card names one the register knows."""
    if card is None or card.facility_code is None:
        return None
    return facility_name(session, card.facility_code)
