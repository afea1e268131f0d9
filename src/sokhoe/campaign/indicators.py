"""The campaign's daily indicators (R10, R11, R18): counts per village, commune and province,
taken once a day into ``indicator_snapshot`` so reports and dashboards read a few rows
instead of counting 2.3 M people per request.

What is counted, ages on the Vietnamese ``day`` (the person definitions are :mod:`.flags`'):

- ``residents``: people of the register in the unit; ``eligible``: those aged 14 or over, or
  of unknown birth date (the field worklist's adults);
- ``level2``: eligible with a level-2 e-ID; ``books_activated``: eligible with an active
  citizen account that has signed in;
- ``cards_listed``: residents on BHXH's card list (people, not cards: a person with two
  cards counts once); ``cards_integrated``: of those, people with a card in the e-ID wallet;
- ``visits_on_day`` / ``visits_to_date``: field visits of the province's campaigns recorded
  under that Vietnamese day / on or before it (every visit, a person visited twice twice);
  ``households_visited``: distinct households (a resident without a household number is a
  household alone) with at least one visit on or before the day;
- ``schools`` / ``enterprises``: the establishments of each kind in the unit (where they
  stand, not where their people live); ``schools_reached`` / ``enterprises_reached``: those
  with at least one visit recorded there on or before the day; ``students``: pupils on the
  schools' rosters, ``students_integrated`` those whose card is integrated (the Education
  department's target); ``employees``: employees on the enterprises' rosters,
  ``employees_activated`` those whose book is activated. A person on two rosters counts on
  each. A village row has 0 for these: an establishment counts in its commune only.

A village row counts its residents and visits. A commune row is the sum of its villages plus
its residents without a village; the province row is the sum of its communes. A household
lives in one village, so summing villages' households counts each once.

One statement counts the province: the register, grouped by (commune, village), the
visits, grouped the same way, and the establishments, grouped by commune, are stacked with
a zero row for every village and commune (so units with nobody yet still get a row),
summed per (commune, village), and that sum is inserted three times over — village rows,
commune rows, the province row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    Date,
    DateTime,
    Integer,
    Select,
    String,
    and_,
    case,
    cast,
    delete,
    distinct,
    func,
    insert,
    literal,
    select,
    union_all,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import Subquery

from sokhoe.access import audit
from sokhoe.access.clock import utcnow
from sokhoe.access.purposes import Purpose
from sokhoe.access.scope import Actor
from sokhoe.campaign.establishment_models import (
    Establishment,
    EstablishmentKind,
    EstablishmentMember,
    MemberRole,
)
from sokhoe.campaign.flags import (
    Facts,
    PersonFlags,
    listed_people,
    person_flags,
    signed_in_people,
    wallet_people,
)
from sokhoe.campaign.indicator_models import IndicatorSnapshot
from sokhoe.campaign.models import FieldVisit
from sokhoe.registry.models import Citizen, Commune, Province, Village
from sokhoe.vietnam_time import to_vietnam_time
from sokhoe.web.formatting import vn_date

#: The counted columns, in the table's order.
COUNTS = (
    "residents",
    "eligible",
    "level2",
    "books_activated",
    "cards_listed",
    "cards_integrated",
    "visits_on_day",
    "visits_to_date",
    "households_visited",
    "schools",
    "schools_reached",
    "students",
    "students_integrated",
    "enterprises",
    "enterprises_reached",
    "employees",
    "employees_activated",
)
_REGISTER_COUNTS = COUNTS[:6]
_VISIT_COUNTS = COUNTS[6:9]
_ESTABLISHMENT_COUNTS = COUNTS[9:]


class UnitLevel(StrEnum):
    VILLAGE = "village"
    COMMUNE = "commune"
    PROVINCE = "province"


class UnknownProvince(ValueError):
    """No such province in the register."""


@dataclass(frozen=True)
class Snapshot:
    day: dt.date
    province: IndicatorSnapshot
    communes: int
    villages: int


def share(part: int, whole: int) -> float | None:
    """``part / whole`` of a unit's counts; ``None`` when there is nobody to count."""
    return part / whole if whole else None


def vietnam_today() -> dt.date:
    """Today in Vietnam: the day a snapshot counts by default."""
    return to_vietnam_time(utcnow()).date()


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.sum(case((condition, 1), else_=0))


def _zeros(names: tuple[str, ...]) -> list[ColumnElement[int]]:
    return [cast(literal(0), Integer).label(name) for name in names]


