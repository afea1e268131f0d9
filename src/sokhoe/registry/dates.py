"""Birth dates with their precision: a full date, a month, or only a year."""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

Precision = Literal["day", "month", "year"]
_FORMS = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


class InvalidDate(ValueError):
    """Not a date in YYYY-MM-DD, YYYY-MM or YYYY form."""


def parse_partial_date(text: str) -> tuple[dt.date, Precision]:
    """``"1987-03-09"`` → day, ``"1987-03"`` → month (1st), ``"1987"`` → year (1 Jan)."""
    match = _FORMS.fullmatch(text.strip())
    if match is None:
        raise InvalidDate(f"ngày {text!r} không đúng dạng YYYY-MM-DD, YYYY-MM hoặc YYYY")
    year, month, day = match.groups()
    try:
        value = dt.date(int(year), int(month or 1), int(day or 1))
    except ValueError as exc:
        raise InvalidDate(f"ngày {text!r} không tồn tại") from exc
    precision: Precision = "day" if day else "month" if month else "year"
    return value, precision


def format_partial_date(value: dt.date, precision: str) -> str:
    """The Vietnamese display form: dd/mm/yyyy, mm/yyyy or yyyy."""
    if precision == "year":
        return f"{value.year}"
    if precision == "month":
        return f"{value.month:02d}/{value.year}"
    return value.strftime("%d/%m/%Y")
