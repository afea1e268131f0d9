"""The whole health book taken away, on both backends: read at once in a few queries however
many visits there are, one audit entry saying it was a download; as a FHIR bundle that our
own reader reads back into the same records (for any book: a property); as an A4 PDF in
Vietnamese over as many pages as it needs."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import subprocess
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import event, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from sokhoe.access.consent import book_views
from sokhoe.access.guard import AccessDenied
from sokhoe.access.models import AuditEntry
from sokhoe.access.roles import Role
from sokhoe.records import icd10
from sokhoe.records.book import OUTCOMES, VISIT_TYPES, Person
from sokhoe.records.book_export import WholeBook, read_whole_book
from sokhoe.records.book_fhir import book_bundle
from sokhoe.records.book_pdf import book_pdf
from sokhoe.records.clinical import (
    Appointment,
    ClinicalRecord,
    Immunization,
    Patient,
    Referral,
    Visit,
)
from sokhoe.records.fhir import read_bundle
from sokhoe.records.fhir_codes import FACILITY_SYSTEM, ICD10_SYSTEM, PERSON_ID_SYSTEM
from sokhoe.records.vaccines import VACCINES
from tests.records.test_book import (
    CHILD_BORN,
    HOSPITAL,
    STATION,
    TODAY,
    VN,
    Family,
    _entries,
    _store,
    family,
    session,
)
from tests.support.factories import actor

__all__ = ["family", "session"]

NOW = dt.datetime(2026, 11, 20, 3, 0, tzinfo=dt.UTC)  # 10:00 in Vietnam, on TODAY


def _sent(family: Family) -> list[ClinicalRecord]:
    """The father's records as hospitals sent them: every field the book keeps."""
    me = Patient(full_name=family.parent.full_name, person_id=family.parent.person_id)
    return [
        Visit(
            STATION,
            "LK1",
            me,
            dt.datetime(2026, 3, 2, 8, 0, tzinfo=VN),
            dt.datetime(2026, 3, 2, 9, 30, tzinfo=VN),
            "01",
            "Sốt, ho",
            "J06.9",
            (),
            "1",
        ),
        Visit(
            HOSPITAL,
            "LK2",
            me,
            dt.datetime(2026, 10, 1, 14, 0, tzinfo=VN),
            dt.datetime(2026, 10, 9, 10, 0, tzinfo=VN),
            "03",
            None,
            "I10",
            ("E11.9", "K29.7"),
            "2",
            dt.date(2026, 12, 1),
        ),
        Visit(HOSPITAL, "LK3", me, dt.datetime(2026, 11, 3, 7, 0, tzinfo=VN), visit_type="05"),
        Referral(
            STATION, "R1", me, dt.date(2026, 9, 30), "125/CT", HOSPITAL, "I10", None, "Vượt tuyến"
        ),
        Appointment(HOSPITAL, "H1", me, dt.date(2026, 12, 1), "GH-01", "I10", "Tăng huyết áp"),
        Appointment(HOSPITAL, "H2", me, dt.date(2026, 6, 1), "GH-02"),
        Immunization(STATION, "V1", me, "MR", dt.date(2001, 5, 2), 1, "LOT-7"),
    ]


def _child_doses(family: Family) -> list[ClinicalRecord]:
    child = Patient(full_name=family.child.full_name, person_id=family.child.person_id)
    return [
        Immunization(STATION, "C1", child, "BCG", CHILD_BORN, 1),
        Immunization(STATION, "C2", child, "HEPB", CHILD_BORN, 1),
        Immunization(STATION, "C3", child, "DTAP_HEPB_HIB", dt.date(2026, 1, 6), None),
    ]


def _read(session: Session, reader: str, person_id: str) -> WholeBook:
    book = read_whole_book(session, actor(Role.CITIZEN, person_id=reader), person_id, today=TODAY)
    session.commit()
    return book


def _by_key(records: Sequence[ClinicalRecord]) -> dict[tuple[str, str], ClinicalRecord]:
    return {(type(r).__name__, r.key): r for r in records}


