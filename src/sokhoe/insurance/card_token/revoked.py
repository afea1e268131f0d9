"""The token ids and card numbers this server holds revoked (``card_revocation``).

The published key document and ``sokhoe verify`` on the server read the whole set
(:func:`revoked_entries`); the clinic's check asks only about the token in hand
(:class:`StoredRevocations`), so the cost of a check does not grow with the list.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from sokhoe.insurance.paper_card_models import CardRevocation


def revoked_entries(session: Session) -> frozenset[str]:
    """Revoked paper-card token ids (16 hexadecimal digits) and card numbers."""
    return frozenset(session.scalars(select(CardRevocation.entry)))


@dataclass(frozen=True)
class StoredRevocations:
    """The revocations in the database as a check asks for them: one indexed lookup for a
    token's id and card number, however long the list grows (lost cards add up)."""

    session: Session

    def any_revoked(self, entries: tuple[str, ...]) -> bool:
        hit = select(CardRevocation.entry).where(CardRevocation.entry.in_(entries)).limit(1)
        return self.session.scalar(hit) is not None
