"""Who is asking, and which persons and units that actor's scope covers.

An :class:`Actor` is a signed-in account frozen for one request: its role, its territory
and, for a citizen, the person it belongs to. The ``covers_*`` methods answer only "is this
within the actor's scope"; :mod:`sokhoe.access.guard` turns the answer into an audited
decision. Nothing here reads personal data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from sokhoe.access.models import UserVillage
from sokhoe.access.roles import ROLE_SCOPE, Role, ScopeKind
from sokhoe.registry.models import GuardianLink

_PROVINCE_ROLES = frozenset({Role.BHXH_OFFICER, Role.HEALTH_DEPARTMENT})
_COMMUNE_ROLES = frozenset({Role.COMMUNE_OFFICER, Role.GUIDANCE_MEMBER})


@dataclass(frozen=True)
class Actor:
    user_id: int
    username: str
    display_name: str
    role: Role
    province_code: int | None
    commune_code: int | None
    facility_code: str | None
    person_id: str | None
    village_ids: frozenset[int]
    remote_addr: str | None

    def covers_commune(self, commune_code: int, province_of_commune: int) -> bool:
        """Whether the actor's territory includes the whole commune.

        A guidance member is bound to the commune of her villages, so she covers it here
        (to see its aggregate figures); :meth:`covers_village` narrows her to her villages.
        """
        if self.role in _COMMUNE_ROLES:
            return self.commune_code == commune_code
        if self.role is Role.POLICE_OFFICER:
            if self.commune_code is not None:
                return self.commune_code == commune_code
            return self.province_code == province_of_commune
        if self.role in _PROVINCE_ROLES:
            return self.province_code == province_of_commune
        return False

    def covers_province(self, province_code: int) -> bool:
        """Whether the actor's territory is the whole province (its officers, provincial police)."""
        if self.role is Role.POLICE_OFFICER:
            return self.commune_code is None and self.province_code == province_code
        return self.role in _PROVINCE_ROLES and self.province_code == province_code

    def covers_facility(self, facility_code: str) -> bool:
        """Whether the actor works at the facility: its reception sees the facility's visits."""
        return self.role is Role.CLINIC_STAFF and self.facility_code == facility_code

    def covers_village(self, village_id: int | None, commune_code: int, province_code: int) -> bool:
        """Whether the actor may see the residents of a village (``None``: the whole commune).

        A guidance member sees only the villages she is assigned to, never a whole commune
        nor residents without a village; every other territorial role sees what its commune
        or province covers.
        """
        if self.role is Role.GUIDANCE_MEMBER:
            return (
                village_id is not None
                and village_id in self.village_ids
                and self.commune_code == commune_code
            )
        return self.covers_commune(commune_code, province_code)

    def covers_person(
        self,
        *,
        person_id: str,
        commune_code: int,
        village_id: int | None,
        province_code: int,
        guarded_ids: frozenset[str] = frozenset(),
    ) -> bool:
        """Whether one person's data is within the actor's scope.

        ``guarded_ids`` are the children the actor is guardian of (see :func:`guarded_ids`);
        only a citizen uses them (R5). A clinic reads a book only with the citizen's consent,
        which is not a matter of scope, and the administrator never reads personal data.
        """
        if self.role is Role.CITIZEN:
            return person_id == self.person_id or person_id in guarded_ids
        if self.role in (Role.CLINIC_STAFF, Role.ADMIN):
            return False
        return self.covers_village(village_id, commune_code, province_code)


class Account(Protocol):
    """What an :class:`Actor` is made from: an account (``models.User``) or the columns of
    it a request reads with its session (``service.SessionAccount``)."""

    @property
    def id(self) -> int: ...
    @property
    def username(self) -> str: ...
    @property
    def display_name(self) -> str: ...
    @property
    def role(self) -> str: ...
    @property
    def province_code(self) -> int | None: ...
    @property
    def commune_code(self) -> int | None: ...
    @property
    def facility_code(self) -> str | None: ...
    @property
    def person_id(self) -> str | None: ...


def actor_for(session: Session, user: Account, remote_addr: str | None) -> Actor:
    """The :class:`Actor` of a signed-in ``user``, with the villages assigned to the account
    (read only for a role bound to villages: this runs on every request)."""
    role = Role(user.role)
    village_ids = (
        frozenset(
            session.scalars(select(UserVillage.village_id).where(UserVillage.user_id == user.id))
        )
        if ROLE_SCOPE[role] is ScopeKind.VILLAGES
        else frozenset()
    )
    return Actor(
        user_id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=role,
        province_code=user.province_code,
        commune_code=user.commune_code,
        facility_code=user.facility_code,
        person_id=user.person_id,
        village_ids=village_ids,
        remote_addr=remote_addr,
    )


def guarded_ids(session: Session, actor: Actor) -> frozenset[str]:
    """The children whose book a citizen manages as parent or guardian (empty for others)."""
    if actor.role is not Role.CITIZEN or actor.person_id is None:
        return frozenset()
    return frozenset(
        session.scalars(
            select(GuardianLink.child_id).where(GuardianLink.guardian_id == actor.person_id)
        )
    )
