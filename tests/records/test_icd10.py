"""ICD-10 codes as Vietnamese HIS write them, and the names the book shows."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sokhoe.records import icd10


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("J06.9", "J06.9"),
        ("J069", "J06.9"),
        ("j06.9 ", "J06.9"),
        (" J 06.9", "J06.9"),
        ("J06", "J06"),
        ("I10", "I10"),
        ("E11.9", "E11.9"),
        ("G01*", "G01"),  # asterisk (manifestation) code
        ("A17.0+", "A17.0"),  # dagger (aetiology) code as HIS type it
        ("A17.0†", "A17.0"),
        ("S52.50", "S52.5"),  # optional fifth character of the fracture chapters
        ("A90", "A90"),  # dengue as Vietnam's list still codes it
        ("A91", "A91"),
        ("A97.1", "A97.1"),  # and as the WHO's 2019 edition does
        ("u07.1", "U07.1"),
    ],
)
def test_codes_are_read_in_the_forms_his_write(written: str, code: str) -> None:
    assert icd10.normalize(written) == code


@pytest.mark.parametrize(
    "written",
    ["", " ", "J0", "J06.99.1", "A00-A09", "I", "XXII", "J06..9", "Z99.Z", "A90.0", "10", "ABC"],
)
def test_what_is_not_a_category_or_subcategory_is_refused(written: str) -> None:
    assert icd10.normalize(written) is None


def test_every_named_code_is_a_valid_code_named_in_composed_vietnamese() -> None:
    assert len(icd10.NAMED_CODES) >= 150
    for code in icd10.NAMED_CODES:
        assert icd10.normalize(code) == code
        vietnamese = icd10.vietnamese_name(code)
        assert vietnamese is not None
        assert vietnamese == unicodedata.normalize("NFC", vietnamese) == vietnamese.strip()
        assert vietnamese != icd10.name(code, "en")


def test_the_common_diagnoses_of_the_brief_have_vietnamese_names() -> None:
    assert icd10.name("I10") == "Tăng huyết áp vô căn (nguyên phát)"
    assert icd10.name("B08.4") == "Bệnh tay chân miệng"
    assert icd10.name("A91") == "Sốt xuất huyết Dengue"
    for code in ("E11.9", "K29.7", "J18.9", "S82", "Z34.0", "Z35.9", "O80", "Z00.1", "Z23"):
        assert icd10.vietnamese_name(code) is not None, code


def test_a_subcategory_without_a_name_of_its_own_takes_its_categorys() -> None:
    assert "K29.3" not in icd10.NAMED_CODES
    assert icd10.name("K29.3") == icd10.name("K29") == "Viêm dạ dày và tá tràng"
    assert icd10.name("k293") == "Viêm dạ dày và tá tràng"


def test_a_code_without_a_vietnamese_name_is_named_in_english() -> None:
    assert icd10.vietnamese_name("A17.0") is None
    assert icd10.name("A17.0") == "Tuberculous meningitis"
    assert icd10.name("A17.0", "en") == "Tuberculous meningitis"
    assert icd10.name("I10", "en") == "Essential (primary) hypertension"
    assert icd10.name("A90", "en") == "Dengue fever [classical dengue]"


def test_a_code_that_is_not_icd10_is_shown_as_written() -> None:
    assert icd10.name("XYZ") == "XYZ"
    assert icd10.vietnamese_name("XYZ") is None


@given(st.text(max_size=12))
def test_normalize_never_raises_and_gives_a_fixed_point(text: str) -> None:
    code = icd10.normalize(text)
    if code is not None:
        assert icd10.normalize(code) == code
        assert icd10.name(code, "en") != code


@given(st.sampled_from(sorted(icd10.NAMED_CODES)), st.booleans(), st.sampled_from(["", "*", "+"]))
def test_named_codes_survive_the_his_spellings(code: str, lower: bool, mark: str) -> None:
    written = code.replace(".", "") + mark
    assert icd10.normalize(written.lower() if lower else written) == code
