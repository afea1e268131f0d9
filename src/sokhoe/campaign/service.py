"""Organising a campaign: the province's plan (phases, targets) and the communes' teams.

A commune officer forms her commune's teams, puts guidance-member accounts of the commune in
them and gives each village to one team. The team assignment is what a member's villages
are: giving a village to a team grants it to the team's members (``user_village``, the
scope the access checks read) and takes it from the members of the team that had it.
Nothing here reads personal data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Select, delete, insert, literal, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sokhoe.access import audit
from sokhoe.access.clock import utcnow
from sokhoe.access.guard import AccessDenied
from sokhoe.access.models import User, UserVillage
from sokhoe.access.purposes import Purpose
from sokhoe.access.roles import Role
from sokhoe.access.scope import Actor
from sokhoe.campaign.models import (
    Campaign,
    CampaignPhase,
    CampaignTarget,
    GuidanceTeam,
    GuidanceTeamMember,
    TeamVillage,
)
from sokhoe.campaign.vocabulary import CampaignStatus, Indicator, Organisation
from sokhoe.registry.models import Commune, Province, Village


class CampaignError(ValueError):
    """A request the campaign cannot carry out; the message is Vietnamese, for the user."""


class AssignmentConflict(Exception):
    """The village's team changed since the form was shown (409)."""


@dataclass(frozen=True)
class PhasePlan:
    name: str
    purpose: str
    starts_on: dt.date
    ends_on: dt.date
    #: Communes report daily during the phase (the peak); else monthly (R11).
    daily_reports: bool = False


@dataclass(frozen=True)
class TargetPlan:
    indicator: Indicator
    target_percent: int
    deadline: dt.date
    #: ``None``: the province's own target.
    commune_code: int | None = None


def create_campaign(
    session: Session,
    *,
    province_code: int,
    name: str,
    starts_on: dt.date,
    deadline: dt.date,
    phases: Sequence[PhasePlan],
    targets: Sequence[TargetPlan],
    status: CampaignStatus = CampaignStatus.ACTIVE,
) -> Campaign:
    """A province's campaign with its phases (in order) and targets. An ``active`` one
    closes the province's campaign that was active: visits go to one campaign at a time."""
    if session.get(Province, province_code) is None:
        raise CampaignError(f"Không có tỉnh mã {province_code}.")
    if deadline < starts_on:
        raise CampaignError("Hạn hoàn thành phải sau ngày bắt đầu.")
    for phase in phases:
        if not starts_on <= phase.starts_on <= phase.ends_on <= deadline:
            raise CampaignError(f"Giai đoạn “{phase.name}” nằm ngoài thời gian chiến dịch.")
    for target in targets:
        if not 0 < target.target_percent <= 100:
            raise CampaignError("Chỉ tiêu là phần trăm từ 1 đến 100.")
    if status is CampaignStatus.ACTIVE:
        session.execute(
            update(Campaign)
            .where(
                Campaign.province_code == province_code,
                Campaign.status == CampaignStatus.ACTIVE.value,
            )
            .values(status=CampaignStatus.CLOSED.value)
        )
    campaign = Campaign(
        province_code=province_code,
        name=name,
        starts_on=starts_on,
        deadline=deadline,
        status=status.value,
        created_at=utcnow(),
    )
    session.add(campaign)
    session.flush()
    session.add_all(
        CampaignPhase(
            campaign_id=campaign.id,
            position=position,
            name=phase.name,
            purpose=phase.purpose,
            starts_on=phase.starts_on,
            ends_on=phase.ends_on,
            daily_reports=phase.daily_reports,
        )
        for position, phase in enumerate(phases, start=1)
    )
    session.add_all(
        CampaignTarget(
            campaign_id=campaign.id,
            unit_level="province" if target.commune_code is None else "commune",
            unit_code=target.commune_code or province_code,
            indicator=target.indicator.value,
            target_percent=target.target_percent,
            deadline=target.deadline,
        )
        for target in targets
    )
    session.flush()
    return campaign


