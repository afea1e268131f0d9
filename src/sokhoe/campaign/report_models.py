"""The communes' unified report form (R11): one row per commune and period, a draft until
the commune officer sends it.

On sending, the figures of the day's snapshot are copied into the row with that day, so a
sent report never changes when snapshots are taken again. ``version`` grows with every save:
a form carries the version it showed, and a save over a newer one is refused (409).
Counts and free text only, no person.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sokhoe.db import Base


class CommuneReport(Base):
    """A commune's report for one period (``report_periods.Period``) of a campaign."""

    __tablename__ = "commune_report"
    __table_args__ = (
        UniqueConstraint("campaign_id", "commune_code", "period_kind", "period_start"),
        Index("ix_commune_report_province_period", "province_code", "period_start"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"))
    province_code: Mapped[int] = mapped_column(Integer)
    commune_code: Mapped[int] = mapped_column(ForeignKey("commune.code"))
    #: ``PeriodKind``: "daily" (``period_start`` is the day) or "monthly" (its first day).
    period_kind: Mapped[str] = mapped_column(String(10))
    period_start: Mapped[dt.date] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer)
    #: "Khó khăn, vướng mắc" and "Đề xuất, kiến nghị", as the officer typed them.
    difficulties: Mapped[str] = mapped_column(Text, default="")
    proposals: Mapped[str] = mapped_column(Text, default="")
    updated_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    #: Set when sent (``None``: a draft), with who sent it.
    submitted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    #: The snapshot day the copied figures below come from (set when sent).
    figures_day: Mapped[dt.date | None] = mapped_column(Date)
    eligible: Mapped[int | None] = mapped_column(Integer)
    level2: Mapped[int | None] = mapped_column(Integer)
    books_activated: Mapped[int | None] = mapped_column(Integer)
    cards_listed: Mapped[int | None] = mapped_column(Integer)
    cards_integrated: Mapped[int | None] = mapped_column(Integer)
    #: Visits on the day (daily) or in the month up to ``figures_day`` (monthly).
    visits: Mapped[int | None] = mapped_column(Integer)
    households_visited: Mapped[int | None] = mapped_column(Integer)
