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
  household alone) with at least one visit on or before the day.

A village row counts its residents and visits. A commune row is the sum of its villages plus
its residents without a village; the province row is the sum of its communes. A household
lives in one village, so summing villages' households counts each once.

One statement counts the province: the register, grouped by (commune, village), and the
visits, grouped the same way, are stacked with a zero row for every village and commune (so
units with nobody yet still get a row), summed per (commune, village), and that sum is
inserted three times over — village rows, commune rows, the province row.
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
    String,
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
from sokhoe.campaign.flags import (
    Facts,
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
)
_REGISTER_COUNTS = COUNTS[:6]
_VISIT_COUNTS = COUNTS[6:]


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


def vietnam_today() -> dt.date:
    """Today in Vietnam: the day a snapshot counts by default."""
    return to_vietnam_time(utcnow()).date()


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.sum(case((condition, 1), else_=0))


def _zeros(names: tuple[str, ...]) -> list[ColumnElement[int]]:
    return [cast(literal(0), Integer).label(name) for name in names]


def _stacked(province_code: int, day: dt.date) -> Subquery:
    """The parts stacked, not yet summed (see the module's doc)."""
    signed_in = signed_in_people().subquery("signed_in")
    listed = listed_people().distinct().subquery("listed")
    wallet = wallet_people().distinct().subquery("wallet")
    facts = Facts(
        signed_in=signed_in.c.person_id.is_not(None),
        card_listed=listed.c.person_id.is_not(None),
        in_wallet=wallet.c.person_id.is_not(None),
    )
    flags = person_flags(day, facts)
    communes = select(Commune.code).where(Commune.province_code == province_code)
    register = (
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
        )
        .select_from(Citizen)
        .outerjoin(signed_in, signed_in.c.person_id == Citizen.person_id)
        .outerjoin(listed, listed.c.person_id == Citizen.person_id)
        .outerjoin(wallet, wallet.c.person_id == Citizen.person_id)
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
    return union_all(register, visits, villages, bare_communes).subquery("stacked")


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
