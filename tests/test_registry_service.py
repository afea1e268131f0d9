"""The register's services: figures per unit, resident lists and profiles behind the guard."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from sokhoe.access.guard import AccessDenied
from sokhoe.access.models import AuditEntry
from sokhoe.access.purposes import Purpose
from sokhoe.access.roles import Role
from sokhoe.registry import facility_names, service
from sokhoe.registry.models import Facility
from tests.support.factories import (
    BAC_NHA_TRANG,
    KHANH_HOA,
    NHA_TRANG,
    actor,
    add_citizen,
    add_guardian,
    add_village,
)

TODAY = dt.date(2026, 3, 1)


@pytest.fixture
def session(engine: Engine) -> Session:
    with Session(engine) as session:
        yield session  # type: ignore[misc]


@pytest.fixture
def town(session: Session) -> dict[str, object]:
    to1 = add_village(session, NHA_TRANG, "Tổ dân phố 1")
    to2 = add_village(session, NHA_TRANG, "Tổ dân phố 2")
    other = add_village(session, BAC_NHA_TRANG, "Tổ dân phố 9")
    father = add_citizen(session, to1, full_name="Nguyễn Văn An")
    child = add_citizen(session, to1, full_name="Nguyễn Minh Khôi", born=dt.date(2018, 5, 2),
                        level2=False, phone=None)  # fmt: skip
    add_guardian(session, child, father, "cha")
    neighbour = add_citizen(session, to2, full_name="Trần Thị Bình", sex="F", level2=False)
    stranger = add_citizen(session, other, full_name="Lê Văn Cường")
    session.commit()
    return {"to1": to1, "to2": to2, "father": father, "child": child,
            "neighbour": neighbour, "stranger": stranger}  # fmt: skip


def audit_trail(session: Session) -> list[tuple[str, str, str | None]]:
    rows = session.execute(
        select(AuditEntry.action, AuditEntry.outcome, AuditEntry.subject_person_id).order_by(
            AuditEntry.id
        )
    )
    return [tuple(r) for r in rows]  # type: ignore[misc]


def test_commune_figures_count_children_and_level2(session: Session, town: dict) -> None:
    figures = service.commune_figures(session, NHA_TRANG, TODAY)
    assert (figures.population, figures.children, figures.level2) == (3, 1, 1)
    assert figures.level2_share == pytest.approx(0.5)
    villages = service.villages_of_commune(session, NHA_TRANG, TODAY)
    assert [(v.name, v.figures.population) for v in villages] == [
        ("Tổ dân phố 1", 2),
        ("Tổ dân phố 2", 1),
    ]
    rows = service.communes_of_province(session, KHANH_HOA, TODAY)
    communes = {r.code: r for r in rows}
    assert len(communes) == 65
    assert communes[BAC_NHA_TRANG].figures.population == 1
    assert service.sum_figures(rows) == service.Figures(population=4, children=1, level2=2)


def test_commune_officer_lists_her_commune_with_an_audit_entry(
    session: Session, town: dict
) -> None:
    officer = actor(Role.COMMUNE_OFFICER, commune_code=NHA_TRANG, province_code=KHANH_HOA)
    items, total = service.residents(
        session, officer, commune_code=NHA_TRANG, purpose=Purpose.CAMPAIGN_WORKLIST
    )
    assert total == 3
    assert [r.full_name for r in items] == [
        "Nguyễn Văn An",
        "Nguyễn Minh Khôi",
        "Trần Thị Bình",
    ]
    assert items[0].phone_masked == "090****456"
    assert audit_trail(session) == [("list_residents", "allowed", None)]


def test_commune_officer_cannot_read_other_commune(session: Session, town: dict) -> None:
    officer = actor(Role.COMMUNE_OFFICER, commune_code=NHA_TRANG, province_code=KHANH_HOA)
    with pytest.raises(AccessDenied):
        service.residents(
            session, officer, commune_code=BAC_NHA_TRANG, purpose=Purpose.CAMPAIGN_WORKLIST
        )
    with pytest.raises(AccessDenied):
        service.profile(
            session,
            officer,
            person_id=town["stranger"].person_id,
            purpose=Purpose.CAMPAIGN_WORKLIST,
        )
    assert [outcome for _a, outcome, _s in audit_trail(session)] == ["denied", "denied"]


def test_another_communes_village_is_refused_not_emptied(session: Session, town: dict) -> None:
    officer = actor(Role.COMMUNE_OFFICER, commune_code=NHA_TRANG, province_code=KHANH_HOA)
    foreign = town["stranger"].village_id
    with pytest.raises(AccessDenied):
        service.residents(
            session, officer, commune_code=NHA_TRANG, village_id=foreign,
            purpose=Purpose.CAMPAIGN_WORKLIST,
        )  # fmt: skip
    assert audit_trail(session) == [("list_residents", "denied", None)]


def test_guidance_member_sees_only_her_villages(session: Session, town: dict) -> None:
    member = actor(
        Role.GUIDANCE_MEMBER, commune_code=NHA_TRANG, village_ids=frozenset({town["to1"].id})
    )
    _items, total = service.residents(
        session, member, commune_code=NHA_TRANG, village_id=town["to1"].id,
        purpose=Purpose.CAMPAIGN_WORKLIST,
    )  # fmt: skip
    assert total == 2
    for village_id in (town["to2"].id, None):
        with pytest.raises(AccessDenied):
            service.residents(
                session, member, commune_code=NHA_TRANG, village_id=village_id,
                purpose=Purpose.CAMPAIGN_WORKLIST,
            )  # fmt: skip


def test_citizen_reads_himself_and_his_child_only(session: Session, town: dict) -> None:
    father = actor(Role.CITIZEN, person_id=town["father"].person_id)
    me = service.profile(
        session, father, person_id=town["father"].person_id, purpose=Purpose.SELF_SERVICE
    )
    assert me.full_name == "Nguyễn Văn An"
    kid = service.profile(
        session, father, person_id=town["child"].person_id, purpose=Purpose.GUARDIAN
    )
    assert kid.full_name == "Nguyễn Minh Khôi"
    with pytest.raises(AccessDenied):
        service.profile(
            session, father, person_id=town["neighbour"].person_id, purpose=Purpose.SELF_SERVICE
        )
    trail = audit_trail(session)
    assert trail == [
        ("read_profile", "allowed", town["father"].person_id),
        ("read_profile", "allowed", town["child"].person_id),
        ("read_profile", "denied", town["neighbour"].person_id),
    ]


def test_police_worklist_keeps_adults_without_level2(session: Session, town: dict) -> None:
    police = actor(Role.POLICE_OFFICER, commune_code=NHA_TRANG, province_code=KHANH_HOA)
    items, total = service.residents(
        session, police, commune_code=NHA_TRANG, without_level2=True,
        purpose=Purpose.CAMPAIGN_WORKLIST, today=TODAY,
    )  # fmt: skip
    assert (total, [r.full_name for r in items]) == (1, ["Trần Thị Bình"])


def test_guardian_reads_each_child_with_an_audit_entry(session: Session, town: dict) -> None:
    father = actor(Role.CITIZEN, person_id=town["father"].person_id)
    assert [c.full_name for c in service.wards(session, father)] == ["Nguyễn Minh Khôi"]
    assert audit_trail(session) == [("read_profile", "allowed", town["child"].person_id)]


def test_unknown_person_looks_like_a_refusal(session: Session, town: dict) -> None:
    officer = actor(Role.HEALTH_DEPARTMENT, province_code=KHANH_HOA)
    with pytest.raises(AccessDenied):
        service.profile(session, officer, person_id="056085999999", purpose=Purpose.STATISTICS)


def test_admin_never_reads_personal_data(session: Session, town: dict) -> None:
    admin = actor(Role.ADMIN)
    with pytest.raises(AccessDenied):
        service.residents(session, admin, commune_code=NHA_TRANG, purpose=Purpose.ADMINISTRATION)


def test_facility_names_are_kept_a_while_unknown_codes_too(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_village(session, NHA_TRANG, "Tổ dân phố 5")  # the commune the facility lies in
    assert facility_names.facility_name(session, "56977") is None
    session.add(Facility(code="56977", name="Trạm Y tế Thử", commune_code=NHA_TRANG, kind="tram"))
    session.flush()
    assert facility_names.facility_name(session, "56977") is None  # kept, as a name would be
    monkeypatch.setattr(facility_names, "KEEP_SECONDS", 0.0)
    assert facility_names.facility_name(session, "56977") == "Trạm Y tế Thử"