def active_campaign(session: Session, province_code: int) -> Campaign | None:
    """The campaign visits of the province go to, if one is active."""
    return session.scalar(
        select(Campaign)
        .where(
            Campaign.province_code == province_code,
            Campaign.status == CampaignStatus.ACTIVE.value,
        )
        .order_by(Campaign.id.desc())
        .limit(1)
    )


def phases_of(session: Session, campaign_id: int) -> list[CampaignPhase]:
    return list(
        session.scalars(
            select(CampaignPhase)
            .where(CampaignPhase.campaign_id == campaign_id)
            .order_by(CampaignPhase.position)
        )
    )


def _commune_officer_campaign(session: Session, actor: Actor, commune_code: int) -> Campaign:
    """The active campaign of a commune the actor is the officer of; else the same
    :class:`AccessDenied` as any unit outside one's scope (no campaign: nothing to edit)."""
    commune = session.get(Commune, commune_code)
    if (
        commune is None
        or actor.role is not Role.COMMUNE_OFFICER
        or not actor.covers_commune(commune.code, commune.province_code)
    ):
        raise AccessDenied()
    campaign = active_campaign(session, commune.province_code)
    if campaign is None:
        raise AccessDenied()
    return campaign


def create_team(
    session: Session,
    actor: Actor,
    *,
    commune_code: int,
    name: str,
    head_name: str,
    head_organisation: Organisation,
) -> GuidanceTeam:
    """A new team of the commune in the active campaign (the commune's officer only)."""
    campaign = _commune_officer_campaign(session, actor, commune_code)
    name, head_name = name.strip(), head_name.strip()
    if not 0 < len(name) <= 120 or not 0 < len(head_name) <= 120:
        raise CampaignError("Tên tổ và họ tên tổ trưởng cần 1–120 ký tự.")
    team = GuidanceTeam(
        campaign_id=campaign.id,
        commune_code=commune_code,
        name=name,
        head_name=head_name,
        head_organisation=head_organisation.value,
    )
    try:
        with session.begin_nested():
            session.add(team)
    except IntegrityError:
        raise CampaignError(f"Xã đã có tổ “{name}”.") from None
    return team


def _team_of_commune(session: Session, actor: Actor, team_id: int) -> GuidanceTeam:
    team = session.get(GuidanceTeam, team_id)
    if team is None:
        raise AccessDenied()
    campaign = _commune_officer_campaign(session, actor, team.commune_code)
    if team.campaign_id != campaign.id:
        raise AccessDenied()
    return team


def add_member(
    session: Session, actor: Actor, *, team_id: int, user_id: int, organisation: Organisation
) -> None:
    """Put a guidance member of the commune in a team; she gets the team's villages."""
    team = _team_of_commune(session, actor, team_id)
    user = session.get(User, user_id)
    if (
        user is None
        or user.role != Role.GUIDANCE_MEMBER.value
        or user.commune_code != team.commune_code
    ):
        raise AccessDenied()
    if session.get(GuidanceTeamMember, (team_id, user_id)) is not None:
        return
    session.add(GuidanceTeamMember(team_id=team_id, user_id=user_id, organisation=organisation))
    session.flush()
    villages = select(TeamVillage.village_id).where(TeamVillage.team_id == team_id)
    _grant(session, [user_id], list(session.scalars(villages)))
    _audit_team_change(session, actor, "add_team_member", team, f"tài khoản {user_id}")


def assign_village(
    session: Session, actor: Actor, *, team_id: int, village_id: int, expected_team_id: int | None
) -> None:
    """Give a village to a team. ``expected_team_id`` is the team the form showed for the
    village (``None``: no team); if another officer changed it meanwhile, raises
    :class:`AssignmentConflict` and changes nothing."""
    team = _team_of_commune(session, actor, team_id)
    village = session.get(Village, village_id)
    if village is None or village.commune_code != team.commune_code:
        raise AccessDenied()
    key = (TeamVillage.campaign_id == team.campaign_id, TeamVillage.village_id == village_id)
    if expected_team_id is None:
        try:
            with session.begin_nested():
                session.execute(
                    insert(TeamVillage).values(
                        campaign_id=team.campaign_id, village_id=village_id, team_id=team_id
                    )
                )
        except IntegrityError:
            raise AssignmentConflict from None
    else:
        with session.begin_nested():  # a refusal below leaves the assignment as it was
            moved = session.execute(
                update(TeamVillage)
                .where(*key, TeamVillage.team_id == expected_team_id)
                .values(team_id=team_id)
            )
            if moved.rowcount != 1:  # type: ignore[attr-defined]
                raise AssignmentConflict
            if expected_team_id != team_id:
                _revoke(session, village_id, left_team=expected_team_id, kept_team=team_id)
    members = select(GuidanceTeamMember.user_id).where(GuidanceTeamMember.team_id == team_id)
    _grant(session, list(session.scalars(members)), [village_id])
    _audit_team_change(session, actor, "assign_village", team, f"thôn {village_id}")


