"""Tables for BHXH's card list and the cards already integrated in the e-ID wallet.

Cards are stored as BHXH supplied them, errors included (a missing or wrong person ID, a
duplicated number): finding those is reconciliation's job, so nothing here has a foreign
key to the register.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, DateTime, Index, Integer, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sokhoe.db import Base


class InsuranceCard(Base):
    __tablename__ = "insurance_card"
    __table_args__ = (
        # A list row is identified by the card number and the holder it names: the same
        # number twice for two people is a data error to keep, not to merge.
        UniqueConstraint("card_number", "holder_key", name="uq_insurance_card_number_holder"),
        Index("ix_insurance_card_bhxh_number", "bhxh_number"),
        Index("ix_insurance_card_person", "person_id"),
        Index("ix_insurance_card_commune", "commune_code"),
        Index("ix_insurance_card_facility", "facility_code"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    card_number: Mapped[str] = mapped_column(String(15))
    #: The 10-digit BHXH number every card form shares (the key since 2021).
    bhxh_number: Mapped[str] = mapped_column(String(12))
    group_code: Mapped[str | None] = mapped_column(String(2))
    benefit_level: Mapped[int | None] = mapped_column(SmallInteger)
    #: ``person_id`` or "" — a NULL cannot take part in the unique key on every backend.
    holder_key: Mapped[str] = mapped_column(String(12))
    person_id: Mapped[str | None] = mapped_column(String(12))
    full_name: Mapped[str] = mapped_column(String(120))
    birth_date: Mapped[dt.date | None] = mapped_column(Date)
    birth_precision: Mapped[str] = mapped_column(String(5), default="day")
    sex: Mapped[str | None] = mapped_column(String(1))
    commune_code: Mapped[int | None] = mapped_column(Integer)
    valid_from: Mapped[dt.date | None] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)
    facility_code: Mapped[str | None] = mapped_column(String(5))


class WalletIntegration(Base):
    """A card integrated in a citizen's e-ID wallet (VNeID's export)."""

    __tablename__ = "wallet_integration"

    person_id: Mapped[str] = mapped_column(String(12), primary_key=True)
    card_number: Mapped[str] = mapped_column(String(15), primary_key=True)
    integrated_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
