"""The health book on both backends: a citizen reads his own, a parent his child's under 14;
a neighbour, an officer of the commune or of another, a ward's guardian once the ward is 14
and an unknown ID are refused alike, each read or refusal one audit entry; visits newest
first with Vietnamese diagnosis names, paged; doses against the schedule by a fixed day;
appointments upcoming first."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from sokhoe.access.guard import AccessDenied
from sokhoe.access.models import AuditEntry
from sokhoe.access.roles import Role
from sokhoe.db import session_factory
from sokhoe.records.book import (
    VISITS_PER_PAGE,
    DoseStatus,
    GivenDose,
    add_months,
    read_book,
    vaccination_lines,
)
from sokhoe.records.clinical import Appointment, ClinicalRecord, Immunization, Patient, Referral
from sokhoe.records.clinical import Visit as SentVisit
from sokhoe.records.ingest import ingest_batch
from sokhoe.records.vaccines import SCHEDULE
from sokhoe.registry.models import Citizen, Facility
from tests.support.factories import (
    BAC_NHA_TRANG,
    NHA_TRANG,
    actor,
    add_citizen,
    add_guardian,
    add_village,
)

TODAY = dt.date(2026, 11, 20)
VN = dt.timezone(dt.timedelta(hours=7))
STATION, HOSPITAL = "56001", "56002"
CHILD_BORN = dt.date(2025, 11, 5)


@dataclass(frozen=True)
class Family:
    parent: Citizen
    child: Citizen
    #: A ward of the parent's who turned 14 last week: his book is his own now.
    teen: Citizen
    neighbour: Citizen


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with session_factory(engine)() as session:
        yield session


@pytest.fixture
def family(session: Session) -> Family:
    village = add_village(session, NHA_TRANG, "Tổ 1")
    session.add_all(
        [
            Facility(
                code=STATION,
                name="Trạm Y tế phường Nha Trang",
                commune_code=NHA_TRANG,
                kind="tram_y_te",
            ),
            Facility(
                code=HOSPITAL,
                name="Bệnh viện Đa khoa tỉnh Khánh Hòa",
                commune_code=NHA_TRANG,
                kind="benh_vien",
            ),
        ]
    )
    parent = add_citizen(session, village, full_name="Trần Văn Bình", born=dt.date(1990, 5, 1))
    child = add_citizen(session, village, full_name="Trần Thị Cúc", born=CHILD_BORN, sex="F")
    teen = add_citizen(session, village, full_name="Trần Văn Đạt", born=dt.date(2012, 11, 13))
    neighbour = add_citizen(session, village, full_name="Lê Văn Dũng", born=dt.date(1985, 1, 1))
    add_guardian(session, child, parent, "cha")
    add_guardian(session, teen, parent, "cha")
    session.commit()
    return Family(parent, child, teen, neighbour)


def _patient(citizen: Citizen) -> Patient:
    return Patient(full_name=citizen.full_name, person_id=citizen.person_id)


def _store(session: Session, records: Sequence[ClinicalRecord]) -> None:
    ingest_batch(session, records, source="test", sender_facility=None)
    session.commit()


def _visit(citizen: Citizen, key: str, start: dt.datetime, **fields: object) -> SentVisit:
    return SentVisit(
        facility_code=fields.pop("facility_code", STATION),  # type: ignore[arg-type]
        key=key,
        patient=_patient(citizen),
        started_at=start,
        **fields,  # type: ignore[arg-type]
    )


def _entries(session: Session) -> list[tuple[str, str | None, str]]:
    return [
        (e.action, e.subject_person_id, e.outcome)
        for e in session.scalars(select(AuditEntry).order_by(AuditEntry.id))
    ]


def test_the_citizen_reads_his_own_book_newest_visit_first(
    session: Session, family: Family
) -> None:
    me = family.parent
    _store(
        session,
        [
            _visit(
                me,
                "LK1",
                dt.datetime(2026, 3, 2, 8, 0, tzinfo=VN),
                main_diagnosis="J06.9",
                visit_type="01",
                outcome="1",
            ),
            _visit(
                me,
                "LK2",
                dt.datetime(2026, 10, 9, 14, 0, tzinfo=VN),
                facility_code=HOSPITAL,
                main_diagnosis="I10",
                other_diagnoses=("E11.9", "K29.7"),
                visit_type="03",
                outcome="2",
            ),
            _visit(family.neighbour, "LK3", dt.datetime(2026, 10, 10, 8, 0, tzinfo=VN)),
        ],
    )
    before = len(_entries(session))
    book = read_book(
        session, actor(Role.CITIZEN, person_id=me.person_id), me.person_id, today=TODAY
    )
    session.commit()

    assert book.person.full_name == "Trần Văn Bình" and book.person.commune
    assert book.visits_total == 2 and book.visits_pages == 1
    newest, oldest = book.visits
    assert newest.facility == "Bệnh viện Đa khoa tỉnh Khánh Hòa"
    assert newest.main_diagnosis is not None
    assert (newest.main_diagnosis.code, newest.main_diagnosis.name) == (
        "I10",
        "Tăng huyết áp vô căn (nguyên phát)",
    )
    assert [d.code for d in newest.other_diagnoses] == ["E11.9", "K29.7"]
    assert all(d.name != d.code for d in newest.other_diagnoses)
    assert (newest.visit_type, newest.outcome) == ("Điều trị nội trú", "Đỡ")
    assert oldest.facility == "Trạm Y tế phường Nha Trang" and oldest.outcome == "Khỏi"
    # An adult: only what is recorded (nothing), no schedule.
    assert book.vaccinations == [] and not book.on_schedule
    assert _entries(session)[before:] == [("read_book", me.person_id, "allowed")]


def test_visits_are_paged_newest_first(session: Session, family: Family) -> None:
    me = family.parent
    start = dt.datetime(2024, 1, 1, 8, 0, tzinfo=VN)
    _store(
        session,
        [_visit(me, f"LK{n}", start + dt.timedelta(days=n)) for n in range(VISITS_PER_PAGE + 5)],
    )
    reader = actor(Role.CITIZEN, person_id=me.person_id)
    first = read_book(session, reader, me.person_id, today=TODAY)
    second = read_book(session, reader, me.person_id, today=TODAY, visits_page=2)
    assert first.visits_total == VISITS_PER_PAGE + 5 and first.visits_pages == 2
    assert len(first.visits) == VISITS_PER_PAGE and len(second.visits) == 5
    days = [v.started_at for v in first.visits + second.visits]
    assert days == sorted(days, reverse=True) and len(set(days)) == len(days)


def test_a_parent_reads_his_childs_book_with_the_schedule(session: Session, family: Family) -> None:
    child = family.child

    def dose(key: str, vaccine: str, given: dt.date, number: int | None) -> Immunization:
        return Immunization(STATION, key, _patient(child), vaccine, given, number)

    _store(
        session,
        [
            dose("V1", "BCG", CHILD_BORN, 1),
            dose("V2", "HEPB", CHILD_BORN, 1),
            dose("V3", "DTAP_HEPB_HIB", dt.date(2026, 1, 6), 1),
            dose("V4", "OPV", dt.date(2026, 1, 6), 1),
            dose("V5", "DTAP_HEPB_HIB", dt.date(2026, 2, 10), None),  # fills dose 2
            dose("V6", "MEASLES", dt.date(2026, 8, 7), 1),
            dose("V7", "HEPB", dt.date(2026, 1, 6), 2),  # not in the national schedule
        ],
    )
    book = read_book(
        session,
        actor(Role.CITIZEN, person_id=family.parent.person_id),
        child.person_id,
        today=TODAY,
    )
    status = {(line.vaccine, line.dose_number): line for line in book.vaccinations}
    assert book.on_schedule and book.person.child
    assert len(book.vaccinations) == len(SCHEDULE) + 1
    assert status["DTAP_HEPB_HIB", 2].status is DoseStatus.DONE
    assert status["DTAP_HEPB_HIB", 2].given_on == dt.date(2026, 2, 10)
    assert status["BCG", 1].facility == "Trạm Y tế phường Nha Trang"
    assert status["OPV", 2].status is DoseStatus.OVERDUE  # due 5 Feb, late after 5 Mar
    assert status["DTAP_HEPB_HIB", 3].status is DoseStatus.OVERDUE
    assert status["JE", 1].status is DoseStatus.DUE  # due 5 Nov, late after 5 Dec
    assert status["JE", 2].status is DoseStatus.UPCOMING
    assert status["JE", 1].due_on == dt.date(2026, 11, 5)
    assert book.vaccinations[-1].vaccine == "HEPB" and book.vaccinations[-1].due_on is None
    entry = _entries(session)[-1]
    assert entry == ("read_book", child.person_id, "allowed")
    purpose = session.scalars(select(AuditEntry.purpose).order_by(AuditEntry.id.desc())).first()
    assert purpose == "guardian"


def test_the_status_of_a_dose_moves_with_the_day() -> None:
    def status(today: dt.date) -> DoseStatus:
        lines = vaccination_lines([], birth=CHILD_BORN, today=today)
        return next(
            line.status for line in lines if (line.vaccine, line.dose_number) == ("MEASLES", 1)
        )

    assert status(dt.date(2026, 8, 4)) is DoseStatus.UPCOMING
    assert status(dt.date(2026, 8, 5)) is DoseStatus.DUE
    assert status(dt.date(2026, 9, 5)) is DoseStatus.DUE
    assert status(dt.date(2026, 9, 6)) is DoseStatus.OVERDUE
    hep_b = vaccination_lines([], birth=CHILD_BORN, today=CHILD_BORN + dt.timedelta(days=1))[1]
    assert (hep_b.vaccine, hep_b.status) == ("HEPB", DoseStatus.OVERDUE)  # within 24 hours
    given = [GivenDose("MR", 1, dt.date(2001, 5, 2), "Trạm Y tế")]
    assert [line.status for line in vaccination_lines(given, birth=None, today=TODAY)] == [
        DoseStatus.DONE
    ]
    assert add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2025, 11, 5), 14) == dt.date(2027, 1, 5)


def test_letters_and_appointments_upcoming_first(session: Session, family: Family) -> None:
    me = family.parent
    _store(
        session,
        [
            Appointment(HOSPITAL, "H1", _patient(me), dt.date(2026, 10, 1), "GH-1", "I10"),
            Appointment(HOSPITAL, "H2", _patient(me), dt.date(2026, 12, 15), "GH-2", "I10"),
            Appointment(
                HOSPITAL, "H3", _patient(me), dt.date(2026, 11, 27), "GH-3", None, "Tăng huyết áp"
            ),
            Appointment(HOSPITAL, "H4", _patient(me), dt.date(2026, 6, 1), "GH-4"),
            Referral(STATION, "R1", _patient(me), dt.date(2026, 9, 30), "CT-1", HOSPITAL, "I10"),
        ],
    )
    book = read_book(
        session, actor(Role.CITIZEN, person_id=me.person_id), me.person_id, today=TODAY
    )
    assert [a.number for a in book.appointments] == ["GH-3", "GH-2", "GH-1", "GH-4"]
    assert [a.upcoming for a in book.appointments] == [True, True, False, False]
    assert book.appointments[0].diagnosis is not None
    assert book.appointments[0].diagnosis.name == "Tăng huyết áp"
    (letter,) = book.referrals
    assert letter.to_facility == "Bệnh viện Đa khoa tỉnh Khánh Hòa"
    assert letter.facility == "Trạm Y tế phường Nha Trang"


@pytest.mark.parametrize(
    "reader",
    ["neighbour", "officer", "other_commune", "guardian_of_teen", "unknown"],
)
def test_everyone_else_is_refused_alike_and_on_record(
    session: Session, family: Family, reader: str
) -> None:
    _store(session, [_visit(family.child, "LK1", dt.datetime(2026, 3, 2, 8, 0, tzinfo=VN))])
    subject = family.child.person_id
    who = actor(Role.CITIZEN, person_id=family.neighbour.person_id)
    if reader == "officer":
        who = actor(Role.COMMUNE_OFFICER, province_code=56, commune_code=NHA_TRANG)
    elif reader == "other_commune":
        who = actor(Role.COMMUNE_OFFICER, province_code=56, commune_code=BAC_NHA_TRANG)
    elif reader == "guardian_of_teen":
        who, subject = actor(Role.CITIZEN, person_id=family.parent.person_id), family.teen.person_id
    elif reader == "unknown":
        subject = "056999999999"
    before = len(_entries(session))
    with pytest.raises(AccessDenied) as refused:
        read_book(session, who, subject, today=TODAY)
    session.commit()
    assert str(refused.value) == "Không có quyền truy cập."
    written = _entries(session)[before:]
    if reader == "unknown":
        assert written == []  # nobody to name; nothing about the person is said either way
    else:
        assert written == [("read_book", subject, "denied")]
