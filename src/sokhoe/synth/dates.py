"""Vectorised calendar arithmetic on ``datetime64[D]`` arrays, and fast date formatting.

Formatting millions of dates with ``strftime`` or ``numpy.datetime_as_string`` dominates a
province's run time, so dates are formatted through a lookup table of every day in range.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
from numpy.typing import NDArray

Days = NDArray[np.datetime64]
Ints = NDArray[np.int64]

#: Birth precision codes, as stored per person.
DAY, MONTH, YEAR = 0, 1, 2


def day(value: dt.date) -> np.datetime64:
    return np.datetime64(value, "D")


def year_month_day(days: Days) -> tuple[Ints, Ints, Ints]:
    """The calendar year, month (1–12) and day (1–31) of each date."""
    months = days.astype("datetime64[M]")
    year = months.astype("datetime64[Y]").astype(np.int64) + 1970
    month = months.astype(np.int64) % 12 + 1
    day_of_month = (days - months.astype("datetime64[D]")).astype(np.int64) + 1
    return year, month, day_of_month


def age_on(birth: Days, when: dt.date) -> Ints:
    """Completed years of age on ``when`` (someone born on 29 February ages on 1 March)."""
    year, month, day_of_month = year_month_day(birth)
    before_birthday = (month > when.month) | ((month == when.month) & (day_of_month > when.day))
    age: Ints = when.year - year - before_birthday.astype(np.int64)
    return age


def add_months(days: Days, months: Ints | int) -> Days:
    """The same day ``months`` later, clamped to the month's end (31 Jan + 1 → 28/29 Feb)."""
    start = days.astype("datetime64[M]")
    target = start + months
    offset = days - start.astype("datetime64[D]")
    month_end = (target + 1).astype("datetime64[D]") - 1
    result: Days = np.minimum(target.astype("datetime64[D]") + offset, month_end)
    return result


def first_of_month(when: dt.date, months_later: Ints) -> Days:
    """The first day of the month ``months_later`` (may be negative) after ``when``'s month."""
    base = np.datetime64(when, "M")
    result: Days = (base + months_later).astype("datetime64[D]")
    return result


class DateFormatter:
    """ISO text (``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY``) for dates within a fixed span."""

    def __init__(self, first: dt.date, last: dt.date) -> None:
        self._origin = day(first)
        span = np.arange(self._origin, day(last) + 1, dtype="datetime64[D]")
        self._full = np.datetime_as_string(span, unit="D").astype(object)

    def full(self, days: Days) -> list[str]:
        return self._lookup(days).tolist()  # type: ignore[no-any-return]

    def partial(self, days: Days, precision: Ints) -> list[str]:
        """Dates cut to their precision: a year-only birth is written ``YYYY``."""
        texts = self._lookup(days)
        for code, width in ((MONTH, 7), (YEAR, 4)):
            rows = np.flatnonzero(precision == code)
            if rows.size:
                texts[rows] = [text[:width] for text in texts[rows].tolist()]
        return texts.tolist()  # type: ignore[no-any-return]

    def _lookup(self, days: Days) -> NDArray[np.object_]:
        index = (days - self._origin).astype(np.int64)
        if index.size and (index.min() < 0 or index.max() >= self._full.size):
            raise ValueError("date outside the formatter's span")
        looked_up: NDArray[np.object_] = self._full[index]
        return looked_up
