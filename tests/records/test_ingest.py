"""Ingest on both backends: a record sent twice is stored once, a changed one updated; the
person found by ID or by card, or the record queued for review (and its resend updating the
queue entry, not queueing twice); another facility's records refused; problems passed
through in order; a batch stored whole or not at all; one audit entry per batch and facility,
with counts and no person in it."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from sokhoe.access.models import AuditEntry
from sokhoe.db import Base, session_factory
from sokhoe.insurance.models import InsuranceCard
from sokhoe.records import ingest as ingest_module
from sokhoe.records import models, writer
from sokhoe.records.clinical import (
    Appointment,
    ClinicalRecord,
    Immunization,
    Patient,
    Referral,
    Visit,
)
from sokhoe.records.identify import Reason
from sokhoe.records.ingest import (
    Batch,
    BatchResult,
    Status,
    ingest,
    ingest_batch,
    ingest_batches,
)
from sokhoe.records.problems import RecordProblem
from sokhoe.registry.models import Citizen, Facility
from sokhoe.registry.units import ensure_province

NHA_TRANG = 22366
STATION, HOSPITAL = "56001", "56002"
VN = dt.timezone(dt.timedelta(hours=7))


@dataclass(frozen=True)
class People:
    """An: ID and card (BHXH number 5612345671). Bình: ID only. Cúc: card only, her ID on
    BHXH's list. Card 5612345679 is listed for both Bình and Cúc; card 5612345678 for a
    person the register does not hold."""

    an: str = "056085000001"
    binh: str = "056090000002"
    cuc: str = "056195000003"
    an_card: str = "GD4565612345671"
    cuc_card: str = "5612345673"
    shared_card: str = "5612345679"
    stranger_card: str = "5612345678"


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return session_factory(engine)


@pytest.fixture
def session(sessions: sessionmaker[Session]) -> Iterator[Session]:
    with sessions() as session:
        yield session


def _card(number: str, person_id: str) -> InsuranceCard:
    return InsuranceCard(
        card_number=number,
        bhxh_number=number[-10:],
        holder_key=person_id,
        person_id=person_id,
        full_name="Theo danh sách",
    )


@pytest.fixture
def people(session: Session) -> People:
    ensure_province(session, 56)
    p = People()
    session.add_all(
        [
            Facility(code=STATION, name="Trạm Y tế", commune_code=NHA_TRANG, kind="tram_y_te"),
            Facility(code=HOSPITAL, name="Bệnh viện", commune_code=NHA_TRANG, kind="benh_vien"),
        ]
    )
    session.add_all(
        Citizen(person_id=pid, full_name=name, commune_code=NHA_TRANG)
        for pid, name in ((p.an, "Lê Văn An"), (p.binh, "Trần Bình"), (p.cuc, "Phạm Thị Cúc"))
    )
    session.flush()
    session.add_all(
        [
            _card(p.an_card, p.an),
            _card("HT356" + p.cuc_card, p.cuc),
            _card(p.shared_card, p.binh),
            _card(p.shared_card, p.cuc),
            _card(p.stranger_card, "079090000009"),
        ]
    )
    session.commit()
    return p


def visit(key: str = "LK0001", facility: str = STATION, **changes: object) -> Visit:
    patient = Patient(
        full_name="Lê Văn An", person_id=People.an, birth_date=dt.date(1985, 3, 9), sex="M"
    )
    fields: dict[str, object] = {
        "facility_code": facility,
        "key": key,
        "patient": patient,
        "started_at": dt.datetime(2026, 11, 2, 8, 30, tzinfo=VN),
        "ended_at": dt.datetime(2026, 11, 2, 9, 5, tzinfo=VN),
        "visit_type": "01",
        "main_diagnosis": "J06.9",
        "other_diagnoses": ("I10", "E11.9"),
        "outcome": "2",
    }
    fields.update(changes)
    return Visit(**fields)  # type: ignore[arg-type]


def patient(**fields: object) -> Patient:
    return Patient(**{"full_name": "Người bệnh", **fields})  # type: ignore[arg-type]


def run(
    session: Session,
    items: Sequence[ClinicalRecord | RecordProblem],
    sender: str | None = None,
) -> BatchResult:
    result = ingest_batch(session, items, source="test.xml", sender_facility=sender)
    session.commit()
    return result


def statuses(result: BatchResult) -> list[Status]:
    return [o.status for o in result.outcomes]


def count(session: Session, model: type[Base]) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_the_same_visit_twice_is_stored_once_and_a_change_updates_it(
    session: Session, people: People
) -> None:
    assert statuses(run(session, [visit()])) == [Status.CREATED]
    assert statuses(run(session, [visit()])) == [Status.UNCHANGED]
    stored = session.scalars(select(models.Visit)).one()
    assert stored.person_id == people.an
    assert stored.started_at == dt.datetime(2026, 11, 2, 1, 30)  # UTC, naive
    assert stored.other_diagnoses == "I10;E11.9"
    assert stored.updated_at == stored.received_at
    first_fingerprint = stored.fingerprint

    assert statuses(run(session, [visit(outcome="1")])) == [Status.UPDATED]
    session.expire_all()
    stored = session.scalars(select(models.Visit)).one()
    assert stored.outcome == "1"
    assert stored.fingerprint != first_fingerprint
    assert count(session, models.Visit) == 1


def test_a_key_twice_in_one_batch_is_one_row_holding_the_last(
    session: Session, people: People
) -> None:
    result = run(session, [visit(outcome="2"), visit(outcome="1"), visit(outcome="1")])
    assert statuses(result) == [Status.CREATED, Status.UPDATED, Status.UNCHANGED]
    assert session.scalars(select(models.Visit.outcome)).all() == ["1"]


def test_the_same_key_at_two_facilities_is_two_visits(session: Session, people: People) -> None:
    result = run(session, [visit(), visit(facility=HOSPITAL)])
    assert statuses(result) == [Status.CREATED, Status.CREATED]
    assert count(session, models.Visit) == 2


def test_the_person_is_found_by_card_when_no_id_is_sent(session: Session, people: People) -> None:
    # Cúc's card listed as HT3…; the hospital sends another group code of the same number.
    by_card = visit(patient=patient(card_number="GD456" + people.cuc_card))
    by_id_and_own_card = visit(
        "LK0002", patient=patient(person_id=people.an, card_number=people.an_card)
    )
    assert statuses(run(session, [by_card, by_id_and_own_card])) == [Status.CREATED] * 2
    persons = session.execute(select(models.Visit.key, models.Visit.person_id)).all()
    assert sorted(persons) == [("LK0001", people.cuc), ("LK0002", people.an)]


@pytest.mark.parametrize(
    ("sent", "reason"),
    [
        ({}, Reason.NO_IDENTIFIER),
        ({"person_id": "056085999999"}, Reason.ID_UNKNOWN),
        ({"person_id": People.binh, "card_number": People.an_card}, Reason.ID_CARD_DISAGREE),
        ({"card_number": "5600000000"}, Reason.CARD_UNKNOWN),
        ({"card_number": People.stranger_card}, Reason.CARD_UNKNOWN),
        ({"card_number": People.shared_card}, Reason.CARD_AMBIGUOUS),
    ],
)
def test_a_person_not_identified_is_queued_with_the_reason(
    session: Session, people: People, sent: dict[str, str], reason: Reason
) -> None:
    result = run(session, [visit(patient=patient(**sent))])
    assert statuses(result) == [Status.QUEUED]
    assert result.outcomes[0].reason is reason
    entry = session.scalars(select(models.UnidentifiedRecord)).one()
    assert (entry.kind, entry.key, entry.reason, entry.status) == (
        "visit",
        "LK0001",
        reason,
        "open",
    )
    assert entry.record["patient"] == {
        "full_name": "Người bệnh",
        "person_id": sent.get("person_id"),
        "card_number": sent.get("card_number"),
        "birth_date": None,
        "sex": None,
        "patient_code": None,
    }
    assert entry.record["started_at"] == "2026-11-02T08:30:00+07:00"
    assert count(session, models.Visit) == 0


def test_a_resend_updates_the_queue_entry_and_one_that_identifies_resolves_it(
    session: Session, people: People
) -> None:
    unknown = visit(patient=patient(card_number="5600000000"))
    run(session, [unknown])
    assert statuses(run(session, [unknown])) == [Status.QUEUED]
    run(session, [dataclasses.replace(unknown, reason="Sốt cao")])
    entry = session.scalars(select(models.UnidentifiedRecord)).one()
    assert entry.record["reason"] == "Sốt cao"
    assert entry.status == "open"

    identified = dataclasses.replace(unknown, patient=patient(person_id=people.binh))
    assert statuses(run(session, [identified])) == [Status.CREATED]
    session.expire_all()
    entry = session.scalars(select(models.UnidentifiedRecord)).one()
    assert entry.status == "resolved"
    assert entry.resolved_at is not None
    assert session.scalars(select(models.Visit.person_id)).all() == [people.binh]


def test_a_stored_visit_a_resend_no_longer_identifies_stays_and_the_resend_waits(
    session: Session, people: People
) -> None:
    run(session, [visit()])
    unknown = visit(outcome="1", patient=patient(person_id="056085999999"))
    assert statuses(run(session, [unknown])) == [Status.QUEUED]
    assert session.scalars(select(models.Visit.outcome)).all() == ["2"]
    entry = session.scalars(select(models.UnidentifiedRecord)).one()
    assert (entry.reason, entry.record["outcome"]) == (Reason.ID_UNKNOWN, "1")


def test_another_facilitys_record_is_refused_and_the_attempt_audited_as_denied(
    session: Session, people: People
) -> None:
    result = run(session, [visit("LK1"), visit("LK2", facility=HOSPITAL)], sender=STATION)
    assert statuses(result) == [Status.CREATED, Status.REFUSED]
    problem = result.outcomes[1].problem
    assert problem is not None
    assert problem.code == "other_facility"
    assert problem.message() == (
        "test.xml, hồ sơ LK2: hồ sơ của cơ sở '56002', không phải của cơ sở gửi ('56001')"
    )
    assert session.scalars(select(models.Visit.key)).all() == ["LK1"]
    entries = session.execute(
        select(AuditEntry.outcome, AuditEntry.detail).order_by(AuditEntry.detail)
    ).all()
    assert entries == [
        ("allowed", "cơ sở 56001: 1 mới; từ dòng lệnh"),
        ("denied", "cơ sở 56002: 1 từ chối; từ dòng lệnh"),
    ]


def test_an_unknown_facility_is_refused(session: Session, people: People) -> None:
    result = run(session, [visit(facility="56999")])
    assert statuses(result) == [Status.REFUSED]
    assert result.problems[0].message("en") == (
        "test.xml, record LK0001: facility '56999' is not in the register of facilities"
    )


def test_problems_pass_through_in_order(session: Session, people: People) -> None:
    bad = RecordProblem("test.xml", "MA_LK LK9", "NGAY_VAO", "bad_date", {"value": "20261399"})
    result = run(session, [visit("LK1"), bad, visit("LK2")])
    assert statuses(result) == [Status.CREATED, Status.REFUSED, Status.CREATED]
    assert result.outcomes[1].problem is bad
    assert result.problems == [bad]


def test_a_value_too_long_for_its_column_is_refused_not_failing_the_batch(
    session: Session, people: People
) -> None:
    result = run(session, [visit("LK1", visit_type="0101"), visit("LK2")])
    assert statuses(result) == [Status.REFUSED, Status.CREATED]
    problem = result.outcomes[0].problem
    assert problem is not None
    assert (problem.field, problem.code, problem.params) == ("visit_type", "too_long", {"limit": 2})


def test_every_kind_is_stored_in_its_table(session: Session, people: People) -> None:
    an = patient(person_id=people.an)
    records: list[ClinicalRecord] = [
        Referral(STATION, "R1", an, dt.date(2026, 11, 2), number="12/CT", to_facility=HOSPITAL),
        Appointment(STATION, "A1", an, dt.date(2026, 12, 1), diagnosis="I10"),
        Immunization(STATION, "I1", an, "MR", dt.date(2026, 10, 1), dose_number=1),
    ]
    assert statuses(run(session, records)) == [Status.CREATED] * 3
    assert statuses(run(session, records)) == [Status.UNCHANGED] * 3
    assert session.scalars(select(models.Referral.to_facility)).one() == HOSPITAL
    assert session.scalars(select(models.Appointment.on_date)).one() == dt.date(2026, 12, 1)
    assert session.scalars(select(models.Immunization.vaccine)).one() == "MR"


def test_what_is_stored_is_read_right_when_the_batch_needs_several_statements(
    session: Session, people: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The writer reads what is stored in ``UNION ALL`` s of at most ``_UNION_TERMS``
    selects: with two per statement, five groups (four tables, two facilities) and an
    open queue entry take four statements, whose rows must go back to the right group."""
    monkeypatch.setattr(writer, "_UNION_TERMS", 2)
    an = patient(person_id=people.an)
    unknown = visit("LK9", patient=patient(card_number="5600000000"))
    records: list[ClinicalRecord] = [
        visit(),
        visit(facility=HOSPITAL),
        Referral(STATION, "R1", an, dt.date(2026, 11, 2), number="12/CT", to_facility=HOSPITAL),
        Appointment(STATION, "A1", an, dt.date(2026, 12, 1), diagnosis="I10"),
        Immunization(STATION, "I1", an, "MR", dt.date(2026, 10, 1), dose_number=1),
    ]
    assert statuses(run(session, [*records, unknown])) == [Status.CREATED] * 5 + [Status.QUEUED]
    changed = [*records[:4], dataclasses.replace(records[4], dose_number=2)]
    identified = dataclasses.replace(unknown, patient=an)
    assert statuses(run(session, [*changed, identified])) == [
        *[Status.UNCHANGED] * 4,
        Status.UPDATED,
        Status.CREATED,
    ]
    assert session.scalars(select(models.UnidentifiedRecord.status)).one() == "resolved"


