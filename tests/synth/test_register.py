"""The register is the truth: real communes, consistent IDs, a realistic population."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict

from sokhoe.registry import units
from sokhoe.registry.dates import parse_partial_date
from sokhoe.registry.identifiers import inconsistencies
from tests.synth.conftest import AS_OF, PEOPLE, Province

REGISTER_COLUMNS = [
    "person_id",
    "full_name",
    "birth_date",
    "sex",
    "commune_code",
    "village",
    "level2_eid",
    "household_id",
    "phone",
]


def age(birth_date: str) -> int:
    born, _ = parse_partial_date(birth_date)
    return AS_OF.year - born.year - ((AS_OF.month, AS_OF.day) < (born.month, born.day))


def test_register_has_the_contracted_columns_and_size(province: Province) -> None:
    header = (province.out / "register.csv").read_text(encoding="utf-8").split("\n", 1)[0]
    assert header.split(",") == REGISTER_COLUMNS
    assert len(province.register) == PEOPLE


def test_person_ids_are_unique_twelve_digits_consistent_with_sex_and_birth_year(
    province: Province,
) -> None:
    ids = [row["person_id"] for row in province.register]
    assert len(set(ids)) == len(ids)
    for row in province.register:
        assert re.fullmatch(r"\d{12}", row["person_id"])
        born, _ = parse_partial_date(row["birth_date"])
        assert inconsistencies(row["person_id"], row["sex"] or None, born.year) == []


def test_most_births_were_registered_in_the_province(province: Province) -> None:
    local = sum(row["person_id"].startswith("056") for row in province.register)
    assert 0.82 < local / PEOPLE < 0.88


def test_fields_have_their_formats(province: Province) -> None:
    precisions: Counter[int] = Counter()
    for row in province.register:
        precisions[len(row["birth_date"])] += 1
        assert re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", row["birth_date"])
        assert row["sex"] in ("M", "F", "")
        assert row["level2_eid"] in ("0", "1")
        assert re.fullmatch(r"(0[35789]\d{8})?", row["phone"])
        assert 0 < len(row["household_id"]) <= 20
    assert precisions[4] > 0  # a few old people are known by their birth year only
    assert precisions[10] > 0.95 * PEOPLE


def test_year_only_births_belong_to_old_people(province: Province) -> None:
    for row in province.register:
        if len(row["birth_date"]) < 10:
            assert int(row["birth_date"][:4]) < 1970


def test_communes_are_the_provinces_and_villages_are_all_listed(province: Province) -> None:
    communes = {str(c.code) for c in units.communes_of(56)}
    villages = {(r["commune_code"], r["village"]) for r in province.rows("villages.csv")}
    for row in province.register:
        assert row["commune_code"] in communes
        assert (row["commune_code"], row["village"]) in villages
    assert {c for c, _ in villages} == communes
    per_commune = Counter(c for c, _ in villages)
    assert all(5 <= n <= 25 for n in per_commune.values())


def test_villages_are_named_after_the_kind_of_commune(province: Province) -> None:
    kind = {str(c.code): c.division_type for c in units.communes_of(56)}
    for row in province.rows("villages.csv"):
        word = "Tổ dân phố " if kind[row["commune_code"]] == "phường" else "Thôn "
        assert row["village"].startswith(word)


def test_villages_file_is_sorted(province: Province) -> None:
    rows = [(int(r["commune_code"]), r["village"]) for r in province.rows("villages.csv")]
    assert rows == sorted(rows)


def test_households_are_realistic_and_live_in_one_village(province: Province) -> None:
    places = defaultdict(set)
    for row in province.register:
        places[row["household_id"]].add((row["commune_code"], row["village"]))
    assert all(len(p) == 1 for p in places.values())
    assert 3.2 < PEOPLE / len(places) < 3.8


def test_age_pyramid_has_the_vietnamese_shape(province: Province) -> None:
    ages = [age(row["birth_date"]) for row in province.register]

    def share(low: int, high: int = 200) -> float:
        return sum(low <= a < high for a in ages) / PEOPLE

    assert 0.21 < share(0, 15) < 0.26
    assert 0.12 < share(60) < 0.17
    assert 0.005 < share(85) < 0.02
    assert min(ages) >= 0
    assert max(ages) <= 101


def test_names_are_nfc_with_three_or_more_words(province: Province) -> None:
    for row in province.register:
        name = row["full_name"]
        assert unicodedata.is_normalized("NFC", name)
        assert 2 <= len(name.split()) <= 5


def test_family_names_are_concentrated_like_vietnams(province: Province) -> None:
    family = Counter(row["full_name"].split()[0] for row in province.register)
    assert 0.30 < family["Nguyễn"] / PEOPLE < 0.46
    assert family["Trần"] > family["Đặng"] > family["Quách"]


def test_young_women_are_less_often_thi_than_old_women(province: Province) -> None:
    def thi_share(low: int, high: int) -> float:
        women = [
            r for r in province.register if r["sex"] == "F" and low <= age(r["birth_date"]) < high
        ]
        return sum(r["full_name"].split()[1] == "Thị" for r in women) / len(women)

    assert thi_share(0, 15) < 0.35 < thi_share(60, 110)


def test_level2_eid_for_most_adults_and_few_children(province: Province) -> None:
    def level2(low: int, high: int) -> float:
        rows = [r for r in province.register if low <= age(r["birth_date"]) < high]
        return sum(r["level2_eid"] == "1" for r in rows) / len(rows)

    assert 0.8 < level2(14, 120) < 0.9
    assert level2(75, 120) < 0.65
    assert level2(0, 14) < 0.05
