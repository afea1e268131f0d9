"""Tables for integration requests: a citizen asks for a BHYT card in their e-ID wallet
(Ví giấy tờ → Tích hợp giấy tờ → Tạo mới yêu cầu → Thẻ BHYT), and the request's history.

A request's ``id`` is random, so the web and the API can name it without revealing whose it
is or how many there are. ``version`` grows with every decision: a decision carries the
version it was made on, and a request decided meanwhile answers 409 instead of being
decided twice.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from sokhoe.db import Base


class RequestStatus(StrEnum):
    PENDING = "cho_duyet"
    APPROVED = "da_duyet"
    REJECTED = "tu_choi"
    #: Waiting for a BHXH officer: the card list alone could not decide.
    IN_REVIEW = "cho_xem_xet"


#: Statuses a request can still leave (a second request for the same card joins it).
OPEN_STATUSES = frozenset({RequestStatus.PENDING, RequestStatus.IN_REVIEW})
_OPEN = text("status IN ('cho_duyet', 'cho_xem_xet')")


class IntegrationRequest(Base):
    __tablename__ = "integration_request"
    __table_args__ = (
        Index("ix_integration_request_person", "person_id"),
        Index("ix_integration_request_province_status", "province_code", "status"),
        # One open request per person and card, even for two submissions at the same
        # instant (a double click): the second insert does nothing (``requests.submit``).
        Index(
            "uq_integration_request_open_card",
            "person_id",
            "card_number",
            unique=True,
            sqlite_where=_OPEN,
            postgresql_where=_OPEN,
        ),
    )

    id: Mapped[str] = mapped_column(String(24), primary_key=True)
    #: The person the card is for (the requester, or their child under 14).
    person_id: Mapped[str] = mapped_column(String(12))
    requested_by_user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    #: Where the person is registered: whose BHXH officers review the request.
    province_code: Mapped[int] = mapped_column(Integer)
    #: As typed, normalised (``CardNumber.text``): a 15-character code or a number.
    card_number: Mapped[str] = mapped_column(String(15))
    #: The BHXH province that issued the card, as the citizen picked it.
    issuing_province_code: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12))
    reason: Mapped[str] = mapped_column(String(40), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)


class IntegrationRequestEvent(Base):
    """One step of a request's history: submitted, decided by the card list or an officer."""

    __tablename__ = "integration_request_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("integration_request.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(12))
    reason: Mapped[str] = mapped_column(String(40), default="")
    #: The officer who decided; ``None``: the system (submission, the card-list check).
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
