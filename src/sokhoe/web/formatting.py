"""Vietnamese presentation of dates and numbers (Jinja filters ``vn_date``, ``vn_datetime``,
``vn_time``, ``vn_number``, ``vn_partial_date``): ``31/03/2026``, ``31/03/2026 14:05`` and
``14:05`` in Vietnam time, ``1.234.567``, ``03/1987``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from babel.numbers import format_decimal

from sokhoe.registry.dates import format_partial_date
from sokhoe.vietnam_time import to_vietnam_time


def vn_date(value: dt.date | None) -> str:
    """``dd/mm/yyyy``; a datetime is first converted to Vietnam time; ``None`` is blank."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = to_vietnam_time(value).date()
    return value.strftime("%d/%m/%Y")


def vn_partial_date(value: dt.date | None, precision: str = "day") -> str:
    """A birth date as far as it is known: ``09/03/1987``, ``03/1987`` or ``1987``."""
    return "" if value is None else format_partial_date(value, precision)


def vn_datetime(value: dt.datetime | None) -> str:
    """``dd/mm/yyyy HH:MM`` in Vietnam time; ``None`` is blank."""
    if value is None:
        return ""
    return to_vietnam_time(value).strftime("%d/%m/%Y %H:%M")


def vn_time(value: dt.datetime | None) -> str:
    """``HH:MM`` in Vietnam time; ``None`` is blank."""
    if value is None:
        return ""
    return to_vietnam_time(value).strftime("%H:%M")


def vn_number(value: int | float | Decimal | None, decimals: int = 0) -> str:
    """Dots between thousands, comma before decimals: ``1.234.567``, ``98,5``."""
    if value is None:
        return ""
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    return format_decimal(value, format=pattern, locale="vi")
