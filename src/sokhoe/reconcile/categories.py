"""What reconciliation finds, as data: code, Vietnamese label, texts, who acts on it.

Each finding names one card row. Its ``detail`` and ``suggested_fix`` are templates whose
``{placeholders}`` the rules fill in SQL (:mod:`sokhoe.reconcile.rules`); a category with
several situations has one template per *variant*. ``worklist`` says who acts: the commune's
guidance teams (per-village worklists), the commune police, BHXH (``fixes_for_bhxh.xlsx``),
or nobody (the card is fine). The order of :data:`CATEGORIES` is the order of findings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


class Worklist(StrEnum):
    NONE = ""
    COMMUNE = "commune"
    POLICE = "police"
    BHXH = "bhxh"


#: Who carries out a worklist's tasks, as worklists name them.
ACTORS = {
    Worklist.COMMUNE: "Tổ công tác thôn",
    Worklist.POLICE: "Công an xã",
    Worklist.BHXH: "BHXH",
}


@dataclass(frozen=True)
class Category:
    code: str
    label: str
    worklist: Worklist
    #: variant → template; a category with one situation uses the variant "".
    detail: Mapping[str, str]
    fix: Mapping[str, str]


#: The proposal after a probabilistic search for a card's holder, by outcome.
_PROPOSALS = {
    "probable": "đề xuất {person_id} ({reg_name}, sinh {reg_birth}, xã {reg_commune}), "
    "độ tin cậy {score}",
    "uncertain": "người gần nhất là {candidate_id} ({candidate_name}, sinh {candidate_birth}) "
    "nhưng độ tin cậy chỉ {score}",
    "none": "không tìm thấy người phù hợp theo họ tên, ngày sinh, giới tính và xã",
}
_FIX_ID = {
    "probable": "Bổ sung mã định danh {person_id} vào thẻ {card_number}",
    "uncertain": "Xác minh nhân thân chủ thẻ {card_number} với xã rồi bổ sung mã định danh",
    "none": "Xác minh nhân thân chủ thẻ {card_number} với xã rồi bổ sung mã định danh",
}
_FIX_NAME = "Sửa họ tên trên thẻ thành “{reg_name}”"
_FIX_BIRTH = "Sửa ngày sinh trên thẻ thành {reg_birth}"
_FIX_CODE = "Kiểm tra và cấp lại mã thẻ đúng cho thẻ {card_number}"

CATEGORIES: tuple[Category, ...] = (
    Category(
        "card_code_invalid",
        "Mã thẻ không hợp lệ",
        Worklist.BHXH,
        {
            "format": "Mã thẻ {card_number} sai định dạng: cần 15 ký tự (2 chữ cái nhóm, mức "
            "hưởng 1–5, 2 số tỉnh, 10 số BHXH) hoặc mã số BHXH 10 chữ số",
            "group": "Nhóm đối tượng {group} trong mã thẻ {card_number} không tồn tại",
            "level": "Nhóm {group} có mức hưởng {expected_level}, mã thẻ {card_number} ghi "
            "mức hưởng {level}",
        },
        {"format": _FIX_CODE, "group": _FIX_CODE, "level": "Sửa mã thẻ thành {corrected_card}"},
    ),
    Category(
        "card_expired",
        "Thẻ hết hạn",
        Worklist.BHXH,
        {"": "Thẻ {card_number} hết hạn ngày {valid_to} (ngày đối soát {as_of})"},
        {"": "Gia hạn thẻ hoặc đưa thẻ ra khỏi danh sách thẻ còn hiệu lực"},
    ),
    Category(
        "card_not_yet_valid",
        "Thẻ chưa đến ngày hiệu lực",
        Worklist.BHXH,
        {"": "Thẻ {card_number} có hiệu lực từ ngày {valid_from} (ngày đối soát {as_of})"},
        {"": "Kiểm tra ngày hiệu lực; thẻ chỉ dùng được từ ngày {valid_from}"},
    ),
    Category(
        "person_id_missing",
        "Thẻ thiếu mã định danh",
        Worklist.BHXH,
        {k: "Thẻ không ghi mã định danh; " + v for k, v in _PROPOSALS.items()},
        _FIX_ID,
    ),
    Category(
        "person_id_unknown",
        "Mã định danh không có trong sổ đăng ký",
        Worklist.BHXH,
        {
            k: "Mã định danh {given_id} trên thẻ không có trong sổ; " + v
            for k, v in _PROPOSALS.items()
        },
        {**_FIX_ID, "probable": "Sửa mã định danh {given_id} trên thẻ thành {person_id}"},
    ),
    Category(
        "person_id_inconsistent",
        "Mã định danh không khớp giới tính, năm sinh",
        Worklist.BHXH,
        {
            "": "Mã định danh {given_id} ứng với {id_sex} sinh năm {id_year}; thẻ ghi "
            "{card_sex} sinh năm {card_year}"
        },
        {
            "": "Đối chiếu giới tính, ngày sinh và mã định danh với sổ đăng ký, sửa trường sai",
            "relinked": "Sửa mã định danh trên thẻ thành {person_id}",
        },
    ),
    Category(
        "demographic_mismatch",
        "Thông tin nhân thân khác sổ đăng ký",
        Worklist.BHXH,
        {
            "name_missing_middle": "Họ tên: “{card_name}” trên thẻ thiếu tên đệm so với "
            "“{reg_name}” trong sổ đăng ký",
            "name_different": "Họ tên: “{card_name}” trên thẻ khác “{reg_name}” trong sổ",
            "birth_swap": "Ngày sinh: {card_birth} trên thẻ bị đảo ngày và tháng so với "
            "{reg_birth} trong sổ",
            "birth_different": "Ngày sinh: {card_birth} trên thẻ khác {reg_birth} trong sổ",
            "sex": "Giới tính: {card_sex} trên thẻ khác {reg_sex} trong sổ",
        },
        {
            "name_missing_middle": _FIX_NAME,
            "name_different": _FIX_NAME,
            "birth_swap": _FIX_BIRTH,
            "birth_different": _FIX_BIRTH,
            "sex": "Sửa giới tính trên thẻ thành {reg_sex}",
        },
    ),
    Category(
        "duplicate_cards",
        "Một người có nhiều thẻ còn hiệu lực",
        Worklist.BHXH,
        {"": "Người {person_id} có {card_count} thẻ còn hiệu lực; giữ thẻ {kept_card} vì {why}"},
        {"": "Khóa thẻ {card_number}, giữ thẻ {kept_card}"},
    ),
    Category(
        "duplicate_card_number",
        "Trùng mã thẻ",
        Worklist.BHXH,
        {"": "Mã số BHXH {card_key} ghi cho {holder_count} dòng: {holders}"},
        {"": "Xác minh chủ thẻ đúng của mã số {card_key}, cấp mã số khác cho người còn lại"},
    ),
    Category(
        "integrated_card_differs",
        "Thẻ tích hợp khác thẻ còn hiệu lực",
        Worklist.COMMUNE,
        {"": "Ví VNeID đang có thẻ {integrated_card}"},
        {"": "Hướng dẫn cập nhật thẻ còn hiệu lực vào ví VNeID thay thẻ cũ"},
    ),
    # The three statuses of a valid card, one finding per card: short texts, the card number
    # is in its own column. A worklist category's fix has no placeholder: worklists show it
    # as the task, one shared text for everyone.
    Category(
        "ready_not_integrated",
        "Chưa tích hợp, có định danh mức 2",
        Worklist.COMMUNE,
        {"": "Có định danh mức 2; thẻ hạn đến {valid_to}"},
        {"": "Hướng dẫn tích hợp thẻ vào ví VNeID"},
    ),
    Category(
        "no_level2_eid",
        "Chưa tích hợp, chưa có định danh mức 2",
        Worklist.POLICE,
        {"": "Chưa có định danh điện tử mức 2"},
        {
            "": "Hướng dẫn đăng ký, kích hoạt định danh mức 2 rồi tích hợp thẻ",
            "child": "Hướng dẫn cha, mẹ đăng ký định danh mức 2 cho trẻ rồi tích hợp thẻ",
        },
    ),
    Category(
        "integrated",
        "Đã tích hợp",
        Worklist.NONE,
        {"": "Tích hợp ngày {integrated_at}"},
        {"": ""},
    ),
)

BY_CODE: dict[str, Category] = {category.code: category for category in CATEGORIES}

#: Why one of a person's valid cards is kept, by the first criterion that tells them apart
#: (the order of :func:`~sokhoe.reconcile.rules` ranking).
KEEP_REASONS = {
    "level": "mức hưởng cao hơn",
    "household": "nhóm hộ gia đình (GD) chỉ dành cho người không thuộc nhóm nào khác",
    "integrated": "thẻ đã tích hợp vào VNeID",
    "valid_to": "còn hạn lâu hơn",
    "number": "cùng điều kiện, giữ thẻ có mã nhỏ hơn",
}
