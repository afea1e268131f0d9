"""Accounts and browser sessions. Functions flush and never commit: the caller owns the unit
of work.

An account's scope is validated when it is created, against the register's units (does the
commune belong to the province, the villages to the commune?), so that the access checks
can trust the columns they compare.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from sokhoe.access.clock import as_utc, utcnow
from sokhoe.access.models import User, UserVillage, WebSession
from sokhoe.access.passwords import hash_password
from sokhoe.access.roles import ROLE_LABELS, ROLE_SCOPE, SCOPE_FIELDS, Role, ScopeKind
from sokhoe.config import get_settings
from sokhoe.registry.models import Citizen, Commune, Facility, Province, Village

_USERNAME = re.compile(r"[a-z0-9][a-z0-9._@-]{2,63}")
_PASSWORD_MIN_LENGTH = 8
_FIELD_LABELS = {
    "province_code": "tỉnh/thành phố",
    "commune_code": "xã/phường",
    "facility_code": "cơ sở y tế",
    "person_id": "mã định danh cá nhân",
    "village_ids": "thôn, tổ dân phố",
}


class InvalidUser(ValueError):
    """An account that cannot be created as asked; the message, in Vietnamese, says why."""


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise InvalidUser(message)


def normalize_username(username: str) -> str:
    """Usernames compare case-insensitively: ``Lan.NT`` and ``lan.nt`` are one account."""
    return username.strip().lower()


def get(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def get_by_username(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == normalize_username(username)))


def list_users(session: Session, *, offset: int, limit: int) -> list[User]:
    """One page of accounts, ordered by username."""
    return list(session.scalars(select(User).order_by(User.username).offset(offset).limit(limit)))


def count_users(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(User)) or 0


@dataclass(frozen=True)
class _AskedScope:
    province_code: int | None
    commune_code: int | None
    facility_code: str | None
    person_id: str | None
    village_ids: frozenset[int]

    def given(self) -> set[str]:
        return {name for name, value in vars(self).items() if value}


def _province_of_commune(session: Session, commune_code: int) -> int:
    province = session.scalar(select(Commune.province_code).where(Commune.code == commune_code))
    if province is None:
        raise InvalidUser(f"Không có xã/phường mã {commune_code}.")
    return province


def _matching_province(asked: _AskedScope, actual: int) -> int:
    """The unit's province; a province given alongside the unit must be that one."""
    _require(
        asked.province_code in (None, actual),
        f"Đơn vị không thuộc tỉnh/thành phố mã {asked.province_code}.",
    )
    return actual


def _existing_province(session: Session, province_code: int | None) -> int:
    _require(province_code is not None, "Vai trò này cần mã tỉnh/thành phố.")
    assert province_code is not None
    _require(
        session.get(Province, province_code) is not None,
        f"Không có tỉnh/thành phố mã {province_code}.",
    )
    return province_code


def _check_citizen(session: Session, person_id: str | None) -> None:
    _require(person_id is not None, "Tài khoản công dân cần mã định danh cá nhân.")
    _require(
        session.get(Citizen, person_id) is not None,
        "Không có công dân với mã định danh này trong sổ đăng ký.",
    )
    _require(
        session.scalar(select(User.id).where(User.person_id == person_id)) is None,
        "Công dân này đã có tài khoản.",
    )


def _facility_province(session: Session, asked: _AskedScope) -> int:
    _require(asked.facility_code is not None, "Tài khoản cơ sở y tế cần mã cơ sở (MA_CSKCB).")
    facility = session.get(Facility, asked.facility_code)
    if facility is None:
        raise InvalidUser(f"Không có cơ sở y tế mã {asked.facility_code}.")
    return _matching_province(asked, _province_of_commune(session, facility.commune_code))


def _commune_scope(session: Session, kind: ScopeKind, asked: _AskedScope) -> tuple[int, int]:
    """``(province, commune)`` of a commune-bound account, its villages checked."""
    commune = asked.commune_code
    _require(commune is not None, "Vai trò này cần mã xã/phường.")
    assert commune is not None
    province = _matching_province(asked, _province_of_commune(session, commune))
    if kind is ScopeKind.VILLAGES:
        _require(bool(asked.village_ids), "Thành viên tổ hướng dẫn cần ít nhất một thôn, tổ.")
        inside = set(
            session.scalars(
                select(Village.id).where(
                    Village.id.in_(asked.village_ids), Village.commune_code == commune
                )
            )
        )
        outside = ", ".join(str(v) for v in sorted(asked.village_ids - inside))
        _require(not outside, f"Thôn, tổ mã {outside} không thuộc xã/phường mã {commune}.")
    return province, commune


