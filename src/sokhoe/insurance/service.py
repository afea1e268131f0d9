"""Figures on BHXH's card list and wallet integrations (aggregates: no personal data)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Select, and_, case, func, select
from sqlalchemy.orm import Session

from sokhoe.insurance.models import InsuranceCard, WalletIntegration
from sokhoe.registry.models import Citizen, Commune


@dataclass(frozen=True)
class CardFigures:
    cards: int
    valid: int
    expired: int
    without_person_id: int

    @property
    def valid_share(self) -> float:
        return self.valid / self.cards if self.cards else 0.0


AnySelect = TypeVar("AnySelect", bound=Select[*tuple[Any, ...]])


def _in_area(
    query: AnySelect,
    *,
    province_code: int | None,
    commune_code: int | None,
    facility_code: str | None,
) -> AnySelect:
    if commune_code is not None:
        query = query.where(InsuranceCard.commune_code == commune_code)
    if province_code is not None:
        communes = select(Commune.code).where(Commune.province_code == province_code)
        query = query.where(InsuranceCard.commune_code.in_(communes))
    if facility_code is not None:
        query = query.where(InsuranceCard.facility_code == facility_code)
    return query


def card_figures(
    session: Session,
    *,
    today: dt.date,
    province_code: int | None = None,
    commune_code: int | None = None,
    facility_code: str | None = None,
) -> CardFigures:
    """Counts over the card list of an area (province, commune, or registered facility)."""
    valid = and_(InsuranceCard.valid_from <= today, InsuranceCard.valid_to >= today)
    query = select(
        func.count(),
        func.coalesce(func.sum(case((valid, 1), else_=0)), 0),
        func.coalesce(func.sum(case((InsuranceCard.valid_to < today, 1), else_=0)), 0),
        func.coalesce(func.sum(case((InsuranceCard.person_id.is_(None), 1), else_=0)), 0),
    )
    query = _in_area(
        query, province_code=province_code, commune_code=commune_code, facility_code=facility_code
    )
    cards, valid, expired, without_id = session.execute(query).one()
    return CardFigures(int(cards), int(valid), int(expired), int(without_id))


def cards_by_group(session: Session, *, province_code: int) -> list[tuple[str, int]]:
    """Card counts per beneficiary group, largest first."""
    query = (
        _in_area(
            select(func.coalesce(InsuranceCard.group_code, ""), func.count()),
            province_code=province_code,
            commune_code=None,
            facility_code=None,
        )
        .group_by(InsuranceCard.group_code)
        .order_by(func.count().desc())
    )
    return [(group, int(n)) for group, n in session.execute(query)]


def integrated_by_commune(session: Session, *, province_code: int) -> dict[int, int]:
    """People with a card in their e-ID wallet, per commune of residence."""
    query = (
        select(Citizen.commune_code, func.count(func.distinct(WalletIntegration.person_id)))
        .join(Citizen, Citizen.person_id == WalletIntegration.person_id)
        .join(Commune, Commune.code == Citizen.commune_code)
        .where(Commune.province_code == province_code)
        .group_by(Citizen.commune_code)
    )
    return {code: int(n) for code, n in session.execute(query)}


def integrated_in_commune(session: Session, *, commune_code: int) -> int:
    query = (
        select(func.count(func.distinct(WalletIntegration.person_id)))
        .join(Citizen, Citizen.person_id == WalletIntegration.person_id)
        .where(Citizen.commune_code == commune_code)
    )
    return int(session.scalar(query) or 0)
