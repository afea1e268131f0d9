"""In the field (R12): a member's households still to visit, and the visits she records.

Flags of a person on the worklist, all computed in SQL over one village at a time, the
negations of :mod:`.flags`' definitions:

- *no level-2 e-ID*: an adult (14 or over, or of unknown birth date) whose register entry
  says no level-2 account;
- *book not activated*: an adult with no active citizen account that has signed in;
- *card not integrated*: someone on BHXH's card list with no card in his e-ID wallet; *why*
  is the category of the latest reconciliation run copied for the province
  (:mod:`.findings`), when it names him.

A person *needs a visit* when one of the flags is up and his last visit in the campaign did
not settle it (:data:`~.vocabulary.SETTLED_OUTCOMES`); a household is on the list while one
of its people needs a visit. A resident without a household number is a household alone.
Children are listed with their household but raise only the card flag: a parent's account
manages a child's book.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    func,
    literal,
    not_,
    or_,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql.selectable import Subquery

from sokhoe.access import guard
from sokhoe.access.clock import as_utc, utcnow
from sokhoe.access.purposes import Purpose
from sokhoe.access.scope import Actor
from sokhoe.campaign import findings
from sokhoe.campaign.flags import person_flags
from sokhoe.campaign.models import Campaign, FieldVisit, GuidanceTeamMember, TeamVillage
from sokhoe.campaign.service import CampaignError, active_campaign
from sokhoe.campaign.vocabulary import SETTLED_OUTCOMES, Outcome
from sokhoe.registry import service as registry_service
from sokhoe.registry.models import Citizen, Commune, Village
from sokhoe.vietnam_time import to_vietnam_time

#: How far ahead of the server a phone's clock may be before its visit time is refused.
CLOCK_SKEW = dt.timedelta(hours=1)


class VisitConflict(Exception):
    """The visit's ID was already used for a different visit (409)."""


def needs_a_visit(flags: dict[str, ColumnElement[bool]], last: Subquery) -> ColumnElement[bool]:
    """A flag is up and the person's last visit (``last``, joined) did not settle it."""
    return and_(
        or_(flags["no_level2"], flags["book_not_activated"], flags["card_not_integrated"]),
        or_(last.c.outcome.is_(None), last.c.outcome.not_in([o.value for o in SETTLED_OUTCOMES])),
    )


@dataclass(frozen=True)
class WorklistPerson:
    person_id: str
    full_name: str
    birth_year: int | None
    sex: str | None
    child: bool
    no_level2: bool
    book_not_activated: bool
    card_not_integrated: bool
    #: The reconciliation category's Vietnamese label, when a copied run names the person.
    card_reason: str | None
    last_outcome: Outcome | None
    last_visited_at: dt.datetime | None
    needs_visit: bool


def person_columns(
    flags: dict[str, ColumnElement[bool]],
    reason: ColumnElement[str | None],
    last: Subquery,
    needs_visit: ColumnElement[bool],
) -> list[ColumnElement[Any] | InstrumentedAttribute[Any]]:
    """The columns :func:`worklist_person` reads, over ``Citizen`` joined to ``last``."""
    return [
        Citizen.person_id,
        Citizen.full_name,
        Citizen.birth_date,
        Citizen.sex,
        flags["adult"],
        flags["no_level2"],
        flags["book_not_activated"],
        flags["card_not_integrated"],
        reason,
        last.c.outcome,
        last.c.visited_at,
        needs_visit,
    ]


def worklist_person(row: Sequence[Any]) -> WorklistPerson:
    """A person of the worklist from the values of :func:`person_columns`."""
    (person_id, name, birth, sex, adult, no_l2, not_act, not_int, why, out, at, need) = row
    return WorklistPerson(
        person_id=person_id,
        full_name=name,
        birth_year=birth.year if birth else None,
        sex=sex,
        child=not adult,
        no_level2=bool(no_l2),
        book_not_activated=bool(not_act),
        card_not_integrated=bool(not_int),
        card_reason=findings.LABELS.get(why) if not_int and why else None,
        last_outcome=Outcome(out) if out else None,
        last_visited_at=as_utc(at) if at else None,
        needs_visit=bool(need),
    )


@dataclass(frozen=True)
class WorklistHousehold:
    #: The register's household number ("" for a resident without one).
    household_id: str
    people: list[WorklistPerson]


@dataclass(frozen=True)
class FieldWorklist:
    campaign: Campaign
    village: Village
    households: list[WorklistHousehold]
    #: Households on the list in the whole village (all pages).
    total: int


