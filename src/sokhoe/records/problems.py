"""What is wrong with a hospital's file or record, Vietnamese by default and English on
request, named by file, record (``MA_LK``, or a FHIR entry) and field.

A parser yields a :class:`RecordProblem` in place of a record it cannot use and goes on with
the next; a file it cannot read at all raises :class:`FileUnusable` (``sokhoe ingest`` exits
2). Codes are grouped by the parser that raises them; each parser owns its block.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from sokhoe.bulk.messages import located_message

TEMPLATES: dict[str, tuple[str, str]] = {
    # Any format.
    "end_before_start": (
        "thời điểm kết thúc ({end}) trước thời điểm bắt đầu ({start})",
        "the end ({end}) is before the start ({start})",
    ),
    "required": ("không được để trống", "must not be empty"),
    "bad_date": ("ngày {value!r} không hợp lệ", "date {value!r} is not valid"),
    "bad_person_id": (
        "mã định danh phải gồm 12 chữ số (nhận được {value!r})",
        "a personal ID has 12 digits (got {value!r})",
    ),
    "bad_card_number": ("mã thẻ BHYT không hợp lệ: {reason}", "invalid BHYT card number: {reason}"),
    "bad_facility_code": (
        "mã cơ sở KCB phải có 5 ký tự (nhận được {value!r})",
        "a facility code has 5 characters (got {value!r})",
    ),
    "unknown_icd10": (
        "mã bệnh {value!r} không có trong ICD-10",
        "diagnosis code {value!r} is not in ICD-10",
    ),
    "too_long": ("dài quá {limit} ký tự", "longer than {limit} characters"),
    "not_xml_or_json": (
        "tệp không phải XML hay JSON",
        "the file is neither XML nor JSON",
    ),
    "other_facility": (
        "hồ sơ của cơ sở {value!r}, không phải của cơ sở gửi ({sender!r})",
        "a record of facility {value!r}, not of the sender ({sender!r})",
    ),
    # Ingest (records/ingest.py).
    "unknown_facility": (
        "cơ sở KCB {value!r} không có trong danh mục",
        "facility {value!r} is not in the register of facilities",
    ),
    # QĐ 130 XML (records/qd130.py).
    "unsafe_xml": (
        "XML có khai báo DTD hay thực thể (dạng XML bomb, thực thể ngoài): từ chối, không đọc",
        "the XML declares a DTD or entities (as XML bombs and external entities do): not read",
    ),
    "bad_xml": (
        "XML hỏng ở dòng {line}, cột {column} (tệp bị cắt cụt?)",
        "broken XML at line {line}, column {column} (a truncated file?)",
    ),
    "wrong_envelope": (
        "phần tử gốc là <{value}>, không phải <GIAMDINHHS> của QĐ 130",
        "the root element is <{value}>, not QĐ 130's <GIAMDINHHS>",
    ),
    "bad_base64": ("nội dung không phải base64 hợp lệ", "the content is not valid base64"),
    "bad_inner_xml": (
        "nội dung bảng không phải XML hợp lệ",
        "the table's content is not well-formed XML",
    ),
    "missing_table": (
        "hồ sơ không có bảng {table} (<{tag}>)",
        "the record has no {table} table (<{tag}>)",
    ),
    "bad_code": (
        "mã {value!r} không có trong danh mục ({allowed})",
        "code {value!r} is not in the list ({allowed})",
    ),
    "bad_card_shape": (
        "mã thẻ BHYT {value!r} phải có 15 ký tự (hoặc là mã số BHXH 10 chữ số)",
        "a BHYT card number has 15 characters, or is the 10-digit BHXH number (got {value!r})",
    ),
    # FHIR R4 (records/fhir.py).
    "not_a_bundle": (
        "tệp JSON không phải một Bundle FHIR (resourceType {value!r})",
        "the JSON is not a FHIR Bundle (resourceType {value!r})",
    ),
    "bundle_type": (
        "Bundle loại {value!r} không được nhận (chỉ transaction, batch, collection)",
        "a Bundle of type {value!r} is not accepted (only transaction, batch, collection)",
    ),
    "number_too_long": ("có số dài quá {limit} chữ số", "a number has more than {limit} digits"),
    "fhir_invalid": ("không đúng chuẩn FHIR R4: {detail}", "not valid FHIR R4: {detail}"),
    "unsupported_method": (
        "thao tác {value!r} không được hỗ trợ (chỉ POST, PUT)",
        "method {value!r} is not supported (only POST, PUT)",
    ),
    "unsupported_resource": (
        "loại tài nguyên {value!r} không được lưu vào sổ sức khỏe",
        "resources of type {value!r} are not kept in the health book",
    ),
    "unresolved_reference": (
        "tham chiếu {value!r} không trỏ tới tài nguyên phù hợp nào trong Bundle",
        "reference {value!r} points to no fitting resource in the Bundle",
    ),
    "depends_on_refused": (
        "không lưu được vì {value} có lỗi",
        "not stored because {value} has problems",
    ),
    "no_facility": (
        "không rõ cơ sở KCB: cần một Organization có mã cơ sở KCB",
        "no facility: an Organization with a facility code is needed",
    ),
    "partial_date": (
        "ngày {value!r} thiếu tháng hoặc ngày",
        "date {value!r} lacks its month or day",
    ),
    "status_not_stored": (
        "trạng thái {value!r} không được ghi vào sổ",
        "status {value!r} is not recorded in the book",
    ),
    "condition_without_encounter": (
        "chẩn đoán phải gắn với một lượt khám (Condition.encounter)",
        "a diagnosis must name its encounter (Condition.encounter)",
    ),
    "no_icd10": ("chẩn đoán không có mã ICD-10", "the diagnosis has no ICD-10 code"),
    "unknown_vaccine": (
        "vắc xin {value!r} không thuộc chương trình tiêm chủng mở rộng",
        "vaccine {value!r} is not one of the national immunization programme's",
    ),
    "not_a_referral": (
        "ServiceRequest không phải giấy chuyển tuyến",
        "the ServiceRequest is not a referral",
    ),
    "bad_dose_number": ("mũi thứ {value} không hợp lệ", "dose number {value} is not valid"),
    "bad_character": (
        "có ký tự không lưu được (NUL hoặc nửa cặp surrogate)",
        "holds a character that cannot be stored (NUL, or half a surrogate pair)",
    ),
}


@dataclass(frozen=True, slots=True)
class RecordProblem:
    """One thing wrong: in which file, which record, which field, and what (a code of
    :data:`TEMPLATES` with its parameters)."""

    source: str
    #: ``MA_LK 2400012345`` or ``Bundle.entry[3]``; ``None`` for the file as a whole.
    record: str | None
    #: ``NGAY_VAO``, or a FHIR path such as ``Encounter.period.start``.
    field: str | None
    code: str
    params: dict[str, object] = dataclasses.field(default_factory=dict)

    def message(self, lang: str = "vi") -> str:
        places = (("hồ sơ", "record", self.record), ("trường", "field", self.field))
        return located_message(TEMPLATES, self.code, self.params, lang, self.source, places)


class FileUnusable(Exception):
    """The file cannot be read at all (not XML or JSON, unsafe XML, wrong envelope): nothing
    of it is stored."""

    def __init__(self, problem: RecordProblem) -> None:
        super().__init__(problem.message())
        self.problem = problem
