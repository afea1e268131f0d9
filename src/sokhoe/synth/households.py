"""Households and ages: families first, then the rest of the age pyramid around them.

1. Families with children are drawn as units (children spaced 1–8 years, a mother 18–45
   years older than her youngest, a father about 3 years older than the mother, sometimes
   grandparents, sometimes only grandparents while the parents work elsewhere), until they
   hold the pyramid's share of minors.
2. Everyone else fills what the pyramid still lacks, age by age and sex by sex: minors join a
   family whose mother is 20–42 years older; adults marry by age rank; unmarried young adults
   live with parents of fitting age, widowed elders with a son of fitting age, the rest alone.

The result follows the 2024 age pyramid (5-year bands) closely at any size, with households
of about 3.5 people whose ages and relations are consistent.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from sokhoe.synth.sampling import Bools, Floats, Ints, bernoulli, exact_counts, pick_in_range
from sokhoe.synth.sampling import weighted as draw

#: Population share (%) per 5-year band 0–4 … 80–84, then 85 and over (Vietnam, 2024).
PYRAMID_PERCENT = (
    7.3,
    8.0,
    8.2,
    7.0,
    6.6,
    7.4,
    8.1,
    8.3,
    7.6,
    7.0,
    6.2,
    5.5,
    4.8,
    3.8,
    2.6,
    1.5,
    1.0,
    1.1,
)
MAX_AGE = 100
ADULT = 18
#: Share of men by age band (lower bounds): more boys at birth, more old women.
_MALE_SHARE = ((0, 0.52), (15, 0.505), (60, 0.47), (70, 0.43), (80, 0.36))
#: Probability of being married, by age band (lower bounds), for men and for women.
_MARRIED_AGES = np.array([18, 20, 25, 30, 35, 60, 70, 80])
_MARRIED = (
    np.array([0.03, 0.2, 0.55, 0.78, 0.88, 0.85, 0.75, 0.6]),
    np.array([0.1, 0.35, 0.7, 0.84, 0.86, 0.7, 0.5, 0.25]),
)
#: Slots order people inside a household: parents, grandparents, then children.
FATHER, MOTHER, GRANDFATHER, GRANDMOTHER, CHILD = range(5)
_NOBODY = -(10**6)  # an anchor age no range can reach


def age_weights() -> Floats:
    """Expected share of each single year of age 0–100."""
    weights: Floats = np.zeros(MAX_AGE + 1)
    for band, percent in enumerate(PYRAMID_PERCENT[:-1]):
        weights[5 * band : 5 * band + 5] = percent / 5
    tail = 0.8 ** np.arange(MAX_AGE + 1 - 85)
    weights[85:] = PYRAMID_PERCENT[-1] * tail / tail.sum()
    weights /= weights.sum()
    return weights


@dataclass(frozen=True)
class Roster:
    """Everyone, in construction order; relations are indices into the same arrays (-1)."""

    age: Ints
    female: Bools
    household: Ints
    slot: Ints
    father: Ints
    mother: Ints
    #: Grandparents acting as guardians of children whose parents live elsewhere.
    guardian_a: Ints
    guardian_b: Ints
    #: Whose family name a person carries (father, or paternal grandfather), -1: own.
    lineage: Ints
    households: int


class _Builder:
    def __init__(self, size: int) -> None:
        self.age = np.zeros(size, dtype=np.int64)
        self.female = np.zeros(size, dtype=bool)
        self.household = np.zeros(size, dtype=np.int64)
        self.slot = np.zeros(size, dtype=np.int64)
        links = np.full(size, -1, dtype=np.int64)
        self.father, self.mother = links.copy(), links.copy()
        self.guardian_a, self.guardian_b, self.lineage = links.copy(), links.copy(), links
        self.count = 0
        self.households = 0

    def add(
        self, present: Bools, age: Ints, female: Bools | bool, household: Ints, slot: int | Ints
    ) -> Ints:
        """Adds the present entries; returns each entry's person index, -1 if absent."""
        index = np.full(present.size, -1, dtype=np.int64)
        n = int(present.sum())
        index[present] = np.arange(self.count, self.count + n)
        people = index[present]
        self.age[people] = age[present]
        self.female[people] = np.broadcast_to(female, present.shape)[present]
        self.household[people] = household[present]
        self.slot[people] = np.broadcast_to(slot, present.shape)[present]
        self.count += n
        return index

    def new_households(self, n: int) -> Ints:
        ids = np.arange(self.households, self.households + n, dtype=np.int64)
        self.households += n
        return ids

    def roster(self) -> Roster:
        return Roster(
            self.age,
            self.female,
            self.household,
            self.slot,
            self.father,
            self.mother,
            self.guardian_a,
            self.guardian_b,
            self.lineage,
            self.households,
        )


