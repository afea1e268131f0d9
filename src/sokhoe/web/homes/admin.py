"""The administrator's home: the accounts with their role and scope, and the audit chain's head.

The administrator manages accounts and watches the audit chain; this page shows no personal
data (a citizen account's scope is "own book", never the person's ID).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy.orm import Session
from starlette.requests import Request

from sokhoe.access import audit
from sokhoe.access import service as access_service
from sokhoe.access.clock import as_utc, utcnow
from sokhoe.access.models import User
from sokhoe.access.roles import ROLE_SCOPE, Role, ScopeKind
from sokhoe.access.scope import Actor, actor_for
from sokhoe.registry import service as registry_service
from sokhoe.web.home import HomeView, register_home
from sokhoe.web.paging import Page, page_window

USERS_PER_PAGE = 25


class AccountStatus(StrEnum):
    ACTIVE = "active"
    LOCKED = "locked"
    INACTIVE = "inactive"


@dataclass(frozen=True)
class Scope:
    """What an account is bound to, for display: the kind, the unit's name, villages."""

    kind: ScopeKind
    unit_name: str | None
    village_count: int


@dataclass(frozen=True)
class AccountRow:
    username: str
    display_name: str
    role: Role
    scope: Scope
    status: AccountStatus
    last_login_at: dt.datetime | None


@dataclass(frozen=True)
class AdminHome:
    accounts: Page[AccountRow]
    audit_entries: int
    audit_head_hash: str


@register_home(Role.ADMIN)
def admin_home(session: Session, actor: Actor, request: Request) -> HomeView:
    total = access_service.count_users(session)
    number, offset = page_window(request, total=total, size=USERS_PER_PAGE)
    users = access_service.list_users(session, offset=offset, limit=USERS_PER_PAGE)
    now = utcnow()
    accounts = Page(
        items=[_account_row(session, user, now) for user in users],
        number=number,
        size=USERS_PER_PAGE,
        total=total,
    )
    head_seq, head_hash = audit.head(session)
    return "homes/admin.html", {
        "home": AdminHome(accounts=accounts, audit_entries=head_seq, audit_head_hash=head_hash)
    }


def _account_row(session: Session, user: User, now: dt.datetime) -> AccountRow:
    role = Role(user.role)
    return AccountRow(
        username=user.username,
        display_name=user.display_name,
        role=role,
        scope=_scope(session, user, ROLE_SCOPE[role]),
        status=_status(user, now),
        last_login_at=user.last_login_at,
    )


def _status(user: User, now: dt.datetime) -> AccountStatus:
    if not user.active:
        return AccountStatus.INACTIVE
    if user.locked_until is not None and as_utc(user.locked_until) > now:
        return AccountStatus.LOCKED
    return AccountStatus.ACTIVE


def _scope(session: Session, user: User, kind: ScopeKind) -> Scope:
    """The most specific unit the account is bound to, named from the register."""
    unit_name: str | None = None
    if user.facility_code is not None:
        facility = registry_service.get_facility(session, user.facility_code)
        unit_name = facility.name if facility else user.facility_code
    elif user.commune_code is not None:
        commune = registry_service.get_commune(session, user.commune_code)
        unit_name = commune.name if commune else str(user.commune_code)
    elif user.province_code is not None:
        province = registry_service.get_province(session, user.province_code)
        unit_name = province.name if province else str(user.province_code)
    villages = len(actor_for(session, user, None).village_ids) if kind is ScopeKind.VILLAGES else 0
    return Scope(kind=kind, unit_name=unit_name, village_count=villages)
