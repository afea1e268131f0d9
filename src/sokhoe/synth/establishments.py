"""``establishments.csv``: the province's schools and enterprises with their rosters, in the
columns ``sokhoe establishments import`` reads.

Schools: in each commune with children of an age, primary schools (tiểu học, ages 6–10),
lower secondary (THCS, 11–14) and upper secondary (THPT, 15–17), as many of each as its
pupils fill (:data:`LEVELS`); every child of those ages in the commune is a pupil of one of
them, and one adult of 23–60 of the commune per :data:`PUPILS_PER_STAFF` pupils is on its
staff. Enterprises: :data:`EMPLOYED_SHARE` of the commune's other adults of 18–60 work for
one of its enterprises, whose sizes are skewed (a few large employers, many small ones).
Ages are counted on the synth's ``as_of``. A school's head is the first of its staff, an
enterprise's the first of its employees.

Every array is built at once with numpy; the numbers come from a stream of their own
(:func:`establishment_stream`), so the other files do not change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from sokhoe.registry.units import Unit
from sokhoe.synth.files import Texts
from sokhoe.synth.sampling import Bools, Ints
from sokhoe.synth.writer import write_csv

COLUMNS = ("kind", "code", "name", "commune_code", "head_name", "person_id", "role")


@dataclass(frozen=True)
class Level:
    code: str
    name: str
    youngest: int
    oldest: int
    #: Pupils a school of the level takes before the commune needs another one.
    capacity: int


LEVELS = (
    Level("TH", "Trường Tiểu học", 6, 10, 700),
    Level("THCS", "Trường THCS", 11, 14, 900),
    Level("THPT", "Trường THPT", 15, 17, 1_200),
)
PUPILS_PER_STAFF = 20
EMPLOYED_SHARE = 0.35
#: Employees per enterprise on average in a commune.
MEAN_EMPLOYEES = 40
#: Pareto shape of the enterprises' sizes (smaller: more skewed).
SIZE_SHAPE = 1.2
_TRADES = (
    "Thủy sản",
    "Du lịch",
    "Xây dựng",
    "May mặc",
    "Vận tải",
    "Thương mại",
    "Chế biến thực phẩm",
    "Cơ khí",
)
#: The stream's key, apart from :data:`~sokhoe.synth.sampling.STREAMS`' (0, 1, …).
_STREAM_KEY = 1_000


def establishment_stream(seed: int, province: int) -> np.random.Generator:
    return np.random.default_rng(
        np.random.SeedSequence(entropy=[seed, province], spawn_key=(_STREAM_KEY,))
    )


def _place(unit: Unit) -> str:
    """The commune's name without its kind ("Nha Trang" for "Phường Nha Trang")."""
    prefix = unit.division_type.casefold() + " "
    if unit.name.casefold().startswith(prefix):
        return unit.name[len(prefix) :]
    return unit.name


@dataclass(frozen=True)
class Rosters:
    """Establishments (schools first) and their members, each member row pointing at one."""

    kind: list[str]
    code: list[str]
    name: list[str]
    commune: Ints
    #: Per member row: its establishment, person (register row) and role; by establishment.
    establishment: Ints
    person: Ints
    role: NDArray[np.object_]


def _groups(keys: Ints, counts_needed: Ints) -> tuple[Ints, Bools]:
    """For items sorted by ``keys``: each item's rank in its key's group, and whether it is
    among the first ``counts_needed[key]`` of it."""
    starts = np.searchsorted(keys, keys, side="left")
    rank: Ints = np.arange(keys.size) - starts
    return rank, rank < counts_needed[keys]


