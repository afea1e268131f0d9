"""The BHYT card a holder can show today, as a card token states it (``CardDetails``).

Shared by Xuất trình giấy tờ (``presentation``: only a card integrated in the e-ID wallet)
and the paper card (``paper_card``: any card BHXH's list names for the holder's personal ID,
since the holder of a paper card is often someone without a smartphone, hence without the
wallet). The name, birth date and sex come from the population register, which the holder's
e-ID is bound to; the card list gives the number, validity and registered facility.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from sokhoe.insurance.card_token.claims import CardDetails
from sokhoe.insurance.models import InsuranceCard, WalletIntegration
from sokhoe.registry.models import Citizen


def valid_card(
    session: Session, holder: Citizen, *, today: dt.date, integrated_only: bool
) -> CardDetails | None:
    """The holder's card valid ``today`` that runs longest, or ``None``.

    The caller has passed the guard for ``holder``. With ``integrated_only``, only a card
    in the holder's e-ID wallet counts — and there also a row BHXH lists without a personal
    ID: the integration itself binds it to the holder (a BHXH officer approved the request,
    ``Reason.NO_PERSON_ID``). A row naming another person never counts.
    """
    owned = InsuranceCard.person_id == holder.person_id
    if integrated_only:
        owned = owned | InsuranceCard.person_id.is_(None)
    query = select(InsuranceCard).where(
        owned,
        InsuranceCard.valid_from <= today,
        InsuranceCard.valid_to >= today,
    )
    if integrated_only:
        query = query.join(
            WalletIntegration,
            (WalletIntegration.card_number == InsuranceCard.card_number)
            & (WalletIntegration.person_id == holder.person_id),
        )
    card = session.scalars(query.order_by(InsuranceCard.valid_to.desc())).first()
    if card is None or card.valid_from is None or card.valid_to is None:
        return None
    return CardDetails(
        card_number=card.card_number,
        full_name=holder.full_name,
        birth_date=holder.birth_date or card.birth_date or today,
        birth_precision=holder.birth_precision,  # type: ignore[arg-type]
        sex=holder.sex,
        valid_from=card.valid_from,
        valid_to=card.valid_to,
        facility_code=card.facility_code,
    )
