"""How one field of one row is misspelt: names, birth dates, personal IDs.

Each function returns the true text, the injected text (``None`` when no fitting variant
exists) and the kinds that actually changed something, so no recorded error is invisible.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

import numpy as np

from sokhoe.synth import dates, names

Change = tuple[str, str | None, list[str]]

_CODINGS: dict[str, Callable[[str], str]] = {
    "name_eth": names.with_eth,
    "name_no_diacritics": names.without_diacritics,
    "name_nfd": lambda text: unicodedata.normalize("NFD", text),
    "name_upper": str.upper,
}
_ATTEMPTS = 20


def name_error(parts: names.Names, person: int, kinds: list[str]) -> Change:
    """A regional spelling or a dropped middle name, then at most one coding slip."""
    family, middle, given = (int(a[person]) for a in (parts.family, parts.middle, parts.given))
    true = names.full_name(family, middle, given)
    if "name_regional_variant" in kinds:
        family = names.regional_variant(family)
    shaped = names.full_name(family, None if "name_missing_middle" in kinds else middle, given)
    text = shaped
    effective = [k for k in kinds if k not in _CODINGS]
    for kind in kinds:
        coding = _CODINGS.get(kind)
        if coding is not None and coding(shaped) != shaped:
            text = coding(text)
            effective.append(kind)
    return true, text, effective


def birth_error(birth: np.datetime64, kinds: list[str]) -> Change:
    """Day and month swapped (03/09 for 09/03), or only the year kept."""
    year, month, day = (int(a[0]) for a in dates.year_month_day(np.array([birth])))
    true = f"{year:04d}-{month:02d}-{day:02d}"
    if "birth_day_month_swap" in kinds:
        return true, f"{year:04d}-{day:02d}-{month:02d}", kinds
    return true, f"{year:04d}", kinds


def person_id_error(
    rng: np.random.Generator, person_id: int, kinds: list[str], is_known: Callable[[str], bool]
) -> Change:
    """Missing, mistyped, or with G/YY contradicting sex or birth year; a wrong ID never
    names another resident (``is_known``), so the truth stays unambiguous."""
    true = f"{person_id:012d}"
    if "person_id_missing" in kinds:
        return true, "", kinds
    alter = _typo if "person_id_typo" in kinds else _inconsistent
    for _ in range(_ATTEMPTS):
        candidate = alter(rng, true)
        if candidate != true and not is_known(candidate):
            return true, candidate, kinds
    return true, None, []


def _typo(rng: np.random.Generator, text: str) -> str:
    """One digit changed, or two adjacent different digits swapped."""
    digits = list(text)
    swappable = [i for i in range(len(digits) - 1) if digits[i] != digits[i + 1]]
    if swappable and rng.random() < 0.5:
        i = swappable[int(rng.integers(len(swappable)))]
        digits[i], digits[i + 1] = digits[i + 1], digits[i]
    else:
        i = int(rng.integers(len(digits)))
        digits[i] = str((int(digits[i]) + int(rng.integers(1, 10))) % 10)
    return "".join(digits)


def _inconsistent(rng: np.random.Generator, text: str) -> str:
    """The sex bit of G flipped, or YY moved by a few years; the rest is the person's."""
    if rng.random() < 0.5:
        return f"{text[:3]}{int(text[3]) ^ 1}{text[4:]}"
    shift = int(rng.choice([-3, -2, -1, 1, 2, 3]))
    return f"{text[:4]}{(int(text[4:6]) + shift) % 100:02d}{text[6:]}"