def _as_read(record: ClinicalRecord, book: WholeBook) -> ClinicalRecord:
    """A sent record as the bundle gives it back: about the register's person, and a
    letter's coded diagnosis with its words (the facility's, else its Vietnamese name)."""
    patient = Patient(
        full_name=book.person.full_name,
        person_id=book.person.person_id,
        birth_date=book.person.birth_date,
        sex=book.person.sex,
    )
    record = dataclasses.replace(record, patient=patient)
    if isinstance(record, Referral | Appointment) and record.diagnosis:
        text = record.diagnosis_text or icd10.name(record.diagnosis)
        record = dataclasses.replace(record, diagnosis_text=text)
    return record


def test_the_bundle_reads_back_into_the_same_records(session: Session, family: Family) -> None:
    me = family.parent.person_id
    sent = _sent(family)
    _store(session, sent)
    book = _read(session, me, me)

    data = json.dumps(book_bundle(book, now=NOW), ensure_ascii=False).encode()
    reading = read_bundle(data, source="so-suc-khoe.json")

    assert reading.type == "collection" and reading.problems == []
    assert _by_key(reading.records) == _by_key([_as_read(r, book) for r in sent])
    document = json.loads(data)
    resources = [entry["resource"] for entry in document["entry"]]
    (patient,) = [r for r in resources if r["resourceType"] == "Patient"]
    assert patient["identifier"] == [{"use": "official", "system": PERSON_ID_SYSTEM, "value": me}]
    assert patient["name"][0]["text"] == "Trần Văn Bình" and patient["gender"] == "male"
    codings = [r["code"]["coding"][0] for r in resources if r["resourceType"] == "Condition"]
    assert {
        "system": ICD10_SYSTEM,
        "code": "I10",
        "display": "Tăng huyết áp vô căn (nguyên phát)",
    } in codings
    assert len(codings) == 4  # J06.9; I10, E11.9, K29.7
    facilities = {
        r["identifier"][0]["value"]: r.get("name")
        for r in resources
        if r["resourceType"] == "Organization"
    }
    assert facilities == {
        STATION: "Trạm Y tế phường Nha Trang",
        HOSPITAL: "Bệnh viện Đa khoa tỉnh Khánh Hòa",
    }
    assert all(
        r["identifier"][0]["system"] == FACILITY_SYSTEM
        for r in resources
        if r["resourceType"] == "Organization"
    )


def test_a_parent_downloads_his_childs_book_with_the_schedule(
    session: Session, family: Family
) -> None:
    child = family.child.person_id
    _store(session, _child_doses(family))
    before = len(_entries(session))
    book = _read(session, family.parent.person_id, child)

    assert book.on_schedule and [d.key for d in book.doses] == ["C1", "C2", "C3"]
    data = json.dumps(book_bundle(book, now=NOW)).encode()
    doses = read_bundle(data, source="so-suc-khoe.json").records
    assert _by_key(doses) == _by_key([_as_read(r, book) for r in _child_doses(family)])
    assert _entries(session)[before:] == [("download_book", child, "allowed")]
    purpose = session.scalars(select(AuditEntry.purpose).order_by(AuditEntry.id.desc())).first()
    assert purpose == "guardian"
    # The father's page "who viewed my book" for his daughter lists the download.
    views = book_views(
        session, actor(Role.CITIZEN, person_id=family.parent.person_id), person_id=child
    )
    assert views and views[0].purpose == "Người giám hộ tra cứu"


@pytest.mark.parametrize("reader", ["neighbour", "guardian_of_teen"])
def test_anyone_else_is_refused_the_download_and_it_is_on_record(
    session: Session, family: Family, reader: str
) -> None:
    who, subject = family.neighbour.person_id, family.child.person_id
    if reader == "guardian_of_teen":
        who, subject = family.parent.person_id, family.teen.person_id
    before = len(_entries(session))
    with pytest.raises(AccessDenied):
        _read(session, who, subject)
    session.commit()
    assert _entries(session)[before:] == [("download_book", subject, "denied")]


@pytest.fixture
def statements(engine: Engine) -> Iterator[list[str]]:
    """Every SQL statement sent while the test runs."""
    sent: list[str] = []

    def count(*args: object) -> None:
        sent.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", count)
    yield sent
    event.remove(engine, "before_cursor_execute", count)


