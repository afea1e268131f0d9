"""QĐ 130 envelopes in, the book's records out: real envelope bytes, as HIS export them and
as attackers or broken exports write them."""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import datetime as dt
import io
import time
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sokhoe.records import icd10
from sokhoe.records.clinical import Appointment, Patient, Referral, Visit
from sokhoe.records.problems import FileUnusable, RecordProblem
from sokhoe.records.qd130 import read_envelope
from sokhoe.vietnam_time import VIETNAM_TIME

MISSPELT_XSI = 'xmlns:xsi="http://www.w3.org/2001/XMLSchema instance"'

VISIT_FIELDS = {
    "MA_LK": "2503100001",
    "STT": "1",
    "MA_BN": "BN0042",
    "HO_TEN": "Nguyễn Thị Hồng Nhung",
    "SO_CCCD": "056190001234",
    "NGAY_SINH": "199003150000",
    "GIOI_TINH": "2",
    "MA_THE_BHYT": "GD4565620123456;GD4565620123457",
    "MA_DKBD": "56001",
    "LY_DO_VV": "Sốt, ho 3 ngày",
    "CHAN_DOAN_RV": "Viêm họng cấp; tăng huyết áp",
    "MA_BENH_CHINH": "J02.9",
    "MA_BENH_KT": "I10;E119",
    "MA_NOI_DI": "",
    "NGAY_VAO": "202503100815",
    "NGAY_RA": "202503100930",
    "KET_QUA_DTRI": "2",
    "T_TONGCHI_BV": "80000.00",
    "MA_LOAI_KCB": "01",
    "MA_CSKCB": "56001",
    "NGAY_TAI_KHAM": "20250317",
}

EXPECTED_PATIENT = Patient(
    full_name="Nguyễn Thị Hồng Nhung",
    person_id="056190001234",
    card_number="GD4565620123456",
    birth_date=dt.date(1990, 3, 15),
    sex="F",
    patient_code="BN0042",
)

EXPECTED_VISIT = Visit(
    facility_code="56001",
    key="2503100001",
    patient=EXPECTED_PATIENT,
    started_at=dt.datetime(2025, 3, 10, 8, 15, tzinfo=VIETNAM_TIME),
    ended_at=dt.datetime(2025, 3, 10, 9, 30, tzinfo=VIETNAM_TIME),
    visit_type="01",
    reason="Sốt, ho 3 ngày",
    main_diagnosis="J02.9",
    other_diagnoses=("I10", "E11.9"),
    outcome="2",
    re_exam_on=dt.date(2025, 3, 17),
)


# --- building envelopes as HIS write them ---------------------------------------------------


def record(tag: str, fields: dict[str, str], *, namespaces: str = MISSPELT_XSI) -> str:
    """A record whose empty fields are self-closed tags, as exports write them."""
    body = "".join(
        f"<{name}>{value}</{name}>" if value else f"<{name} />" for name, value in fields.items()
    )
    return f"<{tag} {namespaces}>{body}</{tag}>"


def tonghop(**changes: str) -> str:
    return record("TONG_HOP", VISIT_FIELDS | changes)


def b64(document: str) -> str:
    return base64.b64encode(document.encode()).decode()


def filehoso(table: str, content: str) -> str:
    inner = f"<NOIDUNGFILE>{content}</NOIDUNGFILE>" if content else "<NOIDUNGFILE/>"
    return f"<FILEHOSO><LOAIHOSO>{table}</LOAIHOSO>{inner}</FILEHOSO>"


def hoso(*files: str) -> str:
    return f"<HOSO>{''.join(files)}</HOSO>"


def envelope(*visits: str, head: str = '<?xml version="1.0" encoding="utf-8"?>\n') -> bytes:
    return (
        f"{head}<GIAMDINHHS>\n  <THONGTINDONVI><MACSKCB>56001</MACSKCB></THONGTINDONVI>\n"
        f"  <THONGTINHOSO><NGAYLAP>20250310</NGAYLAP><SOLUONGHOSO>{len(visits)}</SOLUONGHOSO>"
        f"<DANHSACHHOSO>{''.join(visits)}</DANHSACHHOSO></THONGTINHOSO>\n"
        "  <CHUKYDONVI> </CHUKYDONVI>\n</GIAMDINHHS>\n"
    ).encode()


