"""A commune's page: its figures, its villages, and a page of its residents.

The commune officer's home, and the commune police station's (its list narrowed to adults
without level-2 e-ID). Residents are read through the audited guard.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session
from starlette.requests import Request

from sokhoe.access.purposes import Purpose
from sokhoe.access.scope import Actor
from sokhoe.insurance import service as insurance_service
from sokhoe.registry import service as registry_service
from sokhoe.registry.models import Commune
from sokhoe.registry.service import Resident
from sokhoe.web.paging import Page, page_number
from sokhoe.web.unit_lines import UnitLine, chosen_village, total_line, unit_lines

RESIDENTS_PER_PAGE = 50


@dataclass(frozen=True)
class CommuneHome:
    commune: Commune
    total: UnitLine
    valid_cards: int
    villages: list[UnitLine]
    village_id: int | None
    residents: Page[Resident]
    without_level2: bool


def commune_view(
    session: Session, actor: Actor, request: Request, *, commune_code: int, without_level2: bool
) -> CommuneHome:
    """Figures of one commune and a page of its residents (optionally one village's, or only
    the adults without level-2 e-ID): the view the commune officer and commune police share."""
    today = dt.date.today()
    commune = registry_service.get_commune(session, commune_code)
    if commune is None:
        raise LookupError(commune_code)
    integrated = insurance_service.integrated_counts(session, commune_code=commune_code)
    villages = unit_lines(
        registry_service.villages_of_commune(session, commune_code, today),
        integrated,
        worst_first=False,
    )
    village_id = chosen_village(request)
    number = page_number(request)
    items, count = registry_service.residents(
        session,
        actor,
        commune_code=commune_code,
        village_id=village_id,
        without_level2=without_level2,
        purpose=Purpose.CAMPAIGN_WORKLIST,
        offset=(number - 1) * RESIDENTS_PER_PAGE,
        limit=RESIDENTS_PER_PAGE,
        today=today,
    )
    cards = insurance_service.card_figures(session, today=today, commune_code=commune_code)
    return CommuneHome(
        commune=commune,
        total=total_line(
            commune.name, registry_service.commune_figures(session, commune_code, today), integrated
        ),
        valid_cards=cards.valid,
        villages=villages,
        village_id=village_id,
        residents=Page(items, number, RESIDENTS_PER_PAGE, count),
        without_level2=without_level2,
    )
