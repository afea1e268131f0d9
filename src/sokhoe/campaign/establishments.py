"""Schools and enterprises in the campaign (R12, R13): a contact's members still to reach,
and the visits she records for them.

A *contact* is a guidance member's account listed in ``establishment_contact`` (a teacher,
an HR officer) of the establishment's commune; only she reads its list, and a visit she
records must be to one of its members. Anyone else asking is refused and audited, and the
refusal looks like an unknown establishment.

The flags are the field worklist's (:func:`.fieldwork.worklist_flags`): a pupil under 14
raises only *card not integrated*, since his book is managed from a guardian's account and
the Education department's target is the card's integration. A member leaves the list when
his last visit in the campaign, at home or at his establishment, settled what he needed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from sokhoe.access import audit
from sokhoe.access.guard import AccessDenied
from sokhoe.access.models import User
from sokhoe.access.purposes import Purpose
from sokhoe.access.roles import Role
from sokhoe.access.scope import Actor
from sokhoe.campaign import findings
from sokhoe.campaign.establishment_models import (
    Establishment,
    EstablishmentContact,
    EstablishmentMember,
    MemberRole,
)
from sokhoe.campaign.fieldwork import (
    RecordedVisit,
    WorklistPerson,
    checked_visit,
    last_visits,
    needs_a_visit,
    person_columns,
    save_visit,
    worklist_flags,
    worklist_person,
)
from sokhoe.campaign.models import Campaign, FieldVisit
from sokhoe.campaign.service import CampaignError, active_campaign
from sokhoe.campaign.vocabulary import Outcome
from sokhoe.registry.models import Citizen

_ROLE_ORDER = case(
    {MemberRole.PUPIL.value: 0, MemberRole.STAFF.value: 1, MemberRole.EMPLOYEE.value: 2},
    value=EstablishmentMember.role,
)


@dataclass(frozen=True)
class ContactEstablishment:
    establishment: Establishment
    #: People on its roster.
    members: int


@dataclass(frozen=True)
class MemberGroup:
    role: MemberRole
    people: list[WorklistPerson]


@dataclass(frozen=True)
class EstablishmentWorklist:
    campaign: Campaign
    establishment: Establishment
    #: This page's members, pupils then staff (or employees), each group by name.
    groups: list[MemberGroup]
    #: Members on the list (all pages).
    total: int


def contact_establishments(session: Session, actor: Actor) -> list[ContactEstablishment]:
    """The establishments whose roster the actor works, schools first, by name (no
    personal data: names of units and head counts)."""
    mine = select(EstablishmentContact.establishment_id).where(
        EstablishmentContact.user_id == actor.user_id
    )
    members = (
        select(EstablishmentMember.establishment_id, func.count().label("members"))
        .where(EstablishmentMember.establishment_id.in_(mine))
        .group_by(EstablishmentMember.establishment_id)
        .subquery()
    )
    rows = session.execute(
        select(Establishment, func.coalesce(members.c.members, 0))
        .join(EstablishmentContact, EstablishmentContact.establishment_id == Establishment.id)
        .outerjoin(members, members.c.establishment_id == Establishment.id)
        .where(EstablishmentContact.user_id == actor.user_id)
        .order_by(Establishment.kind.desc(), Establishment.name, Establishment.id)
    )
    return [ContactEstablishment(establishment, count) for establishment, count in rows]


def _authorize(
    session: Session,
    actor: Actor,
    establishment_id: int,
    *,
    action: str,
    person_id: str | None = None,
    page: int | None = None,
) -> Establishment:
    """The establishment, if the actor is its contact (and ``person_id`` on its roster);
    one audit entry either way, as the guard writes them."""
    establishment = session.get(Establishment, establishment_id)
    allowed = (
        establishment is not None
        and actor.role is Role.GUIDANCE_MEMBER
        and actor.commune_code == establishment.commune_code
        and session.get(EstablishmentContact, (establishment_id, actor.user_id)) is not None
        and (
            person_id is None
            or session.get(EstablishmentMember, (establishment_id, person_id)) is not None
        )
    )
    detail = f"cơ sở {establishment_id}" + (f", trang {page}" if page is not None else "")
    audit.record(
        session,
        actor=actor,
        action=action,
        outcome=audit.Outcome.ALLOWED if allowed else audit.Outcome.DENIED,
        subject_person_id=person_id,
        purpose=Purpose.CAMPAIGN_WORKLIST,
        detail=detail if allowed else f"{detail}; ngoài phạm vi được giao",
    )
    if not allowed or establishment is None:
        raise AccessDenied
    return establishment


def establishment_worklist(
    session: Session,
    actor: Actor,
    establishment_id: int,
    today: dt.date,
    *,
    offset: int = 0,
    limit: int = 30,
) -> EstablishmentWorklist | None:
    """One page of the establishment's members still to reach (an audited read of its
    roster); ``None`` when its province has no active campaign."""
    establishment = _authorize(
        session,
        actor,
        establishment_id,
        action="list_establishment_worklist",
        page=offset // limit + 1,
    )
    campaign = active_campaign(session, establishment.province_code)
    if campaign is None:
        return None
    roster = select(EstablishmentMember.person_id).where(
        EstablishmentMember.establishment_id == establishment_id
    )
    flags = worklist_flags(today)
    last = last_visits(campaign.id, FieldVisit.person_id.in_(roster))
    needs_visit = needs_a_visit(flags, last)
    due = (
        select(EstablishmentMember.role)
        .join(Citizen, Citizen.person_id == EstablishmentMember.person_id)
        .outerjoin(last, last.c.person_id == Citizen.person_id)
        .where(EstablishmentMember.establishment_id == establishment_id, needs_visit)
    )
    total = session.scalar(select(func.count()).select_from(due.subquery())) or 0
    run_id = findings.latest_run_id(session, establishment.province_code)
    reason = findings.category_of(run_id, Citizen.person_id)
    page = (
        due.add_columns(*person_columns(flags, reason, last, needs_visit))
        .order_by(_ROLE_ORDER, Citizen.full_name, Citizen.person_id)
        .offset(offset)
        .limit(limit)
    )
    groups: dict[str, list[WorklistPerson]] = {}
    for role, *person in session.execute(page):
        groups.setdefault(role, []).append(worklist_person(person))
    return EstablishmentWorklist(
        campaign=campaign,
        establishment=establishment,
        groups=[MemberGroup(MemberRole(role), people) for role, people in groups.items()],
        total=total,
    )


def record_establishment_visit(
    session: Session,
    actor: Actor,
    *,
    establishment_id: int,
    client_uuid: str,
    person_id: str,
    outcome: Outcome,
    visited_at: dt.datetime | None,
) -> RecordedVisit:
    """Record one visit to a member at his establishment, once (the same resend and
    conflict rules as at home: :func:`.fieldwork.save_visit`). Someone not on the roster,
    or an establishment the actor is not a contact of, is an audited refusal; the allowed
    entry is the visit's own audit record."""
    client_uuid = checked_visit(client_uuid, visited_at)
    establishment = _authorize(
        session,
        actor,
        establishment_id,
        action="record_establishment_visit",
        person_id=person_id,
    )
    citizen = session.get(Citizen, person_id)
    if citizen is None:  # on a roster imported before he left the register
        raise AccessDenied
    return save_visit(
        session,
        actor,
        client_uuid=client_uuid,
        citizen=citizen,
        outcome=outcome,
        visited_at=visited_at,
        province_code=establishment.province_code,
        establishment_id=establishment.id,
    )


