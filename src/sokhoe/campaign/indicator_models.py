"""The daily indicator snapshot: counts per village, commune and province, one row per unit
and Vietnamese day (:mod:`.indicators` writes them; reports and dashboards read them).

Counts only, no person: reading a snapshot touches no personal data.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, DateTime, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from sokhoe.db import Base


class IndicatorSnapshot(Base):
    """One unit's indicators on one day, as :func:`~.indicators.take_snapshot` counted them."""

    __tablename__ = "indicator_snapshot"
    __table_args__ = (Index("ix_indicator_snapshot_province_day", "province_code", "day"),)

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    #: ``UnitLevel``: "village" (``unit_code`` is ``village.id``), "commune" or "province".
    unit_level: Mapped[str] = mapped_column(String(10), primary_key=True)
    unit_code: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    #: The province the unit is in, so a day of one province is replaced or read at once.
    province_code: Mapped[int] = mapped_column(Integer)
    #: The commune a village or commune is in (``None`` for the province row).
    commune_code: Mapped[int | None] = mapped_column(Integer)
    residents: Mapped[int] = mapped_column(Integer)
    eligible: Mapped[int] = mapped_column(Integer)
    level2: Mapped[int] = mapped_column(Integer)
    books_activated: Mapped[int] = mapped_column(Integer)
    cards_listed: Mapped[int] = mapped_column(Integer)
    cards_integrated: Mapped[int] = mapped_column(Integer)
    visits_on_day: Mapped[int] = mapped_column(Integer)
    visits_to_date: Mapped[int] = mapped_column(Integer)
    households_visited: Mapped[int] = mapped_column(Integer)
    #: Schools and enterprises count in their commune (and province); a village row has 0.
    schools: Mapped[int] = mapped_column(Integer, server_default="0")
    schools_reached: Mapped[int] = mapped_column(Integer, server_default="0")
    students: Mapped[int] = mapped_column(Integer, server_default="0")
    students_integrated: Mapped[int] = mapped_column(Integer, server_default="0")
    enterprises: Mapped[int] = mapped_column(Integer, server_default="0")
    enterprises_reached: Mapped[int] = mapped_column(Integer, server_default="0")
    employees: Mapped[int] = mapped_column(Integer, server_default="0")
    employees_activated: Mapped[int] = mapped_column(Integer, server_default="0")
    taken_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