@dataclass
class _Hosts:
    """Households that can take in a child, a young adult or a widowed elder."""

    household: Ints
    father: Ints
    mother: Ints
    lineage: Ints
    father_age: Ints
    mother_age: Ints
    takes_elder: Bools


def build(rng: np.random.Generator, people: int) -> Roster:
    """``people`` persons: their age, sex, household and relations."""
    target = age_weights() * people
    builder = _Builder(people)
    families = _families(rng, builder, target, people)
    produced_age = np.bincount(builder.age[: builder.count], minlength=MAX_AGE + 1)
    produced_men = np.bincount(
        builder.age[: builder.count][~builder.female[: builder.count]], minlength=MAX_AGE + 1
    )
    fillable = target.copy()
    if not (families.mother_age > _NOBODY).any():
        fillable[:ADULT] = 0  # no mother could take a child in (a tiny population)
    missing = np.clip(fillable - produced_age, 0, None)
    if missing.sum() == 0:
        missing = fillable
    counts = exact_counts(rng, missing, people - builder.count)
    ages = rng.permutation(np.repeat(np.arange(MAX_AGE + 1), counts))
    men_wanted = target * _male_share(np.arange(MAX_AGE + 1)) - produced_men
    p_male = np.clip(men_wanted / np.maximum(counts, 1), 0, 1)
    female = ~bernoulli(rng, p_male[ages], ages.size)
    _minors(rng, builder, families, ages[ages < ADULT], female[ages < ADULT])
    grown = ages >= ADULT
    _adults(rng, builder, families, ages[grown], female[grown])
    return builder.roster()


def _male_share(age: Ints) -> Floats:
    bounds = np.array([b for b, _ in _MALE_SHARE])
    shares = np.array([s for _, s in _MALE_SHARE])
    result: Floats = shares[np.searchsorted(bounds, age, side="right") - 1]
    return result


def _siblings(
    rng: np.random.Generator, youngest_weights: Floats, n: int
) -> tuple[Ints, Ints, Bools]:
    """Per family: the youngest child's age, each sibling's age offset, who lives at home."""
    kids = 1 + draw(rng, [0.33, 0.45, 0.16, 0.06], n)
    youngest = draw(rng, youngest_weights, n)
    spacing = 1 + draw(rng, [10, 24, 24, 16, 10, 7, 5, 4], 3 * n).reshape(n, 3)
    offset = np.minimum(np.c_[np.zeros(n, dtype=np.int64), np.cumsum(spacing, axis=1)], 20)
    age = youngest[:, None] + offset
    # Grown-up children mostly have left: keep all up to 22, a third up to 30.
    stays = (age <= 22) | ((age <= 30) & (rng.random((n, 4)) < 0.35))
    child = (np.arange(4) < kids[:, None]) & stays
    child[:, 0] = True  # the youngest is a minor by construction
    return youngest, offset, child


def _youngest_weights(minors: Floats) -> Floats:
    """Ages for the youngest child such that all minors, elder siblings included, follow
    the pyramid: a few fixed-point rounds on a pilot sample (a fixed seed, so the weights
    are a pure function of the pyramid)."""
    pilot = np.random.default_rng(0)
    weights = minors.copy()
    for _ in range(4):
        youngest, offset, child = _siblings(pilot, weights, 50_000)
        age = (youngest[:, None] + offset)[child]
        produced = np.bincount(age[age < ADULT], minlength=ADULT) + 1.0
        weights *= (minors / minors.sum()) / (produced / produced.sum())
    return weights


