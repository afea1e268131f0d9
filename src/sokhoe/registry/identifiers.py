"""The personal identification number (số định danh cá nhân), ``PPP G YY NNNNNN``.

PPP is the province of birth registration, G encodes century and sex, YY the last two
digits of the birth year. There is no check digit, so an ID can only be judged
*consistent* (or not) with a record's sex and birth year.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_PERSON_ID = re.compile(r"\d{12}")
_FIRST_CENTURY = 1900


class InvalidPersonId(ValueError):
    """The text is not a 12-digit personal identification number."""


@dataclass(frozen=True, slots=True)
class PersonId:
    province: int
    sex: str  # "M" or "F"
    birth_year: int
    serial: str

    @property
    def text(self) -> str:
        return person_id_text(self.province, self.sex, self.birth_year, self.serial)


def gender_century_digit(sex: str, birth_year: int) -> int:
    """The G digit for a sex ("M"/"F") and a birth year between 1900 and 2199."""
    century = (birth_year - _FIRST_CENTURY) // 100
    if not 0 <= century <= 2:
        raise ValueError(f"birth year {birth_year} is outside 1900–2199")
    return century * 2 + (1 if sex == "F" else 0)


def person_id_text(province: int, sex: str, birth_year: int, serial: str) -> str:
    g = gender_century_digit(sex, birth_year)
    return f"{province:03d}{g}{birth_year % 100:02d}{serial}"


def parse_person_id(text: str) -> PersonId:
    """Decode ``text``; raises :class:`InvalidPersonId` unless it is exactly 12 digits
    with a G digit from 0 to 5."""
    if not _PERSON_ID.fullmatch(text):
        raise InvalidPersonId(f"mã định danh phải gồm đúng 12 chữ số, nhận được {len(text)} ký tự")
    g = int(text[3])
    if g > 5:
        raise InvalidPersonId(f"chữ số thứ 4 (thế kỷ và giới tính) phải từ 0 đến 5, nhận được {g}")
    century = _FIRST_CENTURY + 100 * (g // 2)
    return PersonId(
        province=int(text[:3]),
        sex="F" if g % 2 else "M",
        birth_year=century + int(text[4:6]),
        serial=text[6:],
    )


def inconsistencies(person_id: str, sex: str | None, birth_year: int | None) -> list[str]:
    """Which of "sex" and "birth_year" the ID contradicts (unknown values are not judged)."""
    decoded = parse_person_id(person_id)
    found = []
    if sex in ("M", "F") and decoded.sex != sex:
        found.append("sex")
    if birth_year is not None and decoded.birth_year != birth_year:
        found.append("birth_year")
    return found