def _resolve_scope(
    session: Session, role: Role, asked: _AskedScope
) -> tuple[int | None, int | None]:
    """Check the scope ``role`` needs; return the ``(province, commune)`` to store.

    A field the role does not use must be empty, so that no account carries a scope it could
    later be mistaken to have.
    """
    kind = ROLE_SCOPE[role]
    extra = ", ".join(_FIELD_LABELS[f] for f in sorted(asked.given() - SCOPE_FIELDS[kind]))
    _require(not extra, f"Vai trò {ROLE_LABELS[role]} không gắn với: {extra}.")
    if kind is ScopeKind.NONE:
        return None, None
    if kind is ScopeKind.PERSON:
        _check_citizen(session, asked.person_id)
        return None, None
    if kind is ScopeKind.FACILITY:
        return _facility_province(session, asked), None
    if kind is ScopeKind.PROVINCE or (
        kind is ScopeKind.COMMUNE_OR_PROVINCE and asked.commune_code is None
    ):
        return _existing_province(session, asked.province_code), None
    return _commune_scope(session, kind, asked)


def create_user(
    session: Session,
    *,
    username: str,
    password: str | None,
    role: Role,
    display_name: str,
    province_code: int | None = None,
    commune_code: int | None = None,
    facility_code: str | None = None,
    person_id: str | None = None,
    village_ids: Iterable[int] = (),
) -> User:
    """A new account with its scope checked. ``password`` ``None``: the account signs in
    only through an external identity (the national e-ID, later).

    The province of a facility, commune or village account is filled in from the unit.
    Raises :class:`InvalidUser` with a Vietnamese message.
    """
    _require(role in set(Role), f"Vai trò không hợp lệ: {role}.")
    role = Role(role)
    name = normalize_username(username)
    _require(
        _USERNAME.fullmatch(name) is not None,
        "Tên đăng nhập gồm 3–64 ký tự: chữ không dấu, chữ số, dấu chấm, gạch, @.",
    )
    _require(get_by_username(session, name) is None, "Tên đăng nhập đã được dùng.")
    _require(0 < len(display_name.strip()) <= 120, "Họ tên hiển thị cần 1–120 ký tự.")
    _require(
        password is None or len(password) >= _PASSWORD_MIN_LENGTH,
        f"Mật khẩu cần ít nhất {_PASSWORD_MIN_LENGTH} ký tự.",
    )
    asked = _AskedScope(
        province_code, commune_code, facility_code, person_id, frozenset(village_ids)
    )
    province, commune = _resolve_scope(session, role, asked)
    user = User(
        username=name,
        display_name=display_name.strip(),
        password_hash=hash_password(password) if password is not None else None,
        role=role.value,
        province_code=province,
        commune_code=commune,
        facility_code=facility_code,
        person_id=person_id,
        active=True,
        failed_logins=0,
    )
    session.add(user)
    session.flush()
    session.add_all(UserVillage(user_id=user.id, village_id=v) for v in sorted(asked.village_ids))
    session.flush()
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def start_session(session: Session, user: User) -> tuple[str, str]:
    """A new signed-in browser: ``(token, csrf)``. The token goes into the cookie; only its
    SHA-256 is stored, so a copy of the database does not let anyone sign in."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        WebSession(
            token_hash=_token_hash(token),
            user_id=user.id,
            csrf_token=csrf,
            created_at=now,
            expires_at=now + dt.timedelta(hours=get_settings().session_hours),
        )
    )
    session.flush()
    return token, csrf


@dataclass(frozen=True, slots=True)
class SessionAccount:
    """The account behind a session cookie, with what every request needs of it: the
    columns, not the ORM entities (loading a whole account and session was a sixth of a
    card check's CPU)."""

    id: int
    username: str
    display_name: str
    role: str
    province_code: int | None
    commune_code: int | None
    facility_code: str | None
    person_id: str | None
    csrf_token: str


_SESSION_ACCOUNT = select(
    User.id,
    User.username,
    User.display_name,
    User.role,
    User.province_code,
    User.commune_code,
    User.facility_code,
    User.person_id,
    WebSession.csrf_token,
    WebSession.expires_at,
    User.active,
).join(User, User.id == WebSession.user_id)


def resolve_session(session: Session, token: str) -> SessionAccount | None:
    """The account behind a cookie's token, or ``None`` if unknown, expired (then deleted)
    or the account is no longer active."""
    token_hash = _token_hash(token)
    session.flush()  # read on the connection itself, past the ORM: changes must be there
    found = (
        session.connection()
        .execute(_SESSION_ACCOUNT.where(WebSession.token_hash == token_hash))
        .first()
    )
    if found is None:
        return None
    *account, expires_at, active = found
    if as_utc(expires_at) <= utcnow() or not active:
        session.execute(delete(WebSession).where(WebSession.token_hash == token_hash))
        return None
    return SessionAccount(*account)


def end_session(session: Session, token: str) -> None:
    """Sign out: forget the session (nothing happens for an unknown token)."""
    web_session = session.get(WebSession, _token_hash(token))
    if web_session is not None:
        session.delete(web_session)
        session.flush()