def _families(rng: np.random.Generator, builder: _Builder, target: Floats, people: int) -> _Hosts:
    """Families with minors, drawn until they hold the pyramid's minors (or everyone)."""
    n = int(target[:ADULT].sum() / 1.5) + 8
    youngest, offset, child = _siblings(rng, _youngest_weights(target[:ADULT]), n)
    child_age = youngest[:, None] + offset
    span = np.where(child, offset, 0).max(axis=1)
    mother_age = youngest + _gaps(rng, 29, 5, span + 18, 45, n)
    father_age = np.maximum(mother_age + _gaps(rng, 3, 3.5, -3, 15, n), 19)
    shape = draw(rng, [0.025, 0.065, 0.015, 0.895], n)  # away, no father, no mother, both
    away = shape == 0
    has_father = (shape == 2) | (shape == 3)
    has_mother = (shape == 1) | (shape == 3)
    grandparents = np.where(away, 1 + draw(rng, [0.35, 0.65], n), draw(rng, [0.68, 0.14, 0.18], n))
    paternal = np.where(
        has_father & ~has_mother,
        True,
        np.where(has_mother & ~has_father, False, rng.random(n) < 0.72),
    )
    side_age = np.where(paternal, father_age, mother_age)
    grandfather_age = side_age + _gaps(rng, 29, 4.5, 19, 45, n)
    grandmother_age = grandfather_age - _gaps(rng, 3, 3, -3, 12, n)
    lone_grandmother = rng.random(n) < 0.65
    has_grandfather = ((grandparents == 2) | ((grandparents == 1) & ~lone_grandmother)) & (
        grandfather_age <= 97
    )
    has_grandmother = ((grandparents == 2) | ((grandparents == 1) & lone_grandmother)) & (
        grandmother_age <= 99
    )
    # Keep families while they add minors the pyramid still wants and people fit.
    size = child.sum(1) + has_father + has_mother + has_grandfather + has_grandmother
    minors = (child & (child_age < ADULT)).sum(1)
    keep = int(
        min(
            np.searchsorted(np.cumsum(minors), target[:ADULT].sum(), side="right"),
            np.searchsorted(np.cumsum(size), people, side="right"),
        )
    )
    household = builder.new_households(keep)
    sl = slice(0, keep)
    add = builder.add
    father = add(has_father[sl], father_age[sl], False, household, FATHER)
    mother = add(has_mother[sl], mother_age[sl], True, household, MOTHER)
    grandfather = add(has_grandfather[sl], grandfather_age[sl], False, household, GRANDFATHER)
    grandmother = add(has_grandmother[sl], grandmother_age[sl], True, household, GRANDMOTHER)
    children = np.stack(
        [
            add(child[sl, i], child_age[sl, i], rng.random(keep) >= 0.52, household, CHILD)
            for i in range(4)
        ],
        axis=1,
    )
    # Children carry the father's family name; with the father absent, the paternal
    # grandfather's; failing both, the youngest child's own draw is the siblings' name.
    lineage = np.where(
        father >= 0,
        father,
        np.where(paternal[sl] & (grandfather >= 0), grandfather, children[:, 0]),
    )
    for i in range(4):
        kid = children[:, i]
        here = kid >= 0
        builder.father[kid[here]] = father[here]
        builder.mother[kid[here]] = mother[here]
        builder.lineage[kid[here]] = np.where(lineage[here] == kid[here], -1, lineage[here])
        orphaned = here & (father < 0) & (mother < 0)
        builder.guardian_a[kid[orphaned]] = grandfather[orphaned]
        builder.guardian_b[kid[orphaned]] = grandmother[orphaned]
    parent = np.where(paternal[sl], father, mother)
    linked = parent >= 0
    builder.father[parent[linked]] = grandfather[linked]
    builder.mother[parent[linked]] = grandmother[linked]
    builder.lineage[parent[linked]] = grandfather[linked]
    takes = has_mother[sl] & has_father[sl]
    return _Hosts(
        household,
        father,
        mother,
        lineage,
        np.where(father >= 0, father_age[sl], _NOBODY),
        np.where(mother >= 0, mother_age[sl], _NOBODY),
        takes & (grandfather < 0) & (grandmother < 0),
    )


def _gaps(
    rng: np.random.Generator, mean: float, sd: float, low: Ints | int, high: int, n: int
) -> Ints:
    """Whole-year age gaps, normal around ``mean``, clipped to ``[low, high]``."""
    gaps: Ints = np.clip(np.round(rng.normal(mean, sd, n)), low, high).astype(np.int64)
    return gaps