def last_visits(campaign_id: int, where: ColumnElement[bool]) -> Subquery:
    """Each person's latest visit in the campaign among the visits ``where`` selects (one
    row per person): a village's for its worklist, an establishment's members' for theirs."""
    ranked = (
        select(
            FieldVisit.person_id,
            FieldVisit.outcome,
            FieldVisit.visited_at,
            func.row_number()
            .over(
                partition_by=FieldVisit.person_id,
                order_by=(FieldVisit.visited_at.desc(), FieldVisit.id.desc()),
            )
            .label("rank"),
        )
        .where(FieldVisit.campaign_id == campaign_id, FieldVisit.person_id.is_not(None), where)
        .subquery("ranked")
    )
    return select(ranked).where(ranked.c.rank == 1).subquery("last_visit")


def worklist_flags(today: dt.date) -> dict[str, ColumnElement[bool]]:
    """The worklist's flags of the ``Citizen`` row of the enclosing query (see the module's
    doc), with ``adult``."""
    person = person_flags(today)
    return {
        "adult": person.adult,
        "no_level2": and_(person.adult, Citizen.level2_eid.is_(False)),
        "book_not_activated": and_(person.adult, not_(person.signed_in)),
        "card_not_integrated": and_(person.card_listed, not_(person.in_wallet)),
    }


def field_worklist(
    session: Session,
    actor: Actor,
    *,
    village_id: int,
    offset: int,
    limit: int,
    today: dt.date,
) -> FieldWorklist | None:
    """One page of a village's households still to visit, with their people (an audited
    read of the village's list); ``None`` when the province has no active campaign."""
    village = session.get(Village, village_id)
    commune = session.get(Commune, village.commune_code) if village is not None else None
    if village is None or commune is None:
        raise guard.AccessDenied()
    guard.authorize_unit(
        session,
        actor,
        commune_code=commune.code,
        province_code=commune.province_code,
        village_id=village_id,
        action="list_field_worklist",
        purpose=Purpose.CAMPAIGN_WORKLIST,
        page=offset // limit + 1,
    )
    campaign = active_campaign(session, commune.province_code)
    if campaign is None:
        return None
    flags = worklist_flags(today)
    last = last_visits(campaign.id, FieldVisit.village_id == village_id)
    # The commune too, so the register's (commune, village) index finds the village's rows.
    in_village_rows = (Citizen.commune_code == commune.code, Citizen.village_id == village_id)
    household = func.coalesce(Citizen.household_id, literal("#") + Citizen.person_id)
    needs_visit = needs_a_visit(flags, last)
    due_households = (
        select(household.label("household"))
        .select_from(Citizen)
        .outerjoin(last, last.c.person_id == Citizen.person_id)
        .where(*in_village_rows, needs_visit)
        .group_by(household)
    )
    total = session.scalar(select(func.count()).select_from(due_households.subquery())) or 0
    keys = list(session.scalars(due_households.order_by(household).offset(offset).limit(limit)))
    run_id = findings.latest_run_id(session, commune.province_code)
    reason = findings.category_of(run_id, Citizen.person_id)
    query = (
        select(household, *person_columns(flags, reason, last, needs_visit))
        .outerjoin(last, last.c.person_id == Citizen.person_id)
        .where(*in_village_rows, household.in_(keys))
        .order_by(household, Citizen.birth_date, Citizen.person_id)
    )
    households: dict[str, list[WorklistPerson]] = {}
    for key, *person in session.execute(query) if keys else ():
        households.setdefault(key, []).append(worklist_person(person))
    return FieldWorklist(
        campaign=campaign,
        village=village,
        households=[
            WorklistHousehold("" if key.startswith("#") else key, people)
            for key, people in households.items()
        ],
        total=total,
    )


@dataclass(frozen=True)
class RecordedVisit:
    visit: FieldVisit
    #: ``False``: the same visit had arrived before (a resend), nothing new was written.
    created: bool


def parse_client_uuid(value: str) -> str:
    """The phone's visit ID in canonical form; :class:`CampaignError` if it is not a UUID."""
    try:
        return str(uuid.UUID(value))
    except (ValueError, AttributeError):
        raise CampaignError("Mã lần thăm không hợp lệ.") from None


def parse_outcome(value: str) -> Outcome:
    try:
        return Outcome(value)
    except ValueError:
        raise CampaignError("Kết quả thăm không hợp lệ.") from None


def record_visit(
    session: Session,
    actor: Actor,
    *,
    client_uuid: str,
    person_id: str,
    outcome: Outcome,
    visited_at: dt.datetime | None,
) -> RecordedVisit:
    """Record one visit at home, once (:func:`save_visit`).

    Someone outside the actor's villages, or unknown, is an audited refusal
    (:class:`~sokhoe.access.guard.AccessDenied`); the allowed entry is the visit's own
    audit record.
    """
    client_uuid = checked_visit(client_uuid, visited_at)
    citizen = registry_service.authorize_person_read(
        session,
        actor,
        person_id=person_id,
        purpose=Purpose.CAMPAIGN_WORKLIST,
        action="record_field_visit",
    )
    commune = session.get(Commune, citizen.commune_code)
    assert commune is not None and citizen.village_id is not None  # the guard's scope
    return save_visit(
        session,
        actor,
        client_uuid=client_uuid,
        citizen=citizen,
        outcome=outcome,
        visited_at=visited_at,
        province_code=commune.province_code,
    )


