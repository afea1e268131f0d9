"""Single situations, hand-made: what each one is reported as, and what is not an error."""

from __future__ import annotations

import unicodedata

from tests.reconcile.conftest import PERSON, Case, Result

#: Other residents, so that a search has namesakes and strangers to tell apart.
NEIGHBOURS = [
    {**PERSON, "person_id": "056085099999", "full_name": "Nguyễn Văn Hưng"},
    {**PERSON, "person_id": "056190012345", "full_name": "Trần Thị Lan", "sex": "F",
     "birth_date": "1990-11-20"},
    {**PERSON, "person_id": "056220012345", "full_name": "Lê Minh Khang",
     "birth_date": "2020-05-05", "level2_eid": "0"},
]  # fmt: skip
PEOPLE = [PERSON, *NEIGHBOURS]


def only(result: Result, line: int = 2) -> dict[str, str]:
    (finding,) = [f for f in result.by_line[line] if f["category"] != "ready_not_integrated"]
    return finding


def test_a_clean_card_of_a_person_with_level2_is_ready_for_integration(case: Case) -> None:
    result = case(register=PEOPLE, cards=[{}])
    assert result.categories(2) == {"ready_not_integrated"}
    assert result.links[2]["match"] == "exact"


def test_a_name_differing_only_by_diacritics_is_no_mismatch(case: Case) -> None:
    spellings = [
        "Nguyen Van Hung",
        "NGUYỄN VĂN HÙNG",
        unicodedata.normalize("NFD", "Nguyễn Văn Hùng"),
    ]
    result = case(register=PEOPLE, cards=[{"full_name": name} for name in spellings])
    for line in (2, 3, 4):
        assert "demographic_mismatch" not in result.categories(line)


def test_huynh_for_hoang_and_vo_for_vu_are_no_mismatch(case: Case) -> None:
    people = [
        {**PERSON, "full_name": "Hoàng Văn Phong"},
        {**PERSON, "person_id": "056190012345", "full_name": "Vũ Thị Lan", "sex": "F"},
    ]
    cards = [
        {"full_name": "Huỳnh Văn Phong"},
        {"person_id": "056190012345", "full_name": "Võ Thị Lan", "sex": "F"},
    ]
    result = case(register=people, cards=cards)
    assert "demographic_mismatch" not in result.categories(2) | result.categories(3)


def test_a_swapped_day_and_month_is_flagged_as_such(case: Case) -> None:
    result = case(register=PEOPLE, cards=[{"birth_date": "1985-07-03"}])
    finding = only(result)
    assert finding["category"] == "demographic_mismatch"
    assert "đảo ngày và tháng" in finding["detail"]
    assert "07/03/1985" in finding["suggested_fix"]


def test_a_birth_year_alone_agrees_with_the_full_date(case: Case) -> None:
    result = case(register=PEOPLE, cards=[{"birth_date": "1985"}, {"birth_date": "1985-01-01"}])
    assert "demographic_mismatch" not in result.categories(2) | result.categories(3)


def test_a_missing_middle_name_and_another_sex_name_their_field(case: Case) -> None:
    result = case(register=PEOPLE, cards=[{"full_name": "Nguyễn Hùng", "sex": "F"}])
    details = sorted(
        f["detail"] for f in result.by_line[2] if f["category"] == "demographic_mismatch"
    )
    assert details[0].startswith("Giới tính") and details[1].startswith("Họ tên")
    assert "thiếu tên đệm" in details[1]


def test_a_card_without_id_gets_its_holder_proposed_with_a_score(case: Case) -> None:
    result = case(register=PEOPLE, cards=[{"person_id": ""}])
    finding = only(result)
    assert finding["category"] == "person_id_missing"
    assert finding["person_id"] == PERSON["person_id"]
    assert PERSON["person_id"] in finding["suggested_fix"]
    assert result.links[2]["match"] == "probable"
    assert 0.95 <= float(result.links[2]["score"]) < 1


def test_a_card_of_nobody_in_the_register_says_none_fits(case: Case) -> None:
    stranger = {"person_id": "", "full_name": "Đinh Công Tráng", "birth_date": "1950-02-02"}
    result = case(register=PEOPLE, cards=[stranger])
    finding = only(result)
    assert "không tìm thấy người phù hợp" in finding["detail"]
    assert result.links[2]["match"] == "none" and result.links[2]["person_id"] == ""


def test_a_mistyped_id_is_unknown_and_corrected(case: Case) -> None:
    result = case(register=PEOPLE, cards=[{"person_id": "056085012354"}])
    finding = only(result)
    assert finding["category"] == "person_id_unknown"
    assert (
        "056085012354" in finding["suggested_fix"]
        and PERSON["person_id"] in finding["suggested_fix"]
    )