@dataclass(frozen=True)
class _PeopleSets:
    """The three sets of people of :mod:`.flags` as subqueries, joined once by the part of
    the statement that counts people (the register's, the rosters'), each part its own (as
    CTEs shared by both parts, the count of 2.3 M people and 0.7 M roster places was no
    faster)."""

    signed_in: Subquery
    listed: Subquery
    wallet: Subquery

    @classmethod
    def named(cls, name: str) -> _PeopleSets:
        return cls(
            signed_in_people().subquery(f"{name}_signed_in"),
            listed_people().distinct().subquery(f"{name}_listed"),
            wallet_people().distinct().subquery(f"{name}_wallet"),
        )

    def flags(self, day: dt.date) -> PersonFlags:
        facts = Facts(
            signed_in=self.signed_in.c.person_id.is_not(None),
            card_listed=self.listed.c.person_id.is_not(None),
            in_wallet=self.wallet.c.person_id.is_not(None),
        )
        return person_flags(day, facts)

    def joined(self, query: Select[*tuple[Any, ...]]) -> Select[*tuple[Any, ...]]:
        """``query``, over ``Citizen``, outer-joined to the sets."""
        for people in (self.signed_in, self.listed, self.wallet):
            query = query.outerjoin(people, people.c.person_id == Citizen.person_id)
        return query


def _stacked(province_code: int, day: dt.date) -> Subquery:
    """The parts stacked, not yet summed (see the module's doc)."""
    people = _PeopleSets.named("register")
    flags = people.flags(day)
    communes = select(Commune.code).where(Commune.province_code == province_code)
    register = (
        people.joined(
            select(
                Citizen.commune_code.label("commune_code"),
                Citizen.village_id.label("village_id"),
                func.count().label("residents"),
                _count(flags.adult).label("eligible"),
                _count(flags.level2).label("level2"),
                _count(flags.book_activated).label("books_activated"),
                _count(flags.card_listed).label("cards_listed"),
                _count(flags.card_integrated).label("cards_integrated"),
                *_zeros(_VISIT_COUNTS),
                *_zeros(_ESTABLISHMENT_COUNTS),
            ).select_from(Citizen)
        )
        .where(Citizen.commune_code.in_(communes))
        .group_by(Citizen.commune_code, Citizen.village_id)
    )
    household = func.coalesce(FieldVisit.household_id, literal("#") + FieldVisit.person_id)
    visits = (
        select(
            FieldVisit.commune_code,
            FieldVisit.village_id,
            *_zeros(_REGISTER_COUNTS),
            _count(FieldVisit.visited_on == day).label("visits_on_day"),
            func.count().label("visits_to_date"),
            func.count(distinct(household)).label("households_visited"),
            *_zeros(_ESTABLISHMENT_COUNTS),
        )
        .where(FieldVisit.province_code == province_code, FieldVisit.visited_on <= day)
        .group_by(FieldVisit.commune_code, FieldVisit.village_id)
    )
    villages = select(Village.commune_code, Village.id, *_zeros(COUNTS)).where(
        Village.commune_code.in_(communes)
    )
    bare_communes = select(Commune.code, cast(literal(None), Integer), *_zeros(COUNTS)).where(
        Commune.province_code == province_code
    )
    return union_all(
        register, visits, _establishments(province_code, day), villages, bare_communes
    ).subquery("stacked")


def _establishments(province_code: int, day: dt.date) -> Select[*tuple[Any, ...]]:
    """The establishments' counts per commune (no village)."""
    people = _PeopleSets.named("roster")
    flags = people.flags(day)
    in_province = select(Establishment.id).where(Establishment.province_code == province_code)
    role = EstablishmentMember.role
    rosters = people.joined(
        select(EstablishmentMember.establishment_id)
        .add_columns(
            _count(role == MemberRole.PUPIL.value).label("students"),
            _count(and_(role == MemberRole.PUPIL.value, flags.card_integrated)).label(
                "students_integrated"
            ),
            _count(role == MemberRole.EMPLOYEE.value).label("employees"),
            _count(and_(role == MemberRole.EMPLOYEE.value, flags.book_activated)).label(
                "employees_activated"
            ),
        )
        .join(Citizen, Citizen.person_id == EstablishmentMember.person_id)
    )
    per_establishment = (
        rosters.where(EstablishmentMember.establishment_id.in_(in_province))
        .group_by(EstablishmentMember.establishment_id)
        .subquery("rosters")
    )
    reached = (
        select(FieldVisit.establishment_id)
        .where(FieldVisit.establishment_id.in_(in_province), FieldVisit.visited_on <= day)
        .distinct()
        .subquery("reached")
    )
    school = Establishment.kind == EstablishmentKind.SCHOOL.value
    enterprise = Establishment.kind == EstablishmentKind.ENTERPRISE.value
    was_reached = reached.c.establishment_id.is_not(None)

    def total(name: str) -> ColumnElement[int]:
        return func.coalesce(func.sum(per_establishment.c[name]), 0).label(name)

    return (
        select(
            Establishment.commune_code,
            cast(literal(None), Integer),
            *_zeros(_REGISTER_COUNTS + _VISIT_COUNTS),
            _count(school).label("schools"),
            _count(and_(school, was_reached)).label("schools_reached"),
            total("students"),
            total("students_integrated"),
            _count(enterprise).label("enterprises"),
            _count(and_(enterprise, was_reached)).label("enterprises_reached"),
            total("employees"),
            total("employees_activated"),
        )
        .outerjoin(per_establishment, per_establishment.c.establishment_id == Establishment.id)
        .outerjoin(reached, reached.c.establishment_id == Establishment.id)
        .where(Establishment.province_code == province_code)
        .group_by(Establishment.commune_code)
    )


