"""What the campaign counts about a person, as SQL expressions over a query of the register.

The field worklist (:mod:`.fieldwork`) raises a flag where something is to be done; the
daily indicators (:mod:`.indicators`) count where it is done. Both read these definitions:

- *adult* (eligible): aged 14 or over on ``day``, or of unknown birth date;
- *level-2 e-ID*: an adult whose register entry says a level-2 account
  (``citizen.level2_eid``, from the police);
- *book activated*: an adult with an active citizen account that has signed in at least
  once (``app_user.role = 'citizen'``, ``active``, ``last_login_at`` set): the book is opened
  by signing in, so an account never used is not an activated book;
- *card listed*: someone on BHXH's card list (``insurance_card.person_id``);
- *card integrated*: listed, with a card in his e-ID wallet (``wallet_integration``).

The three facts about other tables are sets of person IDs. A village's worklist asks them
per person (:func:`correlated_facts`, ``EXISTS`` on an index); a province's count joins them
once (hash joins: probing an index 3 × 2.3 M times took most of a minute).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, and_, or_, select

from sokhoe.access.models import User
from sokhoe.access.roles import Role
from sokhoe.insurance.models import InsuranceCard, WalletIntegration
from sokhoe.registry.models import Citizen
from sokhoe.registry.service import child_cutoff


def signed_in_people() -> Select[str | None]:
    """People with an active citizen account that has signed in (one account per person)."""
    return select(User.person_id).where(
        User.person_id.is_not(None),
        User.role == Role.CITIZEN.value,
        User.active.is_(True),
        User.last_login_at.is_not(None),
    )


def listed_people() -> Select[str | None]:
    """People on BHXH's card list (a person with two cards is there twice)."""
    return select(InsuranceCard.person_id).where(InsuranceCard.person_id.is_not(None))


def wallet_people() -> Select[str]:
    """People with a card in the e-ID wallet (a person with two cards is there twice)."""
    return select(WalletIntegration.person_id)


@dataclass(frozen=True)
class Facts:
    """Whether the ``Citizen`` row of the enclosing query is in each set of people."""

    signed_in: ColumnElement[bool]
    card_listed: ColumnElement[bool]
    in_wallet: ColumnElement[bool]


def correlated_facts() -> Facts:
    """The facts as ``EXISTS`` per person: for a query over a few thousand people."""

    def holds(people: Select[str | None] | Select[str]) -> ColumnElement[bool]:
        return people.where(people.selected_columns[0] == Citizen.person_id).exists()

    return Facts(
        signed_in=holds(signed_in_people()),
        card_listed=holds(listed_people()),
        in_wallet=holds(wallet_people()),
    )


@dataclass(frozen=True)
class PersonFlags:
    adult: ColumnElement[bool]
    level2: ColumnElement[bool]
    signed_in: ColumnElement[bool]
    book_activated: ColumnElement[bool]
    card_listed: ColumnElement[bool]
    in_wallet: ColumnElement[bool]
    card_integrated: ColumnElement[bool]


def person_flags(day: dt.date, facts: Facts | None = None) -> PersonFlags:
    """The flags of the ``Citizen`` row of the enclosing query, ages counted on ``day`` (a
    Vietnamese date); ``facts`` default to :func:`correlated_facts`."""
    facts = facts or correlated_facts()
    adult = or_(Citizen.birth_date.is_(None), Citizen.birth_date <= child_cutoff(day))
    return PersonFlags(
        adult=adult,
        level2=and_(adult, Citizen.level2_eid.is_(True)),
        signed_in=facts.signed_in,
        book_activated=and_(adult, facts.signed_in),
        card_listed=facts.card_listed,
        in_wallet=facts.in_wallet,
        card_integrated=and_(facts.card_listed, facts.in_wallet),
    )
