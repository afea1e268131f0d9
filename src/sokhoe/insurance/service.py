"""BHXH's card list and wallet integrations: aggregates per area (no personal data), and one
person's cards behind the audited guard."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Row, Select, and_, bindparam, case, func, or_, select
from sqlalchemy.orm import Session

from sokhoe.access import guard
from sokhoe.access.purposes import Purpose
from sokhoe.access.scope import Actor
from sokhoe.insurance.card_number import InvalidCardNumber, split_card_number
from sokhoe.insurance.models import InsuranceCard, WalletIntegration
from sokhoe.registry import service as registry_service
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


def integrated_counts(
    session: Session, *, province_code: int | None = None, commune_code: int | None = None
) -> dict[int | None, int]:
    """People with a card in their e-ID wallet: per commune of a province, or per village
    of a commune (key ``None``: residents without a village)."""
    unit = Citizen.village_id if commune_code is not None else Citizen.commune_code
    query = (
        select(unit, func.count(func.distinct(WalletIntegration.person_id)))
        .join(Citizen, Citizen.person_id == WalletIntegration.person_id)
        .group_by(unit)
    )
    if commune_code is not None:
        query = query.where(Citizen.commune_code == commune_code)
    if province_code is not None:
        communes = select(Commune.code).where(Commune.province_code == province_code)
        query = query.where(Citizen.commune_code.in_(communes))
    return {code: int(n) for code, n in session.execute(query)}


#: Built once: it runs for every batch a hospital sends, where building it cost as much as
#: running it.
_HOLDERS = (
    select(InsuranceCard.bhxh_number, InsuranceCard.person_id)
    .where(
        InsuranceCard.bhxh_number.in_(bindparam("bhxh_numbers", expanding=True)),
        InsuranceCard.person_id.is_not(None),
    )
    .distinct()
)


def card_holders(session: Session, card_numbers: Collection[str]) -> dict[str, frozenset[str]]:
    """For each of ``card_numbers`` (as a hospital sent it: a 15-character code, a 10-digit
    BHXH number or a 12-digit ID), the person IDs BHXH's list names for the card; one query
    for a whole batch.

    Cards are matched on the BHXH number, the part every card of a person shares since 2021
    (a new group code is a new 15-character code, not a new person). A number of no card
    shape, or one the list does not know or lists without a holder, maps to an empty set.
    """
    wanted: dict[str, str] = {}
    for number in card_numbers:
        try:
            wanted[number] = split_card_number(number).bhxh_number
        except InvalidCardNumber:
            wanted[number] = ""
    holders: dict[str, set[str]] = {}
    bhxh_numbers = sorted({n for n in wanted.values() if n})
    if bhxh_numbers:
        rows = session.connection().execute(_HOLDERS, {"bhxh_numbers": bhxh_numbers})
        for bhxh_number, person_id in rows:
            if person_id is not None:  # excluded by the query; said again for the types
                holders.setdefault(bhxh_number, set()).add(person_id)
    return {number: frozenset(holders.get(bhxh, ())) for number, bhxh in wanted.items()}


@dataclass(frozen=True)
class HeldCard:
    """A card of BHXH's list held by one person, and whether it is in their e-ID wallet."""

    card_number: str
    group_code: str | None
    valid_from: dt.date | None
    valid_to: dt.date | None
    facility_code: str | None
    integrated: bool

    def is_valid(self, today: dt.date) -> bool:
        return bool(self.valid_from and self.valid_to and self.valid_from <= today <= self.valid_to)


def cards_of(session: Session, actor: Actor, *, person_id: str, purpose: Purpose) -> list[HeldCard]:
    """The cards BHXH lists under this person ID, newest validity first (audited read)."""
    registry_service.authorize_person_read(
        session, actor, person_id=person_id, purpose=purpose, action="read_cards"
    )
    integrated = set(
        session.scalars(
            select(WalletIntegration.card_number).where(WalletIntegration.person_id == person_id)
        )
    )
    cards = session.scalars(
        select(InsuranceCard)
        .where(InsuranceCard.person_id == person_id)
        .order_by(InsuranceCard.valid_to.desc())
    )
    return [
        HeldCard(
            card_number=c.card_number,
            group_code=c.group_code,
            valid_from=c.valid_from,
            valid_to=c.valid_to,
            facility_code=c.facility_code,
            integrated=c.card_number in integrated,
        )
        for c in cards
    ]


@dataclass(frozen=True)
class CardListExport:
    """A province's card list and its wallet integrations, as row streams (not yet read)."""

    #: card number, person ID as given, name, birth date and precision, sex, commune,
    #: validity, facility — in the list's order.
    cards: Iterator[Row[Any]]
    #: person ID, card number, when integrated.
    integrations: Iterator[Row[Any]]


def province_card_list(
    session: Session, actor: Actor, *, province_code: int, purpose: Purpose
) -> CardListExport:
    """BHXH's card list of a province (cards naming one of its communes, or none) and the
    integrations of its residents or of those cards, for a bulk cross-check.

    One audited read for both lists, decided before this returns; rows are fetched only
    when the streams are iterated, in batches.
    """
    guard.authorize_province(
        session,
        actor,
        province_code=province_code,
        action="export_card_list",
        purpose=purpose,
        detail="danh sách thẻ BHYT và thẻ đã tích hợp VNeID",
    )
    communes = select(Commune.code).where(Commune.province_code == province_code)
    in_province = or_(
        InsuranceCard.commune_code.in_(communes), InsuranceCard.commune_code.is_(None)
    )
    cards = (
        select(
            InsuranceCard.card_number,
            InsuranceCard.person_id,
            InsuranceCard.full_name,
            InsuranceCard.birth_date,
            InsuranceCard.birth_precision,
            InsuranceCard.sex,
            InsuranceCard.commune_code,
            InsuranceCard.valid_from,
            InsuranceCard.valid_to,
            InsuranceCard.facility_code,
        )
        .where(in_province)
        .order_by(InsuranceCard.id)
    )
    residents = select(Citizen.person_id).where(Citizen.commune_code.in_(communes))
    listed = select(InsuranceCard.card_number).where(in_province)
    integrations = (
        select(
            WalletIntegration.person_id,
            WalletIntegration.card_number,
            WalletIntegration.integrated_at,
        )
        .where(
            or_(
                WalletIntegration.person_id.in_(residents),
                WalletIntegration.card_number.in_(listed),
            )
        )
        .order_by(WalletIntegration.person_id, WalletIntegration.card_number)
    )
    return CardListExport(
        cards=registry_service.stream(session, cards),
        integrations=registry_service.stream(session, integrations),
    )