def read(data: bytes) -> list[object]:
    return list(read_envelope(io.BytesIO(data), name="kcb.xml"))


def unusable(data: bytes) -> RecordProblem:
    with pytest.raises(FileUnusable) as raised:
        read(data)
    return raised.value.problem


def visit_file(**changes: str) -> str:
    return hoso(filehoso("XML1", b64(tonghop(**changes))))


# --- what good envelopes give ---------------------------------------------------------------


def test_a_visit_is_read_with_its_patient_dates_and_diagnoses(tmp_path: Path) -> None:
    data = envelope(visit_file())
    assert read(data) == [EXPECTED_VISIT]
    path = tmp_path / "kcb.xml"
    path.write_bytes(data)
    assert list(read_envelope(path, name="kcb.xml")) == [EXPECTED_VISIT]


def test_a_large_file_is_streamed_one_visit_at_a_time(tmp_path: Path) -> None:
    path = tmp_path / "kcb.xml"
    path.write_bytes(envelope(*(visit_file(MA_LK=f"L{n}") for n in range(3000))))
    assert path.stat().st_size > 3_000_000
    tracemalloc.start()
    try:
        count = sum(1 for _ in read_envelope(path, name="kcb.xml"))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert count == 3000
    assert peak < 1_000_000


def test_what_real_exports_look_like_is_accepted() -> None:
    # Base64 in 76-character lines (as .NET's Convert.ToBase64String with line breaks writes
    # it), a BOM and no <?xml declaration before the envelope, XML2 and XML3 empty.
    content = base64.encodebytes(tonghop().encode()).decode()
    xml1 = filehoso("XML1", f"\n      {content}    ")
    root = (
        '<GIAMDINHHS xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
    )
    data = envelope(hoso(xml1, filehoso("XML2", ""), filehoso("XML3", "")), head="\ufeff")
    data = data.replace(b"<GIAMDINHHS>", root.encode())
    assert read(data) == [EXPECTED_VISIT]


def test_namespaced_envelopes_and_tables_are_read() -> None:
    xml1 = hoso(
        filehoso("XML1", b64(record("TONG_HOP", VISIT_FIELDS, namespaces='xmlns="urn:vendor"')))
    )
    data = envelope(xml1).replace(b"<GIAMDINHHS>", b'<GIAMDINHHS xmlns="urn:bhxh">')
    assert read(data) == [EXPECTED_VISIT]


def test_stray_whitespace_and_decomposed_accents_are_cleaned() -> None:
    changes = {
        "HO_TEN": "  Nguye\u0302\u0303n   Thi\u0323 Ho\u0302\u0300ng Nhung \n",
        "MA_BENH_CHINH": " j029 ",
        "MA_BENH_KT": "I10 ; ;E11.9*",
        "NGAY_VAO": "\n202503100815\n",
    }
    assert read(envelope(visit_file(**changes))) == [EXPECTED_VISIT]


def test_the_vendor_writing_inner_documents_inline_is_read() -> None:
    in_cdata = hoso(filehoso("XML1", f"<![CDATA[<?xml version='1.0'?>{tonghop()}]]>"))
    as_elements = hoso(filehoso("XML1", tonghop(MA_LK="2503100002")))
    second = dataclasses.replace(EXPECTED_VISIT, key="2503100002")
    assert read(envelope(in_cdata, as_elements)) == [EXPECTED_VISIT, second]


