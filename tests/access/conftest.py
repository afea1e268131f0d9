"""A small place to test access in: Khánh Hòa, two of its communes, three villages, a family.

Nha Trang (22366): villages "Tổ 1" and "Tổ 2"; the parent and his child live in Tổ 1, the
neighbour in Tổ 2. Bắc Nha Trang (22333): village "Tổ 9" and the stranger. A commune health
station in Nha Trang. Hải Phòng (31) is loaded too, to have a commune of another province.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from sokhoe.access import passwords
from sokhoe.access.scope import Actor, actor_for
from sokhoe.access.service import create_user
from sokhoe.registry.models import Citizen, Facility, GuardianLink, Village
from sokhoe.registry.units import ensure_province

KHANH_HOA, NHA_TRANG, BAC_NHA_TRANG = 56, 22366, 22333
HAI_PHONG, THUY_NGUYEN = 31, 11560
PASSWORD = "mật khẩu đủ dài"


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> PasswordHasher:
    """Argon2id with minimal cost: the tests check the logic, not the work factor."""
    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    monkeypatch.setattr(passwords, "HASHER", cheap)
    monkeypatch.setattr(passwords, "DUMMY_HASH", cheap.hash("dummy"))
    return cheap


@dataclass(frozen=True)
class Place:
    to_1: int
    to_2: int
    to_9: int
    parent: str = "056090000001"
    child: str = "056220000002"
    neighbour: str = "056085000003"
    stranger: str = "056170000004"
    station: str = "56001"


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        yield session


@pytest.fixture
def place(session: Session) -> Place:
    ensure_province(session, KHANH_HOA)
    ensure_province(session, HAI_PHONG)
    villages = [
        Village(commune_code=NHA_TRANG, name="Tổ 1"),
        Village(commune_code=NHA_TRANG, name="Tổ 2"),
        Village(commune_code=BAC_NHA_TRANG, name="Tổ 9"),
    ]
    session.add_all(villages)
    session.flush()
    to_1, to_2, to_9 = (v.id for v in villages)
    result = Place(to_1=to_1, to_2=to_2, to_9=to_9)
    residents = [
        (result.parent, "Trần Văn Bình", NHA_TRANG, to_1),
        (result.child, "Trần Thị Cúc", NHA_TRANG, to_1),
        (result.neighbour, "Lê Văn Dũng", NHA_TRANG, to_2),
        (result.stranger, "Phạm Thị Em", BAC_NHA_TRANG, to_9),
    ]
    session.add_all(
        Citizen(person_id=pid, full_name=name, commune_code=commune, village_id=village)
        for pid, name, commune, village in residents
    )
    session.flush()
    session.add(GuardianLink(child_id=result.child, guardian_id=result.parent, relation="cha"))
    session.add(
        Facility(
            code=result.station,
            name="Trạm Y tế Nha Trang",
            commune_code=NHA_TRANG,
            kind="tram_y_te",
        )
    )
    session.commit()
    return result


def make_actor(session: Session, username: str, **fields: Any) -> Actor:
    """Create an account (password :data:`PASSWORD`) and return it as a signed-in actor."""
    user = create_user(
        session, username=username, password=PASSWORD, display_name=username, **fields
    )
    return actor_for(session, user, "203.0.113.7")
