"""BHXH's card list and the wallet export: realistic coverage, groups and validity."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter

import pytest

from sokhoe.insurance.card_number import InvalidCardNumber, parse_card_number
from tests.synth.conftest import AS_OF, PEOPLE, Province
from tests.synth.test_register import age

CARD_COLUMNS = [
    "card_number",
    "person_id",
    "full_name",
    "birth_date",
    "sex",
    "commune_code",
    "valid_from",
    "valid_to",
    "facility_code",
]


def test_cards_have_the_contracted_columns(province: Province) -> None:
    header = (province.out / "cards.csv").read_text(encoding="utf-8").split("\n", 1)[0]
    assert header.split(",") == CARD_COLUMNS


def test_about_93_percent_are_covered(province: Province) -> None:
    holders = {row["true_person_id"] for row in province.links}
    assert 0.91 <= len(holders) / PEOPLE <= 0.95


def test_card_codes_parse_except_recorded_level_mismatches(province: Province) -> None:
    mismatched = {int(e["row"]) for e in province.errors if e["kind"] == "card_level_mismatch"}
    for number, row in enumerate(province.cards, start=1):
        assert re.fullmatch(r"[A-Z]{2}[1-5]56\d{10}", row["card_number"])
        if number in mismatched:
            with pytest.raises(InvalidCardNumber, match="mức hưởng"):
                parse_card_number(row["card_number"])
        else:
            card = parse_card_number(row["card_number"])
            assert card.province == 56 and card.bhxh_number.startswith("56")


def test_groups_fit_the_holders_age(clean: Province) -> None:
    people = clean.people
    groups_by_band: dict[str, Counter[str]] = {
        "child": Counter(),
        "pupil": Counter(),
        "adult": Counter(),
        "old": Counter(),
    }
    for row in clean.cards:
        years = age(people[row["person_id"]]["birth_date"])
        band = "child" if years < 6 else "pupil" if years < 18 else "adult" if years < 60 else "old"
        groups_by_band[band][row["card_number"][:2]] += 1
    assert set(groups_by_band["child"]) <= {"TE", "GD", "DN"}
    assert groups_by_band["child"].most_common(1)[0][0] == "TE"
    assert groups_by_band["pupil"].most_common(1)[0][0] == "HS"
    assert {"DN", "GD"} <= set(groups_by_band["adult"])
    assert "TE" not in groups_by_band["adult"] and "HS" not in groups_by_band["adult"]
    assert groups_by_band["old"]["HT"] > 0.2 * sum(groups_by_band["old"].values())


def test_clean_cards_are_valid_on_the_as_of_date_for_a_year_or_until_six(clean: Province) -> None:
    for row in clean.cards:
        start = dt.date.fromisoformat(row["valid_from"])
        end = dt.date.fromisoformat(row["valid_to"])
        assert start <= AS_OF <= end
        if row["card_number"].startswith("TE"):
            born = dt.date.fromisoformat(row["birth_date"])
            sixth_birthday = born.replace(
                year=born.year + 6, day=min(born.day, 28 if born.month == 2 else 31)
            )
            assert start == born
            assert end + dt.timedelta(days=1) == sixth_birthday
        else:
            assert start.day == 1 and (end + dt.timedelta(days=1)).replace(year=start.year) == start


def test_primary_facilities_exist_and_are_mostly_commune_stations(province: Province) -> None:
    facilities = {row["facility_code"]: row for row in province.rows("facilities.csv")}
    kinds = Counter(facilities[row["facility_code"]]["kind"] for row in province.cards)
    assert 0.7 < kinds["tram_y_te"] / len(province.cards) < 0.85
    assert kinds["benh_vien"] > 0


def test_facilities_one_station_per_commune_plus_hospitals(province: Province) -> None:
    rows = province.rows("facilities.csv")
    stations = [r for r in rows if r["kind"] == "tram_y_te"]
    assert len({r["commune_code"] for r in stations}) == len(stations) == 65
    assert all(r["name"].startswith("Trạm Y tế ") for r in stations)
    assert "Bệnh viện Đa khoa tỉnh Khánh Hòa" in {r["name"] for r in rows}
    codes = [r["facility_code"] for r in rows]
    assert len(set(codes)) == len(codes) and all(re.fullmatch(r"56\d{3}", c) for c in codes)


def test_integrations_are_holders_with_level2_eid_or_their_children(clean: Province) -> None:
    people = clean.people
    cards = {row["card_number"][-10:]: row["person_id"] for row in clean.cards}
    as_of = dt.datetime.combine(AS_OF, dt.time())
    children = 0
    for row in clean.integrated:
        assert cards[row["card_number"][-10:]] == row["person_id"]
        assert len(row["card_number"]) in (10, 15)
        assert dt.datetime.fromisoformat(row["integrated_at"]) < as_of
        person = people[row["person_id"]]
        if age(person["birth_date"]) < 14:
            children += 1
        else:
            assert person["level2_eid"] == "1"
    eligible = sum(
        1
        for r in clean.cards
        if people[r["person_id"]]["level2_eid"] == "1" and age(r["birth_date"]) >= 14
    )
    assert 0.55 < (len(clean.integrated) - children) / eligible < 0.65
    assert 0 < children < 0.1 * len(clean.integrated)


def test_links_name_every_card_row_in_order(province: Province) -> None:
    assert len(province.links) == len(province.cards)
    for number, (link, card) in enumerate(zip(province.links, province.cards, strict=True), 1):
        assert int(link["row"]) == number
        assert link["card_number"] == card["card_number"]
        assert link["true_person_id"] in province.people
