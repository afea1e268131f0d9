"""A Python reference for the SQL of :mod:`sokhoe.reconcile.normalize`, for differential tests.

Written from the rules' statement, not from the SQL: fold with Unicode decomposition, split on
anything that is not a letter, compare parts.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from sokhoe.reconcile import normalize


def fold(text: str) -> str:
    """Lower case, base letters only, single spaces between runs of letters."""
    decomposed = unicodedata.normalize("NFD", text.lower().replace("đ", "d").replace("ð", "d"))
    letters = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(re.findall(r"[a-z]+", letters))


@dataclass(frozen=True)
class Name:
    key: str
    fam: str
    mid: str
    giv: str


def name(text: str) -> Name | None:
    words = fold(text).split()
    if not words:
        return None
    family = normalize.REGIONAL_FAMILY_NAMES.get(words[0], words[0])
    middle = " ".join(words[1:-1])
    return Name(" ".join([family, *words[1:]]), family, middle, words[-1])


def name_relation(a: Name | None, b: Name | None) -> str | None:
    if a is None or b is None:
        return None
    if a.key == b.key:
        return normalize.NAME_SAME
    if a.fam == b.fam and a.giv == b.giv and "" in (a.mid, b.mid):
        return normalize.NAME_MISSING_MIDDLE
    return normalize.NAME_DIFFERENT


@dataclass(frozen=True)
class Birth:
    year: int
    month: int | None
    day: int | None


class InvalidDate(ValueError):
    pass


def birth(text: str) -> Birth | None:
    """``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` (``YYYY-01-01`` meaning only the year)."""
    text = text.strip()
    if not text:
        return None
    if not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", text):
        raise InvalidDate(text)
    parts = [int(p) for p in text.split("-")]
    year = parts[0]
    month = parts[1] if len(parts) > 1 else None
    day = parts[2] if len(parts) > 2 else None
    try:
        dt.date(year, 1 if month is None else month, 1 if day is None else day)
    except ValueError:
        raise InvalidDate(text) from None
    if (month, day) == (1, 1):
        return Birth(year, None, None)
    return Birth(year, month, day)


def birth_relation(a: Birth | None, b: Birth | None) -> str | None:
    if a is None or b is None:
        return None
    if a.year != b.year:
        return normalize.BIRTH_DIFFERENT
    if a.day is not None and b.day is not None and (a.month, a.day) == (b.month, b.day):
        return normalize.BIRTH_SAME
    months_agree = None in (a.month, b.month) or a.month == b.month
    days_agree = None in (a.day, b.day) or a.day == b.day
    if months_agree and days_agree:
        return normalize.BIRTH_COMPATIBLE
    if a.day is not None and b.day is not None and (a.month, a.day) == (b.day, b.month):
        return normalize.BIRTH_SWAP
    return normalize.BIRTH_SAME_YEAR
