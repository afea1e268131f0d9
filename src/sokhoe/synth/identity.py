"""Personal IDs (``PPP G YY NNNNNN``), phone numbers and level-2 e-ID accounts."""

from __future__ import annotations

import numpy as np

from sokhoe.synth.sampling import Bools, Floats, Ints, bernoulli, unique_random, weighted

#: Province codes before the 2025 merger: birth registrations, hence IDs, keep them.
_OLD_PROVINCES = (
    1, 2, 4, 6, 8, 10, 11, 12, 14, 15, 17, 19, 20, 22, 24, 25, 26, 27, 30, 31, 33, 34, 35,
    36, 37, 38, 40, 42, 44, 45, 46, 48, 49, 51, 52, 54, 56, 58, 60, 62, 64, 66, 67, 68, 70,
    72, 74, 75, 77, 79, 80, 82, 83, 84, 86, 87, 89, 91, 92, 93, 94, 95, 96,
)  # fmt: skip
_BIG_CITIES = {1: 4.0, 79: 4.0}  # Hà Nội, TP Hồ Chí Minh
LOCAL_BIRTH_SHARE = 0.85
_SERIALS = 1_000_000

#: Mobile prefixes (Viettel, Vinaphone, MobiFone, Vietnamobile, Gmobile) by market share.
_PHONE_PREFIXES = {
    "32": 4, "33": 4, "34": 4, "35": 4, "36": 4, "37": 4, "38": 4, "39": 4, "86": 5,
    "96": 6, "97": 6, "98": 6, "81": 3, "82": 3, "83": 3, "84": 3, "85": 3, "88": 3,
    "91": 5, "94": 5, "70": 3, "76": 2, "77": 3, "78": 2, "79": 3, "89": 3, "90": 5,
    "93": 5, "52": 1, "56": 1, "58": 1, "92": 1, "59": 0.5, "99": 0.5,
}  # fmt: skip
#: (lowest age, share with a phone number, share with a level-2 e-ID), by age band.
_BY_AGE = (
    (0, 0.02, 0.01),
    (14, 0.6, 0.85),
    (18, 0.95, 0.9),
    (70, 0.7, 0.72),
    (75, 0.5, 0.5),
    (85, 0.3, 0.3),
)


def century_sex_digit(female: Bools, birth_year: Ints) -> Ints:
    """The G digit: 0/1 for men/women born 1900–1999, 2/3 for 2000–2099, 4/5 after."""
    digit: Ints = (birth_year - 1900) // 100 * 2 + female.astype(np.int64)
    return digit


def birth_provinces(rng: np.random.Generator, province: int, size: int) -> Ints:
    """Where each person's birth was registered: mostly here, else near or in a big city.

    Nearness is approximated by the closeness of the codes, which follow geography
    (north to south) closely enough for synthetic data.
    """
    others = np.array([p for p in _OLD_PROVINCES if p != province])
    closeness = 1.0 / (1.0 + np.abs(others - province) / 3.0) ** 2
    closeness *= np.array([_BIG_CITIES.get(int(p), 1.0) for p in others])
    codes = others[weighted(rng, closeness, size)]
    local: Ints = np.where(bernoulli(rng, LOCAL_BIRTH_SHARE, size), province, codes)
    return local


def person_ids(
    rng: np.random.Generator, birth_province: Ints, female: Bools, birth_year: Ints
) -> Ints:
    """Distinct 12-digit IDs (as integers) consistent with each person's sex and birth year."""
    g = century_sex_digit(female, birth_year)
    prefix = (birth_province * 10 + g) * 100 + birth_year % 100
    return unique_random(rng, prefix, _SERIALS)


def id_text(ids: Ints) -> list[str]:
    return [f"{value:012d}" for value in ids.tolist()]


def phones(rng: np.random.Generator, age: Ints) -> Ints:
    """Mobile numbers without the leading 0 (9 digits), -1 for none."""
    has = bernoulli(rng, _by_age(age, 1), age.size)
    prefixes = np.array([int(p) for p in _PHONE_PREFIXES])
    prefix = prefixes[weighted(rng, list(_PHONE_PREFIXES.values()), age.size)]
    number: Ints = np.where(has, prefix * 10_000_000 + rng.integers(0, 10_000_000, age.size), -1)
    return number


def phone_text(numbers: Ints) -> list[str]:
    return [f"0{n:09d}" if n >= 0 else "" for n in numbers.tolist()]


def level2_accounts(rng: np.random.Generator, age: Ints) -> Bools:
    """Level-2 e-ID (định danh mức 2): most adults, fewer of the oldest, few children."""
    return bernoulli(rng, _by_age(age, 2), age.size)


def _by_age(age: Ints, column: int) -> Floats:
    bounds = np.array([row[0] for row in _BY_AGE])
    values = np.array([row[column] for row in _BY_AGE])
    result: Floats = values[np.searchsorted(bounds, age, side="right") - 1]
    return result