def test_a_referral_and_an_appointment_take_the_patient_from_the_visit() -> None:
    referral = {
        "MA_LK": "2503100001",
        "SO_HOSO": "HS-12",
        "SO_CHUYENTUYEN": "125/2025/CT ........",
        "GIAY_CHUYEN_TUYEN": "",
        "MA_CSKCB": "56001",
        "MA_NOI_DI": "56001",
        "MA_NOI_DEN": "56002",
        "HO_TEN": "",
        "NGAY_SINH": "",
        "MA_BENH_CHINH": "J18.9",
        "CHAN_DOAN_RV": "Viêm phổi",
        "MA_LYDO_CT": "2",
    }
    appointment = {
        "MA_LK": "2503100001",
        "SO_GIAYHEN_KL": "GH-7",
        "MA_CSKCB": "",
        "HO_TEN": "Nguyễn Thị Hồng Nhung",
        "NGAY_HEN_KL": "20250317",
        "MA_BENH_CHINH": "I10",
    }
    data = envelope(
        hoso(
            filehoso("XML1", b64(tonghop())),
            filehoso("XML13", b64(record("CHI_TIEU_GIAYCHUYENTUYEN", referral))),
            filehoso("XML14", b64(record("CHI_TIEU_GIAYHEN_KHAMLAI", appointment))),
        )
    )
    assert read(data) == [
        EXPECTED_VISIT,
        Referral(
            facility_code="56001",
            key="2503100001",
            patient=EXPECTED_PATIENT,
            referred_on=dt.date(2025, 3, 10),
            number="125/2025/CT",
            to_facility="56002",
            diagnosis="J18.9",
            diagnosis_text="Viêm phổi",
            reason="Đủ điều kiện chuyển tuyến do vượt khả năng đáp ứng của cơ sở",
        ),
        Appointment(
            facility_code="56001",
            key="2503100001",
            patient=EXPECTED_PATIENT,
            on=dt.date(2025, 3, 17),
            number="GH-7",
            diagnosis="I10",
            diagnosis_text="Viêm họng cấp; tăng huyết áp",
        ),
    ]


@pytest.mark.parametrize("written", ["20250317", "202503170800"])
def test_a_re_exam_day_is_read_with_8_or_12_digits(written: str) -> None:
    fields = {"MA_LK": "X1", "MA_CSKCB": "56001", "HO_TEN": "Lê Văn Tám", "NGAY_HEN_KL": written}
    data = envelope(hoso(filehoso("XML14", b64(record("CHI_TIEU_GIAYHEN_KHAMLAI", fields)))))
    missing_visit, appointment = read(data)
    assert appointment == Appointment("56001", "X1", Patient("Lê Văn Tám"), dt.date(2025, 3, 17))
    assert missing_visit == RecordProblem(
        "kcb.xml", "MA_LK X1", "XML1", "missing_table", {"table": "XML1", "tag": "TONG_HOP"}
    )


def test_empty_tables_and_tables_not_read_are_no_problem() -> None:
    data = envelope(
        hoso(
            filehoso("XML1", b64(tonghop())),
            filehoso("XML2", "this is not base64 at all!"),
            filehoso("XML13", ""),
            filehoso("XML14", ""),
            filehoso("XML15", b64("<not closed")),
        )
    )
    assert read(data) == [EXPECTED_VISIT]


NAMED = "Nguyễn Thị Hồng Nhung"
UNKNOWN = {"SO_CCCD": "", "MA_THE_BHYT": "", "NGAY_SINH": "", "GIOI_TINH": "", "MA_BN": ""}


@pytest.mark.parametrize(
    ("changes", "patient"),
    [
        (UNKNOWN, Patient(NAMED)),
        (UNKNOWN | {"SO_CCCD": "."}, Patient(NAMED)),
        (UNKNOWN | {"SO_CCCD": "0561900012"}, Patient(NAMED)),  # 10 digits, seen in exports
        (UNKNOWN | {"SO_CCCD": "225123456"}, Patient(NAMED)),  # old 9-digit ID card
        (UNKNOWN | {"SO_CCCD": "B1234567"}, Patient(NAMED)),  # passport
        (UNKNOWN | {"MA_THE_BHYT": "5620123456"}, Patient(NAMED, card_number="5620123456")),
        (
            UNKNOWN | {"MA_THE_BHYT": "gd4 56 5620123456"},
            Patient(NAMED, card_number="GD4565620123456"),
        ),
        (UNKNOWN | {"NGAY_SINH": "19900315"}, Patient(NAMED, birth_date=dt.date(1990, 3, 15))),
        (UNKNOWN | {"NGAY_SINH": "199000000000"}, Patient(NAMED)),  # year only
        (UNKNOWN | {"NGAY_SINH": "19900300"}, Patient(NAMED)),  # month and year
        (UNKNOWN | {"GIOI_TINH": "1"}, Patient(NAMED, sex="M")),
        (UNKNOWN | {"GIOI_TINH": "3"}, Patient(NAMED)),
    ],
)
def test_how_a_facility_says_what_it_does_not_know(
    changes: dict[str, str], patient: Patient
) -> None:
    (visit,) = read(envelope(visit_file(**changes)))
    assert isinstance(visit, Visit)
    assert visit.patient == patient