def _grant(session: Session, user_ids: Sequence[int], village_ids: Sequence[int]) -> None:
    """Adds the villages to the members' scope, skipping what they have (a team has a few
    members and a few villages)."""
    if not user_ids or not village_ids:
        return
    have = {
        (user_id, village_id)
        for user_id, village_id in session.execute(
            select(UserVillage.user_id, UserVillage.village_id).where(
                UserVillage.user_id.in_(user_ids), UserVillage.village_id.in_(village_ids)
            )
        )
    }
    session.add_all(
        UserVillage(user_id=user_id, village_id=village_id)
        for user_id in user_ids
        for village_id in village_ids
        if (user_id, village_id) not in have
    )
    session.flush()


def _revoke(session: Session, village_id: int, *, left_team: int, kept_team: int) -> None:
    """Takes the village from the members of the team that had it, unless they are also in
    the team that has it now."""
    leaving = select(GuidanceTeamMember.user_id).where(
        GuidanceTeamMember.team_id == left_team,
        GuidanceTeamMember.user_id.not_in(
            select(GuidanceTeamMember.user_id).where(GuidanceTeamMember.team_id == kept_team)
        ),
    )
    _take_villages(
        session,
        leaving,
        select(literal(village_id)),
        remedy="hãy giao thêm thôn cho tổ cũ trước",
    )


def _take_villages(
    session: Session, user_ids: Select[int], village_ids: Select[int], *, remedy: str
) -> None:
    """Takes the villages from the accounts' scope. Raises :class:`CampaignError` (naming
    ``remedy``) if one would be left with no village at all: her pages need one."""
    elsewhere = select(UserVillage.user_id).where(UserVillage.village_id.not_in(village_ids))
    stranded = list(
        session.scalars(
            select(User.display_name).where(User.id.in_(user_ids), User.id.not_in(elsewhere))
        )
    )
    if stranded:
        raise CampaignError(f"{', '.join(stranded)} sẽ không còn thôn nào: {remedy}.")
    session.execute(
        delete(UserVillage).where(
            UserVillage.user_id.in_(user_ids), UserVillage.village_id.in_(village_ids)
        )
    )


def remove_member(session: Session, actor: Actor, *, team_id: int, user_id: int) -> None:
    """Takes a member out of a team: she loses the team's villages that no other team of hers
    covers (a repeated removal changes nothing). Refused if she would be left with no
    village: put her in another team first, or have her account disabled."""
    team = _team_of_commune(session, actor, team_id)
    membership = session.get(GuidanceTeamMember, (team_id, user_id))
    if membership is None:
        return
    with session.begin_nested():  # a refusal leaves her in the team
        session.delete(membership)
        session.flush()
        her_teams = select(GuidanceTeamMember.team_id).where(GuidanceTeamMember.user_id == user_id)
        kept = select(TeamVillage.village_id).where(TeamVillage.team_id.in_(her_teams))
        lost = select(TeamVillage.village_id).where(
            TeamVillage.team_id == team_id, TeamVillage.village_id.not_in(kept)
        )
        _take_villages(
            session,
            select(literal(user_id)),
            lost,
            remedy="hãy thêm vào tổ khác trước, hoặc đề nghị quản trị khóa tài khoản",
        )
    _audit_team_change(session, actor, "remove_team_member", team, f"tài khoản {user_id}")


