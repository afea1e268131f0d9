"""Aware UTC time, and the repair of SQLite's naive datetimes.

SQLite stores ``DateTime(timezone=True)`` values without their offset and returns them
naive; PostgreSQL returns them aware. Everything in this context writes UTC, so a naive value
read back is UTC, and :func:`as_utc` makes both backends compare and hash alike.
"""

from __future__ import annotations

import datetime as dt


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def as_utc(value: dt.datetime) -> dt.datetime:
    """``value`` as an aware UTC datetime (a naive value is taken to be UTC already)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)