def test_two_hundred_visits_are_read_in_a_handful_of_queries(
    session: Session, family: Family, statements: list[str]
) -> None:
    me = Patient(full_name=family.parent.full_name, person_id=family.parent.person_id)
    start = dt.datetime(2020, 1, 1, 8, 0, tzinfo=VN)
    _store(
        session,
        [
            Visit(
                (STATION, HOSPITAL)[n % 2],
                f"LK{n}",
                me,
                start + dt.timedelta(days=7 * n),
                main_diagnosis="J06.9",
                other_diagnoses=("I10",),
            )
            for n in range(200)
        ],
    )
    statements.clear()
    book = _read(session, family.parent.person_id, family.parent.person_id)
    assert len(book.visits) == 200
    assert book.visits[0].started_at > book.visits[-1].started_at  # newest first
    assert len(statements) <= 15, statements


def test_the_pdf_holds_the_whole_book_in_vietnamese(
    session: Session, family: Family, tmp_path: Path
) -> None:
    me = Patient(full_name=family.parent.full_name, person_id=family.parent.person_id)
    start = dt.datetime(2024, 1, 1, 8, 0, tzinfo=VN)
    many = [
        Visit(HOSPITAL, f"LKM{n}", me, start + dt.timedelta(days=3 * n), main_diagnosis="K29.7")
        for n in range(150)
    ]
    _store(session, [*_sent(family), *many, *_child_doses(family)])
    book = _read(session, family.parent.person_id, family.parent.person_id)

    text, pages = _pdf_text(book_pdf(book, now=NOW), tmp_path)
    assert pages > 3
    for expected in (
        "SỔ SỨC KHỎE ĐIỆN TỬ",
        "Trần Văn Bình",
        "In ngày 20/11/2026",
        "Lịch sử khám chữa bệnh",
        "153 lần khám chữa bệnh",
        "Bệnh viện Đa khoa tỉnh Khánh Hòa",
        "Tăng huyết áp vô căn (nguyên phát) (I10)",
        "Viêm dạ dày, không đặc hiệu (K29.7)",
        "Điều trị nội trú",
        "Hẹn tái khám 01/12/2026",
        "Tiêm chủng",
        "Sởi – Rubella (MR)",
        "Đã tiêm",
        "Giấy chuyển tuyến",
        "125/CT",
        "Vượt tuyến",
        "Giấy hẹn khám lại",
        "Sắp tới",
        "Đã qua",
        f"Trang 1/{pages}",
        f"Trang {pages}/{pages}",
    ):
        assert expected in text, expected
    # Every visit is there, not a page of them.
    assert text.count("(K29.7)") == 151

    child_book = _read(session, family.parent.person_id, family.child.person_id)
    child_text, _ = _pdf_text(book_pdf(child_book, now=NOW), tmp_path)
    assert "Trần Thị Cúc" in child_text and "Lao (BCG)" in child_text
    assert "Theo lịch tiêm chủng mở rộng quốc gia" in child_text and "Quá hạn" in child_text
    assert "Chưa có lần khám chữa bệnh nào được ghi nhận." in child_text


def _pdf_text(data: bytes, directory: Path) -> tuple[str, int]:
    """The PDF's text as ``pdftotext`` reads it, and its number of pages."""
    path = directory / "so-suc-khoe.pdf"
    path.write_bytes(data)
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return " ".join(text.split()), text.count("\f")


_PERSON = Person("056090000001", "Trần Văn Bình", dt.date(1990, 5, 1), "day", "M", "", None, False)
_PATIENT = Patient("Trần Văn Bình", "056090000001", birth_date=dt.date(1990, 5, 1), sex="M")
_words = st.text(alphabet="aăâbcdđeêghiklmnoôơpqrstuưvxyáàảãạệộờ -/.0123456789", min_size=1)
_text = _words.map(str.strip).filter(bool)
_keys = st.text(alphabet="ABCDEFGHKLMNPQRSTUVXY0123456789-/", min_size=1, max_size=30)
_facilities = st.sampled_from([STATION, HOSPITAL, "79010"])
_codes = st.sampled_from(sorted(icd10.NAMED_CODES))
_days = st.dates(dt.date(2000, 1, 1), dt.date(2030, 12, 31))
_instants = st.datetimes(dt.datetime(2000, 1, 1), dt.datetime(2030, 12, 31)).map(
    lambda t: t.replace(microsecond=0, tzinfo=dt.UTC)
)


