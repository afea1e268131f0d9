"""Accounts are created only with a consistent scope; browser sessions start, expire, end."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from sokhoe.access import service
from sokhoe.access.clock import as_utc, utcnow
from sokhoe.access.models import UserVillage, WebSession
from sokhoe.access.roles import Role
from sokhoe.access.service import InvalidUser
from tests.access.conftest import (
    BAC_NHA_TRANG,
    HAI_PHONG,
    KHANH_HOA,
    NHA_TRANG,
    PASSWORD,
    THUY_NGUYEN,
    Place,
)


def _create(session: Session, role: Role, username: str = "tai.khoan", **scope: Any) -> Any:
    return service.create_user(
        session, username=username, password=PASSWORD, role=role, display_name="Tên", **scope
    )


def test_the_province_of_a_unit_is_filled_in(session: Session, place: Place) -> None:
    officer = _create(session, Role.COMMUNE_OFFICER, "can.bo.xa", commune_code=NHA_TRANG)
    nurse = _create(session, Role.CLINIC_STAFF, "tram", facility_code=place.station)
    member = _create(
        session,
        Role.GUIDANCE_MEMBER,
        "thon",
        commune_code=NHA_TRANG,
        province_code=KHANH_HOA,
        village_ids=[place.to_1, place.to_2],
    )
    assert (officer.province_code, officer.commune_code) == (KHANH_HOA, NHA_TRANG)
    assert (nurse.province_code, nurse.commune_code) == (KHANH_HOA, None)
    villages = session.scalars(
        select(UserVillage.village_id).where(UserVillage.user_id == member.id)
    )
    assert set(villages) == {place.to_1, place.to_2}


#: (role, scope fields given, what the refusal says). Checked in one test: each case only
#: reads, so one database per backend serves them all.
_REFUSED_SCOPES: list[tuple[Role, dict[str, Any], str]] = [
    (Role.CITIZEN, {}, "mã định danh"),
    (Role.CITIZEN, {"person_id": "056099999999"}, "Không có công dân"),
    (Role.CLINIC_STAFF, {"facility_code": "99999"}, "Không có cơ sở y tế"),
    (Role.BHXH_OFFICER, {}, "cần mã tỉnh"),
    (Role.HEALTH_DEPARTMENT, {"province_code": 57}, "Không có tỉnh"),
    (Role.COMMUNE_OFFICER, {"province_code": KHANH_HOA}, "cần mã xã"),
    (Role.COMMUNE_OFFICER, {"commune_code": 1}, "Không có xã"),
    (
        Role.COMMUNE_OFFICER,
        {"commune_code": THUY_NGUYEN, "province_code": KHANH_HOA},
        "không thuộc tỉnh",
    ),
    (Role.POLICE_OFFICER, {}, "cần mã tỉnh"),
    (Role.GUIDANCE_MEMBER, {"commune_code": NHA_TRANG}, "ít nhất một thôn"),
    (Role.ADMIN, {"province_code": KHANH_HOA}, "không gắn với: tỉnh/thành phố"),
    (
        Role.CITIZEN,
        {"person_id": "056090000001", "commune_code": NHA_TRANG},
        "không gắn với: xã/phường",
    ),
]


def test_a_role_without_its_scope_or_with_a_foreign_one_is_refused(
    session: Session, place: Place
) -> None:
    for role, scope, message in _REFUSED_SCOPES:
        with pytest.raises(InvalidUser, match=message):
            _create(session, role, **scope)
    assert service.count_users(session) == 0


def test_guidance_villages_must_belong_to_her_commune(session: Session, place: Place) -> None:
    with pytest.raises(InvalidUser, match=f"{place.to_9} không thuộc xã/phường mã {NHA_TRANG}"):
        _create(
            session,
            Role.GUIDANCE_MEMBER,
            commune_code=NHA_TRANG,
            village_ids=[place.to_1, place.to_9],
        )
    assert (
        _create(
            session, Role.GUIDANCE_MEMBER, commune_code=BAC_NHA_TRANG, village_ids=[place.to_9]
        ).commune_code
        == BAC_NHA_TRANG
    )


def test_usernames_are_unique_whatever_their_case(session: Session, place: Place) -> None:
    _create(session, Role.ADMIN, "Quan.Tri")
    with pytest.raises(InvalidUser, match="đã được dùng"):
        _create(session, Role.ADMIN, "quan.tri")
    assert service.get_by_username(session, " QUAN.TRI ") is not None


def test_one_account_per_citizen(session: Session, place: Place) -> None:
    _create(session, Role.CITIZEN, "binh", person_id=place.parent)
    with pytest.raises(InvalidUser, match="đã có tài khoản"):
        _create(session, Role.CITIZEN, "binh.2", person_id=place.parent)


def test_weak_or_malformed_input_is_refused(session: Session, place: Place) -> None:
    with pytest.raises(InvalidUser, match="ít nhất 8"):
        service.create_user(
            session, username="ngan", password="1234567", role=Role.ADMIN, display_name="A"
        )
    with pytest.raises(InvalidUser, match="Tên đăng nhập"):
        _create(session, Role.ADMIN, "có dấu")
    with pytest.raises(InvalidUser, match="Vai trò không hợp lệ"):
        _create(session, "superuser")  # type: ignore[arg-type]


def test_an_account_without_password_is_for_external_identity(
    session: Session, place: Place
) -> None:
    user = service.create_user(
        session,
        username="vneid.binh",
        password=None,
        role=Role.CITIZEN,
        display_name="Bình",
        person_id=place.parent,
    )
    assert user.password_hash is None


def test_provincial_police_and_a_hai_phong_officer(session: Session, place: Place) -> None:
    police = _create(session, Role.POLICE_OFFICER, "ca.tinh", province_code=KHANH_HOA)
    assert (police.province_code, police.commune_code) == (KHANH_HOA, None)
    officer = _create(session, Role.COMMUNE_OFFICER, "xa.hp", commune_code=THUY_NGUYEN)
    assert officer.province_code == HAI_PHONG


def test_users_are_listed_by_username_page_by_page(session: Session, place: Place) -> None:
    for name in ("c.c.c", "a.a.a", "b.b.b"):
        _create(session, Role.ADMIN, name)
    page = service.list_users(session, offset=1, limit=1)
    assert [u.username for u in page] == ["b.b.b"]
    assert service.count_users(session) == 3
    assert service.get(session, page[0].id) is page[0]


def test_a_session_resolves_until_it_ends(session: Session, place: Place) -> None:
    user = _create(session, Role.ADMIN)
    token, csrf = service.start_session(session, user)
    assert token != csrf and len(token) >= 43
    stored = session.scalars(select(WebSession)).one()
    assert token not in (stored.token_hash, stored.csrf_token)
    resolved = service.resolve_session(session, token)
    assert resolved is not None and resolved.id == user.id and resolved.csrf_token == csrf
    lifetime = as_utc(stored.expires_at) - as_utc(stored.created_at)
    assert lifetime == dt.timedelta(hours=8)
    assert service.resolve_session(session, token + "x") is None
    service.end_session(session, token)
    assert service.resolve_session(session, token) is None


def test_an_expired_session_is_refused_and_removed(session: Session, place: Place) -> None:
    user = _create(session, Role.ADMIN)
    token, _ = service.start_session(session, user)
    session.scalars(select(WebSession)).one().expires_at = utcnow() - dt.timedelta(seconds=1)
    session.commit()
    assert service.resolve_session(session, token) is None
    assert session.scalars(select(WebSession)).first() is None


def test_a_deactivated_account_loses_its_sessions(session: Session, place: Place) -> None:
    user = _create(session, Role.ADMIN)
    token, _ = service.start_session(session, user)
    user.active = False
    assert service.resolve_session(session, token) is None
