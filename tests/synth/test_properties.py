"""Properties of the building blocks, and of tiny provinces anywhere in the country."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from tempfile import TemporaryDirectory

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sokhoe.registry import units
from sokhoe.registry.identifiers import gender_century_digit
from sokhoe.synth import SynthOptions, dates, generate, identity, names, sampling
from sokhoe.synth.text_errors import person_id_error
from tests.synth.conftest import read_csv
from tests.synth.test_errors import is_swap_or_one_digit

birth_dates = st.dates(dt.date(1900, 1, 1), dt.date(2099, 12, 31))


@given(st.lists(birth_dates, min_size=1, max_size=20), st.integers(-150, 150))
def test_add_months_matches_calendar_arithmetic(days: list[dt.date], months: int) -> None:
    shifted = dates.add_months(np.array(days, dtype="datetime64[D]"), months)
    for day, result in zip(days, shifted.astype(dt.date).tolist(), strict=True):
        year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
        month += 1
        last = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day
        assert result == dt.date(year, month, min(day.day, last))


@given(st.lists(birth_dates, min_size=1, max_size=20), birth_dates)
def test_age_on_counts_completed_years(births: list[dt.date], when: dt.date) -> None:
    ages = dates.age_on(np.array(births, dtype="datetime64[D]"), when)
    for born, years in zip(births, ages.tolist(), strict=True):
        expected = when.year - born.year - ((when.month, when.day) < (born.month, born.day))
        assert years == expected


@given(st.lists(st.tuples(st.booleans(), st.integers(1900, 2199)), min_size=1))
def test_century_sex_digit_agrees_with_the_identifier_module(
    people: list[tuple[bool, int]],
) -> None:
    female = np.array([f for f, _ in people])
    years = np.array([y for _, y in people])
    digits = identity.century_sex_digit(female, years).tolist()
    assert digits == [gender_century_digit("F" if f else "M", y) for f, y in people]


@given(st.text(alphabet="ĐđÀÁẢÃẠĂẮẰẲẴẶÂẤẦẨẪẬàáảãạăắằẳẵặâấầẩẫậƯỨừửữựươơớờởỡợêếềểễệ abc"))
def test_without_diacritics_is_ascii_with_the_same_length(text: str) -> None:
    folded = names.without_diacritics(text)
    assert folded.isascii() and len(folded) == len(text)


@given(st.integers(0, 10**12 - 1), st.integers(0, 2**32 - 1))
def test_typos_change_one_digit_or_swap_two(person_id: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    true, typed, kinds = person_id_error(rng, person_id, ["person_id_typo"], lambda _: False)
    assert kinds == ["person_id_typo"] and typed is not None
    assert typed != true and is_swap_or_one_digit(typed, true)


@given(st.lists(st.integers(0, 20), min_size=1, max_size=300), st.integers(0, 2**32 - 1))
def test_unique_random_never_repeats_nor_reuses_taken_values(
    prefixes: list[int], seed: int
) -> None:
    rng = np.random.default_rng(seed)
    taken = np.arange(0, 21 * 1000, 3)
    values = sampling.unique_random(rng, np.array(prefixes), 1000, taken)
    assert len(set(values.tolist())) == len(prefixes)
    assert not set(values.tolist()) & set(taken.tolist())
    assert (values // 1000).tolist() == prefixes


@settings(max_examples=15, deadline=None)
@given(
    st.sampled_from([u.code for u in units.all_provinces()]),
    st.integers(1, 120),
    st.integers(0, 1000),
)
def test_tiny_provinces_anywhere_are_consistent(province: int, people: int, seed: int) -> None:
    with TemporaryDirectory() as directory:
        out = Path(directory)
        summary = generate(SynthOptions(province, people, seed, out, error_rate=3.0))
        register = read_csv(out / "register.csv")
        assert len(register) == people == summary.rows["register.csv"]
        ids = {row["person_id"] for row in register}
        assert len(ids) == people
        communes = {str(c.code) for c in units.communes_of(province)}
        assert {row["commune_code"] for row in register} <= communes
        households = {row["person_id"]: row["household_id"] for row in register}
        for link in read_csv(out / "guardians.csv"):
            assert households[link["child_id"]] == households[link["guardian_id"]]
        for link in read_csv(out / "truth" / "links.csv"):
            assert link["true_person_id"] in ids
