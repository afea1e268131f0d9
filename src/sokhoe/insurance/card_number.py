"""BHYT card numbers: the 15-character code and the 10-digit BHXH number.

The full code is ``GG L PP NNNNNNNNNN``: beneficiary group, benefit level (mức hưởng 1–5),
province, BHXH number. Since 2021 cards print only the 10-digit number, so systems key on
it. A 12-digit number (the personal ID, under newer rules) is accepted as well.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Beneficiary groups (nhóm đối tượng) by benefit level (mức hưởng).
_GROUPS_BY_LEVEL = {
    1: "CC TE",
    2: "CK CB KC HN DT DK XD BT TS",
    3: "HT TC CN",
    4: "DN HX CH NN TK HC XK TB NO CT XB TN CS XN MS HD TQ TA TY HG LS PV HS SV GB GD",
    5: "QN CA CY",
}
LEVEL_OF_GROUP: dict[str, int] = {
    group: level for level, groups in _GROUPS_BY_LEVEL.items() for group in groups.split()
}

_FULL = re.compile(r"([A-Z]{2})([1-5])(\d{2})(\d{10})")


class InvalidCardNumber(ValueError):
    """The text is not a BHYT card number; the message says what is wrong, in Vietnamese."""


@dataclass(frozen=True, slots=True)
class CardNumber:
    bhxh_number: str
    group: str | None = None
    level: int | None = None
    province: int | None = None

    @property
    def is_full_code(self) -> bool:
        return self.group is not None

    @property
    def text(self) -> str:
        """The normalised form: the 15-character code, or the number alone."""
        if self.group is None:
            return self.bhxh_number
        return f"{self.group}{self.level}{self.province:02d}{self.bhxh_number}"


class BenefitLevelMismatch(InvalidCardNumber):
    """A well-formed code whose benefit level does not fit its group (a data error)."""


def split_card_number(raw: str) -> CardNumber:
    """Split a card number into its parts, checking only its shape.

    Accepts a 15-character code, a 10-digit BHXH number or a 12-digit personal ID; spaces and
    lower case are tolerated (people type them). Anything else is refused with a message that
    says what is wrong: the length or the letters.
    """
    text = raw.replace(" ", "").upper()
    if text.isdigit() and len(text) in (10, 12):
        return CardNumber(bhxh_number=text)
    if len(text) != 15:
        raise InvalidCardNumber(
            f"mã thẻ phải có 15 ký tự (hoặc mã số BHXH 10 chữ số), nhận được {len(text)} ký tự"
        )
    match = _FULL.fullmatch(text)
    if match is None:
        raise InvalidCardNumber(
            "mã thẻ 15 ký tự gồm 2 chữ cái nhóm đối tượng, 1 chữ số mức hưởng (1–5), "
            "2 chữ số tỉnh và 10 chữ số mã BHXH"
        )
    group, level, province, number = match.groups()
    return CardNumber(bhxh_number=number, group=group, level=int(level), province=int(province))


def parse_card_number(raw: str) -> CardNumber:
    """Like :func:`split_card_number`, and the group must exist with its own benefit level."""
    card = split_card_number(raw)
    if card.group is None:
        return card
    expected = LEVEL_OF_GROUP.get(card.group)
    if expected is None:
        raise InvalidCardNumber(f"nhóm đối tượng {card.group!r} không tồn tại")
    if card.level != expected:
        raise BenefitLevelMismatch(
            f"nhóm {card.group} có mức hưởng {expected}, mã thẻ ghi mức hưởng {card.level}"
        )
    return card
