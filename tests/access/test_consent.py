"""A clinic reads a health book only with consent: offered by the citizen (or a parent for a
child), redeemed once by reception, bound to its facility, ended by expiry or revocation;
emergencies are allowed with a reason and flagged; every read is in the audit chain and the
citizen sees it."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from sokhoe.access import consent
from sokhoe.access.consent_models import BookConsent, ConsentScope
from sokhoe.access.guard import AccessDenied
from sokhoe.access.models import AuditEntry
from sokhoe.access.roles import Role
from sokhoe.access.scope import Actor
from sokhoe.registry.models import Citizen, Facility
from tests.access.conftest import NHA_TRANG, Place, make_actor

NOW = dt.datetime(2026, 3, 10, 2, 0, tzinfo=dt.UTC)
OTHER_STATION = "56002"


@pytest.fixture
def people(session: Session, place: Place) -> dict[str, Actor]:
    child = session.get_one(Citizen, place.child)
    child.birth_date = dt.date(2019, 5, 1)
    session.add(
        Facility(
            code=OTHER_STATION, name="Trạm Y tế Tây Nha Trang", commune_code=NHA_TRANG, kind="tram"
        )
    )
    session.flush()
    actors = {
        "parent": make_actor(session, "cha", role=Role.CITIZEN, person_id=place.parent),
        "neighbour": make_actor(session, "hangxom", role=Role.CITIZEN, person_id=place.neighbour),
        "reception": make_actor(
            session, "letan", role=Role.CLINIC_STAFF, facility_code=place.station
        ),
        "other_reception": make_actor(
            session, "letan2", role=Role.CLINIC_STAFF, facility_code=OTHER_STATION
        ),
        "commune": make_actor(
            session, "canboxa", role=Role.COMMUNE_OFFICER, commune_code=NHA_TRANG
        ),
    }
    session.commit()
    return actors


def later(**delta: float) -> dt.datetime:
    return NOW + dt.timedelta(**delta)


def test_a_redeemed_consent_lets_that_facility_read_until_it_expires(
    session: Session, place: Place, people: dict[str, Actor]
) -> None:
    offer = consent.offer(
        session,
        people["parent"],
        person_id=place.parent,
        scope=ConsentScope.SUMMARY,
        days=7,
        now=NOW,
    )
    assert len(offer.code) == 9 and offer.code[4] == "-"
    access = consent.redeem(
        session, people["reception"], code=offer.code.lower(), now=later(minutes=5)
    )
    assert (access.person_id, access.scope, access.emergency) == (
        place.parent,
        ConsentScope.SUMMARY,
        False,
    )
    assert access.expires_at == later(minutes=5, days=7).replace(tzinfo=None)
    read = consent.care_access(
        session, people["reception"], consent_id=access.consent_id, now=later(days=6)
    )
    assert read.person_id == place.parent
    # Another facility, or after expiry: the same refusal as an unknown consent.
    for actor, when in (
        (people["other_reception"], later(days=1)),
        (people["reception"], later(days=8)),
    ):
        with pytest.raises(AccessDenied):
            consent.care_access(session, actor, consent_id=access.consent_id, now=when)
    with pytest.raises(AccessDenied):
        consent.care_access(session, people["reception"], consent_id="khong-co", now=later(days=1))


def test_a_code_works_once_and_only_for_a_while(
    session: Session, place: Place, people: dict[str, Actor]
) -> None:
    offer = consent.offer(
        session, people["parent"], person_id=place.parent, scope=ConsentScope.FULL, days=1, now=NOW
    )
    consent.redeem(session, people["reception"], code=offer.code, now=later(minutes=1))
    with pytest.raises(consent.ConsentCodeInvalid):
        consent.redeem(session, people["other_reception"], code=offer.code, now=later(minutes=2))
    stale = consent.offer(
        session, people["parent"], person_id=place.parent, scope=ConsentScope.FULL, days=1, now=NOW
    )
    with pytest.raises(consent.ConsentCodeInvalid):
        consent.redeem(
            session,
            people["reception"],
            code=stale.code,
            now=later(minutes=consent.OFFER_MINUTES + 1),
        )
    with pytest.raises(consent.ConsentCodeInvalid):
        consent.redeem(session, people["reception"], code="AAAA-AAAA", now=NOW)
    refusals = session.scalars(
        select(AuditEntry).where(
            AuditEntry.action == "redeem_book_consent", AuditEntry.outcome == "denied"
        )
    ).all()
    assert len(refusals) == 3 and all(e.subject_person_id is None for e in refusals)


def test_a_scanned_qr_gives_the_code_only_for_a_consents_qr(
    session: Session, place: Place, people: dict[str, Actor]
) -> None:
    offer = consent.offer(
        session, people["parent"], person_id=place.parent, scope=ConsentScope.FULL, days=1, now=NOW
    )
    assert consent.scanned_code(f"{offer.code}\n") == offer.code
    other_codes = ("SK1:6BFOXN", "HTTPS://SOKHOE.VN", offer.code.replace("-", ""), "ABCD-EFG0")
    assert [consent.scanned_code(text) for text in other_codes] == [None] * len(other_codes)


@given(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-: \n", max_size=12))
def test_a_scanned_code_is_always_two_groups_of_four(text: str) -> None:
    code = consent.scanned_code(text)
    if code is not None:
        assert code == text.strip() and code.index("-") == 4 and len(code) == 9
        assert not set(code) & set("01IOL")


def test_only_reception_redeems_a_code(
    session: Session, place: Place, people: dict[str, Actor]
) -> None:
    offer = consent.offer(
        session, people["parent"], person_id=place.parent, scope=ConsentScope.FULL, days=1, now=NOW
    )
    for role in ("commune", "neighbour"):
        with pytest.raises(AccessDenied):
            consent.redeem(session, people[role], code=offer.code, now=NOW)
    consent.redeem(session, people["reception"], code=offer.code, now=NOW)


def test_revocation_ends_reading_at_once_and_only_the_holder_revokes(
    session: Session, place: Place, people: dict[str, Actor]
) -> None:
    offer = consent.offer(
        session, people["parent"], person_id=place.child, scope=ConsentScope.FULL, days=30, now=NOW
    )
    access = consent.redeem(session, people["reception"], code=offer.code, now=NOW)
    with pytest.raises(AccessDenied):
        consent.revoke(session, people["neighbour"], consent_id=access.consent_id, now=NOW)
    consent.care_access(
        session, people["reception"], consent_id=access.consent_id, now=later(hours=1)
    )
    consent.revoke(session, people["parent"], consent_id=access.consent_id, now=later(hours=2))
    consent.revoke(session, people["parent"], consent_id=access.consent_id, now=later(hours=3))
    with pytest.raises(AccessDenied):
        consent.care_access(
            session, people["reception"], consent_id=access.consent_id, now=later(hours=4)
        )
    [view] = consent.consents_of(
        session, people["parent"], person_id=place.child, now=later(hours=4)
    )
    assert (view.state, view.facility_name) == ("revoked", "Trạm Y tế Nha Trang")


def test_nobody_offers_consent_for_someone_else(
    session: Session, place: Place, people: dict[str, Actor]
) -> None:
    for actor, person in (
        (people["neighbour"], place.parent),
        (people["parent"], place.neighbour),
        (people["reception"], place.parent),
        (people["commune"], place.parent),
    ):
        with pytest.raises(AccessDenied):
            consent.offer(
                session, actor, person_id=person, scope=ConsentScope.FULL, days=1, now=NOW
            )
    with pytest.raises(ValueError):
        consent.offer(
            session, people["parent"], person_id=place.parent, scope=ConsentScope.FULL, days=2
        )


def test_a_child_turned_14_is_no_longer_his_parents_to_share(
    session: Session, place: Place, people: dict[str, Actor]
) -> None:
    session.get_one(Citizen, place.child).birth_date = dt.date(2010, 1, 1)
    session.flush()
    with pytest.raises(AccessDenied):
        consent.offer(
            session,
            people["parent"],
            person_id=place.child,
            scope=ConsentScope.FULL,
            days=1,
            now=NOW,
        )


def test_an_emergency_needs_a_reason_is_flagged_and_shows_in_the_citizens_views(
    session: Session, place: Place, people: dict[str, Actor]
) -> None:
    with pytest.raises(consent.ReasonRequired):
        consent.emergency(
            session, people["reception"], person_id=place.stranger, reason="  gấp ", now=NOW
        )
    with pytest.raises(AccessDenied):
        consent.emergency(
            session,
            people["commune"],
            person_id=place.stranger,
            reason="Bệnh nhân bất tỉnh, cần tiền sử",
            now=NOW,
        )
    with pytest.raises(AccessDenied):
        consent.emergency(
            session,
            people["reception"],
            person_id="056199999999",
            reason="Bệnh nhân bất tỉnh, cần tiền sử",
            now=NOW,
        )
    access = consent.emergency(
        session,
        people["reception"],
        person_id=place.stranger,
        reason="Bệnh nhân  bất tỉnh, cần tiền sử dị ứng",
        now=NOW,
    )
    assert access.emergency and access.scope is ConsentScope.FULL
    consent.care_access(
        session, people["reception"], consent_id=access.consent_id, now=later(hours=23)
    )
    with pytest.raises(AccessDenied):
        consent.care_access(
            session, people["reception"], consent_id=access.consent_id, now=later(hours=25)
        )
    row = session.get_one(BookConsent, access.consent_id)
    assert row.reason == "Bệnh nhân bất tỉnh, cần tiền sử dị ứng" and row.reviewed_at is None
    stranger = make_actor(session, "nguoila", role=Role.CITIZEN, person_id=place.stranger)
    views = consent.book_views(session, stranger, person_id=place.stranger)
    assert [(v.emergency, v.role, v.facility_name) for v in views] == [
        (False, "Nhân viên cơ sở y tế", "Trạm Y tế Nha Trang"),
        (True, "Nhân viên cơ sở y tế", "Trạm Y tế Nha Trang"),
    ]
    assert all(v.purpose == "Khám, chữa bệnh" for v in views)
    with pytest.raises(AccessDenied):
        consent.book_views(session, people["neighbour"], person_id=place.stranger)
