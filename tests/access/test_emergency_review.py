"""The Department of Health reviews the province's emergency accesses to health books: a
list without whose book, one finding each, a second finding a conflict, other provinces'
and other roles refused — all audited."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from sokhoe.access import consent, emergency_review
from sokhoe.access.guard import AccessDenied
from sokhoe.access.models import AuditEntry
from sokhoe.access.roles import Role
from sokhoe.access.scope import Actor
from tests.access.conftest import HAI_PHONG, KHANH_HOA, NHA_TRANG, Place, make_actor

NOW = dt.datetime(2026, 3, 10, 2, 0, tzinfo=dt.UTC)
REASON = "Bệnh nhân hôn mê khi nhập viện, cần tiền sử dị ứng thuốc"


@pytest.fixture
def accesses(session: Session, place: Place) -> list[str]:
    reception = make_actor(session, "letan", role=Role.CLINIC_STAFF, facility_code=place.station)
    ids = [
        consent.emergency(session, reception, person_id=person, reason=REASON, now=NOW).consent_id
        for person in (place.stranger, place.neighbour)
    ]
    session.commit()
    return ids


@pytest.fixture
def officer(session: Session) -> Actor:
    return make_actor(session, "soyte", role=Role.HEALTH_DEPARTMENT, province_code=KHANH_HOA)


def test_the_province_reviews_each_emergency_once(
    session: Session, accesses: list[str], officer: Actor
) -> None:
    listed = emergency_review.waiting(session, officer, province_code=KHANH_HOA)
    assert sorted(a.consent_id for a in listed) == sorted(accesses)  # same time: by id
    assert {(a.facility_name, a.by, a.reason) for a in listed} == {
        ("Trạm Y tế Nha Trang", "letan", REASON)
    }
    emergency_review.review(
        session, officer, province_code=KHANH_HOA, consent_id=accesses[0], appropriate=False
    )
    with pytest.raises(emergency_review.AlreadyReviewed):
        emergency_review.review(
            session, officer, province_code=KHANH_HOA, consent_id=accesses[0], appropriate=True
        )
    remaining = emergency_review.waiting(session, officer, province_code=KHANH_HOA)
    assert [a.consent_id for a in remaining] == accesses[1:]
    findings = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "review_emergency_access")
    ).all()
    assert [(e.purpose, e.detail) for e in findings] == [
        ("access_review", "cơ sở 56001: không phù hợp")
    ]


def test_other_provinces_and_roles_are_refused(
    session: Session, place: Place, accesses: list[str], officer: Actor
) -> None:
    elsewhere = make_actor(
        session, "soyte.hp", role=Role.HEALTH_DEPARTMENT, province_code=HAI_PHONG
    )
    commune = make_actor(session, "canboxa", role=Role.COMMUNE_OFFICER, commune_code=NHA_TRANG)
    bhxh = make_actor(session, "bhxh", role=Role.BHXH_OFFICER, province_code=KHANH_HOA)
    for actor in (elsewhere, commune, bhxh):
        with pytest.raises(AccessDenied):
            emergency_review.waiting(session, actor, province_code=KHANH_HOA)
        with pytest.raises(AccessDenied):
            emergency_review.review(
                session, actor, province_code=KHANH_HOA, consent_id=accesses[0], appropriate=True
            )
    # Hải Phòng's officer sees none of Khánh Hòa's, even asking for his own province.
    assert emergency_review.waiting(session, elsewhere, province_code=HAI_PHONG) == []
    with pytest.raises(AccessDenied):
        emergency_review.review(
            session, elsewhere, province_code=HAI_PHONG, consent_id=accesses[0], appropriate=True
        )
    with pytest.raises(AccessDenied):
        emergency_review.review(
            session, officer, province_code=KHANH_HOA, consent_id="khong-co", appropriate=True
        )
