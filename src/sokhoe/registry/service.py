"""Operations on the register. Aggregates are open to a unit's officers; anything naming a
person goes through :mod:`sokhoe.access.guard`, which checks scope and purpose and writes the
audit entry in the caller's transaction ("no audit, no answer")."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, Row, Select, bindparam, case, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql import ColumnElement

from sokhoe.access import guard
from sokhoe.access.purposes import Purpose
from sokhoe.access.scope import Actor, guarded_ids
from sokhoe.registry.models import Citizen, Commune, Facility, Province, Village

CHILD_AGE = 14
#: Rows fetched per round trip when a whole province is streamed out.
EXPORT_BATCH = 10_000


@dataclass(frozen=True)
class Figures:
    """Head counts of a unit (a province, a commune or a village)."""

    population: int
    children: int
    level2: int

    @property
    def adults(self) -> int:
        return self.population - self.children

    @property
    def level2_share(self) -> float:
        return self.level2 / self.adults if self.adults else 0.0


@dataclass(frozen=True)
class UnitRow:
    code: int
    name: str
    figures: Figures


@dataclass(frozen=True)
class Resident:
    """A line of a unit's resident list: what an officer needs, phone masked."""

    person_id: str
    full_name: str
    birth_date: dt.date | None
    birth_precision: str
    sex: str | None
    village: str | None
    household_id: str | None
    phone_masked: str | None
    level2_eid: bool
    #: Under 14: not yet eligible for a level-2 e-ID; a parent's account manages the book.
    child: bool


def child_cutoff(today: dt.date) -> dt.date:
    return today.replace(year=today.year - CHILD_AGE)


def is_child(birth_date: dt.date | None, cutoff: dt.date) -> bool:
    return birth_date is not None and birth_date > cutoff


