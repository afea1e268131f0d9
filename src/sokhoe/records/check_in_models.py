"""A check-in (tiếp nhận): the start of a visit at a health facility, recorded by reception
after the presented card token verified.

The card's details are kept as the signed token stated them (what reception saw and
accepted), the way a visit record of QĐ 130 keeps them (``HO_TEN``, ``NGAY_SINH``,
``MA_THE_BHYT``, ``MA_DKBD``); ``person_id`` is the holder BHXH's list names for the card,
when it names exactly one. A check-in is identified for idempotence by the facility, the
token and the Vietnam day: a second submission of the same code that day (a double click, a
reload) is the same check-in, while a paper card's long-lived code starts a new visit on
another day.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, DateTime, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sokhoe.db import Base


class CheckIn(Base):
    __tablename__ = "check_in"
    __table_args__ = (
        # One check-in per code and day at a facility (inserts do nothing on conflict); its
        # index, led by facility and day, also serves reception's day list.
        UniqueConstraint("facility_code", "day", "token_id", name="uq_check_in_facility_day_token"),
    )

    #: Random and URL-safe, so a visit can be named without revealing whose or how many.
    id: Mapped[str] = mapped_column(String(24), primary_key=True)
    #: Where the visit starts (``MA_CSKCB``): the reception account's facility.
    facility_code: Mapped[str] = mapped_column(ForeignKey("facility.code"))
    #: The holder BHXH's card list names for the card; ``None`` when it names none or several.
    person_id: Mapped[str | None] = mapped_column(String(12))
    #: As the token states it: the 15-character code or the 10-digit BHXH number.
    card_number: Mapped[str] = mapped_column(String(15))
    full_name: Mapped[str] = mapped_column(String(120))
    birth_date: Mapped[dt.date] = mapped_column(Date)
    #: ``day``, ``month`` or ``year``: how much of ``birth_date`` the card states.
    birth_precision: Mapped[str] = mapped_column(String(5))
    #: The card's registered primary facility (``MA_DKBD``), when the card names one.
    registered_facility_code: Mapped[str | None] = mapped_column(String(5))
    #: The token's ``cti``, 16 hexadecimal digits, as revocation lists name it.
    token_id: Mapped[str] = mapped_column(String(16))
    #: ``app`` (shown on the phone) or ``paper`` (a printed card).
    token_kind: Mapped[str] = mapped_column(String(5))
    #: UTC, naive, like every stored instant.
    checked_in_at: Mapped[dt.datetime] = mapped_column(DateTime)
    #: ``checked_in_at``'s date in Vietnam time: the day of the visit.
    day: Mapped[dt.date] = mapped_column(Date)
    by_user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
