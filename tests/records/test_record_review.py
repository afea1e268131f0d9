"""The Department of Health resolves the queue of records whose person could not be
identified, on both backends: the province's waiting records oldest first with what they say
of the patient; naming the person stores the record as ingest would and later resends go to
that person; dismissing keeps a reason; a second decision, or one on a record the hospital
changed since, is a conflict; an unknown personal ID is said so; other provinces and roles
are refused; every read and decision audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from sokhoe.access.guard import AccessDenied
from sokhoe.access.models import AuditEntry
from sokhoe.access.roles import Role
from sokhoe.access.scope import Actor
from sokhoe.records import models, record_review, rows
from sokhoe.records.clinical import (
    Appointment,
    ClinicalRecord,
    Immunization,
    Patient,
    Referral,
    Visit,
)
from sokhoe.records.identify import Reason
from sokhoe.records.ingest import Status, ingest_batch
from sokhoe.registry.models import Citizen, Facility
from sokhoe.registry.units import ensure_province
from tests.access.conftest import fast_hashing, make_actor

__all__ = ["fast_hashing"]

KHANH_HOA, NHA_TRANG, HAI_PHONG, THUY_NGUYEN = 56, 22366, 31, 11560
STATION, ELSEWHERE = "56001", "31001"
AN, BINH = "056085000001", "056090000002"
VN = dt.timezone(dt.timedelta(hours=7))
NOW = dt.datetime(2026, 11, 20, 3, 0, tzinfo=dt.UTC)


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        ensure_province(session, KHANH_HOA)
        ensure_province(session, HAI_PHONG)
        session.add_all(
            [
                Facility(
                    code=STATION, name="Trạm Y tế Nha Trang", commune_code=NHA_TRANG, kind="t"
                ),
                Facility(
                    code=ELSEWHERE, name="Bệnh viện Thủy Nguyên", commune_code=THUY_NGUYEN, kind="b"
                ),
                Citizen(person_id=AN, full_name="Lê Văn An", commune_code=NHA_TRANG),
                Citizen(person_id=BINH, full_name="Trần Bình", commune_code=NHA_TRANG),
            ]
        )
        session.commit()
        yield session


@pytest.fixture
def officer(session: Session) -> Actor:
    return make_actor(session, "soyte", role=Role.HEALTH_DEPARTMENT, province_code=KHANH_HOA)


def visit(key: str = "LK1", facility: str = STATION, **changes: object) -> Visit:
    """A visit whose patient sent a personal ID the register does not hold."""
    patient = Patient(
        full_name="Lê Văn An",
        person_id="056085999999",
        birth_date=dt.date(1985, 3, 9),
        sex="M",
        patient_code="BN77",
    )
    fields: dict[str, object] = {
        "facility_code": facility,
        "key": key,
        "patient": patient,
        "started_at": dt.datetime(2026, 11, 2, 8, 30, tzinfo=VN),
        "main_diagnosis": "J06.9",
        "other_diagnoses": ("I10",),
        "outcome": "2",
    }
    fields.update(changes)
    return Visit(**fields)  # type: ignore[arg-type]


def send(session: Session, *records: ClinicalRecord) -> list[Status]:
    result = ingest_batch(session, records, source="test.xml", sender_facility=None)
    session.commit()
    return [outcome.status for outcome in result.outcomes]


def entry(session: Session, key: str = "LK1") -> models.UnidentifiedRecord:
    session.expire_all()
    return session.scalars(
        select(models.UnidentifiedRecord).where(models.UnidentifiedRecord.key == key)
    ).one()


def stored_visit(session: Session, key: str = "LK1") -> models.Visit:
    session.expire_all()
    return session.scalars(select(models.Visit).where(models.Visit.key == key)).one()


def audit_entries(session: Session, action: str) -> list[tuple[str, str | None, str, str]]:
    found = session.execute(
        select(
            AuditEntry.outcome, AuditEntry.subject_person_id, AuditEntry.purpose, AuditEntry.detail
        )
        .where(AuditEntry.action == action)
        .order_by(AuditEntry.id)
    )
    return [tuple(row) for row in found]  # type: ignore[misc]


def test_the_department_lists_its_provinces_waiting_records_oldest_first(
    session: Session, officer: Actor
) -> None:
    send(session, visit("LK1"))
    send(session, visit("LK2", patient=Patient(full_name="Vô danh")))
    send(session, visit("LK3", facility=ELSEWHERE))
    listed, total = record_review.waiting(session, officer, province_code=KHANH_HOA)
    assert total == 2 and [r.key for r in listed] == ["LK1", "LK2"]
    first = listed[0]
    assert (first.facility_name, first.kind, first.reason, first.what) == (
        "Trạm Y tế Nha Trang",
        "visit",
        Reason.ID_UNKNOWN,
        "J06.9",
    )
    assert first.patient == visit().patient
    assert first.on == dt.datetime(2026, 11, 2, 1, 30)  # UTC, as stored instants
    assert listed[1].reason is Reason.NO_IDENTIFIER
    second_page, total = record_review.waiting(
        session, officer, province_code=KHANH_HOA, offset=1, limit=1
    )
    assert total == 2 and [r.key for r in second_page] == ["LK2"]
    assert audit_entries(session, record_review.READ_ACTION) == [
        ("allowed", None, "record_review", "tỉnh 56, hồ sơ chưa xác định được người, trang 1"),
        ("allowed", None, "record_review", "tỉnh 56, hồ sơ chưa xác định được người, trang 2"),
    ]


def test_naming_the_person_stores_the_record_as_ingest_would(
    session: Session, officer: Actor
) -> None:
    send(session, visit())
    waiting = entry(session)
    record_review.resolve(
        session,
        officer,
        record_id=waiting.id,
        version=waiting.fingerprint,
        person_id=f" {AN} ",
        now=NOW,
    )
    session.commit()
    stored = stored_visit(session)
    assert stored.person_id == AN
    assert stored.fingerprint == rows.record_row(visit(), AN)["fingerprint"]
    closed = entry(session)
    assert (closed.status, closed.resolved_person_id, closed.resolved_by_user_id) == (
        "resolved",
        AN,
        officer.user_id,
    )
    assert closed.resolved_at == dt.datetime(2026, 11, 20, 3, 0)
    assert record_review.waiting(session, officer, province_code=KHANH_HOA) == ([], 0)
    assert audit_entries(session, record_review.RESOLVE_ACTION) == [
        ("allowed", AN, "record_review", f"cơ sở 56001, hồ sơ #{waiting.id}: ghi vào sổ sức khỏe")
    ]


def test_a_resend_still_without_a_usable_identifier_goes_to_the_named_person(
    session: Session, officer: Actor
) -> None:
    send(session, visit())
    waiting = entry(session)
    record_review.resolve(
        session, officer, record_id=waiting.id, version=waiting.fingerprint, person_id=AN
    )
    session.commit()
    assert send(session, visit()) == [Status.UNCHANGED]
    no_id = Patient(full_name="Lê Văn An")
    assert send(session, visit(outcome="1", patient=no_id)) == [Status.UPDATED]
    stored = stored_visit(session)
    assert (stored.person_id, stored.outcome) == (AN, "1")
    assert entry(session).status == "resolved"
    # An identifier that decides by itself wins over the reviewer's naming.
    assert send(session, visit(patient=Patient(full_name="Trần Bình", person_id=BINH))) == [
        Status.UPDATED
    ]
    assert stored_visit(session).person_id == BINH


def test_a_second_decision_is_a_conflict(session: Session, officer: Actor) -> None:
    send(session, visit("LK1"), visit("LK2"))
    first, second = entry(session, "LK1"), entry(session, "LK2")
    record_review.resolve(
        session, officer, record_id=first.id, version=first.fingerprint, person_id=AN
    )
    record_review.dismiss(
        session, officer, record_id=second.id, version=second.fingerprint, reason="Dữ liệu thử"
    )
    session.commit()
    with pytest.raises(record_review.AlreadyDecided):
        record_review.dismiss(
            session, officer, record_id=first.id, version=first.fingerprint, reason="Trùng lặp"
        )
    with pytest.raises(record_review.AlreadyDecided):
        record_review.resolve(
            session, officer, record_id=second.id, version=second.fingerprint, person_id=BINH
        )
    session.commit()
    assert entry(session, "LK1").resolved_person_id == AN
    assert entry(session, "LK2").resolved_person_id is None
    assert stored_visit(session, "LK1").person_id == AN
    assert session.scalars(select(models.Visit.key)).all() == ["LK1"]


def test_a_record_the_hospital_changed_since_the_form_was_shown_is_a_conflict(
    session: Session, officer: Actor
) -> None:
    send(session, visit())
    shown = entry(session).fingerprint
    send(session, visit(outcome="1"))
    changed = entry(session)
    with pytest.raises(record_review.AlreadyDecided):
        record_review.resolve(session, officer, record_id=changed.id, version=shown, person_id=AN)
    with pytest.raises(record_review.AlreadyDecided):
        record_review.dismiss(
            session, officer, record_id=changed.id, version=shown, reason="Dữ liệu thử"
        )
    record_review.resolve(
        session, officer, record_id=changed.id, version=changed.fingerprint, person_id=AN
    )
    session.commit()
    assert stored_visit(session).outcome == "1"


def test_an_unknown_personal_id_is_said_so_and_nothing_is_written(
    session: Session, officer: Actor
) -> None:
    send(session, visit())
    waiting = entry(session)
    with pytest.raises(record_review.UnknownPerson):
        record_review.resolve(
            session,
            officer,
            record_id=waiting.id,
            version=waiting.fingerprint,
            person_id="056085999999",
        )
    session.commit()
    assert entry(session).status == "open"
    assert session.scalars(select(models.Visit)).all() == []


def test_a_value_the_book_cannot_hold_leaves_the_record_waiting(
    session: Session, officer: Actor
) -> None:
    send(session, visit(visit_type="0101"))  # the queue keeps it as sent
    waiting = entry(session)
    with pytest.raises(record_review.NotStorable) as refused:
        record_review.resolve(
            session, officer, record_id=waiting.id, version=waiting.fingerprint, person_id=AN
        )
    assert refused.value.problem.field == "visit_type"
    session.commit()
    assert entry(session).status == "open"


def test_dismissing_keeps_the_reason_until_the_hospital_sends_something_else(
    session: Session, officer: Actor
) -> None:
    send(session, visit())
    waiting = entry(session)
    with pytest.raises(record_review.ReasonRequired):
        record_review.dismiss(
            session, officer, record_id=waiting.id, version=waiting.fingerprint, reason="  x "
        )
    record_review.dismiss(
        session,
        officer,
        record_id=waiting.id,
        version=waiting.fingerprint,
        reason="  Dữ liệu   thử của bệnh viện ",
    )
    session.commit()
    dismissed = entry(session)
    assert (dismissed.status, dismissed.dismissal_reason, dismissed.resolved_by_user_id) == (
        "dismissed",
        "Dữ liệu thử của bệnh viện",
        officer.user_id,
    )
    assert audit_entries(session, record_review.DISMISS_ACTION) == [
        ("allowed", None, "record_review", f"cơ sở 56001, hồ sơ #{waiting.id}: bỏ qua")
    ]
    assert send(session, visit()) == [Status.QUEUED]
    assert entry(session).status == "dismissed"
    send(session, visit(outcome="1"))
    reopened = entry(session)
    assert (reopened.status, reopened.dismissal_reason, reopened.resolved_by_user_id) == (
        "open",
        None,
        None,
    )


def test_other_provinces_and_roles_are_refused(session: Session, officer: Actor) -> None:
    send(session, visit(), visit("LK9", facility=ELSEWHERE))
    waiting, elsewhere = entry(session), entry(session, "LK9")
    others = [
        make_actor(session, "soyte.hp", role=Role.HEALTH_DEPARTMENT, province_code=HAI_PHONG),
        make_actor(session, "letan", role=Role.CLINIC_STAFF, facility_code=STATION),
        make_actor(session, "bhxh", role=Role.BHXH_OFFICER, province_code=KHANH_HOA),
        make_actor(session, "canboxa", role=Role.COMMUNE_OFFICER, commune_code=NHA_TRANG),
        make_actor(session, "congdan", role=Role.CITIZEN, person_id=AN),
    ]
    version = waiting.fingerprint
    for actor in others:
        with pytest.raises(AccessDenied):
            record_review.waiting(session, actor, province_code=KHANH_HOA)
        with pytest.raises(AccessDenied):
            record_review.get(session, actor, record_id=waiting.id)
        with pytest.raises(AccessDenied):
            record_review.resolve(
                session, actor, record_id=waiting.id, version=version, person_id=AN
            )
        with pytest.raises(AccessDenied):
            record_review.dismiss(
                session, actor, record_id=waiting.id, version=version, reason="Dữ liệu thử"
            )
    # Khánh Hòa's department neither sees Hải Phòng's records nor records that do not exist.
    with pytest.raises(AccessDenied):
        record_review.get(session, officer, record_id=elsewhere.id)
    with pytest.raises(AccessDenied):
        record_review.get(session, officer, record_id=elsewhere.id + 1000)
    session.commit()
    assert entry(session).status == "open"
    refusals = [e for e in audit_entries(session, record_review.READ_ACTION) if e[0] == "denied"]
    assert len(refusals) == len(others) * 4 + 1


@pytest.mark.parametrize(
    "record",
    [
        visit(ended_at=dt.datetime(2026, 11, 2, 9, 0, tzinfo=VN), re_exam_on=dt.date(2026, 12, 1)),
        Referral(STATION, "R1", Patient("An"), dt.date(2026, 11, 2), "12/CT", "56002", "I10"),
        Appointment(STATION, "A1", Patient("An", card_number="5612345678"), dt.date(2026, 12, 1)),
        Immunization(STATION, "I1", Patient("Bé"), "MR", dt.date(2026, 10, 1), 1, "L-7"),
    ],
)
def test_a_queued_record_reads_back_as_sent(record: ClinicalRecord) -> None:
    assert rows.from_json(rows.kind_of(record).name, rows.as_json(record)) == record