def _audit_team_change(
    session: Session, actor: Actor, action: str, team: GuidanceTeam, what: str
) -> None:
    """A change of who covers which village changes who may see whose data: audited."""
    audit.record(
        session,
        actor=actor,
        action=action,
        purpose=Purpose.CAMPAIGN_WORKLIST,
        detail=f"tổ {team.id} ({team.name}), {what}",
    )


@dataclass(frozen=True)
class TeamLine:
    team: GuidanceTeam
    members: list[tuple[User, str]]
    village_ids: list[int]


@dataclass(frozen=True)
class CommuneTeams:
    """The commune officer's page: the campaign, its teams, every village and its team."""

    campaign: Campaign
    commune: Commune
    teams: list[TeamLine]
    #: Every village of the commune with the id of its team (``None``: no team yet).
    villages: Sequence[tuple[Village, int | None]]
    #: Guidance-member accounts of the commune, to put in a team.
    members: list[User]


def commune_teams(session: Session, actor: Actor, commune_code: int) -> CommuneTeams:
    """What the commune officer sees: teams, members and villages (a few dozen rows)."""
    campaign = _commune_officer_campaign(session, actor, commune_code)
    commune = session.get(Commune, commune_code)
    assert commune is not None
    teams = list(
        session.scalars(
            select(GuidanceTeam)
            .where(
                GuidanceTeam.campaign_id == campaign.id, GuidanceTeam.commune_code == commune_code
            )
            .order_by(GuidanceTeam.name)
        )
    )
    team_ids = [t.id for t in teams]
    members: dict[int, list[tuple[User, str]]] = {t: [] for t in team_ids}
    for user, membership in session.execute(
        select(User, GuidanceTeamMember)
        .join(GuidanceTeamMember, GuidanceTeamMember.user_id == User.id)
        .where(GuidanceTeamMember.team_id.in_(team_ids))
        .order_by(User.display_name)
    ):
        members[membership.team_id].append((user, membership.organisation))
    villages = [
        (village, team_id)
        for village, team_id in session.execute(
            select(Village, TeamVillage.team_id)
            .outerjoin(
                TeamVillage,
                (TeamVillage.village_id == Village.id) & (TeamVillage.campaign_id == campaign.id),
            )
            .where(Village.commune_code == commune_code)
            .order_by(Village.name)
        )
    ]
    covered: dict[int, list[int]] = {t: [] for t in team_ids}
    for village, team_id in villages:
        if team_id is not None:
            covered[team_id].append(village.id)
    accounts = list(
        session.scalars(
            select(User)
            .where(
                User.role == Role.GUIDANCE_MEMBER.value,
                User.commune_code == commune_code,
                User.active.is_(True),
            )
            .order_by(User.display_name)
        )
    )
    return CommuneTeams(
        campaign=campaign,
        commune=commune,
        teams=[TeamLine(t, members[t.id], covered[t.id]) for t in teams],
        villages=villages,
        members=accounts,
    )


@dataclass(frozen=True)
class TeamPlan:
    name: str
    head_name: str
    head_organisation: Organisation
    village_ids: Sequence[int]
    #: (account id, organisation) of each member.
    members: Sequence[tuple[int, Organisation]] = ()


def seed_teams(
    session: Session, campaign: Campaign, commune_code: int, teams: Sequence[TeamPlan]
) -> list[GuidanceTeam]:
    """Teams of a commune as a setup script forms them (``sokhoe demo``): no officer acts,
    so nothing is checked but the tables' own constraints; members get their villages."""
    formed = []
    for plan in teams:
        team = GuidanceTeam(
            campaign_id=campaign.id,
            commune_code=commune_code,
            name=plan.name,
            head_name=plan.head_name,
            head_organisation=plan.head_organisation.value,
        )
        session.add(team)
        session.flush()
        session.add_all(
            TeamVillage(campaign_id=campaign.id, village_id=village_id, team_id=team.id)
            for village_id in plan.village_ids
        )
        session.add_all(
            GuidanceTeamMember(team_id=team.id, user_id=user_id, organisation=organisation.value)
            for user_id, organisation in plan.members
        )
        session.flush()
        _grant(session, [user_id for user_id, _ in plan.members], list(plan.village_ids))
        formed.append(team)
    return formed
