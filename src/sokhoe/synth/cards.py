"""Health-insurance cards as they truly are, and the cards integrated in VNeID wallets.

Coverage (≈93%) and the beneficiary group follow age and situation: TE under 6, pupils (HS),
some students (SV), employees (DN), household-based (GD), retirees (HT), social protection
(BT, from 75 under the 2024 law), the poor and near-poor (HN), police and army (CA, QN),
revolution contributors (CC, CB, KC). The benefit level is the group's (see FORMATS.md).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields, replace

import numpy as np
from numpy.typing import NDArray

from sokhoe.insurance.card_number import LEVEL_OF_GROUP
from sokhoe.synth import dates
from sokhoe.synth.geography import Geography
from sokhoe.synth.population import Population
from sokhoe.synth.sampling import Bools, Ints, bernoulli, unique_random, weighted

#: (lowest age, {group: probability}); what is left has no card.
_GROUPS_BY_AGE: tuple[tuple[int, dict[str, float]], ...] = (
    (0, {"TE": 0.995}),
    (6, {"HS": 0.93, "HN": 0.02, "BT": 0.005}),
    (18, {"SV": 0.35, "DN": 0.25, "GD": 0.2, "HN": 0.03, "QN": 0.02, "CA": 0.01}),
    (23, {"DN": 0.47, "GD": 0.33, "HC": 0.05, "HN": 0.025, "DT": 0.01, "HT": 0.01,
          "CA": 0.01, "QN": 0.008, "BT": 0.005}),
    (60, {"HT": 0.35, "GD": 0.44, "DN": 0.06, "BT": 0.03, "HN": 0.03, "KC": 0.01,
          "CC": 0.005, "CB": 0.005}),
    (75, {"HT": 0.3, "BT": 0.45, "GD": 0.13, "KC": 0.03, "CC": 0.01, "CB": 0.01}),
    (80, {"HT": 0.3, "BT": 0.52, "GD": 0.05, "KC": 0.05, "CC": 0.02, "CB": 0.02}),
)  # fmt: skip
GROUPS: tuple[str, ...] = tuple(sorted({g for _, table in _GROUPS_BY_AGE for g in table} | {"DN"}))
TE = GROUPS.index("TE")
#: Correct benefit level per group index.
LEVELS = np.array([LEVEL_OF_GROUP[g] for g in GROUPS])
_TE_MONTHS = 72
#: Where cards register their primary facility: station, provincial or regional hospital.
_FACILITY_SHARES = (0.78, 0.12, 0.10)
_BHXH_SPAN = 100_000_000  # 8 random digits after the 2-digit province
_SHORT_FORM = 0.25  # integrations exported with the 10-digit BHXH number only
_INTEGRATION_WINDOW_DAYS = 540
_CHILD_VIA_PARENT = 0.15


@dataclass(frozen=True)
class Cards:
    """One row per card; ``person`` is the true holder (an index into the population)."""

    person: Ints
    group: Ints
    level: Ints
    bhxh: Ints
    valid_from: dates.Days
    valid_to: dates.Days
    facility: Ints

    @property
    def size(self) -> int:
        return int(self.person.size)

    def concat(self, other: Cards) -> Cards:
        return Cards(
            *(np.concatenate([getattr(self, f.name), getattr(other, f.name)]) for f in fields(self))
        )

    def take(self, rows: Ints) -> Cards:
        return Cards(*(getattr(self, f.name)[rows] for f in fields(self)))


@dataclass(frozen=True)
class Integrations:
    """Cards in VNeID wallets: the holder and the card as the wallet names it."""

    person: Ints
    group: Ints
    level: Ints
    bhxh: Ints
    short_form: Bools
    at: NDArray[np.datetime64]

    @property
    def size(self) -> int:
        return int(self.person.size)


class CardText:
    """``GG L PP NNNNNNNNNN`` text for chunks of cards, via a prefix table."""

    def __init__(self, province: int) -> None:
        self._prefix = np.array(
            [f"{g}{level}{province:02d}" for g in GROUPS for level in range(1, 6)], dtype=object
        )

    def texts(self, group: Ints, level: Ints, bhxh: Ints, short: Bools | None = None) -> list[str]:
        prefixes = self._prefix[group * 5 + level - 1].tolist()
        numbers = [f"{n:010d}" for n in bhxh.tolist()]
        if short is None:
            return [p + n for p, n in zip(prefixes, numbers, strict=True)]
        return [
            n if s else p + n for p, n, s in zip(prefixes, numbers, short.tolist(), strict=True)
        ]

    def one(self, group: int, level: int, bhxh: int) -> str:
        return self.texts(np.array([group]), np.array([level]), np.array([bhxh]))[0]


def issue(
    rng: np.random.Generator, population: Population, geography: Geography, as_of: dt.date
) -> Cards:
    """The true cards: one per covered person, valid on ``as_of``."""
    group = np.full(population.size, -1, dtype=np.int64)
    bounds = [low for low, _ in _GROUPS_BY_AGE] + [10**6]
    for (low, table), high in zip(_GROUPS_BY_AGE, bounds[1:], strict=True):
        rows = np.flatnonzero((population.age >= low) & (population.age < high))
        options = [GROUPS.index(g) for g in table] + [-1]
        weights = [*table.values(), max(0.0, 1.0 - sum(table.values()))]
        group[rows] = np.array(options)[weighted(rng, weights, rows.size)]
    person = np.flatnonzero(group >= 0)
    return _cards_for(rng, population, geography, as_of, person, group[person])


def _cards_for(
    rng: np.random.Generator,
    population: Population,
    geography: Geography,
    as_of: dt.date,
    person: Ints,
    group: Ints,
    taken: Ints | None = None,
) -> Cards:
    """Cards of ``group`` for ``person``, with fresh BHXH numbers (none of ``taken``)."""
    bhxh = fresh_numbers(rng, geography.province.code, person.size, taken)
    valid_from, valid_to = yearly_validity(rng, as_of, person.size, months_back=(0, 11))
    te = group == TE
    birth = population.birth[person[te]]
    valid_from[te] = birth
    valid_to[te] = dates.add_months(birth, _TE_MONTHS) - np.timedelta64(1, "D")
    return Cards(
        person,
        group,
        LEVELS[group],
        bhxh,
        valid_from,
        valid_to,
        _facilities(rng, geography, population.commune[person]),
    )


def fresh_numbers(
    rng: np.random.Generator, province: int, size: int, taken: Ints | None = None
) -> Ints:
    """Distinct BHXH numbers (province + 8 random digits) that are not in ``taken``."""
    return unique_random(rng, np.full(size, province, dtype=np.int64), _BHXH_SPAN, taken)


def second_cards(
    rng: np.random.Generator,
    population: Population,
    geography: Geography,
    as_of: dt.date,
    holders: Cards,
    taken: Ints,
) -> Cards:
    """A second card for the same people under another group (an HS pupil also in the
    household's GD list): BHXH issued a new number instead of finding the first card."""
    other = np.where(holders.group == GROUPS.index("GD"), GROUPS.index("DN"), GROUPS.index("GD"))
    cards = _cards_for(rng, population, geography, as_of, holders.person, other, taken)
    return replace(cards, facility=holders.facility)


def yearly_validity(
    rng: np.random.Generator, as_of: dt.date, size: int, months_back: tuple[int, int]
) -> tuple[dates.Days, dates.Days]:
    """Valid from the 1st of a month ``months_back`` before ``as_of``'s, for a year."""
    start = dates.first_of_month(as_of, -rng.integers(months_back[0], months_back[1] + 1, size))
    return start, dates.add_months(start, 12) - np.timedelta64(1, "D")


def _facilities(rng: np.random.Generator, geography: Geography, commune: Ints) -> Ints:
    choice = weighted(rng, _FACILITY_SHARES, commune.size)
    regional = geography.hospitals[1:]
    if regional.size == 0:
        choice = np.where(choice == 2, 1, choice)
        regional = geography.hospitals
    return np.select(
        [choice == 0, choice == 1],
        [geography.station[commune], geography.hospitals[0]],
        regional[rng.integers(0, regional.size, commune.size)],
    )


def integrate(
    rng: np.random.Generator, population: Population, cards: Cards, as_of: dt.date, share: float
) -> Integrations:
    """``share`` of card holders with a level-2 e-ID (14 and over) integrated their card;
    a few children were integrated through a parent's account."""
    holder = cards.person
    adult = population.level2[holder] & (population.age[holder] >= 14)
    chosen = adult & bernoulli(rng, share, cards.size)
    integrated = np.zeros(population.size, dtype=bool)
    integrated[holder[chosen]] = True
    father, mother = population.father[holder], population.mother[holder]
    parent_in = (father >= 0) & integrated[np.maximum(father, 0)]
    parent_in |= (mother >= 0) & integrated[np.maximum(mother, 0)]
    child = (
        (population.age[holder] < 14) & parent_in & bernoulli(rng, _CHILD_VIA_PARENT, cards.size)
    )
    rows = np.flatnonzero(chosen | child)
    start = np.maximum(cards.valid_from[rows], dates.day(as_of) - _INTEGRATION_WINDOW_DAYS)
    end = np.datetime64(as_of, "s")
    span = (end - start.astype("datetime64[s]")).astype(np.int64)
    at = end - (1 + np.floor(rng.random(rows.size) * span)).astype("timedelta64[s]")
    order = np.lexsort((holder[rows], at))
    rows, at = rows[order], at[order]
    return Integrations(
        holder[rows],
        cards.group[rows],
        cards.level[rows],
        cards.bhxh[rows],
        bernoulli(rng, _SHORT_FORM, rows.size),
        at,
    )
