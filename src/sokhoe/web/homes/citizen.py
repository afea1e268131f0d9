"""The citizen's home: his register entry and BHYT cards, and those of the children he
manages as parent or guardian (R5). Every read is audited with its purpose."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session
from starlette.requests import Request

from sokhoe.access.purposes import Purpose
from sokhoe.access.roles import Role
from sokhoe.access.scope import Actor
from sokhoe.insurance import service as insurance_service
from sokhoe.insurance.service import HeldCard
from sokhoe.registry import service as registry_service
from sokhoe.registry.models import Citizen
from sokhoe.web.home import HomeView, register_home


@dataclass(frozen=True)
class PersonPanel:
    citizen: Citizen
    commune: str
    village: str | None
    cards: list[HeldCard]
    child: bool


@dataclass(frozen=True)
class CitizenHome:
    me: PersonPanel
    children: list[PersonPanel]
    today: dt.date


def _panel(
    session: Session, actor: Actor, citizen: Citizen, purpose: Purpose, today: dt.date
) -> PersonPanel:
    commune = registry_service.get_commune(session, citizen.commune_code)
    return PersonPanel(
        citizen=citizen,
        commune=commune.name if commune else "",
        village=registry_service.village_name(session, citizen.village_id),
        cards=insurance_service.cards_of(
            session, actor, person_id=citizen.person_id, purpose=purpose
        ),
        child=registry_service.is_child(citizen.birth_date, registry_service.child_cutoff(today)),
    )


@register_home(Role.CITIZEN)
def citizen_home(session: Session, actor: Actor, request: Request) -> HomeView:
    assert actor.person_id is not None  # the role's scope
    today = dt.date.today()
    me = registry_service.profile(
        session, actor, person_id=actor.person_id, purpose=Purpose.SELF_SERVICE
    )
    home = CitizenHome(
        me=_panel(session, actor, me, Purpose.SELF_SERVICE, today),
        children=[
            _panel(session, actor, child, Purpose.GUARDIAN, today)
            for child in registry_service.wards(session, actor)
        ],
        today=today,
    )
    return "homes/citizen.html", {"home": home}
