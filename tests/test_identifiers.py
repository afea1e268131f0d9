"""Personal IDs, BHYT card numbers and partial dates: parsing and consistency rules."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sokhoe.insurance.card_number import (
    LEVEL_OF_GROUP,
    InvalidCardNumber,
    parse_card_number,
)
from sokhoe.registry.dates import InvalidDate, format_partial_date, parse_partial_date
from sokhoe.registry.identifiers import (
    InvalidPersonId,
    inconsistencies,
    parse_person_id,
    person_id_text,
)

serials = st.text(alphabet="0123456789", min_size=6, max_size=6)


@given(
    province=st.integers(0, 999),
    sex=st.sampled_from(["M", "F"]),
    year=st.integers(1900, 2199),
    serial=serials,
)
def test_person_id_round_trips(province: int, sex: str, year: int, serial: str) -> None:
    text = person_id_text(province, sex, year, serial)
    decoded = parse_person_id(text)
    assert (decoded.province, decoded.sex, decoded.birth_year, decoded.serial) == (
        province,
        sex,
        year,
        serial,
    )
    assert decoded.text == text
    assert inconsistencies(text, sex, year) == []


def test_known_person_id_decodes() -> None:
    # 056 Khánh Hòa, G=3 → female born in the 2000s, YY=12.
    decoded = parse_person_id("056312000123")
    assert (decoded.province, decoded.sex, decoded.birth_year) == (56, "F", 2012)
    assert inconsistencies("056312000123", "M", 2013) == ["sex", "birth_year"]
    assert inconsistencies("056312000123", None, None) == []


@given(st.text(max_size=14).filter(lambda s: not (len(s) == 12 and s.isascii() and s.isdigit())))
def test_anything_but_twelve_digits_is_refused(text: str) -> None:
    with pytest.raises(InvalidPersonId):
        parse_person_id(text)


def test_gender_digit_above_five_is_refused() -> None:
    with pytest.raises(InvalidPersonId, match="từ 0 đến 5"):
        parse_person_id("056712000123")


@given(
    group=st.sampled_from(sorted(LEVEL_OF_GROUP)),
    province=st.integers(0, 99),
    number=st.text(alphabet="0123456789", min_size=10, max_size=10),
)
def test_full_card_code_round_trips(group: str, province: int, number: str) -> None:
    code = f"{group}{LEVEL_OF_GROUP[group]}{province:02d}{number}"
    card = parse_card_number(code.lower())
    assert card.is_full_code
    assert (card.group, card.level, card.province, card.bhxh_number) == (
        group,
        LEVEL_OF_GROUP[group],
        province,
        number,
    )


@given(
    group=st.sampled_from(sorted(LEVEL_OF_GROUP)),
    level=st.integers(1, 5),
    number=st.text(alphabet="0123456789", min_size=10, max_size=10),
)
def test_level_not_fitting_group_is_refused(group: str, level: int, number: str) -> None:
    code = f"{group}{level}56{number}"
    if level == LEVEL_OF_GROUP[group]:
        assert parse_card_number(code).level == level
    else:
        with pytest.raises(InvalidCardNumber, match="mức hưởng"):
            parse_card_number(code)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("123", "15 ký tự"),
        ("GD4561234567", "15 ký tự"),
        ("GD45612345678X9", "2 chữ cái"),
        ("ZZ4561234567890", "không tồn tại"),
    ],
)
def test_malformed_card_numbers_say_what_is_wrong(raw: str, message: str) -> None:
    with pytest.raises(InvalidCardNumber, match=message):
        parse_card_number(raw)


def test_short_forms_are_accepted() -> None:
    assert parse_card_number("56 1234 5678").bhxh_number == "5612345678"
    assert not parse_card_number("056312000123").is_full_code


@given(st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31)))
def test_partial_dates_round_trip(day: dt.date) -> None:
    assert parse_partial_date(day.isoformat()) == (day, "day")
    assert parse_partial_date(day.isoformat()[:7]) == (day.replace(day=1), "month")
    assert parse_partial_date(str(day.year)) == (dt.date(day.year, 1, 1), "year")


@pytest.mark.parametrize("bad", ["1987-13-01", "1987-02-30", "87-02-01", "", "01/02/1987"])
def test_bad_dates_are_refused(bad: str) -> None:
    with pytest.raises(InvalidDate):
        parse_partial_date(bad)


def test_dates_display_in_vietnamese_order() -> None:
    assert format_partial_date(dt.date(1987, 3, 9), "day") == "09/03/1987"
    assert format_partial_date(dt.date(1987, 3, 1), "month") == "03/1987"
    assert format_partial_date(dt.date(1987, 1, 1), "year") == "1987"
