"""A citizen's consent for a health facility to read his health book (R7, R16), and the
emergency accesses reception records without one.

A consent starts as an *offer*: the citizen (or a guardian, for a child) picks a scope and a
duration and is shown a one-time code; reception at any facility types or scans the code
within :data:`~sokhoe.access.consent.OFFER_MINUTES`, which binds the consent to that
facility for the duration. The citizen can revoke it at any time. An emergency access has
no code: reception gives a reason, reads for :data:`~sokhoe.access.consent.EMERGENCY_HOURS`,
and the access waits for a Department of Health officer's review.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sokhoe.db import Base


class ConsentScope(StrEnum):
    #: Personal information, vaccinations, the last year's visits, upcoming appointments.
    SUMMARY = "summary"
    #: The whole book.
    FULL = "full"


class ConsentKind(StrEnum):
    CONSENT = "consent"
    EMERGENCY = "emergency"


class BookConsent(Base):
    __tablename__ = "book_consent"
    __table_args__ = (
        Index("ix_book_consent_person", "person_id", "created_at"),
        Index("ix_book_consent_emergency_review", "kind", "reviewed_at"),
    )

    #: Random and URL-safe: reception's pages name the access by it, never by the person.
    id: Mapped[str] = mapped_column(String(24), primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("citizen.person_id"))
    kind: Mapped[str] = mapped_column(String(9))
    scope: Mapped[str] = mapped_column(String(7))
    #: The citizen or guardian who offered it; for an emergency, reception's account.
    created_by_user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    #: UTC, naive, like every stored instant.
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    #: SHA-256 of the one-time code, until it is used (then cleared); none for an emergency.
    code_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    offer_expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    duration_days: Mapped[int | None] = mapped_column(Integer)
    #: The facility that may read: set when reception redeems the code, or the emergency's.
    facility_code: Mapped[str | None] = mapped_column(ForeignKey("facility.code"))
    redeemed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    redeemed_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    revoked_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    #: Why reception opened the book without consent (emergency only).
    reason: Mapped[str | None] = mapped_column(Text)
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    reviewed_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    #: The reviewer's finding: the emergency was real (True) or the access was not warranted.
    review_appropriate: Mapped[bool | None] = mapped_column(Boolean)
