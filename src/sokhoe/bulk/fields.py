"""Converters from CSV text to column values; each raises :class:`FieldError` on bad input."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection

from sokhoe.bulk.messages import FieldError
from sokhoe.insurance.card_number import CardNumber, InvalidCardNumber, split_card_number
from sokhoe.registry.dates import InvalidDate, Precision, parse_partial_date

PartialDate = tuple[dt.date, Precision]


def text(limit: int, *, required: bool = True) -> Callable[[str], str | None]:
    def convert(value: str) -> str | None:
        if not value:
            if required:
                raise FieldError("required")
            return None
        if len(value) > limit:
            raise FieldError("too_long", limit=limit)
        return value

    return convert


def person_id(value: str) -> str:
    if len(value) != 12 or not value.isdigit():
        raise FieldError("bad_person_id", value=value)
    return value


def person_id_as_given(value: str) -> str | None:
    """A person ID on another agency's record: may be empty or wrong, but must be digits."""
    if not value:
        return None
    if len(value) > 12 or not value.isdigit():
        raise FieldError("bad_person_id", value=value)
    return value


def partial_date(value: str) -> PartialDate | None:
    if not value:
        return None
    try:
        return parse_partial_date(value)
    except InvalidDate:
        raise FieldError("bad_date", value=value) from None


def full_date(value: str) -> dt.date | None:
    parsed = partial_date(value)
    if parsed is None:
        return None
    if parsed[1] != "day":
        raise FieldError("bad_date", value=value)
    return parsed[0]


def timestamp(value: str) -> dt.datetime | None:
    if not value:
        return None
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        raise FieldError("bad_datetime", value=value) from None


def sex(value: str) -> str | None:
    if value in ("M", "F"):
        return value
    if not value:
        return None
    raise FieldError("bad_sex")


def flag(value: str) -> bool:
    if value in ("0", "1"):
        return value == "1"
    raise FieldError("bad_flag")


def commune(known: Collection[int]) -> Callable[[str], int]:
    def convert(value: str) -> int:
        if not value:
            raise FieldError("required")
        if not value.isdigit() or int(value) not in known:
            raise FieldError("unknown_commune", value=value)
        return int(value)

    return convert


def facility_code(value: str) -> str | None:
    if not value:
        return None
    if len(value) != 5:
        raise FieldError("bad_facility_code", value=value)
    return value


def card_number(value: str) -> CardNumber:
    """Checked for shape only: an unknown group or a level that does not fit is kept, since
    finding such cards is reconciliation's job."""
    try:
        return split_card_number(value)
    except InvalidCardNumber as exc:
        raise FieldError("bad_card_number", reason=str(exc)) from None
