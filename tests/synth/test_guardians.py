"""Every child under 14 has a parent (or, with the parents away, a grandparent) at home."""

from __future__ import annotations

from collections import defaultdict

from tests.synth.conftest import Province
from tests.synth.test_register import age


def test_every_child_under_14_has_a_guardian_in_the_same_household(province: Province) -> None:
    people = province.people
    guardians = defaultdict(list)
    for row in province.rows("guardians.csv"):
        guardians[row["child_id"]].append(row)
    for person_id, person in people.items():
        if age(person["birth_date"]) >= 14:
            continue
        links = guardians[person_id]
        assert links, person_id
        for link in links:
            guardian = people[link["guardian_id"]]
            assert guardian["household_id"] == person["household_id"]
            assert age(guardian["birth_date"]) >= 18


def test_relations_fit_the_guardians_sex_and_parents_come_first(province: Province) -> None:
    people = province.people
    by_child = defaultdict(list)
    for row in province.rows("guardians.csv"):
        by_child[row["child_id"]].append(row["relation"])
        sex = people[row["guardian_id"]]["sex"]
        expected = {"cha": "M", "mẹ": "F"}.get(row["relation"])
        assert expected is None or sex in (expected, ""), row
    for relations in by_child.values():
        assert set(relations) <= {"cha", "mẹ", "giám hộ"}
        # A grandparent is guardian only when no parent lives with the child.
        assert "giám hộ" not in relations or relations == ["giám hộ"] * len(relations)
    assert any("giám hộ" in r for r in by_child.values())


def test_children_carry_their_fathers_family_name(province: Province) -> None:
    people = province.people
    for row in province.rows("guardians.csv"):
        if row["relation"] == "cha":
            child = people[row["child_id"]]["full_name"].split()[0]
            assert child == people[row["guardian_id"]]["full_name"].split()[0]


def test_mothers_are_between_16_and_50_years_older(province: Province) -> None:
    people = province.people
    for row in province.rows("guardians.csv"):
        if row["relation"] == "mẹ":
            gap = age(people[row["guardian_id"]]["birth_date"]) - age(
                people[row["child_id"]]["birth_date"]
            )
            assert 16 <= gap <= 50
