"""What the platform's own lists say about the card of a presented token: the holder BHXH's
card list names for it, and its registered facility's name.

The card check (:mod:`sokhoe.insurance.card_check`) reads both for its answer; a context
acting on a presented card (reception's check-in, :mod:`sokhoe.records.check_in`) must read
the same, not its own copy, so that an audit entry names the same subject whichever page
wrote it.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from sokhoe.insurance import card_check
from sokhoe.insurance.card_token import CardClaims, Valid, Verification


def listed_holder(session: Session, claims: CardClaims | None) -> str | None:
    """The person ID BHXH's list gives for the card, if it gives exactly one."""
    return card_check._listed_holder(session, claims)


def registered_facility_name(session: Session, claims: CardClaims | None) -> str | None:
    """The name of the card's registered facility, when the card names one the register knows."""
    return card_check._facility_name(session, claims)


def audit_detail(verification: Verification, secret: bytes) -> str:
    """An audit entry's detail for an act on a presented token: the verdict and, when the
    card can be read, its keyed digest (:func:`~sokhoe.insurance.card_check.card_number_digest`),
    never the number."""
    result = "hợp lệ" if isinstance(verification, Valid) else verification.reason.value
    detail = f"kết quả: {result}"
    if verification.claims is not None:
        detail += (
            f"; thẻ #{card_check.card_number_digest(secret, verification.claims.card.card_number)}"
        )
    return detail
