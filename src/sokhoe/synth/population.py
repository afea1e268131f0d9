"""The register: everyone with a place, a birth date, a name, an ID, a phone and an e-ID.

Households are placed in communes and villages, then people are put in register order
(commune, village, household, parents before children) and every relation is renumbered.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from sokhoe.synth import dates, households, identity, names
from sokhoe.synth.geography import Geography
from sokhoe.synth.sampling import Bools, Ints, bernoulli, weighted

#: Old people whose birth registers kept only a year (or a month): real data, not errors.
_YEAR_ONLY = ((1950, 0.06, 0.015), (1970, 0.01, 0.005))  # born before, year only, month only
_SEX_UNKNOWN = 0.0003


@dataclass(frozen=True)
class Population:
    """One entry per person, in register order; relations index the same arrays (-1: none)."""

    birth: dates.Days
    precision: Ints
    age: Ints
    female: Bools
    #: The register lacks the sex of a handful of people (the ID still encodes it).
    sex_unknown: Bools
    commune: Ints
    village: Ints
    household: Ints
    #: Household IDs by household number, e.g. "HK22366000123".
    household_ids: list[str]
    father: Ints
    mother: Ints
    guardian_a: Ints
    guardian_b: Ints
    names: names.Names
    person_id: Ints
    phone: Ints
    level2: Bools

    @property
    def size(self) -> int:
        return int(self.age.size)


def build(
    geography: Geography, people: int, as_of: dt.date, streams: dict[str, np.random.Generator]
) -> Population:
    """Everyone of the province, drawn from the ``households``, ``names`` and ``identity``
    streams (and ``geography`` to place households)."""
    roster = households.build(streams["households"], people)
    rng = streams["geography"]
    commune = weighted(rng, geography.commune_weight, roster.households)
    village = geography.village_of(commune, rng.random(roster.households))
    household_order = np.lexsort((rng.random(roster.households), village, commune))
    rank = np.empty(roster.households, dtype=np.int64)
    rank[household_order] = np.arange(roster.households)
    order = np.lexsort((-roster.age, roster.slot, rank[roster.household]))
    new_index = np.empty(order.size, dtype=np.int64)
    new_index[order] = np.arange(order.size)

    def relation(link: Ints) -> Ints:
        moved = link[order]
        result: Ints = np.where(moved >= 0, new_index[np.maximum(moved, 0)], -1)
        return result

    age = roster.age[order]
    female = roster.female[order]
    household = rank[roster.household[order]]
    birth, precision = _births(streams["households"], age, as_of)
    birth_year = dates.year_month_day(birth)[0]
    lineage = relation(roster.lineage)
    id_rng = streams["identity"]
    return Population(
        birth=birth,
        precision=precision,
        age=dates.age_on(birth, as_of),
        female=female,
        sex_unknown=bernoulli(id_rng, _SEX_UNKNOWN, people),
        commune=commune[household_order][household],
        village=village[household_order][household],
        household=household,
        household_ids=_household_ids(geography, commune[household_order]),
        father=relation(roster.father),
        mother=relation(roster.mother),
        guardian_a=relation(roster.guardian_a),
        guardian_b=relation(roster.guardian_b),
        names=_names(streams["names"], female, birth_year, lineage),
        person_id=identity.person_ids(
            id_rng,
            identity.birth_provinces(id_rng, geography.province.code, people),
            female,
            birth_year,
        ),
        phone=identity.phones(id_rng, age),
        level2=identity.level2_accounts(id_rng, age),
    )


def _births(rng: np.random.Generator, age: Ints, as_of: dt.date) -> tuple[dates.Days, Ints]:
    """A birth date making each person exactly ``age`` on ``as_of``, and its precision."""
    last_birthday = dates.add_months(np.full(age.size, dates.day(as_of)), -12 * age)
    birth = last_birthday - np.floor(rng.random(age.size) * 365).astype("timedelta64[D]")
    year = dates.year_month_day(birth)[0]
    precision = np.full(age.size, dates.DAY, dtype=np.int64)
    u = rng.random(age.size)
    for born_before, year_only, month_only in reversed(_YEAR_ONLY):
        old = year < born_before
        precision[old] = np.select(
            [u[old] < year_only, u[old] < year_only + month_only],
            [dates.YEAR, dates.MONTH],
            dates.DAY,
        )
    return birth, precision


def _names(rng: np.random.Generator, female: Bools, birth_year: Ints, lineage: Ints) -> names.Names:
    """Family names follow the lineage (children carry their father's); the rest by cohort."""
    family = names.draw_family(rng, female.size)
    linked = np.flatnonzero(lineage >= 0)
    while True:  # one pass per generation: grandfather → father → child
        inherited = family[lineage[linked]]
        if np.array_equal(inherited, family[linked]):
            break
        family[linked] = inherited
    middle, given = names.draw_personal(rng, female, birth_year)
    return names.Names(family=family, middle=middle, given=given)


def _household_ids(geography: Geography, commune: Ints) -> list[str]:
    """ "HK" + commune code + a number within the commune: unique in the province."""
    starts = np.r_[0, np.flatnonzero(np.diff(commune)) + 1]
    first = np.repeat(starts, np.diff(np.r_[starts, commune.size]))
    serial = np.arange(commune.size) - first + 1
    codes = [c.code for c in geography.communes]
    return [
        f"HK{codes[c]:05d}{s:06d}" for c, s in zip(commune.tolist(), serial.tolist(), strict=True)
    ]