def natural_key(name: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key putting "Thôn 2" before "Thôn 10"."""
    return tuple(
        (0, int(part)) if part.isdigit() else (1, part.casefold())
        for part in re.split(r"(\d+)", name)
        if part
    )


def _figure_columns(today: dt.date) -> tuple[ColumnElement[int], ...]:
    child = case((Citizen.birth_date > child_cutoff(today), 1), else_=0)
    return (
        func.count(),
        func.coalesce(func.sum(child), 0),
        func.coalesce(func.sum(func.cast(Citizen.level2_eid, Integer)), 0),
    )


def mask_phone(phone: str | None) -> str | None:
    """``0905123456`` → ``090****456``: enough to recognise, not enough to call."""
    if not phone:
        return None
    return phone[:3] + "*" * max(len(phone) - 6, 0) + phone[-3:]


def get_commune(session: Session, code: int) -> Commune | None:
    return session.get(Commune, code)


def get_province(session: Session, code: int) -> Province | None:
    return session.get(Province, code)


def get_facility(session: Session, code: str) -> Facility | None:
    return session.get(Facility, code)


#: Built once: it runs for every batch a hospital sends.
_REGISTERED = select(Citizen.person_id).where(
    Citizen.person_id.in_(bindparam("person_ids", expanding=True))
)


def registered_person_ids(session: Session, person_ids: Collection[str]) -> set[str]:
    """Those of ``person_ids`` the register holds: one query for a whole batch (a hospital
    file's patients), reading no personal data but the IDs asked about."""
    if not person_ids:
        return set()
    return set(session.connection().scalars(_REGISTERED, {"person_ids": list(person_ids)}))


def known_facility_codes(session: Session, codes: Collection[str]) -> set[str]:
    """Those of ``codes`` that name a facility of the register."""
    if not codes:
        return set()
    return set(session.scalars(select(Facility.code).where(Facility.code.in_(list(codes)))))


def commune_names(session: Session, province_code: int) -> dict[int, str]:
    return dict(
        session.execute(
            select(Commune.code, Commune.name).where(Commune.province_code == province_code)
        ).all()
    )


def facilities_of_province(province_code: int) -> Select[str]:
    """The codes of a province's facilities, as a statement for another context's ``IN``."""
    return (
        select(Facility.code)
        .join(Commune, Commune.code == Facility.commune_code)
        .where(Commune.province_code == province_code)
    )


def facility_province(session: Session, facility_code: str) -> int | None:
    """The province of a facility the register knows."""
    return session.scalar(
        select(Commune.province_code)
        .join(Facility, Facility.commune_code == Commune.code)
        .where(Facility.code == facility_code)
    )


def provinces_of_communes(session: Session, codes: Iterable[int]) -> dict[int, int]:
    """Commune code → province code, for the codes the register knows."""
    return dict(
        session.execute(
            select(Commune.code, Commune.province_code).where(Commune.code.in_(list(codes)))
        ).all()
    )


def commune_figures(session: Session, commune_code: int, today: dt.date) -> Figures:
    row = session.execute(
        select(*_figure_columns(today)).where(Citizen.commune_code == commune_code)
    ).one()
    return Figures(*map(int, row))


def sum_figures(rows: Sequence[UnitRow]) -> Figures:
    """The figures of a whole made of ``rows`` (a province from its communes)."""
    return Figures(
        population=sum(r.figures.population for r in rows),
        children=sum(r.figures.children for r in rows),
        level2=sum(r.figures.level2 for r in rows),
    )


def _unit_rows(
    session: Session,
    today: dt.date,
    *,
    unit_id: InstrumentedAttribute[int],
    unit_name: InstrumentedAttribute[str],
    unit_where: ColumnElement[bool],
    citizen_unit: InstrumentedAttribute[int] | InstrumentedAttribute[int | None],
    citizen_where: ColumnElement[bool],
) -> list[UnitRow]:
    """Every unit matching ``unit_where`` with the figures of its residents (empty units
    included), naturally sorted by name."""
    counts = (
        select(citizen_unit.label("unit"), *_figure_columns(today))
        .where(citizen_where)
        .group_by(citizen_unit)
        .subquery()
    )
    query = (
        select(unit_id, unit_name, *list(counts.c)[1:])
        .outerjoin(counts, counts.c.unit == unit_id)
        .where(unit_where)
    )
    rows = [
        UnitRow(code, name, Figures(*(int(v or 0) for v in values)))
        for code, name, *values in session.execute(query)
    ]
    return sorted(rows, key=lambda row: natural_key(row.name))


def communes_of_province(session: Session, province_code: int, today: dt.date) -> list[UnitRow]:
    communes = select(Commune.code).where(Commune.province_code == province_code)
    return _unit_rows(
        session,
        today,
        unit_id=Commune.code,
        unit_name=Commune.name,
        unit_where=Commune.province_code == province_code,
        citizen_unit=Citizen.commune_code,
        citizen_where=Citizen.commune_code.in_(communes),
    )


def villages_of_commune(session: Session, commune_code: int, today: dt.date) -> list[UnitRow]:
    return _unit_rows(
        session,
        today,
        unit_id=Village.id,
        unit_name=Village.name,
        unit_where=Village.commune_code == commune_code,
        citizen_unit=Citizen.village_id,
        citizen_where=Citizen.commune_code == commune_code,
    )


def residents(
    session: Session,
    actor: Actor,
    *,
    commune_code: int,
    village_id: int | None = None,
    without_level2: bool = False,
    purpose: Purpose,
    offset: int = 0,
    limit: int = 50,
    today: dt.date | None = None,
) -> tuple[list[Resident], int]:
    """One slice of a commune's (or village's) residents and their total, ordered by village
    and household; ``without_level2`` keeps the adults who still lack a level-2 e-ID."""
    if village_id is not None:
        # The village's own commune is what is authorised: asking for another commune's
        # village under one's own commune is a refusal, not an empty list.
        village = session.get(Village, village_id)
        if village is None:
            raise guard.AccessDenied()
        commune_code = village.commune_code
    commune = session.get(Commune, commune_code)
    if commune is None:
        raise guard.AccessDenied()
    guard.authorize_unit(
        session,
        actor,
        commune_code=commune_code,
        province_code=commune.province_code,
        village_id=village_id,
        action="list_residents",
        purpose=purpose,
        page=offset // limit + 1,
    )
    cutoff = child_cutoff(today or dt.date.today())
    where = [Citizen.commune_code == commune_code]
    if village_id is not None:
        where.append(Citizen.village_id == village_id)
    if without_level2:
        where += [Citizen.level2_eid.is_(False), Citizen.birth_date <= cutoff]
    total = session.scalar(select(func.count()).select_from(Citizen).where(*where)) or 0
    query = (
        select(Citizen, Village.name)
        .outerjoin(Village, Village.id == Citizen.village_id)
        .where(*where)
        .order_by(Village.name, Citizen.household_id, Citizen.birth_date)
        .offset(offset)
        .limit(limit)
    )
    items = [
        Resident(
            person_id=c.person_id,
            full_name=c.full_name,
            birth_date=c.birth_date,
            birth_precision=c.birth_precision,
            sex=c.sex,
            village=village,
            household_id=c.household_id,
            phone_masked=mask_phone(c.phone),
            level2_eid=c.level2_eid,
            child=is_child(c.birth_date, cutoff),
        )
        for c, village in session.execute(query)
    ]
    return items, total


def authorize_person_read(
    session: Session,
    actor: Actor,
    *,
    person_id: str,
    purpose: Purpose,
    action: str,
    guardians_of_children_on: dt.date | None = None,
) -> Citizen:
    """Locate a person and pass the guard (audited) before any of their data is read.

    Other contexts call this before reading what they hold on a person (cards, visits).
    An unknown ID and a refused one look the same to the caller (:class:`AccessDenied`).
    With ``guardians_of_children_on``, a guardian passes only while the person is a child
    under 14 on that day (R5: a ward who has turned 14 manages his own wallet).
    """
    citizen = session.get(Citizen, person_id)
    if citizen is None:
        raise guard.AccessDenied()
    commune = session.get(Commune, citizen.commune_code)
    assert commune is not None  # enforced by the foreign key
    wards = guarded_ids(session, actor)
    if guardians_of_children_on is not None and not is_child(
        citizen.birth_date, child_cutoff(guardians_of_children_on)
    ):
        wards = frozenset()
    guard.authorize_person(
        session,
        actor,
        person_id=person_id,
        commune_code=citizen.commune_code,
        village_id=citizen.village_id,
        province_code=commune.province_code,
        guarded_ids=wards,
        action=action,
        purpose=purpose,
    )
    return citizen


def profile(session: Session, actor: Actor, *, person_id: str, purpose: Purpose) -> Citizen:
    """One person's register entry, if the actor may read it for ``purpose``."""
    return authorize_person_read(
        session, actor, person_id=person_id, purpose=purpose, action="read_profile"
    )


def village_name(session: Session, village_id: int | None) -> str | None:
    village = session.get(Village, village_id) if village_id is not None else None
    return village.name if village else None


def wards(session: Session, actor: Actor) -> list[Citizen]:
    """The children a citizen manages (R5), each read audited with purpose "guardian"."""
    return [
        profile(session, actor, person_id=child_id, purpose=Purpose.GUARDIAN)
        for child_id in sorted(guarded_ids(session, actor))
    ]


def province_register(
    session: Session, actor: Actor, *, province_code: int, purpose: Purpose
) -> Iterator[Row[Any]]:
    """Every resident of a province, streamed in batches, for a bulk cross-check
    (reconciliation): person ID, name, birth date and its precision, sex, commune, village
    name, level-2 e-ID.

    One audited read for the whole list, decided before this returns; the rows are read
    only when iterated, so the caller may commit the audit entry first.
    """
    guard.authorize_province(
        session,
        actor,
        province_code=province_code,
        action="export_register",
        purpose=purpose,
        detail="sổ đăng ký dân cư",
    )
    communes = select(Commune.code).where(Commune.province_code == province_code)
    query = (
        select(
            Citizen.person_id,
            Citizen.full_name,
            Citizen.birth_date,
            Citizen.birth_precision,
            Citizen.sex,
            Citizen.commune_code,
            Village.name.label("village"),
            Citizen.level2_eid,
        )
        .outerjoin(Village, Village.id == Citizen.village_id)
        .where(Citizen.commune_code.in_(communes))
        .order_by(Citizen.person_id)
    )
    return stream(session, query)


def stream(session: Session, query: Select[*tuple[Any, ...]]) -> Iterator[Row[Any]]:
    """The rows of ``query`` fetched :data:`EXPORT_BATCH` at a time (a server-side cursor
    on PostgreSQL), never the whole result in memory."""
    yield from session.execute(query.execution_options(yield_per=EXPORT_BATCH))
