"""Schools' and enterprises' pages on both backends: a contact's list and her visits (form
and script endpoints); every other role, a guidance member of the same commune who is not a
contact and another commune's member get the app's 404 on every endpoint taking an ID; the
pages are not cached."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from sokhoe.access.models import AuditEntry, User
from sokhoe.access.roles import Role
from sokhoe.access.service import create_user
from sokhoe.campaign.establishment_models import (
    Establishment,
    EstablishmentContact,
    EstablishmentMember,
)
from sokhoe.campaign.models import FieldVisit
from sokhoe.registry.models import Citizen
from sokhoe.runtime import Database
from tests.web.conftest import KHANH_HOA, NHA_TRANG, OFFICER, PASSWORD, form_token
from tests.web.test_campaign_pages import BAC_NHA_TRANG, HOME_PERSON, NEIGHBOUR, STRANGER, Place
from tests.web.test_campaign_pages import _as as signed_in_as
from tests.web.test_campaign_pages import place as place

LIST, API = "/chien-dich/truong-doanh-nghiep", "/api/chien-dich/tham-co-so"
PUPIL = "056212000009"


@dataclass(frozen=True)
class Schools:
    school: int
    factory: int


@pytest.fixture
def schools(database: Database, place: Place) -> Schools:
    """Nha Trang's THCS with a pupil of Tổ 2 (outside the contact's village) and the
    member of Tổ 1 as staff, its contact "giaovien"; Bắc Nha Trang's factory with the
    stranger, its contact "thanhvien.bnt"."""
    with database.sessions() as session:
        session.add(
            Citizen(
                person_id=PUPIL,
                full_name="Học sinh Chín",
                birth_date=dt.date(2012, 9, 1),
                commune_code=NHA_TRANG,
                village_id=place.to_2,
                household_id="HO9",
                level2_eid=True,
            )
        )
        school = Establishment(
            kind="school",
            province_code=KHANH_HOA,
            commune_code=NHA_TRANG,
            code="THCS1",
            name="Trường THCS Nha Trang",
            head_name="Lê Thị Hoa",
        )
        factory = Establishment(
            kind="enterprise",
            province_code=KHANH_HOA,
            commune_code=BAC_NHA_TRANG,
            code="DN1",
            name="Công ty Bắc Nha Trang",
            head_name="",
        )
        session.add_all([school, factory])
        session.flush()
        teacher = create_user(
            session,
            username="giaovien",
            password=PASSWORD,
            display_name="Cô giáo Hoa",
            role=Role.GUIDANCE_MEMBER,
            commune_code=NHA_TRANG,
            village_ids=[place.to_1],
        )
        other = session.scalar(select(User.id).where(User.username == "thanhvien.bnt"))
        assert other is not None
        session.add_all(
            [
                EstablishmentMember(establishment_id=school.id, person_id=PUPIL, role="pupil"),
                EstablishmentMember(
                    establishment_id=school.id, person_id=HOME_PERSON, role="staff"
                ),
                EstablishmentMember(
                    establishment_id=factory.id, person_id=STRANGER, role="employee"
                ),
                EstablishmentContact(establishment_id=school.id, user_id=teacher.id),
                EstablishmentContact(establishment_id=factory.id, user_id=other),
            ]
        )
        session.commit()
        return Schools(school=school.id, factory=factory.id)


def _visits(database: Database) -> int:
    with database.sessions() as session:
        return session.scalar(select(func.count()).select_from(FieldVisit)) or 0


def _body(person: str, establishment: int, **fields: object) -> dict[str, object]:
    return {
        "client_uuid": str(uuid.uuid4()),
        "person_id": person,
        "outcome": "not_home",
        "visited_at": "2026-03-20T09:30:00+07:00",
        "establishment_id": establishment,
        **fields,
    }


def test_the_contact_goes_straight_to_her_list_and_records_by_form(
    client: TestClient, database: Database, place: Place, schools: Schools
) -> None:
    signed_in_as(client, "giaovien")
    start = client.get(LIST)
    assert start.status_code == 303 and start.headers["location"] == f"{LIST}/{schools.school}"
    page = client.get(f"{LIST}/{schools.school}")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    text = page.text
    assert "Trường THCS Nha Trang" in text and "Còn 2 người cần hướng dẫn" in text
    assert text.index("Học sinh</h3>") < text.index("Cán bộ, giáo viên</h3>")
    assert "Học sinh Chín" in text and "Người 1" in text and "Người 2" not in text
    assert "Chưa có định danh mức 2" in text  # the staff member
    data = {
        "csrf_token": form_token(text),
        "client_uuid": str(uuid.uuid4()),
        "person": HOME_PERSON,
        "outcome": "guided_activated",
        "page": "1",
    }
    sent = client.post(f"{LIST}/{schools.school}/tham", data=data)
    assert sent.status_code == 303 and HOME_PERSON not in sent.headers["location"]
    assert client.post(f"{LIST}/{schools.school}/tham", data=data).status_code == 303
    assert _visits(database) == 1
    after = client.get(sent.headers["location"])
    assert "Còn 1 người cần hướng dẫn" in after.text and "Người 1" not in after.text
    with database.sessions() as session:
        visit = session.scalars(select(FieldVisit)).one()
        assert (visit.establishment_id, visit.village_id) == (schools.school, place.to_1)


def test_the_script_endpoint_is_idempotent_and_refuses_outsiders(
    client: TestClient, database: Database, schools: Schools
) -> None:
    signed_in_as(client, "giaovien")
    headers = {"X-CSRF-Token": form_token(client.get(f"{LIST}/{schools.school}").text)}
    body = _body(PUPIL, schools.school)
    first = client.post(API, json=body, headers=headers)
    assert first.status_code == 201 and first.json()["created"] is True
    again = client.post(API, json=body, headers=headers)
    assert again.status_code == 200 and again.json()["created"] is False
    assert client.post(API, json={**body, "outcome": "refused"}, headers=headers).status_code == 409
    assert client.post(API, json=body).status_code == 403  # no CSRF header
    assert client.post(API, json={**body, "client_uuid": "x"}, headers=headers).status_code == 422
    for person, establishment in ((NEIGHBOUR, schools.school), (STRANGER, schools.factory)):
        refused = client.post(API, json=_body(person, establishment), headers=headers)
        assert (
            refused.status_code == 404 and "không có trong danh sách" in refused.json()["message"]
        )
    assert _visits(database) == 1
    with database.sessions() as session:
        denied = session.scalars(
            select(AuditEntry.subject_person_id).where(
                AuditEntry.action == "record_establishment_visit", AuditEntry.outcome == "denied"
            )
        ).all()
    assert sorted(denied) == [NEIGHBOUR, STRANGER]


@pytest.mark.parametrize(
    "username",
    [
        "thanhvien",
        "thanhvien.bnt",
        "canbo.bnt",
        OFFICER,
        "congan",
        "soyte",
        "bhxh",
        "letan",
        "congdan",
        "quantri",
    ],
)
def test_everyone_else_gets_404_on_every_id_endpoint(
    client: TestClient, database: Database, schools: Schools, username: str
) -> None:
    signed_in_as(client, username)
    token = form_token(client.get("/").text)
    school = f"{LIST}/{schools.school}"
    assert client.get(school).status_code == 404
    form = {
        "csrf_token": token,
        "client_uuid": str(uuid.uuid4()),
        "person": PUPIL,
        "outcome": "not_home",
    }
    assert client.post(f"{school}/tham", data=form).status_code == 404
    api = client.post(API, json=_body(PUPIL, schools.school), headers={"X-CSRF-Token": token})
    assert api.status_code == 404
    listing = client.get(LIST)
    member = username in ("thanhvien", "thanhvien.bnt")
    assert listing.status_code == (303 if username == "thanhvien.bnt" else 200 if member else 404)
    if username == "thanhvien":
        assert listing.headers["cache-control"] == "no-store"
        assert "Bạn chưa được giao trường học hay doanh nghiệp nào" in listing.text
    assert _visits(database) == 0
