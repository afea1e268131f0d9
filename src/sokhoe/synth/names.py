"""Weighted Vietnamese names: sampling by sex and birth cohort, text assembly, misspellings.

A person's name is three small integers (family, middle, given) into the tables of
:mod:`sokhoe.synth.name_tables`; text is only assembled when a file is written, one chunk at
a time, through a precomputed "family + middle" prefix table.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sokhoe.synth import name_tables as tables
from sokhoe.synth.sampling import Ints, weighted

_FAMILY = [name for name, _ in tables.FAMILY]
#: Middle and given names of both sexes in one table each: men first, then women, so one
#: index identifies the name whatever the sex.
_MIDDLE = [name for name, _ in tables.MALE_MIDDLE + tables.FEMALE_MIDDLE]
_GIVEN = [name for name, _, _ in tables.MALE_GIVEN + tables.FEMALE_GIVEN]
_MIDDLE_OFFSET = (0, len(tables.MALE_MIDDLE))
_GIVEN_OFFSET = (0, len(tables.MALE_GIVEN))
_COHORTS = np.array(tables.COHORT_STARTS)
#: Whether a given name repeats the (last word of the) middle name.
_REPEATS = np.array([[bool(m) and m.split()[-1] == g for g in _GIVEN] for m in _MIDDLE])


@dataclass(frozen=True, slots=True)
class Names:
    """Name parts per person, as indices into the tables."""

    family: Ints
    middle: Ints
    given: Ints


def draw_family(rng: np.random.Generator, size: int) -> Ints:
    return weighted(rng, [share for _, share in tables.FAMILY], size)


def draw_personal(
    rng: np.random.Generator, female: NDArray[np.bool_], birth_year: Ints
) -> tuple[Ints, Ints]:
    """Middle and given names fitting each person's sex and birth cohort."""
    cohort = np.searchsorted(_COHORTS, birth_year, side="right")
    middle = np.empty(female.size, dtype=np.int64)
    given = np.empty(female.size, dtype=np.int64)
    for sex, (middles, givens) in enumerate(
        ((tables.MALE_MIDDLE, tables.MALE_GIVEN), (tables.FEMALE_MIDDLE, tables.FEMALE_GIVEN))
    ):
        for c in range(len(tables.COHORT_STARTS) + 1):
            rows = np.flatnonzero((female == bool(sex)) & (cohort == c))
            middle_weights = [w[c] for _, w in middles]
            given_weights = [w * tables.ERA_FACTORS[era][c] for _, w, era in givens]
            middle[rows] = _MIDDLE_OFFSET[sex] + weighted(rng, middle_weights, rows.size)
            given[rows] = _GIVEN_OFFSET[sex] + weighted(rng, given_weights, rows.size)
            # "Nguyễn Quang Quang" is no name: draw again where the given name repeats.
            while (again := rows[_REPEATS[middle[rows], given[rows]]]).size:
                given[again] = _GIVEN_OFFSET[sex] + weighted(rng, given_weights, again.size)
    return middle, given


class NameWriter:
    """Assembles full names, "Nguyễn Thị Thu Hà", for a chunk of people at a time."""

    def __init__(self) -> None:
        middles = [f"{m} " if m else "" for m in _MIDDLE]
        self._prefix = np.array([f"{f} {m}" for f in _FAMILY for m in middles], dtype=object)
        self._given = np.array(_GIVEN, dtype=object)
        self._middles = len(middles)

    def texts(self, names: Names, rows: Ints | slice) -> list[str]:
        prefixes = self._prefix[names.family[rows] * self._middles + names.middle[rows]]
        givens = self._given[names.given[rows]]
        return [p + g for p, g in zip(prefixes.tolist(), givens.tolist(), strict=True)]


def full_name(family: int, middle: int | None, given: int) -> str:
    """One name as text; ``middle=None`` leaves the middle name out."""
    parts = (_FAMILY[family], "" if middle is None else _MIDDLE[middle], _GIVEN[given])
    return " ".join(part for part in parts if part)


def has_letter_d(names: Names) -> NDArray[np.bool_]:
    """Whether the name contains "Đ" (the letter an Eth can be typed for)."""
    flags: NDArray[np.bool_] = np.zeros(names.family.size, dtype=bool)
    for table, part in ((_FAMILY, names.family), (_MIDDLE, names.middle), (_GIVEN, names.given)):
        flags |= np.array(["Đ" in name for name in table])[part]
    return flags


def has_middle(middle: Ints) -> NDArray[np.bool_]:
    empty = np.array([not m for m in _MIDDLE])
    flags: NDArray[np.bool_] = ~empty[middle]
    return flags


def family_has_variant(family: Ints) -> NDArray[np.bool_]:
    variants = np.array([name in tables.REGIONAL_VARIANTS for name in _FAMILY])
    flags: NDArray[np.bool_] = variants[family]
    return flags


def regional_variant(family: int) -> int:
    """The index of the other regional spelling (Huỳnh for Hoàng, Võ for Vũ…)."""
    return _FAMILY.index(tables.REGIONAL_VARIANTS[_FAMILY[family]])


def without_diacritics(text: str) -> str:
    """ASCII folding as careless typing does it: "Đặng Thị Ánh" → "Dang Thi Anh"."""
    decomposed = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def with_eth(text: str) -> str:
    """Latin capital Eth (U+00D0) typed for Vietnamese Đ (U+0110): they look the same."""
    return text.replace("Đ", "Ð")
