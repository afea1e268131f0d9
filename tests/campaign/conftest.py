"""A commune in a campaign: Nha Trang (22366) with villages Tổ 1 and Tổ 2, Bắc Nha Trang
(22333) with Tổ 9; Khánh Hòa's 2026 campaign active; a commune officer of each commune, a
guidance member in Tổ 1 ("member") and one of Bắc Nha Trang in Tổ 9 ("stranger").
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from argon2 import PasswordHasher
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from sokhoe.access import passwords
from sokhoe.access.models import User
from sokhoe.access.roles import Role
from sokhoe.access.scope import Actor, actor_for
from sokhoe.access.service import create_user
from sokhoe.campaign import plans
from sokhoe.registry.models import Village
from tests.support.factories import BAC_NHA_TRANG, KHANH_HOA, NHA_TRANG, add_village


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    monkeypatch.setattr(passwords, "HASHER", cheap)
    monkeypatch.setattr(passwords, "DUMMY_HASH", cheap.hash("dummy"))


@dataclass(frozen=True)
class Field:
    to_1: Village
    to_2: Village
    to_9: Village
    campaign_id: int
    officer: Actor
    other_officer: Actor
    member: Actor
    stranger: Actor


def account(session: Session, username: str, role: Role, **scope: object) -> Actor:
    user = create_user(
        session,
        username=username,
        password="mật khẩu đủ dài",
        role=role,
        display_name=username,
        **scope,  # type: ignore[arg-type]
    )
    return actor_for(session, user, "203.0.113.7")


def refreshed(session: Session, actor: Actor) -> Actor:
    """The actor as her next request sees it (villages re-read)."""
    user = session.get(User, actor.user_id)
    assert user is not None
    return actor_for(session, user, actor.remote_addr)


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        yield session


@pytest.fixture
def field(session: Session) -> Field:
    to_1 = add_village(session, NHA_TRANG, "Tổ 1")
    to_2 = add_village(session, NHA_TRANG, "Tổ 2")
    to_9 = add_village(session, BAC_NHA_TRANG, "Tổ 9")
    campaign = plans.create_peak_campaign(session, province_code=KHANH_HOA, year=2026)
    result = Field(
        to_1=to_1,
        to_2=to_2,
        to_9=to_9,
        campaign_id=campaign.id,
        officer=account(session, "canbo", Role.COMMUNE_OFFICER, commune_code=NHA_TRANG),
        other_officer=account(session, "canbo2", Role.COMMUNE_OFFICER, commune_code=BAC_NHA_TRANG),
        member=account(
            session,
            "thanhvien",
            Role.GUIDANCE_MEMBER,
            commune_code=NHA_TRANG,
            village_ids=[to_1.id],
        ),
        stranger=account(
            session,
            "nguoila",
            Role.GUIDANCE_MEMBER,
            commune_code=BAC_NHA_TRANG,
            village_ids=[to_9.id],
        ),
    )
    session.commit()
    return result
