"""Province-wide homes: the Department of Health, BHXH, and provincial police.

Each shows the province's figures and its communes, lowest wallet-integration share first,
so the units behind target are read first (R14). Aggregates only: no personal data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session
from starlette.requests import Request

from sokhoe.access.roles import Role
from sokhoe.access.scope import Actor
from sokhoe.insurance import service as insurance_service
from sokhoe.insurance.service import CardFigures
from sokhoe.registry import service as registry_service
from sokhoe.registry.models import Province
from sokhoe.web.commune_view import commune_view
from sokhoe.web.home import HomeView, register_home
from sokhoe.web.unit_lines import UnitLine, total_line, unit_lines


@dataclass(frozen=True)
class ProvinceHome:
    province: Province
    total: UnitLine
    cards: CardFigures
    groups: list[tuple[str, int]]
    communes: list[UnitLine]
    #: What the page is about, so one template serves every provincial role.
    focus: str


def province_view(session: Session, province_code: int, focus: str) -> ProvinceHome:
    today = dt.date.today()
    province = registry_service.get_province(session, province_code)
    if province is None:
        raise LookupError(province_code)
    integrated = insurance_service.integrated_counts(session, province_code=province_code)
    rows = registry_service.communes_of_province(session, province_code, today)
    total = registry_service.sum_figures(rows)
    return ProvinceHome(
        province=province,
        total=total_line(province.name, total, integrated),
        cards=insurance_service.card_figures(session, today=today, province_code=province_code),
        groups=insurance_service.cards_by_group(session, province_code=province_code)
        if focus == "cards"
        else [],
        communes=unit_lines(rows, integrated, worst_first=True),
        focus=focus,
    )


@register_home(Role.HEALTH_DEPARTMENT)
def health_department_home(session: Session, actor: Actor, request: Request) -> HomeView:
    assert actor.province_code is not None
    return "homes/province.html", {"home": province_view(session, actor.province_code, "book")}


@register_home(Role.BHXH_OFFICER)
def bhxh_home(session: Session, actor: Actor, request: Request) -> HomeView:
    assert actor.province_code is not None
    return "homes/province.html", {"home": province_view(session, actor.province_code, "cards")}


@register_home(Role.POLICE_OFFICER)
def police_home(session: Session, actor: Actor, request: Request) -> HomeView:
    """A commune police station works its commune's list of adults without level-2 e-ID;
    provincial police see the province's communes."""
    if actor.commune_code is not None:
        home = commune_view(
            session, actor, request, commune_code=actor.commune_code, without_level2=True
        )
        return "homes/commune.html", {"home": home}
    assert actor.province_code is not None
    return "homes/province.html", {"home": province_view(session, actor.province_code, "eid")}