def test_one_audit_entry_per_batch_and_facility_with_counts_and_no_person(
    session: Session, people: People
) -> None:
    run(session, [visit("LK1"), visit("LK2", patient=patient()), visit("LK3", facility=HOSPITAL)])
    run(session, [visit("LK1")])
    details = session.scalars(select(AuditEntry.detail).order_by(AuditEntry.id)).all()
    assert details == [
        "cơ sở 56001: 1 mới, 1 chờ xác định người; từ dòng lệnh",
        "cơ sở 56002: 1 mới; từ dòng lệnh",
        "cơ sở 56001: 1 không đổi; từ dòng lệnh",
    ]
    entry = session.scalars(select(AuditEntry)).first()
    assert entry is not None
    assert (entry.action, entry.purpose, entry.actor_role) == ("ingest_records", "care", "none")
    assert entry.subject_person_id is None


def _mixed_batches(people: People) -> list[Batch]:
    """Two hospitals' systems and the command line: a key sent by two batches, another
    facility's record, a patient to queue, an unknown facility and a parser's problem."""
    problem = RecordProblem("c.json", "Bundle.entry[0]", None, "required", {})
    return [
        Batch([visit("LK1"), visit("LK2", facility=HOSPITAL)], "a.json", STATION, "khóa 1"),
        Batch([visit("LK1", outcome="1"), visit("LK3", patient=patient())], "b.json", STATION),
        Batch([visit("LK9", facility=HOSPITAL), problem], "c.json", HOSPITAL, "khóa 2"),
        Batch([visit("LK4", facility="56999"), visit("LK5", facility=HOSPITAL)], "d.xml", None),
    ]