# --- bad records: reported by MA_LK and field, the rest stored --------------------------------


def test_thirty_first_of_february_rejects_the_visit_and_says_where() -> None:
    data = envelope(visit_file(MA_LK="A1"), visit_file(MA_LK="A2", NGAY_VAO="202502310800"))
    first, problem = read(data)
    assert isinstance(first, Visit) and first.key == "A1"
    assert problem == RecordProblem(
        "kcb.xml", "MA_LK A2", "NGAY_VAO", "bad_date", {"value": "202502310800"}
    )
    assert problem.message() == (
        "kcb.xml, hồ sơ MA_LK A2, trường NGAY_VAO: ngày '202502310800' không hợp lệ"
    )
    assert problem.message("en") == (
        "kcb.xml, record MA_LK A2, field NGAY_VAO: date '202502310800' is not valid"
    )


@pytest.mark.parametrize(
    ("changes", "field", "code", "params"),
    [
        ({"MA_BENH_CHINH": "J99.99.9"}, "MA_BENH_CHINH", "unknown_icd10", {"value": "J99.99.9"}),
        ({"MA_BENH_KT": "I10;Q99.X"}, "MA_BENH_KT", "unknown_icd10", {"value": "Q99.X"}),
        ({"MA_CSKCB": "5600"}, "MA_CSKCB", "bad_facility_code", {"value": "5600"}),
        ({"MA_CSKCB": ""}, "MA_CSKCB", "required", {}),
        ({"HO_TEN": " "}, "HO_TEN", "required", {}),
        ({"HO_TEN": "A" * 256}, "HO_TEN", "too_long", {"limit": 255}),
        ({"NGAY_VAO": "202503101"}, "NGAY_VAO", "bad_date", {"value": "202503101"}),
        ({"NGAY_VAO": "202503102460"}, "NGAY_VAO", "bad_date", {"value": "202503102460"}),
        (
            {"NGAY_RA": "202503090930"},
            "NGAY_RA",
            "end_before_start",
            {"end": "202503090930", "start": "202503100815"},
        ),
        ({"NGAY_TAI_KHAM": "20250317;2025"}, "NGAY_TAI_KHAM", "bad_date", {"value": "2025"}),
        ({"SO_CCCD": "CCCD chưa có"}, "SO_CCCD", "bad_person_id", {"value": "CCCD chưa có"}),
        ({"MA_THE_BHYT": "GD45656"}, "MA_THE_BHYT", "bad_card_shape", {"value": "GD45656"}),
        ({"GIOI_TINH": "0"}, "GIOI_TINH", "bad_code", {"value": "0", "allowed": "1, 2, 3"}),
        (
            {"KET_QUA_DTRI": "9"},
            "KET_QUA_DTRI",
            "bad_code",
            {"value": "9", "allowed": "1, 2, 3, 4, 5, 6, 7, 8"},
        ),
        ({"MA_LOAI_KCB": "011"}, "MA_LOAI_KCB", "too_long", {"limit": 2}),
    ],
)
def test_a_bad_field_rejects_its_visit_only(
    changes: dict[str, str], field: str, code: str, params: dict[str, object]
) -> None:
    data = envelope(visit_file(MA_LK="B1", **changes), visit_file(MA_LK="B2"))
    problem, good = read(data)
    assert problem == RecordProblem("kcb.xml", "MA_LK B1", field, code, params)
    assert isinstance(good, Visit) and good.key == "B2"
    assert problem.message("en").startswith(f"kcb.xml, record MA_LK B1, field {field}: ")


