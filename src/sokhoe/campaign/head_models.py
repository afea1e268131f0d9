"""Who answers for a commune's campaign results (R14: progress is judged with "each unit
head's responsibility"): the head of the commune, named per campaign.

A village's responsible person is the head of the guidance team covering it
(``TeamVillage`` → ``GuidanceTeam.head_name``); a commune's is its head, kept here, since
the register knows no officials. A public office holder's name and title, not a citizen's
data.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from sokhoe.db import Base


class CommuneHead(Base):
    """The head responsible for a commune's results in a campaign."""

    __tablename__ = "commune_head"

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), primary_key=True)
    commune_code: Mapped[int] = mapped_column(ForeignKey("commune.code"), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    #: The office, e.g. "Chủ tịch UBND xã".
    title: Mapped[str] = mapped_column(String(120))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    #: 1 when first named, one more on each change: a form sends the version it showed, so
    #: an edit made on a stale page is refused (409) instead of overwriting a newer one.
    version: Mapped[int] = mapped_column(Integer)