def take_snapshot(
    session: Session, province_code: int, day: dt.date, *, actor: Actor | None = None
) -> Snapshot:
    """Counts every unit of the province on ``day`` and replaces that day's rows, in the
    caller's transaction, with one audit entry (an administrative write of counts only)."""
    if session.get(Province, province_code) is None:
        raise UnknownProvince(f"Không có tỉnh mã {province_code}.")
    stacked = _stacked(province_code, day)
    per_village = (
        select(
            stacked.c.commune_code,
            stacked.c.village_id,
            *[func.sum(stacked.c[name]).label(name) for name in COUNTS],
        )
        .group_by(stacked.c.commune_code, stacked.c.village_id)
        .cte("per_village")
    )
    fixed: list[ColumnElement[Any]] = [
        literal(day, Date).label("day"),
        literal(utcnow(), DateTime(timezone=True)).label("taken_at"),
        literal(province_code, Integer).label("province_code"),
    ]
    sums = [func.coalesce(func.sum(per_village.c[name]), 0).label(name) for name in COUNTS]
    village_rows = select(
        *fixed,
        literal(UnitLevel.VILLAGE.value, String).label("unit_level"),
        per_village.c.village_id.label("unit_code"),
        per_village.c.commune_code,
        *[per_village.c[name] for name in COUNTS],
    ).where(per_village.c.village_id.is_not(None))
    commune_rows = select(
        *fixed,
        literal(UnitLevel.COMMUNE.value, String),
        per_village.c.commune_code,
        per_village.c.commune_code,
        *sums,
    ).group_by(per_village.c.commune_code)
    province_row = select(
        *fixed,
        literal(UnitLevel.PROVINCE.value, String),
        literal(province_code, Integer),
        cast(literal(None), Integer),
        *sums,
    )
    columns = ["day", "taken_at", "province_code", "unit_level", "unit_code", "commune_code"]
    session.execute(
        delete(IndicatorSnapshot).where(
            IndicatorSnapshot.province_code == province_code, IndicatorSnapshot.day == day
        )
    )
    session.execute(
        insert(IndicatorSnapshot).from_select(
            [*columns, *COUNTS], union_all(village_rows, commune_rows, province_row)
        )
    )
    rows = read_snapshot(session, province_code=province_code, day=day)
    levels = [row.unit_level for row in rows]
    snapshot = Snapshot(
        day=day,
        province=rows[-1],
        communes=levels.count(UnitLevel.COMMUNE),
        villages=levels.count(UnitLevel.VILLAGE),
    )
    audit.record(
        session,
        actor=actor,
        action="take_indicator_snapshot",
        purpose=Purpose.STATISTICS,
        detail=(
            f"tỉnh {province_code}, ngày {vn_date(day)}: {snapshot.communes} xã, "
            f"{snapshot.villages} thôn"
        ),
    )
    return snapshot


_LEVEL_ORDER = case(
    {UnitLevel.VILLAGE.value: 0, UnitLevel.COMMUNE.value: 1, UnitLevel.PROVINCE.value: 2},
    value=IndicatorSnapshot.unit_level,
)


def read_snapshot(
    session: Session, *, province_code: int, day: dt.date, level: UnitLevel | None = None
) -> list[IndicatorSnapshot]:
    """The province's rows of the day (of one level if given): villages, communes, then the
    province, each by commune and code."""
    query = select(IndicatorSnapshot).where(
        IndicatorSnapshot.province_code == province_code, IndicatorSnapshot.day == day
    )
    if level is not None:
        query = query.where(IndicatorSnapshot.unit_level == level.value)
    order = (_LEVEL_ORDER, IndicatorSnapshot.commune_code, IndicatorSnapshot.unit_code)
    return list(session.scalars(query.order_by(*order)))


def latest_day(session: Session, province_code: int) -> dt.date | None:
    """The last day a snapshot of the province was taken."""
    return session.scalar(
        select(func.max(IndicatorSnapshot.day)).where(
            IndicatorSnapshot.province_code == province_code
        )
    )