def test_every_problem_of_a_record_is_reported_in_field_order() -> None:
    data = envelope(visit_file(MA_LK="", NGAY_VAO="", MA_BENH_CHINH="XYZ"))
    assert [(p.record, p.field, p.code) for p in read(data)] == [
        ("HOSO 1", "MA_LK", "required"),
        ("HOSO 1", "NGAY_VAO", "required"),
        ("HOSO 1", "MA_BENH_CHINH", "unknown_icd10"),
    ]


def test_a_bad_referral_is_named_with_its_table() -> None:
    letter = record("CHI_TIEU_GIAYCHUYENTUYEN", {"MA_LK": "2503100001", "MA_NOI_DEN": "5"})
    data = envelope(hoso(filehoso("XML1", b64(tonghop())), filehoso("XML13", b64(letter))))
    assert read(data) == [
        EXPECTED_VISIT,
        RecordProblem(
            "kcb.xml", "MA_LK 2503100001", "XML13.MA_NOI_DEN", "bad_facility_code", {"value": "5"}
        ),
    ]


def test_malformed_base64_costs_that_visit_only() -> None:
    broken = hoso(filehoso("XML1", "PFRPTkdfSE9QPg=*"))
    data = envelope(visit_file(MA_LK="C1"), broken, visit_file(MA_LK="C3"))
    first, problem, last = read(data)
    assert problem == RecordProblem("kcb.xml", "HOSO 2", "XML1.NOIDUNGFILE", "bad_base64")
    assert problem.message() == (
        "kcb.xml, hồ sơ HOSO 2, trường XML1.NOIDUNGFILE: nội dung không phải base64 hợp lệ"
    )
    assert [first.key, last.key] == ["C1", "C3"]


def test_a_broken_referral_leaves_its_visit_stored() -> None:
    data = envelope(
        hoso(filehoso("XML1", b64(tonghop())), filehoso("XML13", b64("<CHI_TIEU_GIAYCHUYENTUYEN>")))
    )
    assert read(data) == [
        RecordProblem("kcb.xml", "MA_LK 2503100001", "XML13.NOIDUNGFILE", "bad_inner_xml"),
        EXPECTED_VISIT,
    ]


# --- unusable files: refused whole, bombs never expanded ------------------------------------

BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + "".join(
        f' <!ENTITY lol{n} "{("&lol" + str(n - 1) + ";") * 10 if n > 1 else "&lol;" * 10}">\n'
        for n in range(1, 10)
    )
    + "]>\n"
)
EXTERNAL_ENTITY = (
    '<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
)


def test_a_billion_laughs_envelope_is_refused_unexpanded() -> None:
    data = (BILLION_LAUGHS + "<GIAMDINHHS>&lol9;</GIAMDINHHS>").encode()
    started = time.perf_counter()
    problem = unusable(data)
    assert time.perf_counter() - started < 0.5
    assert problem == RecordProblem("kcb.xml", None, None, "unsafe_xml")
    assert "DTD" in problem.message() and "DTD" in problem.message("en")


def test_an_external_entity_is_refused_unread() -> None:
    problem = unusable((EXTERNAL_ENTITY + "<GIAMDINHHS>&xxe;</GIAMDINHHS>").encode())
    assert problem.code == "unsafe_xml"
    assert "root:" not in problem.message()


@pytest.mark.parametrize("prologue", [BILLION_LAUGHS, EXTERNAL_ENTITY])
def test_a_bomb_inside_a_table_makes_the_file_unusable(prologue: str) -> None:
    bomb = prologue + "<TONG_HOP><HO_TEN>&lol9;&xxe;</HO_TEN></TONG_HOP>"
    data = envelope(visit_file(), hoso(filehoso("XML1", b64(bomb))))
    with pytest.raises(FileUnusable) as raised:
        list(read_envelope(io.BytesIO(data), name="kcb.xml"))
    assert raised.value.problem == RecordProblem(
        "kcb.xml", "HOSO 2", "XML1.NOIDUNGFILE", "unsafe_xml"
    )


