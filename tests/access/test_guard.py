"""The guard: every read of personal data is decided by scope and purpose, and audited."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sokhoe.access import audit
from sokhoe.access.guard import AccessDenied, Purpose, authorize_person, authorize_unit
from sokhoe.access.models import AuditEntry
from sokhoe.access.purposes import UnknownPurpose
from sokhoe.access.roles import Role
from sokhoe.access.scope import Actor, guarded_ids
from tests.access.conftest import (
    BAC_NHA_TRANG,
    KHANH_HOA,
    NHA_TRANG,
    Place,
    make_actor,
)

#: Where each resident of the test place lives: (commune, village attribute on Place).
_HOMES = {
    "parent": (NHA_TRANG, "to_1"),
    "child": (NHA_TRANG, "to_1"),
    "neighbour": (NHA_TRANG, "to_2"),
    "stranger": (BAC_NHA_TRANG, "to_9"),
}


def _read(session: Session, actor: Actor, place: Place, who: str, purpose: str) -> bool:
    """Ask to read one resident's book; True if allowed."""
    commune, village = _HOMES[who]
    try:
        authorize_person(
            session,
            actor,
            person_id=getattr(place, who),
            commune_code=commune,
            village_id=getattr(place, village),
            province_code=KHANH_HOA,
            guarded_ids=guarded_ids(session, actor),
            action="view_book",
            purpose=purpose,
        )
    except AccessDenied:
        return False
    return True


def _last_entry(session: Session) -> AuditEntry:
    return session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1)).one()


def test_commune_officer_reads_her_commune_and_not_another(session: Session, place: Place) -> None:
    officer = make_actor(session, "can.bo.xa", role=Role.COMMUNE_OFFICER, commune_code=NHA_TRANG)
    assert _read(session, officer, place, "neighbour", Purpose.CAMPAIGN_WORKLIST)
    allowed = _last_entry(session)
    assert (allowed.outcome, allowed.subject_person_id) == ("allowed", place.neighbour)

    assert not _read(session, officer, place, "stranger", Purpose.CAMPAIGN_WORKLIST)
    denied = _last_entry(session)
    assert (denied.outcome, denied.subject_person_id, denied.actor_user_id) == (
        "denied",
        place.stranger,
        officer.user_id,
    )
    assert "phạm vi" in denied.detail
    assert audit.verify(session).ok


def test_a_refusal_stays_on_record_after_commit(session: Session, place: Place) -> None:
    officer = make_actor(session, "can.bo.xa", role=Role.COMMUNE_OFFICER, commune_code=NHA_TRANG)
    session.commit()
    with pytest.raises(AccessDenied) as refused:
        authorize_person(
            session,
            officer,
            person_id=place.stranger,
            commune_code=BAC_NHA_TRANG,
            village_id=place.to_9,
            province_code=KHANH_HOA,
            guarded_ids=frozenset(),
            action="view_book",
            purpose=Purpose.CAMPAIGN_WORKLIST,
        )
    assert place.stranger not in str(refused.value)
    session.commit()  # what the web layer does before answering 404
    session.expunge_all()
    assert [e.outcome for e in audit.for_subject(session, place.stranger)] == ["denied"]


def test_guidance_member_reads_only_her_villages(session: Session, place: Place) -> None:
    member = make_actor(
        session,
        "to.huong.dan",
        role=Role.GUIDANCE_MEMBER,
        commune_code=NHA_TRANG,
        village_ids=[place.to_1],
    )
    assert member.village_ids == {place.to_1}
    assert _read(session, member, place, "parent", Purpose.CAMPAIGN_WORKLIST)
    assert not _read(session, member, place, "neighbour", Purpose.CAMPAIGN_WORKLIST)
    assert not _read(session, member, place, "stranger", Purpose.CAMPAIGN_WORKLIST)


def test_citizen_reads_his_own_book_and_his_childs_only(session: Session, place: Place) -> None:
    parent = make_actor(session, "binh", role=Role.CITIZEN, person_id=place.parent)
    assert _read(session, parent, place, "parent", Purpose.SELF_SERVICE)
    assert _read(session, parent, place, "child", Purpose.GUARDIAN)
    assert not _read(session, parent, place, "neighbour", Purpose.SELF_SERVICE)
    child = make_actor(session, "cuc", role=Role.CITIZEN, person_id=place.child)
    assert not _read(session, child, place, "parent", Purpose.GUARDIAN)