def _minors(
    rng: np.random.Generator, builder: _Builder, hosts: _Hosts, age: Ints, female: Bools
) -> None:
    """Minors the families lacked join a family with a mother of fitting age."""
    host = pick_in_range(rng, hosts.mother_age, age + 20, age + 42)
    retry = host < 0
    host[retry] = pick_in_range(rng, hosts.mother_age, age[retry] + 16, age[retry] + MAX_AGE)
    # A last resort for tiny populations: any family, the child made young enough.
    stuck = host < 0
    host[stuck] = np.flatnonzero(hosts.mother_age > _NOBODY)[0] if stuck.any() else 0
    age = np.where(stuck, np.minimum(age, hosts.mother_age[host] - 18), age)
    _join_as_children(builder, hosts, host, age, female)


def _join_as_children(
    builder: _Builder, hosts: _Hosts, host: Ints, age: Ints, female: Bools
) -> None:
    index = builder.add(np.ones(host.size, dtype=bool), age, female, hosts.household[host], CHILD)
    builder.father[index] = hosts.father[host]
    builder.mother[index] = hosts.mother[host]
    builder.lineage[index] = hosts.lineage[host]


def _adults(
    rng: np.random.Generator, builder: _Builder, families: _Hosts, age: Ints, female: Bools
) -> None:
    """Couples by age rank, then young adults to parents, widowed elders to a son."""
    band = np.searchsorted(_MARRIED_AGES, age, side="right") - 1
    married = bernoulli(rng, np.where(female, _MARRIED[1][band], _MARRIED[0][band]), age.size)
    men = np.flatnonzero(married & ~female)
    women = np.flatnonzero(married & female)
    pairs = min(men.size, women.size)
    men = rng.permutation(men)[:pairs]
    women = rng.permutation(women)[:pairs]
    men = men[np.argsort(age[men] + rng.normal(0, 1.5, pairs), kind="stable")]
    women = women[np.argsort(age[women] + rng.normal(0, 1.5, pairs), kind="stable")]
    fits = np.abs(age[men] - age[women]) <= 12
    men, women = men[fits], women[fits]
    household = builder.new_households(men.size)
    ones = np.ones(men.size, dtype=bool)
    husband = builder.add(ones, age[men], False, household, FATHER)
    wife = builder.add(ones, age[women], True, household, MOTHER)
    couples = _Hosts(household, husband, wife, husband, age[men], age[women], ones)
    hosts = _merge(families, couples)

    alone = np.ones(age.size, dtype=bool)
    alone[men] = alone[women] = False
    young = np.flatnonzero(alone & (age < 46))
    stays_home = bernoulli(
        rng, np.select([age[young] < 25, age[young] < 30], [0.92, 0.85], 0.5), young.size
    )
    young = young[stays_home]
    host = pick_in_range(rng, hosts.mother_age, age[young] + 19, age[young] + 42)
    young = young[host >= 0]
    _join_as_children(builder, hosts, host[host >= 0], age[young], female[young])
    alone[young] = False

    old = np.flatnonzero(alone & (age >= 55))
    old = old[bernoulli(rng, 0.8, old.size)]
    host = pick_in_range(
        rng, np.where(hosts.takes_elder, hosts.father_age, _NOBODY), age[old] - 42, age[old] - 20
    )
    placed = np.flatnonzero(host >= 0)
    _, first = np.unique(host[placed], return_index=True)  # one elder per household
    old, host = old[placed[first]], host[placed[first]]
    elder = builder.add(
        np.ones(old.size, dtype=bool),
        age[old],
        female[old],
        hosts.household[host],
        np.where(female[old], GRANDMOTHER, GRANDFATHER),
    )
    son = hosts.father[host]
    builder.father[son[~female[old]]] = elder[~female[old]]
    builder.lineage[son[~female[old]]] = elder[~female[old]]
    builder.mother[son[female[old]]] = elder[female[old]]
    alone[old] = False

    single = np.flatnonzero(alone)
    builder.add(
        np.ones(single.size, dtype=bool),
        age[single],
        female[single],
        builder.new_households(single.size),
        np.where(female[single], MOTHER, FATHER),
    )


def _merge(a: _Hosts, b: _Hosts) -> _Hosts:
    return _Hosts(*(np.concatenate([getattr(a, f.name), getattr(b, f.name)]) for f in fields(a)))
