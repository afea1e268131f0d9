"""``establishments.csv``: schools whose pupils are the commune's children of the level's
ages, enterprises of the commune's working adults, all people of the register; same seed,
same file."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from pathlib import Path

from sokhoe.synth.establishments import COLUMNS, LEVELS
from tests.synth.conftest import AS_OF, Province, build, read_csv


def _age(birth: str) -> int:
    """Age on the synth's day; a date known to the year or month (old people) counts from
    its 1st of January or 1st of the month, a year off at most."""
    parts = [int(part) for part in birth.split("-")] + [1, 1]
    born = dt.date(parts[0], parts[1], parts[2])
    return AS_OF.year - born.year - ((AS_OF.month, AS_OF.day) < (born.month, born.day))


def _within(age: int, exact: bool, youngest: int, oldest: int) -> bool:
    """``age`` in the range, a year either way when the date was partial."""
    slack = 0 if exact else 1
    return youngest - slack <= age <= oldest + slack


def test_pupils_fit_their_school_and_everyone_is_in_the_register(province: Province) -> None:
    rows = province.rows("establishments.csv")
    assert tuple(rows[0]) == COLUMNS
    people = province.people
    levels = {level.code: level for level in LEVELS}
    pupils: Counter[str] = Counter()
    for row in rows:
        person = people[row["person_id"]]  # KeyError: not in the register
        assert person["commune_code"] == row["commune_code"]
        age = _age(person["birth_date"])
        exact = len(person["birth_date"]) == 10
        if row["role"] == "pupil":
            level = levels[row["code"].removesuffix(row["code"][-7:])]
            assert exact and level.youngest <= age <= level.oldest, row
            pupils[row["person_id"]] += 1
        elif row["role"] == "staff":
            assert row["kind"] == "school" and _within(age, exact, 23, 60)
        else:
            assert (row["kind"], row["role"]) == ("enterprise", "employee")
            assert _within(age, exact, 18, 60)
    # every child of school age in the register is a pupil, once
    of_age = {
        pid
        for pid, person in people.items()
        if len(person["birth_date"]) == 10 and 6 <= _age(person["birth_date"]) <= 17
    }
    assert set(pupils) == of_age and set(pupils.values()) == {1}
    # nobody both teaches and works for an enterprise; staff and employees once each
    adults = Counter(row["person_id"] for row in rows if row["role"] != "pupil")
    assert set(adults.values()) == {1}


def test_establishments_are_consistent_and_enterprise_sizes_skewed(province: Province) -> None:
    rows = province.rows("establishments.csv")
    columns: dict[tuple[str, str], set[tuple[str, str, str]]] = defaultdict(set)
    sizes: Counter[str] = Counter()
    for row in rows:
        columns[(row["kind"], row["code"])].add(
            (row["name"], row["commune_code"], row["head_name"])
        )
        if row["kind"] == "enterprise":
            sizes[row["code"]] += 1
    assert all(len(values) == 1 for values in columns.values())  # repeated alike
    assert all(head for ((name, _, head),) in columns.values())
    schools = [code for kind, code in columns if kind == "school"]
    assert {code[:-7] for code in schools} == {"TH", "THCS", "THPT"}
    ordered = sorted(sizes.values())
    assert ordered[-1] > 3 * ordered[len(ordered) // 2]  # a few large employers


def test_the_same_seed_gives_the_same_file(tmp_path: Path) -> None:
    first = build(tmp_path / "a", people=3_000) / "establishments.csv"
    second = build(tmp_path / "b", people=3_000) / "establishments.csv"
    other = build(tmp_path / "c", people=3_000, seed=8) / "establishments.csv"
    assert first.read_bytes() == second.read_bytes() != other.read_bytes()
    assert read_csv(first)
