"""Import error messages, Vietnamese by default and English on request.

Each problem has a code; the text is rendered at the edge (CLI, web) in the reader's language.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

TEMPLATES: dict[str, tuple[str, str]] = {
    "missing_column": (
        "thiếu cột bắt buộc {column!r}",
        "required column {column!r} is missing",
    ),
    "not_utf8": (
        "tệp không phải UTF-8 (hãy lưu lại với mã hóa UTF-8)",
        "the file is not UTF-8 (save it again as UTF-8)",
    ),
    "missing_file": (
        "thư mục {directory} thiếu tệp bắt buộc",
        "the directory {directory} lacks this required file",
    ),
    "empty_file": ("tệp rỗng, không có dòng tiêu đề", "the file is empty: no header row"),
    "wrong_field_count": (
        "dòng có {found} cột, tiêu đề có {expected} cột",
        "the line has {found} fields, the header has {expected}",
    ),
    "required": ("không được để trống", "must not be empty"),
    "bad_person_id": (
        "mã định danh phải gồm 12 chữ số (nhận được {value!r})",
        "a personal ID has 12 digits (got {value!r})",
    ),
    "bad_date": (
        "ngày {value!r} không hợp lệ (dạng YYYY-MM-DD, YYYY-MM hoặc YYYY)",
        "date {value!r} is not valid (YYYY-MM-DD, YYYY-MM or YYYY)",
    ),
    "bad_datetime": (
        "thời điểm {value!r} không hợp lệ (dạng YYYY-MM-DDTHH:MM:SS)",
        "timestamp {value!r} is not valid (YYYY-MM-DDTHH:MM:SS)",
    ),
    "bad_sex": ("giới tính phải là M, F hoặc để trống", "sex must be M, F or empty"),
    "bad_flag": ("giá trị phải là 0 hoặc 1", "the value must be 0 or 1"),
    "unknown_commune": (
        "mã xã/phường {value!r} không có trong danh mục đơn vị hành chính",
        "commune code {value!r} is not a known administrative unit",
    ),
    "bad_card_number": (
        "mã thẻ BHYT không hợp lệ: {reason}",
        "invalid BHYT card number: {reason}",
    ),
    "bad_facility_code": (
        "mã cơ sở KCB phải có 5 ký tự (nhận được {value!r})",
        "a facility code has 5 characters (got {value!r})",
    ),
    "too_long": (
        "dài quá {limit} ký tự",
        "longer than {limit} characters",
    ),
    "unknown_person": (
        "không có người mang mã định danh này trong sổ đăng ký",
        "no person with this ID in the register",
    ),
    "duplicate_person_id": (
        "mã định danh {value!r} đã có ở dòng {first}",
        "person ID {value!r} already appears on line {first}",
    ),
    "duplicate_column": (
        "cột {column!r} xuất hiện hai lần trong dòng tiêu đề",
        "column {column!r} appears twice in the header",
    ),
    "unreadable_line": (
        "dòng không đọc được: {reason}",
        "unreadable line: {reason}",
    ),
}


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an input: where it is and what, as a code with parameters."""

    file: str
    line: int | None
    field: str | None
    code: str
    params: dict[str, object] = dataclasses.field(default_factory=dict)

    def message(self, lang: str = "vi") -> str:
        places = (("dòng", "line", self.line), ("cột", "field", self.field))
        return located_message(TEMPLATES, self.code, self.params, lang, self.file, places)


def located_message(
    templates: dict[str, tuple[str, str]],
    code: str,
    params: dict[str, object],
    lang: str,
    where: str,
    places: tuple[tuple[str, str, object], ...],
) -> str:
    """``where, place value, …: text`` in ``lang`` (``vi`` or ``en``): a problem's text
    named by where it is; ``places`` are (Vietnamese label, English label, value), and an
    empty or absent value is left out."""
    vi, en = templates[code]
    text = (en if lang == "en" else vi).format(**params)
    for label_vi, label_en, value in places:
        if value is not None and value != "":
            where += f", {label_en if lang == 'en' else label_vi} {value}"
    return f"{where}: {text}"


class FieldError(ValueError):
    """A value that cannot be used; the row it is in is rejected."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


class FileRejected(Exception):
    """The whole file cannot be read (missing column, not UTF-8): nothing of it is written."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message())
        self.problem = problem