def find_establishment(session: Session, province_code: int, kind: str, code: str) -> Establishment:
    """The establishment of the province by its kind and own code; :class:`CampaignError`
    if there is none."""
    establishment = session.scalar(
        select(Establishment).where(
            Establishment.province_code == province_code,
            Establishment.kind == kind,
            Establishment.code == code,
        )
    )
    if establishment is None:
        raise CampaignError(f"Không có cơ sở loại {kind} mã {code} ở tỉnh {province_code}.")
    return establishment


def add_contact(session: Session, establishment: Establishment, username: str) -> User:
    """Let a guidance member of the establishment's commune work its roster (idempotent)."""
    user = session.scalar(select(User).where(User.username == username))
    if (
        user is None
        or user.role != Role.GUIDANCE_MEMBER.value
        or user.commune_code != establishment.commune_code
    ):
        raise CampaignError(
            f"Tài khoản {username} không phải thành viên tổ hướng dẫn của xã "
            f"{establishment.commune_code}."
        )
    if session.get(EstablishmentContact, (establishment.id, user.id)) is None:
        session.add(EstablishmentContact(establishment_id=establishment.id, user_id=user.id))
        audit.record(
            session,
            actor=None,
            action="add_establishment_contact",
            purpose=Purpose.ADMINISTRATION,
            detail=f"cơ sở {establishment.id}, tài khoản {user.id}",
        )
        session.flush()
    return user
