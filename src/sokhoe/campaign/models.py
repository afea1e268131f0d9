"""Tables of the campaign: what is planned (phases, targets), who goes where (teams and
their villages) and what happened at each door (field visits).

A field visit keeps its unit columns (province, commune, village) and its Vietnamese day
(``visited_on``) so the reports and dashboards count visits and outcomes per unit and day
with one ``GROUP BY`` on indexed columns, without joining the register.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from sokhoe.db import Base


class Campaign(Base):
    """A province's campaign; at most one is ``active`` per province (the one visits go to)."""

    __tablename__ = "campaign"
    __table_args__ = (Index("ix_campaign_province_status", "province_code", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    province_code: Mapped[int] = mapped_column(ForeignKey("province.code"))
    name: Mapped[str] = mapped_column(String(200))
    starts_on: Mapped[dt.date] = mapped_column(Date)
    #: The province's deadline (30/6 in Khánh Hòa's plan).
    deadline: Mapped[dt.date] = mapped_column(Date)
    #: "planned", "active" or "closed" (``CampaignStatus``).
    status: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class CampaignPhase(Base):
    """One step of the plan, e.g. 01–15/3 review level-2 accounts and form the teams."""

    __tablename__ = "campaign_phase"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    #: What the phase is for, as the plan words it.
    purpose: Mapped[str] = mapped_column(Text, default="")
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)
    #: Whether communes report daily during the phase (the peak, R11); else monthly.
    daily_reports: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class CampaignTarget(Base):
    """A target for one unit (the province, or one commune) and one indicator (R13)."""

    __tablename__ = "campaign_target"
    __table_args__ = (
        UniqueConstraint("campaign_id", "unit_level", "unit_code", "indicator"),
        Index("ix_campaign_target_unit", "unit_level", "unit_code"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"))
    #: "province" or "commune"; ``unit_code`` is that unit's code.
    unit_level: Mapped[str] = mapped_column(String(10))
    unit_code: Mapped[int] = mapped_column(Integer)
    #: ``Indicator``: level-2 holders guided and activated, schools, students, enterprises.
    indicator: Mapped[str] = mapped_column(String(30))
    target_percent: Mapped[int] = mapped_column(Integer)
    deadline: Mapped[dt.date] = mapped_column(Date)


class GuidanceTeam(Base):
    """A commune's guidance team (tổ công tác): police, health, unions, teachers, village
    heads, under a head named with the office he comes from."""

    __tablename__ = "guidance_team"
    __table_args__ = (
        UniqueConstraint("campaign_id", "commune_code", "name"),
        Index("ix_guidance_team_commune", "commune_code", "campaign_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"))
    commune_code: Mapped[int] = mapped_column(ForeignKey("commune.code"))
    name: Mapped[str] = mapped_column(String(120))
    head_name: Mapped[str] = mapped_column(String(120))
    #: ``Organisation`` the head comes from (police, health, union, teacher, village head).
    head_organisation: Mapped[str] = mapped_column(String(20))


class GuidanceTeamMember(Base):
    """An account of role guidance member in a team, with the organisation she comes from."""

    __tablename__ = "guidance_team_member"

    team_id: Mapped[int] = mapped_column(ForeignKey("guidance_team.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), primary_key=True, index=True)
    organisation: Mapped[str] = mapped_column(String(20))


class TeamVillage(Base):
    """Which team covers a village in a campaign: one team per village."""

    __tablename__ = "team_village"

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("village.id"), primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("guidance_team.id"), index=True)


class FieldVisit(Base):
    """One visit a member recorded at a door, as her phone sent it.

    ``client_uuid`` is generated by the phone before the first attempt to send, so a resend
    after a lost answer finds the visit already there instead of counting it twice.
    ``visited_at`` is the phone's clock (when she tapped), ``received_at`` the server's.
    """

    __tablename__ = "field_visit"
    __table_args__ = (
        Index("ix_field_visit_village_day", "village_id", "visited_on"),
        Index("ix_field_visit_commune_day", "commune_code", "visited_on"),
        Index("ix_field_visit_province_day", "province_code", "visited_on"),
        Index("ix_field_visit_campaign_day", "campaign_id", "visited_on"),
        Index("ix_field_visit_person", "person_id", "visited_at"),
        Index("ix_field_visit_household", "household_id"),
        Index("ix_field_visit_team", "team_id"),
        Index("ix_field_visit_member", "member_user_id"),
        Index("ix_field_visit_establishment", "establishment_id", "visited_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_uuid: Mapped[str] = mapped_column(String(36), unique=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"))
    #: The member's team covering the village when the visit arrived (``None``: no team
    #: covered it, e.g. a member working from her account's villages before teams exist).
    team_id: Mapped[int | None] = mapped_column(ForeignKey("guidance_team.id"))
    member_user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    province_code: Mapped[int] = mapped_column(Integer)
    commune_code: Mapped[int] = mapped_column(Integer)
    #: The person's register village (``None``: a pupil or employee registered without one,
    #: reached at his establishment; the visit then counts in his commune only).
    village_id: Mapped[int | None] = mapped_column(ForeignKey("village.id"))
    household_id: Mapped[str | None] = mapped_column(String(20))
    person_id: Mapped[str | None] = mapped_column(String(12))
    #: The school or enterprise where the person was reached (``None``: at home).
    establishment_id: Mapped[int | None] = mapped_column(ForeignKey("establishment.id"))
    #: ``Outcome``.
    outcome: Mapped[str] = mapped_column(String(20))
    visited_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    #: ``visited_at``'s date in Vietnam: the day the reports count the visit under.
    visited_on: Mapped[dt.date] = mapped_column(Date)
    received_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class CardFindingRun(Base):
    """A finished reconciliation run whose findings were copied into :class:`CardFinding`
    (its files stay the record; the copy lets the field worklist join them in SQL)."""

    __tablename__ = "campaign_finding_run"
    __table_args__ = (Index("ix_campaign_finding_run_province", "province_code", "run_id"),)

    run_id: Mapped[int] = mapped_column(ForeignKey("reconcile_run.id"), primary_key=True)
    province_code: Mapped[int] = mapped_column(Integer)
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class CardFinding(Base):
    """Why a person's card is not integrated, as a reconciliation run found it."""

    __tablename__ = "campaign_card_finding"

    run_id: Mapped[int] = mapped_column(ForeignKey("campaign_finding_run.run_id"), primary_key=True)
    person_id: Mapped[str] = mapped_column(String(12), primary_key=True)
    category: Mapped[str] = mapped_column(String(40), primary_key=True)
