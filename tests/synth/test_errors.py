"""Every injected error is recorded, and every recorded error can be seen in the files."""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from collections import Counter, defaultdict

from sokhoe.insurance.card_number import InvalidCardNumber, parse_card_number
from sokhoe.registry.identifiers import inconsistencies
from sokhoe.synth.errors import DEFAULT_RATES, KINDS
from sokhoe.synth.name_tables import REGIONAL_VARIANTS
from tests.synth.conftest import AS_OF, Province


def fold(text: str) -> str:
    """Comparison form: NFC letters without diacritics, Eth as Đ, case-insensitive."""
    text = unicodedata.normalize("NFD", text.replace("Ð", "D").replace("Đ", "D").replace("đ", "d"))
    return "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()


def is_swap_or_one_digit(typed: str, true: str) -> bool:
    differ = [i for i in range(12) if typed[i] != true[i]]
    if len(differ) == 1:
        return True
    return (
        len(differ) == 2
        and differ[1] == differ[0] + 1
        and typed[differ[0]] == true[differ[1]]
        and typed[differ[1]] == true[differ[0]]
    )


def visible(error: dict[str, str], row: dict[str, str], province: Province) -> bool:
    """Whether the error shows in the file row as its kind says it should."""
    kind, true, injected = error["kind"], error["true_value"], error["injected_value"]
    if kind.startswith("name_"):
        checks = {
            "name_no_diacritics": lambda: injected.isascii() and not true.isascii(),
            "name_nfd": lambda: not unicodedata.is_normalized("NFC", injected),
            "name_eth": lambda: "Ð" in injected and "Ð" not in true,
            "name_upper": lambda: injected.isupper() and not true.isupper(),
            "name_regional_variant": lambda: (
                fold(injected.split()[0]) == fold(REGIONAL_VARIANTS[true.split()[0]])
            ),
            "name_missing_middle": lambda: len(injected.split()) < len(true.split()),
        }
        return checks[kind]()
    if kind == "birth_day_month_swap":
        return injected == f"{true[:4]}-{true[8:10]}-{true[5:7]}" != true
    if kind == "birth_year_only":
        return injected == true[:4]
    if kind == "person_id_missing":
        return injected == ""
    if kind == "person_id_typo":
        return injected not in province.people and is_swap_or_one_digit(injected, true)
    if kind == "person_id_inconsistent":
        year = int(province.people[true]["birth_date"][:4])
        return (
            injected not in province.people
            and injected[6:] == true[6:]
            and inconsistencies(injected, row["sex"], year) != []
        )
    if kind == "card_expired":
        return dt.date.fromisoformat(injected) < AS_OF
    if kind == "card_not_yet_valid":
        return dt.date.fromisoformat(injected) > AS_OF
    if kind == "card_level_mismatch":
        try:
            parse_card_number(injected)
        except InvalidCardNumber as exc:
            return "mức hưởng" in str(exc)
        return False
    return injected != true


def test_every_recorded_error_is_visible_in_its_row(province: Province) -> None:
    files = {"cards": province.cards, "integrated": province.integrated}
    assert province.errors
    for error in province.errors:
        row = files[error["file"]][int(error["row"]) - 1]
        assert row[error["field"]] == error["injected_value"], error
        assert visible(error, row, province), error


def test_record_names_the_true_person(province: Province) -> None:
    for error in province.errors:
        if error["file"] == "cards":
            link = province.links[int(error["row"]) - 1]
            assert link["true_person_id"] == error["person_id"], error


def test_duplicate_cards_give_one_person_two_numbers(province: Province) -> None:
    numbers = defaultdict(set)
    for link in province.links:
        numbers[link["true_person_id"]].add(link["card_number"][-10:])
    for error in province.errors:
        if error["kind"] == "duplicate_card":
            assert len(numbers[error["person_id"]]) >= 2


def test_shared_card_numbers_name_two_different_people(province: Province) -> None:
    holders = defaultdict(set)
    for link in province.links:
        holders[link["card_number"]].add(link["true_person_id"])
    for error in province.errors:
        if error["kind"] == "duplicate_card_number":
            assert len(holders[error["injected_value"]]) == 2


def test_wallet_cards_that_differ_are_not_the_holders_cards(province: Province) -> None:
    numbers = defaultdict(set)
    for link in province.links:
        numbers[link["true_person_id"]].add(link["card_number"][-10:])
    for error in province.errors:
        if error["kind"] == "integrated_card_differs":
            assert error["injected_value"][-10:] not in numbers[error["person_id"]]


def test_every_kind_occurs_near_its_default_rate(province: Province) -> None:
    counts = Counter(e["kind"] for e in province.errors)
    assert set(counts) == set(KINDS)
    rows = {"cards": len(province.cards), "integrated": len(province.integrated)}
    for kind, rate in DEFAULT_RATES.items():
        file = "integrated" if kind.startswith("integrated") else "cards"
        expected = rate * rows[file]
        assert 0.4 * expected < counts[kind] < 1.8 * expected + 5, kind


def test_names_are_nfc_except_where_nfd_was_injected(province: Province) -> None:
    nfd_rows = {int(e["row"]) for e in province.errors if e["kind"] == "name_nfd"}
    for number, row in enumerate(province.cards, start=1):
        assert unicodedata.is_normalized("NFC", row["full_name"]) != (number in nfd_rows)


def test_manifest_counts_match_the_files(province: Province) -> None:
    manifest = json.loads((province.out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["rows"]["cards.csv"] == len(province.cards)
    assert manifest["rows"]["truth/errors.csv"] == len(province.errors)
    assert manifest["errors"] == dict(Counter(e["kind"] for e in province.errors))
    assert manifest["options"]["error_rate"] == 1.0


def test_without_errors_the_card_list_agrees_with_the_register(clean: Province) -> None:
    assert clean.errors == []
    for link, card in zip(clean.links, clean.cards, strict=True):
        person = clean.people[link["true_person_id"]]
        assert card["person_id"] == person["person_id"]
        assert card["full_name"] == person["full_name"]
        assert card["birth_date"] == person["birth_date"]
        assert card["commune_code"] == person["commune_code"]
    assert len({c["card_number"] for c in clean.cards}) == len(clean.cards)
