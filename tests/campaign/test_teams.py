"""Forming teams and giving them villages (R12), and the campaign's plan (R13)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from sokhoe.access.guard import AccessDenied
from sokhoe.access.models import AuditEntry
from sokhoe.campaign import plans, service
from sokhoe.campaign.fieldwork import record_visit
from sokhoe.campaign.models import Campaign, CampaignTarget
from sokhoe.campaign.service import AssignmentConflict, CampaignError
from sokhoe.campaign.vocabulary import CampaignStatus, Organisation, Outcome
from tests.campaign.conftest import Field, refreshed
from tests.support.factories import BAC_NHA_TRANG, KHANH_HOA, NHA_TRANG, add_citizen, add_village

AT = dt.datetime(2026, 3, 20, 2, 30, tzinfo=dt.UTC)


def team(session: Session, field: Field, name: str = "Tổ 1") -> int:
    return service.create_team(
        session,
        field.officer,
        commune_code=NHA_TRANG,
        name=name,
        head_name="Nguyễn Văn Hùng",
        head_organisation=Organisation.POLICE,
    ).id


def test_the_plan_has_its_phases_targets_and_deadline(session: Session, field: Field) -> None:
    campaign = session.get(Campaign, field.campaign_id)
    assert campaign is not None
    assert (campaign.starts_on, campaign.deadline) == (dt.date(2026, 3, 1), dt.date(2026, 6, 30))
    phases = service.phases_of(session, campaign.id)
    assert [(p.starts_on, p.ends_on) for p in phases][:2] == [
        (dt.date(2026, 3, 1), dt.date(2026, 3, 15)),
        (dt.date(2026, 3, 15), dt.date(2026, 3, 31)),
    ]
    targets = session.scalars(
        select(CampaignTarget).where(CampaignTarget.campaign_id == campaign.id)
    )
    assert {(t.indicator, t.target_percent, t.unit_level) for t in targets} == {
        ("level2_guided_activated", 100, "province"),
        ("schools", 100, "province"),
        ("students", 100, "province"),
        ("enterprises", 100, "province"),
    }


def test_a_new_active_campaign_closes_the_previous_one(session: Session, field: Field) -> None:
    newer = plans.create_peak_campaign(session, province_code=KHANH_HOA, year=2027)
    assert service.active_campaign(session, KHANH_HOA) == newer
    older = session.get(Campaign, field.campaign_id)
    assert older is not None and older.status == CampaignStatus.CLOSED.value


def test_a_phase_outside_the_campaign_is_refused(session: Session, field: Field) -> None:
    phases, targets, start, _ = plans.peak_plan(2026)
    with pytest.raises(CampaignError):
        service.create_campaign(
            session,
            province_code=KHANH_HOA,
            name="x",
            starts_on=start,
            deadline=dt.date(2026, 3, 20),
            phases=phases,
            targets=targets,
        )


def test_a_village_given_to_a_team_becomes_its_members(session: Session, field: Field) -> None:
    team_id = team(session, field)
    service.add_member(
        session,
        field.officer,
        team_id=team_id,
        user_id=field.member.user_id,
        organisation=Organisation.UNION,
    )
    service.assign_village(
        session, field.officer, team_id=team_id, village_id=field.to_2.id, expected_team_id=None
    )
    member = refreshed(session, field.member)
    assert member.village_ids == {field.to_1.id, field.to_2.id}
    resident = add_citizen(session, field.to_2)
    recorded = record_visit(
        session,
        member,
        client_uuid=str(uuid.uuid4()),
        person_id=resident.person_id,
        outcome=Outcome.GUIDED_ACTIVATED,
        visited_at=AT,
    )
    assert recorded.visit.team_id == team_id


def test_moving_a_village_takes_it_from_the_old_team(session: Session, field: Field) -> None:
    first, second = team(session, field, "Tổ A"), team(session, field, "Tổ B")
    service.add_member(
        session,
        field.officer,
        team_id=first,
        user_id=field.member.user_id,
        organisation=Organisation.UNION,
    )
    service.assign_village(
        session, field.officer, team_id=first, village_id=field.to_2.id, expected_team_id=None
    )
    service.assign_village(
        session, field.officer, team_id=second, village_id=field.to_2.id, expected_team_id=first
    )
    assert refreshed(session, field.member).village_ids == {field.to_1.id}
    teams = service.commune_teams(session, field.officer, NHA_TRANG)
    assert {v.id: t for v, t in teams.villages}[field.to_2.id] == second


def test_a_stale_assignment_is_a_conflict(session: Session, field: Field) -> None:
    first, second = team(session, field, "Tổ A"), team(session, field, "Tổ B")
    service.assign_village(
        session, field.officer, team_id=first, village_id=field.to_2.id, expected_team_id=None
    )
    with pytest.raises(AssignmentConflict):  # the form still showed "no team"
        service.assign_village(
            session, field.officer, team_id=second, village_id=field.to_2.id, expected_team_id=None
        )
    with pytest.raises(AssignmentConflict):  # the form showed a team it no longer has
        service.assign_village(
            session, field.officer, team_id=first, village_id=field.to_2.id, expected_team_id=second
        )


def test_only_the_communes_officer_organises_its_teams(session: Session, field: Field) -> None:
    team_id = team(session, field)
    for outsider in (field.other_officer, field.member):
        with pytest.raises(AccessDenied):
            service.commune_teams(session, outsider, NHA_TRANG)
        with pytest.raises(AccessDenied):
            service.assign_village(
                session, outsider, team_id=team_id, village_id=field.to_2.id, expected_team_id=None
            )
    with pytest.raises(AccessDenied):  # a village of another commune
        service.assign_village(
            session, field.officer, team_id=team_id, village_id=field.to_9.id, expected_team_id=None
        )
    with pytest.raises(AccessDenied):  # a member of another commune
        service.add_member(
            session,
            field.officer,
            team_id=team_id,
            user_id=field.stranger.user_id,
            organisation=Organisation.HEALTH,
        )


def test_a_team_name_is_unique_in_its_commune(session: Session, field: Field) -> None:
    team(session, field)
    with pytest.raises(CampaignError):
        team(session, field)


def test_the_demo_campaign_puts_the_member_in_the_team_of_her_villages(
    session: Session, field: Field
) -> None:
    extra = [add_village(session, NHA_TRANG, f"Thôn {n}").id for n in range(3, 8)]
    campaign = plans.demo_campaign(
        session,
        province_code=KHANH_HOA,
        communes=[
            (NHA_TRANG, [field.to_1.id, field.to_2.id, *extra]),
            (BAC_NHA_TRANG, [field.to_9.id]),
        ],
        member=(field.member.user_id, [field.to_1.id]),
    )
    teams = service.commune_teams(session, field.officer, NHA_TRANG)
    assert teams.campaign.id == campaign.id
    first = teams.teams[0]
    assert first.village_ids == [field.to_1.id]
    assert [user.id for user, _ in first.members] == [field.member.user_id]
    assert sorted(v for line in teams.teams[1:] for v in line.village_ids) == sorted(
        [field.to_2.id, *extra]
    )
    assert refreshed(session, field.member).village_ids == {field.to_1.id}


def test_a_move_that_leaves_a_member_no_village_is_refused(session: Session, field: Field) -> None:
    first, second = team(session, field, "Tổ A"), team(session, field, "Tổ B")
    service.add_member(
        session,
        field.officer,
        team_id=first,
        user_id=field.member.user_id,
        organisation=Organisation.UNION,
    )
    service.assign_village(
        session, field.officer, team_id=first, village_id=field.to_1.id, expected_team_id=None
    )
    with pytest.raises(CampaignError, match="không còn thôn nào"):
        service.assign_village(
            session, field.officer, team_id=second, village_id=field.to_1.id, expected_team_id=first
        )
    teams = service.commune_teams(session, field.officer, NHA_TRANG)
    assert {v.id: t for v, t in teams.villages}[field.to_1.id] == first  # unchanged
    assert refreshed(session, field.member).village_ids == {field.to_1.id}


def _member_of(session: Session, field: Field, team_id: int, *villages: int) -> None:
    service.add_member(
        session,
        field.officer,
        team_id=team_id,
        user_id=field.member.user_id,
        organisation=Organisation.UNION,
    )
    for village_id in villages:
        service.assign_village(
            session, field.officer, team_id=team_id, village_id=village_id, expected_team_id=None
        )


def test_a_removed_member_loses_the_villages_only_that_team_gave(
    session: Session, field: Field
) -> None:
    first, second = team(session, field, "Tổ A"), team(session, field, "Tổ B")
    _member_of(session, field, first, field.to_1.id)
    _member_of(session, field, second, field.to_2.id)
    assert refreshed(session, field.member).village_ids == {field.to_1.id, field.to_2.id}

    service.remove_member(session, field.officer, team_id=second, user_id=field.member.user_id)

    assert refreshed(session, field.member).village_ids == {field.to_1.id}
    teams = service.commune_teams(session, field.officer, NHA_TRANG)
    assert [[u.id for u, _ in line.members] for line in teams.teams] == [
        [field.member.user_id],
        [],
    ]
    resident = add_citizen(session, field.to_2)
    with pytest.raises(AccessDenied):  # Tổ 2 is no longer hers
        record_visit(
            session,
            refreshed(session, field.member),
            client_uuid=str(uuid.uuid4()),
            person_id=resident.person_id,
            outcome=Outcome.NOT_HOME,
            visited_at=AT,
        )
    # a repeated form changes nothing
    service.remove_member(session, field.officer, team_id=second, user_id=field.member.user_id)
    assert refreshed(session, field.member).village_ids == {field.to_1.id}


def test_a_removal_that_leaves_a_member_no_village_is_refused(
    session: Session, field: Field
) -> None:
    only = team(session, field)
    _member_of(session, field, only, field.to_1.id)
    with pytest.raises(CampaignError, match="không còn thôn nào"):
        service.remove_member(session, field.officer, team_id=only, user_id=field.member.user_id)
    teams = service.commune_teams(session, field.officer, NHA_TRANG)
    assert [u.id for u, _ in teams.teams[0].members] == [field.member.user_id]  # still in
    assert refreshed(session, field.member).village_ids == {field.to_1.id}


def test_team_changes_are_audited_and_another_commune_cannot_make_them(
    session: Session, field: Field
) -> None:
    first, second = team(session, field, "Tổ A"), team(session, field, "Tổ B")
    _member_of(session, field, first, field.to_1.id)
    _member_of(session, field, second, field.to_2.id)
    with pytest.raises(AccessDenied):
        service.remove_member(
            session, field.other_officer, team_id=second, user_id=field.member.user_id
        )
    service.remove_member(session, field.officer, team_id=second, user_id=field.member.user_id)
    actions = session.scalars(
        select(AuditEntry.action)
        .where(AuditEntry.action.in_(["add_team_member", "assign_village", "remove_team_member"]))
        .order_by(AuditEntry.id)
    ).all()
    assert actions == [
        "add_team_member",
        "assign_village",
        "add_team_member",
        "assign_village",
        "remove_team_member",
    ]
