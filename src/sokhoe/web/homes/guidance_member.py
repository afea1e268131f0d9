"""The guidance-team member's home: her villages and, village by village, who lives there
(R12, door to door). She never sees the rest of the commune's residents."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session
from starlette.requests import Request

from sokhoe.access.purposes import Purpose
from sokhoe.access.roles import Role
from sokhoe.access.scope import Actor
from sokhoe.campaign import establishments
from sokhoe.insurance import service as insurance_service
from sokhoe.registry import service as registry_service
from sokhoe.registry.models import Commune
from sokhoe.registry.service import Resident
from sokhoe.web.home import HomeView, register_home
from sokhoe.web.paging import Page, page_number
from sokhoe.web.unit_lines import UnitLine, chosen_village, unit_lines

RESIDENTS_PER_PAGE = 50


@dataclass(frozen=True)
class GuidanceHome:
    commune: Commune
    villages: list[UnitLine]
    village_id: int
    residents: Page[Resident]
    #: Whether she also works the roster of a school or an enterprise.
    has_establishments: bool


@register_home(Role.GUIDANCE_MEMBER)
def guidance_home(session: Session, actor: Actor, request: Request) -> HomeView:
    assert actor.commune_code is not None and actor.village_ids  # the role's scope
    today = dt.date.today()
    commune = registry_service.get_commune(session, actor.commune_code)
    assert commune is not None
    integrated = insurance_service.integrated_counts(session, commune_code=actor.commune_code)
    villages = unit_lines(
        [
            row
            for row in registry_service.villages_of_commune(session, actor.commune_code, today)
            if row.code in actor.village_ids
        ],
        integrated,
        worst_first=False,
    )
    village_id = chosen_village(request) or villages[0].code
    number = page_number(request)
    items, total = registry_service.residents(
        session,
        actor,
        commune_code=actor.commune_code,
        village_id=village_id,
        purpose=Purpose.CAMPAIGN_WORKLIST,
        offset=(number - 1) * RESIDENTS_PER_PAGE,
        limit=RESIDENTS_PER_PAGE,
        today=today,
    )
    home = GuidanceHome(
        commune=commune,
        villages=villages,
        village_id=village_id,
        residents=Page(items, number, RESIDENTS_PER_PAGE, total),
        has_establishments=bool(establishments.contact_establishments(session, actor)),
    )
    return "homes/guidance_member.html", {"home": home}