@pytest.mark.parametrize(
    "data",
    [b"", b"%PDF-1.7\n%\xe2\xe3", b'{"resourceType": "Bundle"}', b"MA_LK;HO_TEN\n1;A\n"],
)
def test_a_file_that_is_not_xml_is_unusable(data: bytes) -> None:
    problem = unusable(data)
    assert problem == RecordProblem("kcb.xml", None, None, "not_xml_or_json")
    assert problem.message("en") == "kcb.xml: the file is neither XML nor JSON"


def test_another_root_is_not_an_envelope() -> None:
    problem = unusable(b'<?xml version="1.0"?><Bundle xmlns="http://hl7.org/fhir"/>')
    assert problem == RecordProblem("kcb.xml", None, None, "wrong_envelope", {"value": "Bundle"})
    assert problem.message() == (
        "kcb.xml: phần tử gốc là <Bundle>, không phải <GIAMDINHHS> của QĐ 130"
    )


def test_a_truncated_file_is_unusable_after_the_visits_before_the_break() -> None:
    data = envelope(*(visit_file(MA_LK=f"D{n}") for n in range(40)))
    cut = data[: data.rindex(b"<HOSO>") + 30]
    records = read_envelope(io.BytesIO(cut), name="kcb.xml")
    assert next(records).key == "D0"
    with pytest.raises(FileUnusable) as raised:
        list(records)
    assert raised.value.problem.code == "bad_xml"
    assert raised.value.problem.params["line"] == 4


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_are_unusable_or_read_never_a_crash(data: bytes) -> None:
    with contextlib.suppress(FileUnusable):
        read(data)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_a_damaged_envelope_is_unusable_or_read_never_a_crash(data: st.DataObject) -> None:
    good = envelope(visit_file(), hoso(filehoso("XML1", tonghop(MA_LK="E2"))))
    at = data.draw(st.integers(0, len(good) - 1))
    damage = data.draw(st.binary(min_size=0, max_size=8))
    try:
        for found in read(good[:at] + damage + good[at + len(damage) :]):
            assert isinstance(found, Visit | RecordProblem)
    except FileUnusable:
        pass


@settings(max_examples=100, deadline=None)
@given(
    started=st.datetimes(dt.datetime(2000, 1, 1), dt.datetime(2030, 12, 31)).map(
        lambda moment: moment.replace(second=0, microsecond=0)
    ),
    minutes=st.integers(0, 60 * 24 * 30),
    born=st.dates(dt.date(1900, 1, 1), dt.date(2030, 12, 31)),
    sex=st.sampled_from(["1", "2", "3"]),
    codes=st.lists(st.sampled_from(sorted(icd10.NAMED_CODES)), min_size=1, max_size=6, unique=True),
    name=st.text(
        "aăâbcdđeêghiklmnoôơpqrstuưvxyàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ ",
        min_size=1,
        max_size=40,
    ).filter(str.strip),
)
def test_what_a_facility_writes_is_what_the_book_gets(
    started: dt.datetime, minutes: int, born: dt.date, sex: str, codes: list[str], name: str
) -> None:
    ended = started + dt.timedelta(minutes=minutes)
    fields = {
        "HO_TEN": name.title(),
        "NGAY_SINH": f"{born:%Y%m%d}0000",
        "GIOI_TINH": sex,
        "NGAY_VAO": f"{started:%Y%m%d%H%M}",
        "NGAY_RA": f"{ended:%Y%m%d%H%M}",
        "MA_BENH_CHINH": codes[0].replace(".", ""),
        "MA_BENH_KT": ";".join(codes[1:]),
    }
    (visit,) = read(envelope(visit_file(**fields)))
    assert isinstance(visit, Visit)
    assert visit.patient.full_name == " ".join(name.title().split())
    assert visit.patient.birth_date == born
    assert visit.patient.sex == {"1": "M", "2": "F", "3": None}[sex]
    assert visit.started_at == started.replace(tzinfo=VIETNAM_TIME)
    assert visit.ended_at == ended.replace(tzinfo=VIETNAM_TIME)
    assert (visit.main_diagnosis, *visit.other_diagnoses) == tuple(codes)