def _everything(session: Session) -> list[object]:
    visits = session.execute(
        select(models.Visit.facility_code, models.Visit.key, models.Visit.outcome).order_by(
            models.Visit.facility_code, models.Visit.key
        )
    ).all()
    queued = session.scalars(select(models.UnidentifiedRecord.key)).all()
    details = session.scalars(select(AuditEntry.detail).order_by(AuditEntry.id)).all()
    return [*visits, *queued, *details]


def test_several_batches_in_one_pass_are_each_what_they_would_be_in_turn(
    session: Session, people: People
) -> None:
    together = ingest_batches(session, _mixed_batches(people))
    stored_together = _everything(session)
    session.rollback()
    in_turn = [
        ingest_batch(
            session,
            batch.items,
            source=batch.source,
            sender_facility=batch.sender_facility,
            channel=batch.channel,
        )
        for batch in _mixed_batches(people)
    ]
    assert _everything(session) == stored_together
    assert together == in_turn
    assert [statuses(result) for result in together] == [
        [Status.CREATED, Status.REFUSED],
        [Status.UPDATED, Status.QUEUED],
        [Status.CREATED, Status.REFUSED],
        [Status.REFUSED, Status.CREATED],
    ]
    assert [p.code for result in together for p in result.problems] == [
        "other_facility",
        "required",
        "unknown_facility",
    ]


