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
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, exists, or_

from sokhoe.access.models import User
from sokhoe.access.roles import Role
from sokhoe.insurance.models import InsuranceCard, WalletIntegration
from sokhoe.registry.models import Citizen
from sokhoe.registry.service import child_cutoff


@dataclass(frozen=True)
class PersonFlags:
    adult: ColumnElement[bool]
    level2: ColumnElement[bool]
    signed_in: ColumnElement[bool]
    book_activated: ColumnElement[bool]
    card_listed: ColumnElement[bool]
    in_wallet: ColumnElement[bool]
    card_integrated: ColumnElement[bool]


def person_flags(day: dt.date) -> PersonFlags:
    """The flags of the ``Citizen`` row of the enclosing query, ages counted on ``day`` (a
    Vietnamese date)."""
    adult = or_(Citizen.birth_date.is_(None), Citizen.birth_date <= child_cutoff(day))
    signed_in = exists().where(
        User.person_id == Citizen.person_id,
        User.role == Role.CITIZEN.value,
        User.active.is_(True),
        User.last_login_at.is_not(None),
    )
    card_listed = exists().where(InsuranceCard.person_id == Citizen.person_id)
    in_wallet = exists().where(WalletIntegration.person_id == Citizen.person_id)
    return PersonFlags(
        adult=adult,
        level2=and_(adult, Citizen.level2_eid.is_(True)),
        signed_in=signed_in,
        book_activated=and_(adult, signed_in),
        card_listed=card_listed,
        in_wallet=in_wallet,
        card_integrated=and_(card_listed, in_wallet),
    )