@st.composite
def _visits(draw: st.DrawFn) -> Visit:
    start = draw(_instants)
    # The reader takes a diagnosis once, and the first as the main one.
    main = draw(st.none() | _codes)
    others = draw(st.lists(_codes.filter(lambda c: c != main), max_size=4, unique=True))
    others = others if main else []
    ended = draw(st.none() | st.timedeltas(dt.timedelta(0), dt.timedelta(days=60)))
    return Visit(
        facility_code=draw(_facilities),
        key=draw(_keys),
        patient=_PATIENT,
        started_at=start,
        ended_at=start + ended if ended is not None else None,
        visit_type=draw(st.none() | st.sampled_from(sorted(VISIT_TYPES))),
        reason=draw(st.none() | _text),
        main_diagnosis=main,
        other_diagnoses=tuple(others),
        outcome=draw(st.none() | st.sampled_from(sorted(OUTCOMES))),
        re_exam_on=draw(st.none() | _days),
    )


_doses = st.builds(
    Immunization,
    facility_code=_facilities,
    key=_keys,
    patient=st.just(_PATIENT),
    vaccine=st.sampled_from(sorted(VACCINES)),
    given_on=_days,
    dose_number=st.none() | st.integers(1, 99),
    lot_number=st.none() | _keys,
)
_referrals = st.builds(
    Referral,
    facility_code=_facilities,
    key=_keys,
    patient=st.just(_PATIENT),
    referred_on=_days,
    number=_keys,  # a letter without a number reads back with its key as one
    to_facility=st.none() | _facilities,
    diagnosis=st.none() | _codes,
    diagnosis_text=st.none() | _text,
    reason=st.none() | _text,
).filter(lambda r: r.diagnosis is not None or r.diagnosis_text is None)
_appointments = st.builds(
    Appointment,
    facility_code=_facilities,
    key=_keys,
    patient=st.just(_PATIENT),
    on=_days,
    number=st.none() | _keys,
    diagnosis=st.none() | _codes,
    diagnosis_text=st.none() | _text,
).filter(lambda a: a.diagnosis is not None or a.diagnosis_text is None)


def _unique(records: list[ClinicalRecord]) -> bool:
    return len({(r.facility_code, r.key) for r in records}) == len(records)


@given(
    st.lists(_visits(), max_size=5).filter(_unique),
    st.lists(_doses, max_size=3).filter(_unique),
    st.lists(_referrals, max_size=3).filter(_unique),
    st.lists(_appointments, max_size=3).filter(_unique),
)
def test_any_book_reads_back_from_its_bundle(
    visits: list[Visit],
    doses: list[Immunization],
    referrals: list[Referral],
    appointments: list[Appointment],
) -> None:
    """Whatever the book holds reads back: visits of any kind or none, outcome, re-exam day
    and diagnoses; doses with or without number and lot; letters with or without a
    destination, a diagnosis, the facility's words for it and a reason; appointments with a
    number of their own or none (then the key, as any sender's)."""
    facilities = {STATION: "Trạm Y tế phường Nha Trang", HOSPITAL: HOSPITAL, "79010": "79010"}
    book = WholeBook(_PERSON, TODAY, visits, doses, referrals, appointments, [], facilities)
    data = json.dumps(book_bundle(book, now=NOW)).encode()
    reading = read_bundle(data, source="so-suc-khoe.json")
    assert reading.problems == []
    expected = [
        dataclasses.replace(a, number=a.number or a.key) if isinstance(a, Appointment) else a
        for a in [*visits, *doses, *referrals, *appointments]
    ]
    assert _by_key(reading.records) == _by_key([_as_read(r, book) for r in expected])