def test_each_batch_is_stored_whole_or_not_at_all(
    sessions: sessionmaker[Session], people: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_audit = ingest_module._audit
    calls = 0

    def audit_failing_second_batch(*args: object, **kwargs: object) -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise RuntimeError("database gone")
        real_audit(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ingest_module, "_audit", audit_failing_second_batch)
    items = [visit(f"LK{i}") for i in range(5)] + [visit("LK9", patient=patient())]
    with pytest.raises(RuntimeError):
        ingest(sessions, items, source="test.xml", sender_facility=None, batch_size=3)
    with sessions() as session:
        # The first batch stayed; of the second (two visits and a queued one) nothing did.
        assert session.scalars(select(models.Visit.key).order_by(models.Visit.key)).all() == [
            "LK0",
            "LK1",
            "LK2",
        ]
        assert count(session, models.UnidentifiedRecord) == 0


def test_ingest_sums_its_batches(sessions: sessionmaker[Session], people: People) -> None:
    bad = RecordProblem("test.xml", "MA_LK LK9", "NGAY_VAO", "bad_date", {"value": "x"})
    items = [visit(f"LK{i}") for i in range(5)] + [bad, visit("LK7", patient=patient())]
    report = ingest(sessions, items, source="test.xml", sender_facility=STATION, batch_size=2)
    with sessions() as session:  # an audit entry per batch: 2, 2, 1 and a problem, 1
        details = session.scalars(select(AuditEntry.detail).order_by(AuditEntry.id)).all()
    assert [d.split(";")[0] for d in details] == [
        "cơ sở 56001: 2 mới",
        "cơ sở 56001: 2 mới",
        "cơ sở 56001: 1 mới",
        "cơ sở 56001: 1 chờ xác định người",
    ]
    assert report.counts == {Status.CREATED: 5, Status.REFUSED: 1, Status.QUEUED: 1}
    assert report.problems == [bad]
    assert not report.all_kept
    again = ingest(sessions, items[:5], source="test.xml", sender_facility=STATION)
    assert again.counts == {Status.UNCHANGED: 5}
    assert again.all_kept