def test_admin_never_reads_personal_data(session: Session, place: Place) -> None:
    admin = make_actor(session, "quan.tri", role=Role.ADMIN)
    for who in _HOMES:
        assert not _read(session, admin, place, who, Purpose.ADMINISTRATION)
    assert session.scalar(select(func.count()).where(AuditEntry.outcome == "denied")) == 4


def test_clinic_staff_needs_consent_not_scope(session: Session, place: Place) -> None:
    nurse = make_actor(session, "y.ta", role=Role.CLINIC_STAFF, facility_code=place.station)
    assert not _read(session, nurse, place, "parent", Purpose.CARE)


def test_provincial_roles_read_their_whole_province(session: Session, place: Place) -> None:
    bhxh = make_actor(session, "bhxh", role=Role.BHXH_OFFICER, province_code=KHANH_HOA)
    police = make_actor(session, "cong.an", role=Role.POLICE_OFFICER, province_code=KHANH_HOA)
    for who in ("parent", "stranger"):
        assert _read(session, bhxh, place, who, Purpose.RECONCILIATION)
        assert _read(session, police, place, who, Purpose.CAMPAIGN_WORKLIST)


def test_a_purpose_outside_the_role_is_denied_and_recorded(session: Session, place: Place) -> None:
    member = make_actor(
        session,
        "to.hd",
        role=Role.GUIDANCE_MEMBER,
        commune_code=NHA_TRANG,
        village_ids=[place.to_1],
    )
    assert not _read(session, member, place, "parent", Purpose.RECONCILIATION)
    denied = _last_entry(session)
    assert (denied.outcome, denied.purpose) == ("denied", "reconciliation")
    assert "mục đích" in denied.detail


def test_an_unknown_purpose_is_rejected_before_anything_is_recorded(
    session: Session, place: Place
) -> None:
    officer = make_actor(session, "can.bo.xa", role=Role.COMMUNE_OFFICER, commune_code=NHA_TRANG)
    with pytest.raises(UnknownPurpose):
        _read(session, officer, place, "parent", "curiosity")
    with pytest.raises(UnknownPurpose):
        authorize_unit(
            session,
            officer,
            commune_code=NHA_TRANG,
            province_code=KHANH_HOA,
            action="list_residents",
            purpose="curiosity",
        )
    assert session.scalar(select(func.count()).select_from(AuditEntry)) == 0


def test_unit_lists_are_audited_once_per_page(session: Session, place: Place) -> None:
    officer = make_actor(session, "can.bo.xa", role=Role.COMMUNE_OFFICER, commune_code=NHA_TRANG)
    member = make_actor(
        session,
        "to.hd",
        role=Role.GUIDANCE_MEMBER,
        commune_code=NHA_TRANG,
        village_ids=[place.to_1],
    )
    common = {
        "province_code": KHANH_HOA,
        "action": "list_residents",
        "purpose": Purpose.CAMPAIGN_WORKLIST,
    }
    authorize_unit(session, officer, commune_code=NHA_TRANG, page=2, **common)
    entry = _last_entry(session)
    assert (entry.outcome, entry.subject_person_id) == ("allowed", None)
    assert entry.detail == f"xã {NHA_TRANG}, trang 2"

    authorize_unit(session, member, commune_code=NHA_TRANG, village_id=place.to_1, **common)
    for commune, village in (
        (NHA_TRANG, None),
        (NHA_TRANG, place.to_2),
        (BAC_NHA_TRANG, place.to_9),
    ):
        with pytest.raises(AccessDenied):
            authorize_unit(session, member, commune_code=commune, village_id=village, **common)
    with pytest.raises(AccessDenied):
        authorize_unit(session, officer, commune_code=BAC_NHA_TRANG, **common)
    outcomes = session.scalars(select(AuditEntry.outcome).order_by(AuditEntry.id)).all()
    assert outcomes == ["allowed", "allowed", "denied", "denied", "denied", "denied"]


def test_a_police_officer_of_a_commune_stays_in_it(session: Session, place: Place) -> None:
    police = make_actor(session, "ca.xa", role=Role.POLICE_OFFICER, commune_code=NHA_TRANG)
    assert police.province_code == KHANH_HOA
    assert _read(session, police, place, "neighbour", Purpose.CAMPAIGN_WORKLIST)
    assert not _read(session, police, place, "stranger", Purpose.CAMPAIGN_WORKLIST)
