"""Paper cards (thẻ giấy) and the revocation list.

A paper card is a long-lived signed QR code printed for a holder without a smartphone
(``sokhoe.insurance.paper_card``); its row remembers who printed what for whom, so that it
can be revoked. Revocation is one table, :class:`CardRevocation`, holding exactly the
entries the published list carries: a paper card's token id (kind ``token``) or a card
number (kind ``card``: every token for the card, paper or app, is refused). A paper card's
"revoked" is therefore never stored twice: it is its token id's, or its card number's, row
in ``card_revocation``. Revocations are final (a lost card stays lost; a new code is
printed instead), so the table only grows.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import DateTime, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from sokhoe.db import Base


class RevocationKind(StrEnum):
    TOKEN = "token"
    CARD = "card"


class PaperCard(Base):
    __tablename__ = "paper_card"
    __table_args__ = (Index("ix_paper_card_person", "person_id"),)

    #: The token's ``cti``, 16 hexadecimal digits, as revocation lists name it.
    token_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    person_id: Mapped[str] = mapped_column(String(12))
    card_number: Mapped[str] = mapped_column(String(15))
    #: UTC, naive, like every stored instant.
    issued_at: Mapped[dt.datetime] = mapped_column(DateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)
    #: ``None``: printed from the command line (``sokhoe card print``).
    issued_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))


class CardRevocation(Base):
    __tablename__ = "card_revocation"

    #: A token id (16 hexadecimal digits) or a card number, as the published list names it.
    entry: Mapped[str] = mapped_column(String(16), primary_key=True)
    kind: Mapped[str] = mapped_column(String(5))
    revoked_at: Mapped[dt.datetime] = mapped_column(DateTime)
    #: ``None``: revoked from the command line (``sokhoe card revoke``).
    revoked_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    reason: Mapped[str] = mapped_column(String(200))