def test_an_id_contradicting_the_cards_sex_and_year_is_flagged(case: Case) -> None:
    result = case(register=PEOPLE, cards=[{"person_id": "056185012345"}])
    inconsistent = [f for f in result.by_line[2] if f["category"] == "person_id_inconsistent"]
    assert inconsistent and "nữ sinh năm 1985" in inconsistent[0]["detail"]
    assert "thẻ ghi nam sinh năm 1985" in inconsistent[0]["detail"]
    assert result.links[2]["person_id"] == PERSON["person_id"]


def test_card_validity_is_judged_on_the_as_of_date(case: Case) -> None:
    result = case(
        register=PEOPLE,
        cards=[
            {"valid_from": "2024-01-01", "valid_to": "2025-12-31"},
            {
                "valid_from": "2026-04-01",
                "valid_to": "2027-03-31",
                "card_number": "DN4565600000002",
            },
        ],
    )
    assert only(result, 2)["category"] == "card_expired"
    assert only(result, 3)["category"] == "card_not_yet_valid"


def test_a_code_whose_level_does_not_fit_its_group_gets_the_right_one(case: Case) -> None:
    result = case(register=PEOPLE, cards=[{"card_number": "DN2565600000001"}])
    finding = only(result)
    assert finding["category"] == "card_code_invalid"
    assert finding["suggested_fix"].endswith("DN4565600000001")


def test_malformed_codes_and_unknown_groups_are_invalid(case: Case) -> None:
    numbers = ["DN45656", "ZZ4565600000003", "5600000004"]
    result = case(register=PEOPLE, cards=[{"card_number": n} for n in numbers])
    invalid = {
        int(f["line"]): f["detail"] for f in result.findings if f["category"] == "card_code_invalid"
    }
    assert "sai định dạng" in invalid[2] and "không tồn tại" in invalid[3]
    assert 4 not in invalid


def test_of_two_valid_cards_the_better_paid_one_is_kept(case: Case) -> None:
    result = case(
        register=PEOPLE,
        cards=[{"card_number": "GD4565600000001"}, {"card_number": "HT3565600000002"}],
    )
    finding = only(result, 2)
    assert finding["category"] == "duplicate_cards"
    assert "giữ thẻ HT3565600000002 vì mức hưởng cao hơn" in finding["detail"]
    assert result.categories(3) == {"ready_not_integrated"}


def test_the_same_card_number_on_two_people_is_reported_on_both(case: Case) -> None:
    other = {
        "person_id": "056190012345",
        "full_name": "Trần Thị Lan",
        "sex": "F",
        "birth_date": "1990-11-20",
    }
    result = case(register=PEOPLE, cards=[{}, {**other, "card_number": "HS4565600000001"}])
    for line in (2, 3):
        (finding,) = [f for f in result.by_line[line] if f["category"] == "duplicate_card_number"]
        assert "dòng 2" in finding["detail"] and "dòng 3" in finding["detail"]


def test_a_wallet_card_that_is_not_the_valid_one_is_reported(case: Case) -> None:
    wallet = [
        {
            "person_id": PERSON["person_id"],
            "card_number": "GD4565699999999",
            "integrated_at": "2025-05-01T10:00:00",
        }
    ]
    result = case(register=PEOPLE, cards=[{}], integrated=wallet)
    assert result.categories(2) == {"integrated_card_differs"}


def test_integration_is_recognised_by_the_ten_digit_number(case: Case) -> None:
    wallet = [
        {
            "person_id": PERSON["person_id"],
            "card_number": "5600000001",
            "integrated_at": "2025-05-01T10:00:00",
        }
    ]
    result = case(register=PEOPLE, cards=[{}], integrated=wallet)
    assert result.categories(2) == {"integrated"}
    assert "01/05/2025" in result.by_line[2][0]["detail"]


def test_without_level2_the_police_acts_and_for_a_child_the_parents(case: Case) -> None:
    child = {"person_id": "056220012345", "full_name": "Lê Minh Khang", "birth_date": "2020-05-05"}
    adult = {**PERSON, "level2_eid": "0"}
    result = case(
        register=[adult, *NEIGHBOURS], cards=[{}, {**child, "card_number": "TE1565600000002"}]
    )
    assert result.categories(2) == {"no_level2_eid"}
    assert "cha, mẹ" in result.by_line[3][0]["suggested_fix"]
    assert "cha, mẹ" not in result.by_line[2][0]["suggested_fix"]
