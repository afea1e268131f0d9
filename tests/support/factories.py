"""Small builders for tests: a commune with villages and residents, and actors of any role."""

from __future__ import annotations

import datetime as dt
from itertools import count

from sqlalchemy.orm import Session

from sokhoe.access.roles import Role
from sokhoe.access.scope import Actor
from sokhoe.registry.models import Citizen, GuardianLink, Village
from sokhoe.registry.units import ensure_province

NHA_TRANG = 22366
BAC_NHA_TRANG = 22333
KHANH_HOA = 56

_serials = count(1)


def add_village(session: Session, commune_code: int, name: str) -> Village:
    ensure_province(session, KHANH_HOA)
    village = Village(commune_code=commune_code, name=name)
    session.add(village)
    session.flush()
    return village


def add_citizen(
    session: Session,
    village: Village,
    *,
    full_name: str = "Nguyễn Văn An",
    born: dt.date = dt.date(1985, 3, 9),
    sex: str = "M",
    level2: bool = True,
    phone: str | None = "0905123456",
) -> Citizen:
    g = (born.year - 1900) // 100 * 2 + (1 if sex == "F" else 0)
    person_id = f"056{g}{born.year % 100:02d}{next(_serials):06d}"
    citizen = Citizen(
        person_id=person_id,
        full_name=full_name,
        birth_date=born,
        birth_precision="day",
        sex=sex,
        commune_code=village.commune_code,
        village_id=village.id,
        household_id=f"H{village.id}",
        phone=phone,
        level2_eid=level2,
    )
    session.add(citizen)
    session.flush()
    return citizen


def add_guardian(session: Session, child: Citizen, guardian: Citizen, relation: str) -> None:
    session.add(
        GuardianLink(child_id=child.person_id, guardian_id=guardian.person_id, relation=relation)
    )
    session.flush()


def actor(
    role: Role,
    *,
    province_code: int | None = None,
    commune_code: int | None = None,
    facility_code: str | None = None,
    person_id: str | None = None,
    village_ids: frozenset[int] = frozenset(),
) -> Actor:
    """An actor as the web layer would build it, without an account row (user id 0)."""
    return Actor(
        user_id=0,
        username=f"test-{role}",
        display_name=f"Test {role}",
        role=role,
        province_code=province_code,
        commune_code=commune_code,
        facility_code=facility_code,
        person_id=person_id,
        village_ids=village_ids,
        remote_addr="127.0.0.1",
    )
