"""The card list's verdict on an integration request: a pure function of the rows BHXH lists
under the typed number, the person the card is for, and today.

Approved only when the list leaves no doubt: one card, valid today, under this person's ID,
with the register's name, birth date and sex. Rejections name one precise reason (and never
whose card it is); what the list cannot settle goes to a BHXH officer.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from sokhoe.insurance.models import InsuranceCard
from sokhoe.insurance.request_models import RequestStatus
from sokhoe.registry.models import Citizen


class Reason(StrEnum):
    VALID = "valid"
    UNKNOWN_CARD = "unknown_card"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    OTHER_PERSON = "other_person"
    NAME_MISMATCH = "name_mismatch"
    BIRTH_DATE_MISMATCH = "birth_date_mismatch"
    SEX_MISMATCH = "sex_mismatch"
    #: For review: the list's card has no personal ID, though name and birth date agree.
    NO_PERSON_ID = "no_person_id"
    #: For review: several rows of the list under this number.
    SEVERAL_CARDS = "several_cards"
    #: An officer's decisions.
    OFFICER_APPROVED = "officer_approved"
    OFFICER_REJECTED = "officer_rejected"


#: Reasons an officer may give when rejecting after review.
OFFICER_REJECTIONS = (
    Reason.OFFICER_REJECTED,
    Reason.OTHER_PERSON,
    Reason.NAME_MISMATCH,
    Reason.BIRTH_DATE_MISMATCH,
    Reason.SEX_MISMATCH,
    Reason.EXPIRED,
)


@dataclass(frozen=True)
class Verdict:
    status: RequestStatus
    reason: Reason
    #: The list's card to put in the wallet, when approved.
    card_number: str | None = None


def fold_name(name: str) -> str:
    """A name as compared with the register: NFC, case and diacritics folded, spaces single.

    "NGUYỄN  Thị Lan" and "nguyen thi lan" agree; Đ folds to D (it has no decomposition).
    """
    decomposed = unicodedata.normalize("NFD", name.replace("Đ", "D").replace("đ", "d"))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.casefold().split())


_PRECISION_RANK = {"year": 0, "month": 1, "day": 2}


def same_birth(card: InsuranceCard, person: Citizen) -> bool:
    """Whether the birth dates agree as far as the less precise of the two is known."""
    if card.birth_date is None or person.birth_date is None:
        return card.birth_date is person.birth_date
    rank = min(
        _PRECISION_RANK.get(card.birth_precision, 2), _PRECISION_RANK.get(person.birth_precision, 2)
    )
    parts = ((d.year, d.month, d.day)[: rank + 1] for d in (card.birth_date, person.birth_date))
    return next(parts) == next(parts)


def _mismatch(card: InsuranceCard, person: Citizen) -> Reason | None:
    if fold_name(card.full_name) != fold_name(person.full_name):
        return Reason.NAME_MISMATCH
    if not same_birth(card, person):
        return Reason.BIRTH_DATE_MISMATCH
    if card.sex and person.sex and card.sex != person.sex:
        return Reason.SEX_MISMATCH
    return None


def _validity(card: InsuranceCard, today: dt.date) -> Reason | None:
    if card.valid_to is None or card.valid_to < today:
        return Reason.EXPIRED
    if card.valid_from is None or card.valid_from > today:
        return Reason.NOT_YET_VALID
    return None


def _reject(reason: Reason) -> Verdict:
    return Verdict(RequestStatus.REJECTED, reason)


def decide(rows: list[InsuranceCard], person: Citizen, today: dt.date) -> Verdict:
    """The verdict on a request for ``person``'s card, given the list's ``rows`` under it."""
    if not rows:
        return _reject(Reason.UNKNOWN_CARD)
    if len(rows) > 1:
        # Renewals of the person's own card: the one valid today decides.
        own_valid = [
            r for r in rows if r.person_id == person.person_id and _validity(r, today) is None
        ]
        if len(own_valid) == 1 and all(r.person_id == person.person_id for r in rows):
            rows = own_valid
        else:
            return Verdict(RequestStatus.IN_REVIEW, Reason.SEVERAL_CARDS)
    (card,) = rows
    if card.person_id is not None and card.person_id != person.person_id:
        return _reject(Reason.OTHER_PERSON)
    invalid = _validity(card, today)
    if invalid is not None:
        return _reject(invalid)
    mismatch = _mismatch(card, person)
    if mismatch is not None:
        return _reject(mismatch)
    if card.person_id is None:
        return Verdict(RequestStatus.IN_REVIEW, Reason.NO_PERSON_ID)
    return Verdict(RequestStatus.APPROVED, Reason.VALID, card.card_number)
