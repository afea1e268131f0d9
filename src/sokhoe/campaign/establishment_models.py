"""Schools and enterprises (R13): their rosters of pupils, staff and employees, and the
accounts that work each roster (a teacher, an HR officer).

An establishment is where people are reached as members rather than as residents: a pupil
keeps his register village, and a visit recorded at his school counts there too
(``field_visit.establishment_id`` says where he was reached).
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sokhoe.db import Base


class EstablishmentKind(StrEnum):
    SCHOOL = "school"
    ENTERPRISE = "enterprise"


class MemberRole(StrEnum):
    """What a person is on an establishment's roster."""

    PUPIL = "pupil"
    STAFF = "staff"
    EMPLOYEE = "employee"


#: The roles each kind of establishment has on its roster.
KIND_ROLES = {
    EstablishmentKind.SCHOOL: frozenset({MemberRole.PUPIL, MemberRole.STAFF}),
    EstablishmentKind.ENTERPRISE: frozenset({MemberRole.EMPLOYEE}),
}


class Establishment(Base):
    """A school or an enterprise of a commune, known by its own code (the Education
    department's school code, the enterprise's tax code), unique per province and kind."""

    __tablename__ = "establishment"
    __table_args__ = (
        UniqueConstraint("province_code", "kind", "code"),
        Index("ix_establishment_commune", "commune_code", "kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: ``EstablishmentKind``: "school" or "enterprise".
    kind: Mapped[str] = mapped_column(String(10))
    province_code: Mapped[int] = mapped_column(ForeignKey("province.code"))
    commune_code: Mapped[int] = mapped_column(ForeignKey("commune.code"))
    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    head_name: Mapped[str] = mapped_column(String(120), default="")


class EstablishmentMember(Base):
    """A person on an establishment's roster, as the last import of it said."""

    __tablename__ = "establishment_member"

    establishment_id: Mapped[int] = mapped_column(ForeignKey("establishment.id"), primary_key=True)
    person_id: Mapped[str] = mapped_column(String(12), primary_key=True, index=True)
    #: ``MemberRole``: "pupil", "staff" or "employee".
    role: Mapped[str] = mapped_column(String(10))


class EstablishmentContact(Base):
    """A guidance member's account that works an establishment's roster."""

    __tablename__ = "establishment_contact"

    establishment_id: Mapped[int] = mapped_column(ForeignKey("establishment.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), primary_key=True, index=True)
