"""Operations on the register. Aggregates are open to a unit's officers; anything naming a
person goes through :mod:`sokhoe.access.guard`, which checks scope and purpose and writes the
audit entry in the caller's transaction ("no audit, no answer")."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Integer, case, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from sokhoe.access import guard
from sokhoe.access.purposes import Purpose
from sokhoe.access.scope import Actor, guarded_ids
from sokhoe.registry.models import Citizen, Commune, Facility, Province, Village

CHILD_AGE = 14


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


@dataclass(frozen=True)
class Page:
    items: list[Resident]
    page: int
    page_size: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def _child_cutoff(today: dt.date) -> dt.date:
    return today.replace(year=today.year - CHILD_AGE)


def _figure_columns(today: dt.date) -> tuple[ColumnElement[int], ...]:
    child = case((Citizen.birth_date > _child_cutoff(today), 1), else_=0)
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


def commune_figures(session: Session, commune_code: int, today: dt.date) -> Figures:
    row = session.execute(
        select(*_figure_columns(today)).where(Citizen.commune_code == commune_code)
    ).one()
    return Figures(*map(int, row))


def province_figures(session: Session, province_code: int, today: dt.date) -> Figures:
    rows = communes_of_province(session, province_code, today)
    return Figures(
        population=sum(r.figures.population for r in rows),
        children=sum(r.figures.children for r in rows),
        level2=sum(r.figures.level2 for r in rows),
    )


def communes_of_province(session: Session, province_code: int, today: dt.date) -> list[UnitRow]:
    """Every commune of the province with its figures (communes without residents included)."""
    counts = (
        select(Citizen.commune_code, *_figure_columns(today))
        .group_by(Citizen.commune_code)
        .subquery()
    )
    query = (
        select(Commune.code, Commune.name, *list(counts.c)[1:])
        .outerjoin(counts, counts.c.commune_code == Commune.code)
        .where(Commune.province_code == province_code)
        .order_by(Commune.name)
    )
    return [
        UnitRow(code, name, Figures(*(int(v or 0) for v in values)))
        for code, name, *values in session.execute(query)
    ]


def villages_of_commune(session: Session, commune_code: int, today: dt.date) -> list[UnitRow]:
    counts = (
        select(Citizen.village_id, *_figure_columns(today))
        .where(Citizen.commune_code == commune_code)
        .group_by(Citizen.village_id)
        .subquery()
    )
    query = (
        select(Village.id, Village.name, *list(counts.c)[1:])
        .outerjoin(counts, counts.c.village_id == Village.id)
        .where(Village.commune_code == commune_code)
        .order_by(Village.name)
    )
    return [
        UnitRow(vid, name, Figures(*(int(v or 0) for v in values)))
        for vid, name, *values in session.execute(query)
    ]


def residents(
    session: Session,
    actor: Actor,
    *,
    commune_code: int,
    village_id: int | None = None,
    purpose: Purpose,
    page: int = 1,
    page_size: int = 50,
) -> Page:
    """A page of a commune's (or one village's) residents, ordered by village, household."""
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
        page=page,
    )
    where = [Citizen.commune_code == commune_code]
    if village_id is not None:
        where.append(Citizen.village_id == village_id)
    total = session.scalar(select(func.count()).select_from(Citizen).where(*where)) or 0
    query = (
        select(Citizen, Village.name)
        .outerjoin(Village, Village.id == Citizen.village_id)
        .where(*where)
        .order_by(Village.name, Citizen.household_id, Citizen.birth_date)
        .offset((page - 1) * page_size)
        .limit(page_size)
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
        )
        for c, village in session.execute(query)
    ]
    return Page(items=items, page=page, page_size=page_size, total=total)


def profile(session: Session, actor: Actor, *, person_id: str, purpose: Purpose) -> Citizen:
    """One person's register entry, if the actor may read it for ``purpose``.

    An unknown ID and a refused one look the same to the caller (:class:`AccessDenied`).
    """
    citizen = session.get(Citizen, person_id)
    if citizen is None:
        raise guard.AccessDenied()
    commune = session.get(Commune, citizen.commune_code)
    assert commune is not None  # enforced by the foreign key
    guard.authorize_person(
        session,
        actor,
        person_id=person_id,
        commune_code=citizen.commune_code,
        village_id=citizen.village_id,
        province_code=commune.province_code,
        guarded_ids=guarded_ids(session, actor),
        action="read_profile",
        purpose=purpose,
    )
    return citizen
