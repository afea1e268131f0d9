"""A BHYT card as the JSON API shows it: the same fields wherever a card is answered
(presenting one's own, checking a presented one), birth date as precise as it is known."""

from __future__ import annotations

from sokhoe.insurance.card_token.claims import CardDetails
from sokhoe.registry.dates import format_partial_date


def card_json(card: CardDetails) -> dict[str, object]:
    return {
        "card_number": card.card_number,
        "full_name": card.full_name,
        "birth_date": format_partial_date(card.birth_date, card.birth_precision),
        "sex": card.sex,
        "valid_from": card.valid_from.isoformat(),
        "valid_to": card.valid_to.isoformat(),
        "facility_code": card.facility_code,
    }