def checked_visit(client_uuid: str, visited_at: dt.datetime | None) -> str:
    """The phone's visit ID in canonical form, once the visit's time is plausible."""
    client_uuid = parse_client_uuid(client_uuid)
    if visited_at is not None and as_utc(visited_at) > utcnow() + CLOCK_SKEW:
        raise CampaignError("Giờ thăm ở tương lai: hãy kiểm tra đồng hồ của điện thoại.")
    return client_uuid


def save_visit(
    session: Session,
    actor: Actor,
    *,
    client_uuid: str,
    citizen: Citizen,
    outcome: Outcome,
    visited_at: dt.datetime | None,
    province_code: int,
    establishment_id: int | None = None,
) -> RecordedVisit:
    """Write one visit to ``citizen`` once, after the caller's guard let the actor record it,
    in the active campaign of ``province_code``.

    A resend of the same ``client_uuid`` with the same content returns the visit already
    recorded; with other content (another person, outcome, time, place, or another member)
    it raises :class:`VisitConflict`. ``visited_at`` ``None`` (a form sent without the
    script) is the server's clock, and a resend then matches whatever time was recorded.
    The visit keeps the person's register units, wherever he was reached, so a village's
    counts include its pupils seen at school.
    """
    earlier = _same_visit(
        session, actor, client_uuid, citizen, outcome, visited_at, establishment_id
    )
    if earlier is not None:
        return RecordedVisit(earlier, created=False)
    campaign = active_campaign(session, province_code)
    if campaign is None:
        raise CampaignError("Tỉnh chưa có chiến dịch đang diễn ra.")
    commune = session.get(Commune, citizen.commune_code)
    assert commune is not None  # enforced by the foreign key
    now = utcnow()
    at = _second(visited_at or now)
    visit = FieldVisit(
        client_uuid=client_uuid,
        campaign_id=campaign.id,
        team_id=(
            _team_of(session, actor, campaign.id, citizen.village_id)
            if citizen.village_id is not None
            else None
        ),
        member_user_id=actor.user_id,
        province_code=commune.province_code,
        commune_code=commune.code,
        village_id=citizen.village_id,
        household_id=citizen.household_id,
        person_id=citizen.person_id,
        establishment_id=establishment_id,
        outcome=outcome.value,
        visited_at=at,
        visited_on=to_vietnam_time(at).date(),
        received_at=now,
    )
    try:
        with session.begin_nested():
            session.add(visit)
    except IntegrityError:  # the same ID arrived meanwhile on another connection
        earlier = _same_visit(
            session, actor, client_uuid, citizen, outcome, visited_at, establishment_id
        )
        if earlier is None:
            raise VisitConflict from None
        return RecordedVisit(earlier, created=False)
    return RecordedVisit(visit, created=True)


def _same_visit(
    session: Session,
    actor: Actor,
    client_uuid: str,
    citizen: Citizen,
    outcome: Outcome,
    visited_at: dt.datetime | None,
    establishment_id: int | None,
) -> FieldVisit | None:
    """The visit already recorded under ``client_uuid``, if it is this one; raises
    :class:`VisitConflict` if the ID holds another visit."""
    earlier = session.scalar(select(FieldVisit).where(FieldVisit.client_uuid == client_uuid))
    if earlier is None:
        return None
    same = (
        earlier.member_user_id == actor.user_id
        and earlier.person_id == citizen.person_id
        and earlier.establishment_id == establishment_id
        and earlier.outcome == outcome.value
        and (visited_at is None or as_utc(earlier.visited_at) == _second(visited_at))
    )
    if not same:
        raise VisitConflict
    return earlier


def _second(value: dt.datetime) -> dt.datetime:
    """``value`` in UTC to the second, as visits are stored."""
    return as_utc(value).replace(microsecond=0)


def _team_of(session: Session, actor: Actor, campaign_id: int, village_id: int) -> int | None:
    """The actor's team covering the village in the campaign, if any."""
    return session.scalar(
        select(TeamVillage.team_id)
        .join(GuidanceTeamMember, GuidanceTeamMember.team_id == TeamVillage.team_id)
        .where(
            TeamVillage.campaign_id == campaign_id,
            TeamVillage.village_id == village_id,
            GuidanceTeamMember.user_id == actor.user_id,
        )
    )


def member_villages(session: Session, actor: Actor) -> list[Village]:
    """The villages the actor works in, in the teams' order ("Thôn 2" before "Thôn 10")."""
    villages = session.scalars(select(Village).where(Village.id.in_(actor.village_ids)))
    return sorted(villages, key=lambda v: registry_service.natural_key(v.name))
