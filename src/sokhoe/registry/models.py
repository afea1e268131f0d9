"""Tables of the citizen register.

Provinces and communes come from ``vietnam-provinces`` (see :mod:`sokhoe.registry.units`);
villages and citizens from an import (``sokhoe load``) or the synthetic province.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sokhoe.db import Base


class Province(Base):
    __tablename__ = "province"

    code: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(80))
    division_type: Mapped[str] = mapped_column(String(20))


class Commune(Base):
    """A xã, phường or đặc khu, directly under its province since 07/2025."""

    __tablename__ = "commune"

    code: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    province_code: Mapped[int] = mapped_column(ForeignKey("province.code"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    division_type: Mapped[str] = mapped_column(String(20))


class Village(Base):
    """A thôn or tổ dân phố; not in any national package, so imported or generated."""

    __tablename__ = "village"
    __table_args__ = (UniqueConstraint("commune_code", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    commune_code: Mapped[int] = mapped_column(ForeignKey("commune.code"))
    name: Mapped[str] = mapped_column(String(80))


class Citizen(Base):
    """A resident, keyed by the 12-digit personal identification number."""

    __tablename__ = "citizen"
    __table_args__ = (
        Index("ix_citizen_commune_village", "commune_code", "village_id"),
        Index("ix_citizen_household", "household_id"),
    )

    person_id: Mapped[str] = mapped_column(String(12), primary_key=True)
    full_name: Mapped[str] = mapped_column(String(120))
    birth_date: Mapped[dt.date | None] = mapped_column(Date)
    #: "day", "month" or "year": how much of ``birth_date`` is known.
    birth_precision: Mapped[str] = mapped_column(String(5), default="day")
    sex: Mapped[str | None] = mapped_column(String(1))
    commune_code: Mapped[int] = mapped_column(ForeignKey("commune.code"))
    village_id: Mapped[int | None] = mapped_column(ForeignKey("village.id"))
    household_id: Mapped[str | None] = mapped_column(String(20))
    phone: Mapped[str | None] = mapped_column(String(15))
    level2_eid: Mapped[bool] = mapped_column(Boolean, default=False)


class GuardianLink(Base):
    """A parent or guardian who manages a child's book (R5)."""

    __tablename__ = "guardian_link"

    child_id: Mapped[str] = mapped_column(ForeignKey("citizen.person_id"), primary_key=True)
    guardian_id: Mapped[str] = mapped_column(
        ForeignKey("citizen.person_id"), primary_key=True, index=True
    )
    relation: Mapped[str] = mapped_column(String(10))


class Facility(Base):
    """A health facility (cơ sở khám chữa bệnh), keyed by its 5-character ``MA_CSKCB``."""

    __tablename__ = "facility"

    code: Mapped[str] = mapped_column(String(5), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    commune_code: Mapped[int] = mapped_column(ForeignKey("commune.code"), index=True)
    #: "tram_y_te" (commune health station), "benh_vien", "phong_kham".
    kind: Mapped[str] = mapped_column(String(20))
