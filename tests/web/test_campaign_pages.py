"""The campaign's pages on both backends: a guidance member's households to visit and her
visits (form and script endpoints), the commune officer's teams; every other role, and
another commune's member or officer, gets the app's 404 on every endpoint that takes an ID;
pages are not cached; a POST without the CSRF token is refused."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from sokhoe.access.models import AuditEntry, User, UserVillage
from sokhoe.access.roles import Role
from sokhoe.access.service import create_user
from sokhoe.campaign import plans, service
from sokhoe.campaign.models import FieldVisit, GuidanceTeam, GuidanceTeamMember, TeamVillage
from sokhoe.campaign.vocabulary import Organisation
from sokhoe.registry.models import Citizen, Facility, Village
from sokhoe.runtime import Database
from tests.web.conftest import KHANH_HOA, NHA_TRANG, OFFICER, PASSWORD, form_token, sign_in

BAC_NHA_TRANG = 22333
FIELD, VISIT, API, TEAMS = (
    "/chien-dich/ho-can-tham",
    "/chien-dich/tham",
    "/api/chien-dich/tham",
    "/chien-dich/to-huong-dan",
)
HOME_PERSON, NEIGHBOUR, STRANGER = "056085000001", "056085000002", "056085000003"
_UUID = re.compile(r'name="client_uuid" value="([^"]+)"')


@dataclass(frozen=True)
class Place:
    to_1: int
    to_2: int
    to_9: int
    team: int
    #: The account id of "thanhvien", in ``team``.
    member: int


@pytest.fixture
def place(database: Database) -> Place:
    """Nha Trang's Tổ 1 (the member's, one resident without a level-2 e-ID), Tổ 2 (a
    neighbour); Bắc Nha Trang's Tổ 9 (a stranger, and that commune's member and officer);
    the 2026 campaign with one team of Nha Trang covering Tổ 1; an account of every role."""
    with database.sessions() as session:
        villages = [
            Village(commune_code=NHA_TRANG, name="Tổ 1"),
            Village(commune_code=NHA_TRANG, name="Tổ 2"),
            Village(commune_code=BAC_NHA_TRANG, name="Tổ 9"),
        ]
        session.add_all(villages)
        session.flush()
        to_1, to_2, to_9 = (v.id for v in villages)
        for pid, commune, village in (
            (HOME_PERSON, NHA_TRANG, to_1),
            (NEIGHBOUR, NHA_TRANG, to_2),
            (STRANGER, BAC_NHA_TRANG, to_9),
        ):
            session.add(
                Citizen(
                    person_id=pid,
                    full_name=f"Người {pid[-1]}",
                    birth_date=dt.date(1985, 1, 1),
                    commune_code=commune,
                    village_id=village,
                    household_id=f"HO{pid[-1]}",
                    level2_eid=False,
                )
            )
        session.add(Facility(code="56001", name="Trạm Y tế", commune_code=NHA_TRANG, kind="t"))
        session.flush()
        accounts = {
            "thanhvien": {
                "role": Role.GUIDANCE_MEMBER,
                "commune_code": NHA_TRANG,
                "village_ids": [to_1],
            },
            "thanhvien.bnt": {
                "role": Role.GUIDANCE_MEMBER,
                "commune_code": BAC_NHA_TRANG,
                "village_ids": [to_9],
            },
            "canbo.bnt": {"role": Role.COMMUNE_OFFICER, "commune_code": BAC_NHA_TRANG},
            "congan": {"role": Role.POLICE_OFFICER, "commune_code": NHA_TRANG},
            "soyte": {"role": Role.HEALTH_DEPARTMENT, "province_code": KHANH_HOA},
            "bhxh": {"role": Role.BHXH_OFFICER, "province_code": KHANH_HOA},
            "letan": {"role": Role.CLINIC_STAFF, "facility_code": "56001"},
            "congdan": {"role": Role.CITIZEN, "person_id": HOME_PERSON},
        }
        for username, fields in accounts.items():
            create_user(
                session, username=username, password=PASSWORD, display_name=username, **fields
            )  # type: ignore[arg-type]
        campaign = plans.create_peak_campaign(session, province_code=KHANH_HOA, year=2026)
        team = GuidanceTeam(
            campaign_id=campaign.id,
            commune_code=NHA_TRANG,
            name="Tổ công tác số 1",
            head_name="Nguyễn Văn Hùng",
            head_organisation=Organisation.POLICE.value,
        )
        session.add(team)
        session.flush()
        session.add(TeamVillage(campaign_id=campaign.id, village_id=to_1, team_id=team.id))
        member = session.scalar(select(User.id).where(User.username == "thanhvien"))
        assert member is not None
        session.add(GuidanceTeamMember(team_id=team.id, user_id=member, organisation="union"))
        session.commit()
        return Place(to_1=to_1, to_2=to_2, to_9=to_9, team=team.id, member=member)


def _as(client: TestClient, username: str) -> TestClient:
    client.cookies.clear()
    assert sign_in(client, username).status_code == 303
    return client


def _visit(client: TestClient, person: str, **fields: str) -> dict[str, str]:
    page = client.get(FIELD)
    return {
        "csrf_token": form_token(page.text),
        "client_uuid": fields.pop("client_uuid", str(uuid.uuid4())),
        "person": person,
        "outcome": "not_home",
        "thon": "1",
        **fields,
    }


def _visits(database: Database) -> int:
    with database.sessions() as session:
        return session.scalar(select(func.count()).select_from(FieldVisit)) or 0


def test_member_sees_her_households_and_records_a_visit_by_form(
    client: TestClient, database: Database, place: Place
) -> None:
    _as(client, "thanhvien")
    page = client.get(FIELD)
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert "Người 1" in page.text and "Người 2" not in page.text
    assert "Chưa có định danh mức 2" in page.text and "Vắng nhà" in page.text
    assert HOME_PERSON not in client.get(FIELD).url.path
    data = _visit(client, HOME_PERSON, outcome="guided_activated", thon=str(place.to_1))
    sent = client.post(VISIT, data=data)
    assert sent.status_code == 303 and HOME_PERSON not in sent.headers["location"]
    assert client.post(VISIT, data=data).status_code == 303  # a double submission
    assert _visits(database) == 1
    assert "Đã thăm hết các hộ" in client.get(sent.headers["location"]).text


def test_the_script_endpoint_is_idempotent_and_answers_409(
    client: TestClient, database: Database, place: Place
) -> None:
    _as(client, "thanhvien")
    token = form_token(client.get(FIELD).text)
    body = {
        "client_uuid": str(uuid.uuid4()),
        "person_id": HOME_PERSON,
        "outcome": "not_home",
        "visited_at": "2026-03-20T09:30:00+07:00",
    }
    headers = {"X-CSRF-Token": token}
    first = client.post(API, json=body, headers=headers)
    assert first.status_code == 201 and first.json()["created"] is True
    again = client.post(API, json=body, headers=headers)
    assert again.status_code == 200 and again.json()["created"] is False
    clash = client.post(API, json={**body, "outcome": "refused"}, headers=headers)
    assert clash.status_code == 409
    assert client.post(API, json=body).status_code == 403  # no CSRF header
    bad = client.post(API, json={**body, "client_uuid": "x"}, headers=headers)
    assert bad.status_code == 422
    assert _visits(database) == 1
    with database.sessions() as session:
        visit = session.scalars(select(FieldVisit)).one()
        assert visit.team_id == place.team and visit.visited_on == dt.date(2026, 3, 20)


def test_a_visit_outside_her_villages_is_refused_with_a_message_and_audited(
    client: TestClient, database: Database, place: Place
) -> None:
    _as(client, "thanhvien")
    refused = client.post(VISIT, data=_visit(client, NEIGHBOUR, thon=str(place.to_1)))
    assert refused.status_code == 404
    assert "không thuộc các thôn được giao cho bạn" in refused.text
    token = form_token(client.get(FIELD).text)
    body = {
        "client_uuid": str(uuid.uuid4()),
        "person_id": STRANGER,
        "outcome": "not_home",
        "visited_at": "2026-03-20T09:30:00+07:00",
    }
    api = client.post(API, json=body, headers={"X-CSRF-Token": token})
    assert api.status_code == 404 and "không thuộc" in api.json()["message"]
    assert _visits(database) == 0
    with database.sessions() as session:
        denied = session.scalars(
            select(AuditEntry.subject_person_id).where(
                AuditEntry.action == "record_field_visit", AuditEntry.outcome == "denied"
            )
        ).all()
    assert sorted(denied) == [NEIGHBOUR, STRANGER]


def test_another_village_in_the_url_is_a_404(client: TestClient, place: Place) -> None:
    _as(client, "thanhvien")
    for village in (place.to_2, place.to_9, 999_999):
        assert client.get(f"{FIELD}?thon={village}").status_code == 404


@pytest.mark.parametrize(
    "username",
    [
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
def test_other_roles_and_communes_get_404_on_every_id_endpoint(
    client: TestClient, database: Database, place: Place, username: str
) -> None:
    _as(client, username)
    token = form_token(client.get("/").text)
    body = {
        "client_uuid": str(uuid.uuid4()),
        "person_id": HOME_PERSON,
        "outcome": "not_home",
        "visited_at": "2026-03-20T09:30:00+07:00",
    }
    assert client.post(API, json=body, headers={"X-CSRF-Token": token}).status_code == 404
    form = {"csrf_token": token, "client_uuid": body["client_uuid"], "person": HOME_PERSON}
    assert client.post(VISIT, data={**form, "outcome": "not_home", "thon": "1"}).status_code == 404
    if username != OFFICER:  # Nha Trang's team, village and members
        assign = {"csrf_token": token, "team": str(place.team), "village": str(place.to_2)}
        assert client.post(f"{TEAMS}/giao-thon", data=assign).status_code == 404
        member = {
            "csrf_token": token,
            "team": str(place.team),
            "member": "1",
            "organisation": "police",
        }
        assert client.post(f"{TEAMS}/thanh-vien", data=member).status_code == 404
        removal = {"csrf_token": token, "team": str(place.team), "member": str(place.member)}
        assert client.post(f"{TEAMS}/bo-thanh-vien", data=removal).status_code == 404
    member_page, officer_page = client.get(FIELD), client.get(TEAMS)
    assert (member_page.status_code == 200) is (username == "thanhvien.bnt")
    assert (officer_page.status_code == 200) is (username in (OFFICER, "canbo.bnt"))
    assert _visits(database) == 0


def test_officer_forms_a_team_and_assigns_a_village(
    client: TestClient, database: Database, place: Place
) -> None:
    _as(client, OFFICER)
    page = client.get(TEAMS)
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert "Tổ công tác số 1" in page.text and "Nguyễn Văn Hùng" in page.text
    token = form_token(page.text)
    created = client.post(
        f"{TEAMS}/to-moi",
        data={
            "csrf_token": token,
            "name": "Tổ 2",
            "head_name": "Lê Thị Mai",
            "head_organisation": "health",
        },
    )
    assert created.status_code == 303
    with database.sessions() as session:
        second = session.scalar(select(GuidanceTeam.id).where(GuidanceTeam.name == "Tổ 2"))
    assert second is not None
    assign = {
        "csrf_token": token,
        "team": str(second),
        "village": str(place.to_2),
        "current_team": "",
    }
    assert client.post(f"{TEAMS}/giao-thon", data=assign).status_code == 303
    stale = client.post(f"{TEAMS}/giao-thon", data={**assign, "team": str(place.team)})
    assert stale.status_code == 409 and "vừa được giao cho tổ khác" in stale.text
    moved = client.post(
        f"{TEAMS}/giao-thon", data={**assign, "team": str(place.team), "current_team": str(second)}
    )
    assert moved.status_code == 303
    typed = client.post(
        f"{TEAMS}/to-moi",
        data={
            "csrf_token": token,
            "name": "Tổ 2",
            "head_name": "Ai đó",
            "head_organisation": "police",
        },
    )
    assert typed.status_code == 422 and 'value="Ai đó"' in typed.text  # nothing typed is lost
    removal = {"csrf_token": token, "team": str(place.team), "member": str(place.member)}
    stranded = client.post(f"{TEAMS}/bo-thanh-vien", data=removal)  # her only team
    assert stranded.status_code == 422 and "không còn thôn nào" in stranded.text
    joined = client.post(
        f"{TEAMS}/thanh-vien", data={**removal, "team": str(second), "organisation": "union"}
    )
    assert joined.status_code == 303
    assert (
        client.post(
            f"{TEAMS}/giao-thon",
            data={**assign, "team": str(second), "current_team": str(place.team)},
        ).status_code
        == 303
    )
    assert client.post(f"{TEAMS}/bo-thanh-vien", data=removal).status_code == 303
    with database.sessions() as session:
        her = session.scalars(
            select(UserVillage.village_id).where(UserVillage.user_id == place.member)
        ).all()
    assert her == [place.to_2]  # Tổ 1 went with the team she left
    with database.sessions() as session:
        assert service.active_campaign(session, KHANH_HOA) is not None


def test_posts_without_the_csrf_token_are_refused(client: TestClient, place: Place) -> None:
    _as(client, "thanhvien")
    data = _visit(client, HOME_PERSON)
    del data["csrf_token"]
    assert client.post(VISIT, data=data).status_code == 403
    _as(client, OFFICER)
    assign = {"team": str(place.team), "village": str(place.to_2)}
    assert client.post(f"{TEAMS}/giao-thon", data=assign).status_code == 403