def build(texts: Texts, rng: np.random.Generator) -> Rosters:
    pop = texts.population
    communes = len(texts.geography.communes)
    age, commune = pop.age, pop.commune
    kinds: list[str] = []
    codes: list[str] = []
    names: list[str] = []
    est_commune: list[Ints] = []
    member_est: list[Ints] = []
    member_person: list[Ints] = []
    member_role: list[NDArray[np.object_]] = []
    staff_wanted: list[Ints] = []
    count = 0
    for level in LEVELS:
        pupils = np.flatnonzero((age >= level.youngest) & (age <= level.oldest))
        per_commune = np.bincount(commune[pupils], minlength=communes)
        schools = np.where(per_commune > 0, -(-per_commune // level.capacity), 0)
        first = count + np.concatenate(([0], np.cumsum(schools)[:-1]))
        draw = rng.random(pupils.size) * schools[commune[pupils]]
        school: Ints = first[commune[pupils]] + draw.astype(np.int64)
        school_commune = np.repeat(np.arange(communes), schools)
        number = np.arange(school_commune.size) - np.repeat(first - count, schools)
        for c, n in zip(school_commune.tolist(), number.tolist(), strict=True):
            unit = texts.geography.communes[c]
            several = schools[c] > 1
            kinds.append("school")
            codes.append(f"{level.code}{unit.code}{n + 1:02d}")
            names.append(f"{level.name} {_place(unit)}" + (f" số {n + 1}" if several else ""))
        est_commune.append(school_commune)
        member_est.append(school)
        member_person.append(pupils)
        member_role.append(np.full(pupils.size, "pupil", dtype=object))
        sizes = np.bincount(school - count, minlength=school_commune.size)
        staff_wanted.append((-(-sizes // PUPILS_PER_STAFF)).astype(np.int64))
        count += school_commune.size
    school_commune = np.concatenate(est_commune)
    wanted = np.concatenate(staff_wanted)
    # Staff: the commune's adults of 23–60 in a random order, the first ones to its schools.
    adults = np.flatnonzero((age >= 23) & (age <= 60))
    order = np.lexsort((rng.random(adults.size), commune[adults]))
    adults = adults[order]
    by_commune = np.lexsort((np.arange(count), school_commune))
    need = np.bincount(school_commune, weights=wanted, minlength=communes).astype(np.int64)
    rank, chosen = _groups(commune[adults], need)
    staff, rank = adults[chosen], rank[chosen]
    # Each commune's schools take consecutive ranks: school i of the commune its slice.
    ends = np.cumsum(wanted[by_commune])
    offset = np.concatenate(([0], np.cumsum(need)[:-1]))
    staff_school = by_commune[np.searchsorted(ends, offset[commune[staff]] + rank, side="right")]
    member_est.append(staff_school)
    member_person.append(staff)
    member_role.append(np.full(staff.size, "staff", dtype=object))
    est_commune = [school_commune]
    # Employees: some of the other working-age adults, to skewed enterprises of their commune.
    taken = np.zeros(pop.size, dtype=np.bool_)
    taken[staff] = True
    working = (age >= 18) & (age <= 60) & ~taken
    employed: Bools = working & (rng.random(pop.size) < EMPLOYED_SHARE)
    employees = np.flatnonzero(employed)
    per_commune = np.bincount(commune[employees], minlength=communes)
    enterprises = np.where(per_commune > 0, np.maximum(1, per_commune // MEAN_EMPLOYEES), 0)
    enterprise_commune = np.repeat(np.arange(communes), enterprises)
    weight = rng.pareto(SIZE_SHAPE, enterprise_commune.size) + 1.0
    cumulative = np.cumsum(weight)
    first = np.concatenate(([0], np.cumsum(enterprises)[:-1]))
    before = np.concatenate(([0.0], cumulative))[first]
    total = np.bincount(enterprise_commune, weights=weight, minlength=communes)
    target = before[commune[employees]] + rng.random(employees.size) * total[commune[employees]]
    enterprise = np.minimum(
        np.searchsorted(cumulative, target, side="right"),
        first[commune[employees]] + enterprises[commune[employees]] - 1,
    )
    number = np.arange(enterprise_commune.size) - np.repeat(first, enterprises)
    trade = rng.integers(0, len(_TRADES), enterprise_commune.size)
    for c, n, t in zip(enterprise_commune.tolist(), number.tolist(), trade.tolist(), strict=True):
        unit = texts.geography.communes[c]
        kinds.append("enterprise")
        codes.append(f"DN{unit.code}{n + 1:03d}")
        names.append(f"Công ty TNHH {_TRADES[t]} {_place(unit)} {n + 1}")
    est_commune.append(enterprise_commune)
    member_est.append(count + enterprise)
    member_person.append(employees)
    member_role.append(np.full(employees.size, "employee", dtype=object))
    est = np.concatenate(member_est)
    person = np.concatenate(member_person)
    rows = np.lexsort((person, est))
    return Rosters(
        kind=kinds,
        code=codes,
        name=names,
        commune=np.concatenate(est_commune),
        establishment=est[rows],
        person=person[rows],
        role=np.concatenate(member_role)[rows],
    )


def write(path: Path, texts: Texts, rng: np.random.Generator) -> int:
    """Writes the file; returns its number of rows."""
    rosters = build(texts, rng)
    heads = np.full(len(rosters.kind), "", dtype=object)
    adult = rosters.role != "pupil"
    est, person = rosters.establishment[adult], rosters.person[adult]
    first = np.flatnonzero(np.diff(est, prepend=-1) != 0)
    heads[est[first]] = texts.names.texts(texts.population.names, person[first])
    kind = np.array(rosters.kind, dtype=object)
    code = np.array(rosters.code, dtype=object)
    name = np.array(rosters.name, dtype=object)
    commune = np.array(texts.commune_codes(rosters.commune), dtype=object)

    def columns(start: int, end: int) -> Sequence[list[str]]:
        est = rosters.establishment[start:end]
        return (
            kind[est].tolist(),
            code[est].tolist(),
            name[est].tolist(),
            commune[est].tolist(),
            heads[est].tolist(),
            texts.ids(rosters.person[start:end]),
            rosters.role[start:end].tolist(),
        )

    return write_csv(path, COLUMNS, rosters.person.size, columns)
